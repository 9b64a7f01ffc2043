"""The incident register's job: e-mail reminders 14, 7 and 1 days before each notification
deadline (45 CFR 164.404(b), 164.406(b), 164.408(b), 164.410(b)), once each."""

from __future__ import annotations

from datetime import date

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hipaaops.core import context

REMIND_DAYS_BEFORE = (14, 7, 1)


def _recipients(incident: object) -> list[str]:
    from hipaaops.organizations.models import Membership

    handler = getattr(incident, "handler", None)
    if handler is not None:
        return [handler.email]
    return sorted(
        Membership.objects.filter(
            organization_id=incident.organization_id,  # type: ignore[attr-defined]
            role__in=["owner", "compliance_officer"],
        ).values_list("user__email", flat=True)
    )


def send_deadline_reminders(today: date | None = None) -> int:
    """Send the reminders due today; returns how many were sent."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from hipaaops.audit.models import Action
    from hipaaops.audit.services import record
    from hipaaops.incidents import selectors
    from hipaaops.incidents.models import DeadlineReminder, Incident, Status
    from hipaaops.organizations.models import Organization

    today = today or timezone.localdate()
    sent = 0
    orgs = Organization.objects.filter(
        pk__in=Incident.objects.exclude(status=Status.CLOSED).values("organization_id")
    )
    for org in orgs:
        for o in selectors.upcoming_deadlines(org):
            days = (o.due - today).days
            if days not in REMIND_DAYS_BEFORE:
                continue
            to = _recipients(o.incident)
            if not to:
                continue
            try:
                with transaction.atomic():
                    DeadlineReminder.objects.create(
                        organization=org,
                        incident=o.incident,
                        obligation=o.id,
                        state=o.state or "",
                        due_on=o.due,
                        days_before=days,
                        sent_to=", ".join(to),
                    )
                    record(
                        Action.SYSTEM,
                        actor=None,
                        organization=org,
                        target=o.incident,
                        changes={
                            "reminder": o.id,
                            "state": o.state,
                            "due": o.due.isoformat(),
                            "days_before": days,
                        },
                    )
            except IntegrityError:
                continue  # already sent today
            where = f" for {o.state}" if o.state else ""
            send_mail(
                subject=f"{o.incident.reference}: {o.title}{where} due in {days} day{'s' if days != 1 else ''}",
                message=(
                    f"{o.title}{where} for {o.incident.reference} ({o.incident.title}) is due on "
                    f"{o.due.isoformat()}, {days} day{'s' if days != 1 else ''} from now "
                    f"({o.citation}).\n\nThe notification plan is on the incident's page in hipaaops."
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=to,
            )
            sent += 1
    return sent


@db_periodic_task(crontab(minute="5", hour="7"))
def deadline_reminders() -> int:
    with context.acting(context.ActorContext(via="task", request_id="breach_deadline_reminders")):
        return send_deadline_reminders()
