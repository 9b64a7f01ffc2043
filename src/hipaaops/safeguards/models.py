"""The safeguard register: one item per Security Rule standard and implementation specification
for each organization, its versions, the decisions on addressable specifications, answers to the
NIST SP 800-66r2 sample questions, evidence documents and dated posture snapshots."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hipaaops.core.tenancy import TenantModel
from hipaaops.safeguards import rules


class Status(models.TextChoices):
    NOT_STARTED = rules.Status.NOT_STARTED.value, "Not started"
    IN_PROGRESS = rules.Status.IN_PROGRESS.value, "In progress"
    IMPLEMENTED = rules.Status.IMPLEMENTED.value, "Implemented"
    NOT_APPLICABLE = rules.Status.NOT_APPLICABLE.value, "Not applicable"


class DecisionChoice(models.TextChoices):
    IMPLEMENT_AS_SPECIFIED = (
        rules.DecisionChoice.IMPLEMENT_AS_SPECIFIED.value,
        rules.DecisionChoice.IMPLEMENT_AS_SPECIFIED.label,
    )
    EQUIVALENT_ALTERNATIVE = (
        rules.DecisionChoice.EQUIVALENT_ALTERNATIVE.value,
        rules.DecisionChoice.EQUIVALENT_ALTERNATIVE.label,
    )
    NOT_REASONABLE_AND_APPROPRIATE = (
        rules.DecisionChoice.NOT_REASONABLE_AND_APPROPRIATE.value,
        rules.DecisionChoice.NOT_REASONABLE_AND_APPROPRIATE.label,
    )


def _evidence_path(instance: Document, filename: str) -> str:
    # The stored name is ours (a random id and the extension of the kind found); the name the
    # file came with is kept, sanitized, only for display.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"evidence/{instance.organization_id}/{uuid.uuid4().hex}.{extension}"


class Document(TenantModel):
    """An uploaded evidence file (45 CFR 164.316(b)(1): documentation in written form)."""

    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=_evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class SafeguardItem(TenantModel):
    """What the organization does for one standard or implementation specification."""

    citation = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    not_applicable_reason = models.TextField(blank=True)
    # Set when the organization's profile makes the provision not apply (the reason is then the
    # catalog's); cleared when the profile changes back.
    excluded_by_profile = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_date = models.DateField(null=True, blank=True)
    implementation = models.TextField(blank=True)  # Markdown, rendered sanitized
    last_reviewed_on = models.DateField(null=True, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    documents = models.ManyToManyField(Document, blank=True, related_name="items")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "citation"], name="one_item_per_citation"
            ),
            models.CheckConstraint(
                condition=~Q(status="not_applicable") | ~Q(not_applicable_reason=""),
                name="not_applicable_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Safeguard {self.citation}"

    @property
    def status_label(self) -> str:
        return Status(self.status).label


class AddressableDecision(TenantModel):
    """The documented decision on an addressable specification (45 CFR 164.306(d)(3)).

    A new decision supersedes the last; all are kept.
    """

    item = models.ForeignKey(SafeguardItem, on_delete=models.CASCADE, related_name="decisions")
    choice = models.CharField(max_length=40, choices=DecisionChoice.choices)
    rationale = models.TextField()
    alternative = models.TextField(blank=True)  # the equivalent alternative measure
    instead = models.TextField(blank=True)  # what is done instead, when not reasonable
    factors = models.JSONField(default=list)  # 45 CFR 164.306(b)(2) factors weighed
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField()
    review_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="decision_needs_rationale"),
            models.CheckConstraint(
                condition=Q(review_on__gt=models.F("decided_on")),
                name="decision_review_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"Decision on {self.item.citation}: {self.get_choice_display()}"

    @property
    def factor_labels(self) -> list[str]:
        return [rules.Factor(f).label for f in self.factors if f in rules.Factor]


class SafeguardVersion(TenantModel):
    """A full snapshot of an item (and its decision) after each change, with who and when."""

    item = models.ForeignKey(SafeguardItem, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    change = models.CharField(max_length=20)  # created, updated, decision, evidence, profile
    data = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.item.citation} v{self.version}"


class KeyActivityAnswer(TenantModel):
    """The organization's answer to one NIST SP 800-66r2 sample question."""

    key_activity = models.CharField(max_length=64)
    question = models.CharField(max_length=64)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)
    documents = models.ManyToManyField(Document, blank=True, related_name="answers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "question"], name="one_answer")
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question}"


class PostureSnapshot(TenantModel):
    """The register's counts on one day: by family, by required/addressable and by status."""

    taken_on = models.DateField()
    taken_at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField()
    trigger = models.CharField(max_length=20, default="on_demand")  # daily, on_demand, demo

    class Meta:
        ordering = ["taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "taken_on"], name="one_snapshot_a_day")
        ]

    def __str__(self) -> str:
        return f"Posture on {self.taken_on}"
