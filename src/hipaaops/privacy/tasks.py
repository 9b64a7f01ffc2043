"""The request register's job: e-mail reminders 7, 3 and 1 days before a request is due
(45 CFR 164.524(b)(2), 164.526(b)(2), 164.528(c)(1)), once each."""

from __future__ import annotations

from datetime import date

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hipaaops.core import context

REMIND_DAYS_BEFORE = (7, 3, 1)


def send_request_reminders(today: date | None = None) -> int:
    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import timezone

    from hipaaops.audit.models import Action, AuditEntry
    from hipaaops.audit.services import record
    from hipaaops.organizations.models import Membership, Organization
    from hipaaops.privacy import selectors
    from hipaaops.privacy.models import CLOSED_STATUSES, PrivacyRequest

    today = today or timezone.localdate()
    sent = 0
    orgs = Organization.objects.filter(
        pk__in=PrivacyRequest.objects.exclude(status__in=CLOSED_STATUSES).values("organization_id")
    )
    for org in orgs:
        for row in selectors.rows(org, open_only=True):
            if row.due is None or (row.due - today).days not in REMIND_DAYS_BEFORE:
                continue
            days = (row.due - today).days
            key = f"reminder {row.due.isoformat()} {days}"
            # Once per request, due date and day: the audit trail is the record of what was sent.
            if AuditEntry.objects.filter(
                organization=org,
                object_type="privacy.privacyrequest",
                object_id=str(row.request.pk),
                object_repr=key,
            ).exists():
                continue
            to = (
                [row.request.assignee.email]
                if row.request.assignee
                else sorted(
                    Membership.objects.filter(
                        organization=org, role__in=["owner", "compliance_officer"]
                    ).values_list("user__email", flat=True)
                )
            )
            if not to:
                continue
            record(
                Action.SYSTEM,
                actor=None,
                organization=org,
                object_type="privacy.privacyrequest",
                object_id=str(row.request.pk),
                object_repr=key,
                changes={"reminder_to": to},
            )
            send_mail(
                subject=f"{row.request.reference}: {row.request.get_right_display()} due in {days} day{'s' if days != 1 else ''}",
                message=f"{row.request.reference} must be acted on by {row.due.isoformat()} ({row.clock.citation if row.clock else ''}).",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=to,
            )
            sent += 1
    return sent


@db_periodic_task(crontab(minute="15", hour="7"))
def request_reminders() -> int:
    with context.acting(context.ActorContext(via="task", request_id="privacy_request_reminders")):
        return send_request_reminders()
