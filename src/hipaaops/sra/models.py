"""The Security Risk Assessment (45 CFR 164.308(a)(1)(ii)(A)) and its risk management
(164.308(a)(1)(ii)(B)): assessments, the organization's own threats and vulnerabilities, risk
scenarios with their ratings, controls and treatment, the remediation plan, the questionnaire's
answers and each section's sign-off."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from hipaaops.core.tenancy import TenantModel
from hipaaops.sra import rules


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


class Assessment(TenantModel):
    title = models.CharField(max_length=200)
    assessed_on = models.DateField()
    scope = models.TextField()
    method = models.TextField(blank=True)
    participants = models.JSONField(default=list, blank=True)  # [{name, role}]
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    scale = models.JSONField()  # its own copy of the scale, definitions included
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next"
    )
    # The inventory as it stood when the assessment was completed: [{id, name, type, ephi}].
    inventory_snapshot = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def risk_scale(self) -> rules.Scale:
        return rules.scale_from(self.scale)

    @property
    def is_complete(self) -> bool:
        return self.status == AssessmentStatus.COMPLETE


class LibraryEntry(TenantModel):
    """A threat or vulnerability an organization adds to the built-in libraries."""

    kind = models.CharField(
        max_length=20, choices=[("threat", "Threat"), ("vulnerability", "Vulnerability")]
    )
    key = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=30, blank=True)  # threats: rules.THREAT_SOURCES
    description = models.TextField()
    safeguards = models.JSONField(default=list, blank=True)  # vulnerabilities: CFR citations
    threats = models.JSONField(default=list, blank=True)  # vulnerabilities: threat keys
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "key"], name="library_key_unique"
            )
        ]


class Origin(models.TextChoices):
    MANUAL = "manual", "Entered"
    QUESTIONNAIRE = "questionnaire", "Questionnaire"
    INVENTORY = "inventory", "Inventory"
    BREACHES = "breaches", "Public breach record"
    COPIED = "copied", "Carried over"


class Scenario(TenantModel):
    """A risk: assets (one or a group) facing a threat through a vulnerability, the controls
    already in place, inherent and residual ratings, an owner and a treatment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scenarios")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    threat = models.CharField(max_length=60)
    vulnerability = models.CharField(max_length=60)
    description = models.TextField(blank=True)
    assets = models.ManyToManyField("inventory.Asset", blank=True, related_name="scenarios")
    controls = models.ManyToManyField("safeguards.SafeguardItem", blank=True, related_name="+")
    controls_note = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    impact = models.PositiveSmallIntegerField(null=True, blank=True)
    likelihood_basis = models.TextField(blank=True)
    residual_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    # Kept with the ratings, for the register's filters and sorting.
    inherent_score = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_level = models.CharField(max_length=20, blank=True)
    residual_score = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_level = models.CharField(max_length=20, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    treatment = models.CharField(max_length=20, blank=True)  # rules.TREATMENTS, '' undecided
    justification = models.TextField(blank=True)
    transfer_to = models.CharField(max_length=200, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.MANUAL)
    origin_ref = models.CharField(max_length=200, blank=True)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ref = models.CharField(max_length=40, blank=True)  # the same across copies
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="scenario_number_unique")
        ]
        indexes = [
            models.Index(fields=["assessment", "residual_score"]),
            models.Index(fields=["assessment", "inherent_score"]),
            models.Index(fields=["organization", "owner"]),
        ]

    def __str__(self) -> str:
        return f"R-{self.number} {self.title}"

    @property
    def code(self) -> str:
        return f"R-{self.number}"

    @property
    def treatment_label(self) -> str:
        return rules.TREATMENTS.get(self.treatment, "Undecided")

    @property
    def current_score(self) -> int | None:
        return self.residual_score if self.residual_score is not None else self.inherent_score

    @property
    def current_level(self) -> str:
        return self.residual_level or self.inherent_level


class ScenarioVersion(TenantModel):
    """Every decision on a risk, kept: what it was before each change."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    change = models.CharField(max_length=30)  # created, rated, treatment, owner, controls, …
    data = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scenario", "-version"]


class PlanStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class PlanItem(TenantModel):
    """A step of the remediation plan: what, who, by when, and the safeguards it implements.

    Most steps treat one risk scenario. A gap found elsewhere (a mock audit against the OCR audit
    protocol) lands in the plan without a scenario, with ``source`` saying where it came from: the
    plan is the one risk management plan (45 CFR 164.308(a)(1)(ii)(B)).
    """

    scenario = models.ForeignKey(
        Scenario, null=True, blank=True, on_delete=models.CASCADE, related_name="plan_items"
    )
    source = models.CharField(max_length=300, blank=True)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="plan_items")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    safeguards = models.ManyToManyField("safeguards.SafeguardItem", blank=True, related_name="+")
    notes = models.TextField(blank=True)
    done_on = models.DateField(null=True, blank=True)
    ref = models.CharField(max_length=40, blank=True)  # the same across copies
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["organization", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title


class Answer(TenantModel):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=80)
    answer = models.CharField(max_length=40)
    note = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="answer_unique")
        ]


class SectionReview(TenantModel):
    """A questionnaire section's sign-off: who reviewed it and when."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reviews")
    section = models.CharField(max_length=40)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer_name = models.CharField(max_length=200)
    reviewed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "section"], name="section_review_unique")
        ]
