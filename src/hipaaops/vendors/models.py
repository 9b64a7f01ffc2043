"""Business associates: vendors and the covered entities we serve, their agreements with the
provisions 45 CFR 164.504(e) and 164.314(a) require, and vendor security reviews."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from hipaaops.core.tenancy import TenantModel
from hipaaops.vendors import rules


class Relationship(models.TextChoices):
    VENDOR = "vendor", "Vendor (works for us)"
    UPSTREAM = "upstream", "Covered entity we serve as a business associate"


class PhiAccess(models.TextChoices):
    NONE = "none", "None"
    LIMITED = "limited", "Limited"
    FULL = "full", "Full"


class VendorStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    OFFBOARDED = "offboarded", "Offboarded"


class Vendor(TenantModel):
    """A party that handles PHI with us: a vendor (and, through ``parent``, its own
    subcontractors) or, for a business associate, a covered entity it serves."""

    name = models.CharField(max_length=200)
    relationship = models.CharField(
        max_length=20, choices=Relationship.choices, default=Relationship.VENDOR
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subcontractors"
    )
    services = models.TextField(blank=True)
    contacts = models.JSONField(default=list, blank=True)  # [{name, email, phone, role}]
    phi_access = models.CharField(max_length=10, choices=PhiAccess.choices, default="none")
    phi_kinds = models.JSONField(default=list, blank=True)
    locations = models.CharField(max_length=300, blank=True)  # where PHI is processed
    offshore = models.BooleanField(default=False)
    operates = models.TextField(blank=True)  # the assets and data flows it runs for us
    determination = models.JSONField(null=True, blank=True)  # facts, outcome, reasons, by, on
    outcome = models.CharField(max_length=30, blank=True)  # rules.Outcome, once determined
    risk_tier = models.CharField(max_length=20, blank=True)
    tier_reasons = models.JSONField(default=list, blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    review_months = models.PositiveSmallIntegerField(default=rules.DEFAULT_REVIEW_MONTHS)
    status = models.CharField(max_length=20, choices=VendorStatus.choices, default="active")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="vendor_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_business_associate(self) -> bool | None:
        if not self.outcome:
            return None
        return self.outcome != rules.Outcome.NOT_BUSINESS_ASSOCIATE

    @property
    def review_due_on(self) -> date | None:
        if self.last_reviewed_on is None:
            return None
        return rules.add_months(self.last_reviewed_on, self.review_months)


class Agreement(TenantModel):
    """A business associate agreement (45 CFR 164.502(e)(2), 164.504(e), 164.314(a))."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="agreements")
    title = models.CharField(max_length=200)
    stage = models.CharField(max_length=20, default=rules.AgreementStatus.NEEDED)
    parties = models.TextField(blank=True)
    signatories = models.JSONField(default=list, blank=True)  # [{name, title, party, signed_on}]
    effective_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    auto_renews = models.BooleanField(default=False)
    renewal_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # The agreed limit for reporting a breach (164.410(b) allows at most 60 calendar days).
    breach_report_days = models.PositiveSmallIntegerField(null=True, blank=True)
    breach_report_day_kind = models.CharField(max_length=10, default="calendar")
    provisions = models.JSONField(default=dict, blank=True)  # key -> {state, where, note}
    terminated_on = models.DateField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)
    # Return or destruction of PHI at termination (164.504(e)(2)(ii)(J)), tracked to a certificate.
    disposition = models.JSONField(null=True, blank=True)  # {method, confirmed_on, note}
    certificate = models.ForeignKey(
        "safeguards.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["vendor__name", "-effective_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def terms(self) -> rules.AgreementTerms:
        return rules.AgreementTerms(
            rules.AgreementStatus(self.stage),
            self.effective_on,
            self.expires_on,
            self.auto_renews,
            self.renewal_months,
        )


class AgreementDocument(TenantModel):
    """One version of the agreement's document (PDF or DOCX); older versions are kept."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.ForeignKey("safeguards.Document", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_doc_number")
        ]


class Verification(TenantModel):
    """A business associate's written verification of its technical safeguards (proposed
    164.308(b)(1), 90 FR 898; tracked when the proposed-rule overlay is on)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="verifications")
    received_on = models.DateField()
    document = models.ForeignKey(
        "safeguards.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_on"]


class ReviewStatus(models.TextChoices):
    SENT = "sent", "Sent to the vendor"
    SUBMITTED = "submitted", "Answered, to review"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned to the vendor"
    CANCELLED = "cancelled", "Cancelled"


class SecurityReview(TenantModel):
    """A vendor security review: our questionnaire, answered by the vendor through a single-use
    link (or entered by us), then reviewed and accepted with a risk tier."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default="sent")
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField()
    used_at = models.DateTimeField(null=True, blank=True)
    respondent = models.JSONField(default=dict, blank=True)  # {name, title, email}
    answers = models.JSONField(default=dict, blank=True)
    comments = models.JSONField(default=dict, blank=True)
    reports = models.JSONField(default=list, blank=True)  # [{kind, expires_on, document_id}]
    documents = models.ManyToManyField("safeguards.Document", blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    tier = models.CharField(max_length=20, blank=True)
    points = models.IntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"Security review of {self.vendor.name}"


class VendorSettings(models.Model):
    """An organization's choices for the business associate program."""

    organization = models.OneToOneField(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    expiring_window_days = models.PositiveSmallIntegerField(
        default=rules.DEFAULT_EXPIRING_WINDOW_DAYS
    )
    link_days = models.PositiveSmallIntegerField(default=14)

    def __str__(self) -> str:
        return f"Business associate settings of organization {self.organization_id}"
