"""The dashboard's figures. Each module registers a provider; all figures are real counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils import timezone

from hipaaops.core.roles import Capability

if TYPE_CHECKING:
    from hipaaops.organizations.access import OrgAccess


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int
    detail: str = ""
    tone: str = "neutral"  # neutral, good, warn, bad
    url: str = ""


Provider = Callable[["OrgAccess"], list[Figure]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    _providers.append(provider)
    return provider


def figures_for(access: OrgAccess) -> list[Figure]:
    result: list[Figure] = []
    for provider in _providers:
        result.extend(provider(access))
    return result


@register
def _people(access: OrgAccess) -> list[Figure]:
    from allauth.mfa.models import Authenticator

    from hipaaops.core.roles import mfa_required
    from hipaaops.organizations.models import Membership

    org = access.organization
    rows = list(Membership.objects.filter(organization=org).values_list("user_id", "role"))
    with_mfa = set(
        Authenticator.objects.filter(
            user_id__in=[u for u, _ in rows], type=Authenticator.Type.TOTP
        ).values_list("user_id", flat=True)
    )
    required = [u for u, role in rows if mfa_required(role, org.require_mfa_for_all)]
    missing = [u for u in required if u not in with_mfa]
    return [
        Figure("members", "Members", len(rows)),
        Figure(
            "mfa_enrolled",
            "Members with two-factor authentication",
            len([u for u, _ in rows if u in with_mfa]),
            detail=f"{len(missing)} required but not set up"
            if missing
            else "all who must have it do",
            tone="bad" if missing else "good",
        ),
    ]


@register
def _activity(access: OrgAccess) -> list[Figure]:
    if not access.can(Capability.VIEW_AUDIT):
        return []
    from hipaaops.audit.models import Action
    from hipaaops.audit.selectors import entries_for

    since = timezone.now() - timedelta(days=7)
    recent = entries_for(access.organization).filter(created_at__gte=since)
    counts = recent.aggregate(
        total=Count("pk"),
        logins=Count("pk", filter=Q(action=Action.LOGIN)),
        failed=Count("pk", filter=Q(action__in=[Action.LOGIN_FAILED, Action.LOCKOUT])),
    )
    return [
        Figure("audit_7d", "Audit entries, last 7 days", counts["total"]),
        Figure("logins_7d", "Sign-ins, last 7 days", counts["logins"]),
        Figure(
            "failed_logins_7d",
            "Failed sign-ins and lockouts, last 7 days",
            counts["failed"],
            tone="warn" if counts["failed"] else "good",
        ),
    ]


@register
def _emergency(access: OrgAccess) -> list[Figure]:
    from hipaaops.organizations.models import EmergencyAccessGrant

    now = timezone.now()
    active = EmergencyAccessGrant.objects.filter(
        organization=access.organization, ended_at__isnull=True, expires_at__gt=now
    ).count()
    return [
        Figure(
            "emergency_active",
            "Emergency access in force",
            active,
            tone="warn" if active else "good",
        )
    ]
