"""The incident register (45 CFR 164.308(a)(6)): incidents with their timeline and tasks, the
breach determinations (164.402) kept as signed versions, the facts the notification plan is
computed from (164.404-164.412), and the affected individuals, stored encrypted."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from hipaaops.core.crypto import EncryptedJSONField
from hipaaops.core.tenancy import TenantModel


class Category(models.TextChoices):
    LOST_OR_STOLEN_DEVICE = "lost_or_stolen_device", "Lost or stolen device or media"
    MISDIRECTED = "misdirected", "Misdirected mail, e-mail or fax"
    UNAUTHORIZED_ACCESS = "unauthorized_access", "Unauthorized access or use"
    HACKING = "hacking", "Hacking or IT incident"
    MALWARE = "malware", "Malware or ransomware"
    PHISHING = "phishing", "Phishing"
    IMPROPER_DISPOSAL = "improper_disposal", "Improper disposal"
    VENDOR = "vendor", "At a business associate"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Status(models.TextChoices):
    REPORTED = "reported", "Reported"
    TRIAGE = "triage", "Triage"
    CONTAINED = "contained", "Contained"
    INVESTIGATING = "investigating", "Investigating"
    DETERMINATION = "determination", "Determination"
    NOTIFYING = "notifying", "Notifying"
    CLOSED = "closed", "Closed"


CONCLUSION_LABELS = {
    "not_a_breach_no_phi": "Not a breach: no PHI involved",
    "secured_no_notification": "Secured PHI: no notification required",
    "exception_applies": "Not a breach: an exception of 164.402(1) applies",
    "low_probability_of_compromise": "Not a breach: low probability of compromise",
    "breach": "Breach of unsecured PHI: notification required",
}


class Incident(TenantModel):
    """A security incident (45 CFR 164.304): an attempted or successful unauthorized access, use,
    disclosure, modification or destruction of information, or interference with systems."""

    number = models.PositiveIntegerField()  # per organization: INC-0001
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=40, choices=Category.choices)
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.MODERATE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REPORTED)
    occurred_on = models.DateField(null=True, blank=True)
    discovered_on = models.DateField()
    discovered_by = models.CharField(max_length=200, blank=True)
    reported_on = models.DateField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    affected_systems = models.TextField(blank=True)  # assets, until the inventory exists
    affected_vendors = models.TextField(blank=True)  # free text, for parties not in the registry
    vendors = models.ManyToManyField("vendors.Vendor", blank=True, related_name="incidents")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Attachments: hashed, kept, sniffed files in the one document store.
    documents = models.ManyToManyField("safeguards.Document", blank=True, related_name="incidents")

    class Meta:
        ordering = ["-discovered_on", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="incident_number")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"INC-{self.number:04d}"


class TimelineEntry(TenantModel):
    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        ACTION = "action", "Action taken"
        STATUS = "status", "Status change"
        DETERMINATION = "determination", "Determination"
        NOTICE = "notice", "Notice sent"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class Task(TenantModel):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Determination(TenantModel):
    """One version of the breach determination (45 CFR 164.402). A finalized version is signed
    and never changes; an amendment is a new version that supersedes it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="determinations")
    version = models.PositiveIntegerField()
    inputs = models.JSONField()  # rules.inputs.incident_to_json
    conclusion = models.CharField(max_length=40)
    result = models.JSONField()  # reasons and factor ratings, as computed
    summary = models.TextField(blank=True)  # the handler's overall rationale
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "version"], name="determination_version")
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference} determination v{self.version}: {self.conclusion}"

    @property
    def finalized(self) -> bool:
        return self.finalized_at is not None

    @property
    def conclusion_label(self) -> str:
        return CONCLUSION_LABELS.get(self.conclusion, self.conclusion)


class NotificationFacts(TenantModel):
    """What the notification plan is computed from (45 CFR 164.404(a)(2), 164.406, 164.408,
    164.410, 164.412). State counts come from the affected individuals when they are loaded."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="facts")
    affected_by_state = models.JSONField(default=dict)  # used when no individuals are loaded
    insufficient_contact_info = models.PositiveIntegerField(default=0)
    law_enforcement_delay = models.JSONField(null=True, blank=True)
    business_associate = models.JSONField(null=True, blank=True)
    baa_reporting_days = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Notification facts of {self.incident.reference}"


class AffectedIndividual(TenantModel):
    """A person whose PHI was involved. Name, address, e-mail and phone are kept together as one
    encrypted document (one Fernet token per person: a million people load in about a minute);
    every read of the list is recorded in the audit trail."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="individuals")
    line = models.PositiveIntegerField()  # the line of the import it came from
    contact = EncryptedJSONField(default=dict)  # {"name", "address", "email", "phone"}
    state = models.CharField(max_length=2)  # the State or jurisdiction, for the media and plan
    deceased = models.BooleanField(default=False)  # notice to next of kin, 164.404(d)(1)(ii)
    minor = models.BooleanField(default=False)  # notice to the parent or guardian
    contact_insufficient = models.BooleanField(default=False)  # substitute notice, 164.404(d)(2)

    class Meta:
        ordering = ["line"]

    def __str__(self) -> str:
        return f"Affected individual {self.pk} of {self.incident_id}"

    def _contact(self, key: str) -> str:
        contact: Any = self.contact  # a dict once read (the field stores it as one token)
        return str(contact.get(key, "")) if isinstance(contact, dict) else ""

    @property
    def name(self) -> str:
        return self._contact("name")

    @property
    def address(self) -> str:
        return self._contact("address")

    @property
    def email(self) -> str:
        return self._contact("email")

    @property
    def phone(self) -> str:
        return self._contact("phone")


class NoticeContent(TenantModel):
    """What the individual notices say (45 CFR 164.404(c)(1)(A)-(E)), in the organization's words."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="notice")
    what_happened = models.TextField(blank=True)
    information = models.JSONField(default=list)  # rules.letters.INFORMATION_WORDS keys
    steps = models.TextField(blank=True)
    what_we_are_doing = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)  # toll-free
    email = models.CharField(max_length=254, blank=True)
    website = models.CharField(max_length=200, blank=True)
    postal_address = models.TextField(blank=True)
    signer = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Notice content of {self.incident.reference}"


class DeadlineReminder(TenantModel):
    """A reminder sent for one notification deadline, so each is sent once (14, 7 and 1 days
    before)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reminders")
    obligation = models.CharField(max_length=40)
    state = models.CharField(max_length=2, blank=True)
    due_on = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_to = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "obligation", "state", "due_on", "days_before"],
                name="one_reminder_per_deadline_and_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.obligation} {self.days_before} days"
