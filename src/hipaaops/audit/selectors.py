"""Reading the audit trail, always within one organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import CharField, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from hipaaops.audit.models import Action, AuditEntry
from hipaaops.core.errors import DomainError
from hipaaops.organizations.models import Membership

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization


@dataclass(frozen=True)
class AuditFilter:
    user: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None

    def validate(self) -> None:
        if self.action and self.action not in Action.values:
            raise DomainError(f"Unknown action {self.action!r}.", field="action")
        if self.since and self.until and self.until < self.since:
            raise DomainError("The end date is before the start date.", field="until")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def entries_for(organization: Organization, flt: AuditFilter | None = None) -> QuerySet[AuditEntry]:
    """The organization's entries, newest first, and the sign-in events of its members."""
    flt = flt or AuditFilter()
    flt.validate()
    members = Membership.objects.filter(organization=organization).values("user_id")
    account_events = [
        Action.LOGIN,
        Action.LOGOUT,
        Action.LOGIN_FAILED,
        Action.SESSION_TIMEOUT,
        Action.LOCKOUT,
        Action.MFA,
    ]
    # Sign-in events belong to no organization; an organization sees those of its members.
    qs = AuditEntry.objects.filter(
        Q(organization=organization)
        | Q(
            organization__isnull=True,
            action__in=account_events,
            object_type="accounts.user",
            object_id__in=Subquery(
                members.annotate(uid=Cast("user_id", CharField())).values("uid")
            ),
        )
    )
    if flt.user:
        qs = qs.filter(actor_label__icontains=flt.user)
    if flt.action:
        qs = qs.filter(action=flt.action)
    if flt.object_type:
        qs = qs.filter(object_type__icontains=flt.object_type)
    if flt.object_id:
        qs = qs.filter(object_id=flt.object_id)
    if flt.since:
        qs = qs.filter(created_at__gte=_day_start(flt.since))
    if flt.until:
        qs = qs.filter(created_at__lt=_day_start(flt.until + timedelta(days=1)))
    return qs.order_by("-seq")
