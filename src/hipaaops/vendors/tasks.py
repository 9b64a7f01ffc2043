"""The business associate program's daily job: reminders for agreements ending, security
reviews falling due, questionnaires overdue, audit reports expired and (overlay on) written
verifications missing. Each reminder goes once, on the dashboard and by e-mail; the audit trail
is the record of what was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hipaaops.core import context

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization


@dataclass(frozen=True)
class Reminder:
    kind: str
    object_type: str
    object_id: int
    key: str  # what makes it unique: the target date and step
    subject: str
    message: str


def due_reminders(org: Organization, today: date) -> list[Reminder]:
    """The reminders due today for one organization."""
    from hipaaops.vendors import rules, selectors
    from hipaaops.vendors.models import ReviewStatus, SecurityReview, VendorStatus

    found: list[Reminder] = []
    vendor_rows = selectors.vendor_rows(org, today=today)
    for row in (a for vrow in vendor_rows for a in vrow.agreements):
        a = row.agreement
        if row.in_force and row.term_end:
            step = rules.reminder_due(row.term_end, today, rules.EXPIRY_REMINDER_DAYS)
            if step is not None and not a.auto_renews:
                found.append(
                    Reminder(
                        rules.ReminderKind.BAA_EXPIRING,
                        "vendors.agreement",
                        a.pk,
                        f"expiring {row.term_end} {step}",
                        f"{a.title} ends in {step} days",
                        f"{a.title} with {a.vendor.name} ends on {row.term_end}. Renew it before "
                        "the vendor handles PHI without one (45 CFR 164.502(e)).",
                    )
                )
        if row.status == rules.AgreementStatus.EXPIRED and row.term_end:
            found.append(
                Reminder(
                    rules.ReminderKind.BAA_EXPIRED,
                    "vendors.agreement",
                    a.pk,
                    f"expired {row.term_end}",
                    f"{a.title} has expired",
                    f"{a.title} with {a.vendor.name} ended on {row.term_end}.",
                )
            )
        if row.verification_due and row.verification_due <= today:
            found.append(
                Reminder(
                    rules.ReminderKind.VERIFICATION_MISSING,
                    "vendors.agreement",
                    a.pk,
                    f"verification {row.verification_due}",
                    f"{a.vendor.name}: written verification due",
                    f"The written verification of technical safeguards from {a.vendor.name} was "
                    f"due on {row.verification_due} (proposed 164.308(b)(1)).",
                )
            )
    for vrow in vendor_rows:
        v = vrow.vendor
        due = v.review_due_on
        if v.status == VendorStatus.ACTIVE and due:
            step = rules.reminder_due(due, today, rules.REVIEW_REMINDER_DAYS)
            if step is not None:
                found.append(
                    Reminder(
                        rules.ReminderKind.REVIEW_DUE,
                        "vendors.vendor",
                        v.pk,
                        f"review {due} {step}",
                        f"{v.name}: security review due {'today' if step == 0 else f'in {step} days'}",
                        f"The security review of {v.name} is due on {due}.",
                    )
                )
    for review in SecurityReview.objects.filter(
        organization=org, status=ReviewStatus.SENT, due_on__lt=today
    ).select_related("vendor"):
        found.append(
            Reminder(
                rules.ReminderKind.QUESTIONNAIRE_OVERDUE,
                "vendors.securityreview",
                review.pk,
                f"overdue {review.due_on}",
                f"{review.vendor.name}: questionnaire overdue",
                f"{review.vendor.name} has not answered the questionnaire due on {review.due_on}.",
            )
        )
    for review in selectors.latest_accepted_reviews(org).values():
        for report in review.reports:
            if report.get("expires_on") and date.fromisoformat(report["expires_on"]) < today:
                label = rules.questionnaire().report_types.get(report["kind"], report["kind"])
                found.append(
                    Reminder(
                        rules.ReminderKind.REPORT_EXPIRED,
                        "vendors.securityreview",
                        review.pk,
                        f"report {report['kind']} {report['expires_on']}",
                        f"{review.vendor.name}: {label} expired",
                        f"The {label} of {review.vendor.name} expired on {report['expires_on']}; "
                        "ask for the current one.",
                    )
                )
    return found


def send_vendor_reminders(today: date | None = None) -> int:
    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import transaction
    from django.utils import timezone

    from hipaaops.audit.models import Action, AuditEntry
    from hipaaops.audit.services import record
    from hipaaops.organizations.models import Membership, Organization
    from hipaaops.vendors.models import Vendor

    today = today or timezone.localdate()
    sent = 0
    for org in Organization.objects.filter(pk__in=Vendor.objects.values("organization_id")):
        recipients = sorted(
            Membership.objects.filter(
                organization=org, role__in=["owner", "compliance_officer"]
            ).values_list("user__email", flat=True)
        )
        for reminder in due_reminders(org, today):
            repr_key = f"reminder {reminder.kind} {reminder.key}"
            if AuditEntry.objects.filter(
                organization=org,
                object_type=reminder.object_type,
                object_id=str(reminder.object_id),
                object_repr=repr_key,
            ).exists():
                continue
            with transaction.atomic():
                record(
                    Action.SYSTEM,
                    actor=None,
                    organization=org,
                    object_type=reminder.object_type,
                    object_id=str(reminder.object_id),
                    object_repr=repr_key,
                    changes={"reminder_to": recipients, "subject": reminder.subject},
                )
            if recipients:
                send_mail(
                    subject=reminder.subject,
                    message=reminder.message,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=recipients,
                )
            sent += 1
    return sent


@db_periodic_task(crontab(minute="20", hour="7"))
def vendor_reminders() -> int:
    with context.acting(context.ActorContext(via="task", request_id="vendor_reminders")):
        return send_vendor_reminders()
