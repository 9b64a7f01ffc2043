"""Organizations (covered entities and business associates), memberships and emergency access."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from hipaaops.core.crypto import EncryptedTextField
from hipaaops.core.roles import Role, stronger


class EntityType(models.TextChoices):
    # 45 CFR 160.103: the three kinds of covered entity, the hybrid entity of 164.103, and the
    # business associate of 160.103.
    PROVIDER = "provider", "Covered entity: health care provider"
    HEALTH_PLAN = "health_plan", "Covered entity: health plan"
    CLEARINGHOUSE = "clearinghouse", "Covered entity: health care clearinghouse"
    HYBRID = "hybrid", "Covered entity: hybrid entity"
    BUSINESS_ASSOCIATE = "business_associate", "Business associate"


ROLE_CHOICES = [(role.value, role.label) for role in Role]


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    entity_type = models.CharField(max_length=32, choices=EntityType.choices)
    description = models.TextField(blank=True)
    # 45 CFR 164.312(d): an organization may require MFA of every member, not only of the roles
    # that always need it (owners and compliance officers).
    require_mfa_for_all = models.BooleanField(default=False)
    # 45 CFR 164.312(a)(2)(iii): may be stricter than the installation's idle timeout.
    idle_timeout_minutes = models.PositiveIntegerField(null=True, blank=True)
    emergency_access_enabled = models.BooleanField(default=True)
    # The profile that decides which Security Rule provisions apply (the safeguard register).
    # 45 CFR 164.308(a)(4)(ii)(A): only a clearinghouse that is part of a larger organization.
    is_clearinghouse_in_larger_org = models.BooleanField(default=False)
    # 45 CFR 164.314(b): only group health plans.
    is_group_health_plan = models.BooleanField(default=False)
    # 45 CFR 164.308(b), 164.314(a): contracts with the business associates the entity uses.
    has_business_associates = models.BooleanField(default=True)
    # Show the proposed 2025 Security Rule update (90 FR 898) as an overlay; off by default.
    proposed_rule_overlay = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    PROFILE_FIELDS = (
        "entity_type",
        "is_clearinghouse_in_larger_org",
        "is_group_health_plan",
        "has_business_associates",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_covered_entity(self) -> bool:
        return self.entity_type != EntityType.BUSINESS_ASSOCIATE


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=ROLE_CHOICES)
    title = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {Role(self.role).label}"

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class EmergencyAccessGrant(models.Model):
    """A time-boxed elevation with a written reason (45 CFR 164.312(a)(2)(ii))."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="emergency_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="emergency_grants"
    )
    reason = EncryptedTextField()
    granted_role = models.CharField(max_length=32, choices=ROLE_CHOICES)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organization", "user", "expires_at"])]

    def __str__(self) -> str:
        return f"Emergency access for {self.user} in {self.organization}"

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.ended_at is None and self.started_at <= now < self.expires_at


def effective_role(membership: Membership, grant: EmergencyAccessGrant | None) -> Role:
    return stronger(membership.role, grant.granted_role if grant is not None else None)
