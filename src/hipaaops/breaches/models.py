"""The public breach record: breaches of 500 or more individuals reported to the Secretary
(45 CFR 164.408(b)) as the HHS OCR breach portal publishes them.

Public data, shared by every organization: not a tenant model. Only the import service writes it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from hipaaops.breaches import rules


class EntityType(models.TextChoices):
    PROVIDER = rules.EntityType.PROVIDER.value, "Health care provider"
    HEALTH_PLAN = rules.EntityType.HEALTH_PLAN.value, "Health plan"
    BUSINESS_ASSOCIATE = rules.EntityType.BUSINESS_ASSOCIATE.value, "Business associate"
    CLEARINGHOUSE = rules.EntityType.CLEARINGHOUSE.value, "Health care clearinghouse"


class PublicBreach(models.Model):
    """One reported breach. The same report in a later export (found by entity, State and
    submission date: ``rules.dedup_key``) updates this row instead of adding another."""

    entity_name = models.CharField(max_length=300)
    name_key = models.CharField(max_length=300)  # rules.name_key(entity_name)
    state = models.CharField(max_length=2, blank=True)
    entity_type = models.CharField(max_length=20, choices=EntityType.choices)
    individuals_affected = models.PositiveBigIntegerField()
    submitted_on = models.DateField()
    breach_types = models.JSONField(default=list)  # the portal's terms, rules.BREACH_TYPES
    locations = models.JSONField(default=list)  # rules.LOCATIONS
    business_associate_present = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=200)  # the file it was last read from
    imported_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_on", "name_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["name_key", "state", "submitted_on"], name="public_breach_report_unique"
            )
        ]
        indexes = [
            models.Index(fields=["entity_type", "submitted_on"], name="public_breach_window")
        ]

    def __str__(self) -> str:
        return f"{self.entity_name} ({self.state or '—'}), {self.submitted_on}"
