"""The Privacy Rule request register: individuals' requests under 45 CFR 164.522-164.528 with their
clocks, who asked and for whom (stored encrypted), how identity was verified (164.514(h)), and
what was decided and sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from hipaaops.core.crypto import EncryptedJSONField
from hipaaops.core.tenancy import TenantModel


class RequestRight(models.TextChoices):
    ACCESS = "access", "Access to inspect or get a copy (164.524)"
    AMENDMENT = "amendment", "Amendment (164.526)"
    ACCOUNTING = "accounting", "Accounting of disclosures (164.528)"
    RESTRICTION = "restriction", "Restriction (164.522(a))"
    CONFIDENTIAL_COMMUNICATIONS = (
        "confidential_communications",
        "Confidential communications (164.522(b))",
    )


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_PROGRESS = "in_progress", "In progress"
    EXTENDED = "extended", "Extended"
    GRANTED = "granted", "Granted, response sent"
    PARTLY_GRANTED = "partly_granted", "Partly granted, response sent"
    DENIED = "denied", "Denied, response sent"
    WITHDRAWN = "withdrawn", "Withdrawn"


CLOSED_STATUSES = (
    RequestStatus.GRANTED,
    RequestStatus.PARTLY_GRANTED,
    RequestStatus.DENIED,
    RequestStatus.WITHDRAWN,
)


class PrivacyRequest(TenantModel):
    """One request by or for an individual. The requester's and the individual's details are
    one encrypted document; reading them is recorded in the audit trail."""

    number = models.PositiveIntegerField()  # per organization: REQ-0001
    right = models.CharField(max_length=40, choices=RequestRight.choices)
    people = EncryptedJSONField(
        default=dict
    )  # requester, individual, contact, representative basis
    received_on = models.DateField()
    channel = models.CharField(max_length=40, blank=True)  # mail, portal, in person, intake page
    identity_verification = models.TextField(blank=True)  # 164.514(h)
    form_and_format = models.CharField(max_length=200, blank=True)  # 164.524(c)(2)
    summary = models.TextField(blank=True)  # what is asked, without PHI where possible
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    extended_on = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    expected_date = models.DateField(null=True, blank=True)
    fee = models.JSONField(null=True, blank=True)  # the itemized fee (164.524(c)(4)), when charged
    denial_ground = models.TextField(blank=True)
    denial_reviewable = models.BooleanField(null=True, blank=True)
    response_sent_on = models.DateField(null=True, blank=True)
    response_summary = models.TextField(blank=True)
    # Amendment denied (164.526(d)): the individual's statement of disagreement and our rebuttal.
    disagreement = models.TextField(blank=True)
    rebuttal = models.TextField(blank=True)
    # Access denied on a reviewable ground (164.524(a)(4), (d)(4)): the review by a licensed health
    # care professional who did not take part in the original decision.
    review = models.JSONField(null=True, blank=True)
    # For a restriction (164.522(a)): what decides whether it may be refused (rules.restrictions).
    restriction = models.JSONField(null=True, blank=True)
    # Attachments (the written request, the response sent): sniffed, hashed, kept.
    documents = models.ManyToManyField(
        "safeguards.Document", blank=True, related_name="privacy_requests"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_on", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="privacy_request_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_right_display()}"

    @property
    def reference(self) -> str:
        return f"REQ-{self.number:04d}"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


class Disclosure(TenantModel):
    """A disclosure of an individual's PHI that an accounting may have to list (45 CFR 164.528),
    kept six years (164.530(j)(2)). The individual is found by a keyed hash of their record
    identifier; their name and identifier are stored encrypted."""

    individual_key = models.CharField(max_length=64, db_index=True)
    individual = EncryptedJSONField(default=dict)  # {"name", "identifier"}
    disclosed_on = models.DateField()
    recipient = models.CharField(max_length=300)
    description = models.TextField()
    purpose = models.TextField()
    exemption = models.CharField(max_length=40, blank=True)  # rules.Exemption, when exempt
    suspended_until = models.DateField(null=True, blank=True)  # 164.528(a)(2)
    source = models.CharField(max_length=40, default="manual")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-disclosed_on", "-pk"]

    def __str__(self) -> str:
        return f"Disclosure on {self.disclosed_on.isoformat()} to {self.recipient}"


class AccountingRecord(TenantModel):
    """An accounting given to an individual: the date it was asked for decides whether the next
    one is free (164.528(c)(2)); the letter itself is kept as produced."""

    individual_key = models.CharField(max_length=64, db_index=True)
    requested_on = models.DateField()
    period_start = models.DateField()
    period_end = models.DateField()
    listed = models.PositiveIntegerField()
    free = models.BooleanField()
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    produced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_on", "-pk"]

    def __str__(self) -> str:
        return f"Accounting requested {self.requested_on.isoformat()}"


class Complaint(TenantModel):
    """A complaint about the entity's privacy practices (45 CFR 164.530(d)): received, handled,
    its disposition documented, kept six years (164.530(j)(2))."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        INVESTIGATING = "investigating", "Investigating"
        RESOLVED = "resolved", "Resolved"

    number = models.PositiveIntegerField()
    received_on = models.DateField()
    complainant = EncryptedJSONField(default=dict)  # {"name", "contact"}; may be anonymous
    summary = models.TextField()
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    disposition = models.TextField(blank=True)
    disposed_on = models.DateField(null=True, blank=True)
    sanction_reference = models.CharField(max_length=200, blank=True)  # 164.530(e), when applied
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="privacy_complaint_number"
            )
        ]

    def __str__(self) -> str:
        return f"CMP-{self.number:04d}"

    @property
    def reference(self) -> str:
        return f"CMP-{self.number:04d}"


class NoticeVersion(TenantModel):
    """A version of the notice of privacy practices (45 CFR 164.520) with its effective date."""

    version = models.CharField(max_length=40)
    effective_on = models.DateField()
    summary_of_changes = models.TextField(blank=True)
    document = models.ForeignKey(
        "safeguards.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "version"], name="npp_version")
        ]

    def __str__(self) -> str:
        return f"Notice of privacy practices {self.version}"


class NoticePosting(TenantModel):
    """Where and when a notice was posted or made available (164.520(c)(2)(iii), (c)(3))."""

    notice = models.ForeignKey(NoticeVersion, on_delete=models.CASCADE, related_name="postings")
    where = models.CharField(max_length=200)
    posted_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-posted_on"]

    def __str__(self) -> str:
        return f"{self.where} {self.posted_on.isoformat()}"


class AcknowledgementEffort(TenantModel):
    """A direct treatment provider's good-faith effort to get a patient's written acknowledgement
    of the notice, and why it was not obtained when it was not (164.520(c)(2)(ii))."""

    notice = models.ForeignKey(
        NoticeVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    individual_key = models.CharField(max_length=64, db_index=True)
    individual = EncryptedJSONField(default=dict)  # {"name", "identifier"}
    first_service_on = models.DateField()
    obtained = models.BooleanField()
    reason_not_obtained = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-first_service_on"]

    def __str__(self) -> str:
        return f"Acknowledgement effort {self.pk}"


class PrivacySettings(TenantModel):
    """Per organization: whether the public intake page for rights requests is open."""

    intake_enabled = models.BooleanField(default=False)
    intake_intro = models.TextField(blank=True)

    def __str__(self) -> str:
        return "Privacy settings"
