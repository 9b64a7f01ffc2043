"""Mock audits against the OCR audit protocol, their responses and remediation items, and the
audit binders exported (with the hash of their manifest, so a binder can be proven unaltered)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from hipaaops.core.tenancy import TenantModel
from hipaaops.readiness import rules


class ResponseStatus(models.TextChoices):
    NOT_REVIEWED = rules.ResponseStatus.NOT_REVIEWED.value, "Not reviewed"
    SATISFIED = rules.ResponseStatus.SATISFIED.value, "Satisfied"
    PARTLY = rules.ResponseStatus.PARTLY.value, "Partly satisfied"
    NOT_SATISFIED = rules.ResponseStatus.NOT_SATISFIED.value, "Not satisfied"
    NOT_APPLICABLE = rules.ResponseStatus.NOT_APPLICABLE.value, "Not applicable"


class MockAudit(TenantModel):
    """A dated exercise against the protocol, scoped to all 180 inquiries or to a preset."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    held_on = models.DateField()
    scope = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on.isoformat()})"

    @property
    def scope_label(self) -> str:
        try:
            return rules.preset(self.scope).label
        except ValueError:
            return self.scope


class InquiryResponse(TenantModel):
    """The organization's answer to one protocol inquiry in one mock audit."""

    mock_audit = models.ForeignKey(MockAudit, on_delete=models.CASCADE, related_name="responses")
    inquiry_id = models.CharField(max_length=8)  # P001-P089, S001-S072, B001-B019
    position = models.PositiveIntegerField()  # the protocol's order
    applicable = models.BooleanField(default=True)
    not_applicable_reason = models.TextField(blank=True)
    narrative = models.TextField(blank=True)
    documents = models.JSONField(default=list)  # [{"label", "url", "kind", "detail"}]
    status = models.CharField(
        max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.NOT_REVIEWED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["mock_audit", "inquiry_id"], name="readiness_one_response_per_inquiry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inquiry_id} ({self.get_status_display()})"


class RemediationItem(TenantModel):
    """A gap found by a mock audit, with an owner and a due date, until it is closed."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    mock_audit = models.ForeignKey(
        MockAudit, on_delete=models.CASCADE, related_name="remediation_items"
    )
    response = models.ForeignKey(
        InquiryResponse, on_delete=models.CASCADE, related_name="remediation_items"
    )
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    # The step this gap became in the risk management plan (45 CFR 164.308(a)(1)(ii)(B)), when
    # the organization had a risk assessment to plan in.
    plan_item = models.ForeignKey(
        "sra.PlanItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Binder(TenantModel):
    """An exported audit binder: its manifest's SHA-256 is also in the audit trail."""

    as_of = models.DateField()
    file_name = models.CharField(max_length=200)
    manifest_sha256 = models.CharField(max_length=64, db_index=True)
    files = models.PositiveIntegerField()
    total_bytes = models.PositiveBigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name
