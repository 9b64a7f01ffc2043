"""The ePHI inventory (45 CFR 164.308(a)(1)(ii)(A) scope): assets that create, receive, maintain
or transmit ePHI, and the flows of ePHI between them and to outside parties."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from hipaaops.core.tenancy import TenantModel
from hipaaops.inventory import rules


def _choices(kind: str) -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in rules.choices(kind)]


TRISTATE_CHOICES = [("yes", "Yes"), ("no", "No"), ("unknown", "Unknown")]
ENCRYPTION_CHOICES = [("yes", "Yes"), ("partial", "Partly"), ("no", "No"), ("unknown", "Unknown")]
LIFECYCLE_CHOICES = [("in_use", "In use"), ("retired", "Retired"), ("disposed", "Disposed")]


class Asset(TenantModel):
    name = models.CharField(max_length=200)
    asset_type = models.CharField(max_length=30, choices=_choices("asset_types"))
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hosting = models.CharField(max_length=20, choices=_choices("hosting"), default="on_premises")
    location = models.CharField(max_length=200, blank=True)
    holds_ephi = models.CharField(max_length=10, choices=TRISTATE_CHOICES, default="unknown")
    ephi_kinds = models.JSONField(default=list, blank=True)
    records = models.PositiveIntegerField(null=True, blank=True)  # approximate
    encrypted_at_rest = models.CharField(
        max_length=10, choices=ENCRYPTION_CHOICES, default="unknown"
    )
    encrypted_in_transit = models.CharField(
        max_length=10, choices=ENCRYPTION_CHOICES, default="unknown"
    )
    backup = models.CharField(max_length=20, choices=_choices("backup"), default="unknown")
    # 45 CFR 164.308(a)(7)(ii)(E): applications and data criticality analysis.
    criticality = models.CharField(
        max_length=20, choices=_choices("criticality"), default="moderate"
    )
    lifecycle = models.CharField(max_length=20, choices=LIFECYCLE_CHOICES, default="in_use")
    # 45 CFR 164.310(d)(2)(i): {method, on, by, certificate, notes} once disposed.
    disposal = models.JSONField(null=True, blank=True)
    vendor = models.ForeignKey(
        "vendors.Vendor", null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    vendor_name = models.CharField(max_length=200, blank=True)  # when not in the registry
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="asset_name_unique")
        ]
        indexes = [models.Index(fields=["organization", "asset_type"])]

    def __str__(self) -> str:
        return self.name

    @property
    def runs_by(self) -> str:
        return self.vendor.name if self.vendor_id and self.vendor else self.vendor_name


class DataFlow(TenantModel):
    source = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="flows_out")
    target = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="flows_in"
    )
    outside_party = models.CharField(max_length=200, blank=True)
    ephi_kinds = models.JSONField(default=list, blank=True)
    protocol = models.CharField(max_length=80, blank=True)
    encrypted = models.CharField(max_length=10, choices=TRISTATE_CHOICES, default="unknown")
    frequency = models.CharField(max_length=20, choices=_choices("frequencies"), default="daily")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["source__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target__isnull=False) | ~models.Q(outside_party=""),
                name="flow_has_destination",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.destination}"

    @property
    def destination(self) -> str:
        return self.target.name if self.target_id and self.target else self.outside_party

    @property
    def carries_ephi(self) -> bool:
        return bool(self.ephi_kinds)
