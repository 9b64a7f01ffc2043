"""All writes to organizations, memberships and emergency access. Each writes its audit entry in
the same transaction."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import record, record_create, record_delete, record_update, snapshot
from hipaaops.core.errors import ConflictError, DomainError, PermissionDeniedError
from hipaaops.core.roles import EMERGENCY_ROLE, RANK, Capability, Role
from hipaaops.organizations.access import OrgAccess, active_grant
from hipaaops.organizations.models import (
    EmergencyAccessGrant,
    EntityType,
    Membership,
    Organization,
)
from hipaaops.organizations.signals import profile_changed

if TYPE_CHECKING:
    from hipaaops.accounts.models import User

MIN_EMERGENCY_REASON = 20


def _role(value: str, field: str = "role") -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise DomainError(
            f"Unknown role {value!r}; choose one of: {choices}.", field=field
        ) from None


def create_organization(
    *, actor: User | None, name: str, slug: str, entity_type: str, owner: User, **profile: Any
) -> Organization:
    name = (name or "").strip()
    if not name:
        raise DomainError("An organization needs a name.", field="name")
    try:
        validate_slug(slug)
    except ValidationError:
        raise DomainError(
            "The short name may hold only letters, digits, hyphens and underscores.", field="slug"
        ) from None
    if entity_type not in EntityType.values:
        raise DomainError(
            f"Unknown entity type {entity_type!r}; choose one of: {', '.join(EntityType.values)}.",
            field="entity_type",
        )
    with transaction.atomic():
        if Organization.objects.filter(slug=slug).exists():
            raise ConflictError(f"The short name {slug!r} is taken.", field="slug")
        org = Organization.objects.create(name=name, slug=slug, entity_type=entity_type, **profile)
        record_create(org, actor=actor, organization=org)
        membership = Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
        record_create(membership, actor=actor, organization=org)
    return org


def update_organization(access: OrgAccess, **changes: Any) -> Organization:
    access.require(Capability.MANAGE_ORGANIZATION)
    org = access.organization
    allowed = {
        "name",
        "description",
        "entity_type",
        "require_mfa_for_all",
        "idle_timeout_minutes",
        "emergency_access_enabled",
        "is_clearinghouse_in_larger_org",
        "is_group_health_plan",
        "has_business_associates",
        "proposed_rule_overlay",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    if "entity_type" in changes and changes["entity_type"] not in EntityType.values:
        raise DomainError("Unknown entity type.", field="entity_type")
    timeout = changes.get("idle_timeout_minutes")
    if timeout is not None and not (1 <= int(timeout) <= settings.IDLE_TIMEOUT_MINUTES):
        raise DomainError(
            f"The idle timeout must be between 1 and {settings.IDLE_TIMEOUT_MINUTES} minutes "
            "(the installation's limit).",
            field="idle_timeout_minutes",
        )
    if "name" in changes and not str(changes["name"]).strip():
        raise DomainError("An organization needs a name.", field="name")
    with transaction.atomic():
        before = snapshot(org)
        for key, value in changes.items():
            setattr(org, key, value)
        org.save()
        record_update(org, before, actor=access.user, organization=org)
        if any(before.get(name) != getattr(org, name) for name in Organization.PROFILE_FIELDS):
            # Modules whose content depends on the profile (the safeguard register) follow it,
            # in this transaction.
            profile_changed.send(sender=Organization, organization=org, actor=access.user)
    return org


def _owner_count(org: Organization) -> int:
    return Membership.objects.filter(organization=org, role=Role.OWNER).count()


def _guard_role_change(access: OrgAccess, old: Role | None, new: Role | None) -> None:
    access.require(Capability.MANAGE_MEMBERS)
    touches_owner = Role.OWNER in {old, new}
    if touches_owner and not access.can(Capability.MANAGE_OWNERS):
        raise PermissionDeniedError(
            "Only an owner can grant or remove the owner role.", field="role"
        )
    # Nobody grants a role stronger than their own.
    if new is not None and RANK[new] > RANK[access.role]:
        raise PermissionDeniedError("You cannot grant a role above your own.", field="role")


def add_member(
    access: OrgAccess, *, email: str, role: str, full_name: str = "", title: str = ""
) -> Membership:
    """Add a person to the organization; a new user gets an invitation to set a password."""
    new_role = _role(role)
    _guard_role_change(access, None, new_role)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid e-mail address.", field="email") from None
    user_model = get_user_model()
    org = access.organization
    with transaction.atomic():
        user = user_model.objects.filter(email__iexact=email).first()
        created_user = user is None
        if user is None:
            user = user_model.objects.create_user(email=email, full_name=full_name.strip())
            record_create(user, actor=access.user, organization=org)
        if Membership.objects.filter(user=user, organization=org).exists():
            raise ConflictError(f"{email} is already a member.", field="email")
        membership = Membership.objects.create(
            user=user, organization=org, role=new_role, title=title.strip()
        )
        record_create(membership, actor=access.user, organization=org)
        transaction.on_commit(lambda: _send_invitation(user, org, access.user, created_user))
    return membership


def _send_invitation(user: User, org: Organization, inviter: User, new_account: bool) -> None:
    lines = [f"{inviter} added you to {org.name} on hipaaops."]
    if new_account:
        lines.append(
            "To sign in, choose a password with 'Forgot password?' on the sign-in page, "
            "using this e-mail address."
        )
    send_mail(
        subject=f"You were added to {org.name}",
        message="\n\n".join(lines),
        from_email=None,
        recipient_list=[user.email],
    )


def change_role(access: OrgAccess, membership: Membership, role: str) -> Membership:
    new_role = _role(role)
    old_role = Role(membership.role)
    _guard_role_change(access, old_role, new_role)
    if old_role == new_role:
        return membership
    with transaction.atomic():
        if old_role == Role.OWNER and _owner_count(access.organization) <= 1:
            raise ConflictError("An organization must keep at least one owner.", field="role")
        before = snapshot(membership)
        membership.role = new_role
        membership.save(update_fields=["role"])
        record_update(membership, before, actor=access.user, organization=access.organization)
    return membership


def remove_member(access: OrgAccess, membership: Membership) -> None:
    """Remove a member: their emergency access and API tokens for the organization end too
    (termination procedures, 45 CFR 164.308(a)(3)(ii)(C))."""
    _guard_role_change(access, Role(membership.role), None)
    from hipaaops.api.services import revoke_tokens_for

    org = access.organization
    with transaction.atomic():
        if membership.role == Role.OWNER and _owner_count(org) <= 1:
            raise ConflictError("An organization must keep at least one owner.", field="role")
        now = timezone.now()
        for grant in EmergencyAccessGrant.objects.filter(
            organization=org, user=membership.user, ended_at__isnull=True
        ):
            _end_grant(grant, actor=access.user, reason="membership_removed", now=now)
        revoke_tokens_for(membership.user, org, actor=access.user)
        record_delete(membership, actor=access.user, organization=org)
        membership.delete()


def start_emergency_access(
    access: OrgAccess, *, reason: str, hours: int | None = None
) -> EmergencyAccessGrant:
    """Break-glass: lend the emergency role for a few hours, on a written reason, and tell the
    owners (45 CFR 164.312(a)(2)(ii))."""
    org = access.organization
    if not org.emergency_access_enabled:
        raise PermissionDeniedError("Emergency access is turned off for this organization.")
    access.require(Capability.REQUEST_EMERGENCY_ACCESS)
    reason = (reason or "").strip()
    if len(reason) < MIN_EMERGENCY_REASON:
        raise DomainError(
            f"Say why emergency access is needed, in at least {MIN_EMERGENCY_REASON} characters.",
            field="reason",
        )
    hours = settings.EMERGENCY_ACCESS_DEFAULT_HOURS if hours is None else int(hours)
    if not 1 <= hours <= settings.EMERGENCY_ACCESS_MAX_HOURS:
        raise DomainError(
            f"Emergency access lasts between 1 and {settings.EMERGENCY_ACCESS_MAX_HOURS} hours.",
            field="hours",
        )
    if RANK[Role(access.membership.role)] >= RANK[EMERGENCY_ROLE]:
        raise ConflictError("Your role already has the access that emergency access would lend.")
    user = access.user
    with transaction.atomic():
        if active_grant(user, org) is not None:
            raise ConflictError("You already have emergency access in force.")
        now = timezone.now()
        grant = EmergencyAccessGrant.objects.create(
            organization=org,
            user=user,
            reason=reason,
            granted_role=EMERGENCY_ROLE,
            started_at=now,
            expires_at=now + timedelta(hours=hours),
        )
        record(
            Action.EMERGENCY_ACCESS,
            actor=user,
            organization=org,
            target=grant,
            changes={
                "event": "started",
                "granted_role": EMERGENCY_ROLE.value,
                "hours": hours,
                "expires_at": grant.expires_at,
                # The reason may name patients: it is kept encrypted on the grant; the trail
                # holds its fingerprint, which proves later which text was given.
                "reason_sha256": hashlib.sha256(reason.encode("utf-8")).hexdigest(),
            },
        )
        transaction.on_commit(lambda: _announce_emergency(grant))
    return grant


def _announce_emergency(grant: EmergencyAccessGrant) -> None:
    owners = Membership.objects.filter(
        organization=grant.organization, role=Role.OWNER
    ).select_related("user")
    recipients = [m.user.email for m in owners]
    if not recipients:
        return
    send_mail(
        subject=f"Emergency access started in {grant.organization.name}",
        message=(
            f"{grant.user} started emergency access in {grant.organization.name} at "
            f"{grant.started_at:%Y-%m-%d %H:%M} UTC, until {grant.expires_at:%Y-%m-%d %H:%M} UTC.\n\n"
            "The written reason may name patients, so it is not in this e-mail: read it in "
            "hipaaops under Emergency access (the read is recorded). An owner can end the "
            "access at once."
        ),
        from_email=None,
        recipient_list=recipients,
    )


def _end_grant(grant: EmergencyAccessGrant, *, actor: User | None, reason: str, now: Any) -> None:
    grant.ended_at = now
    grant.ended_by = actor
    grant.end_reason = reason
    grant.save(update_fields=["ended_at", "ended_by", "end_reason"])
    record(
        Action.EMERGENCY_ACCESS,
        actor=actor,
        organization=grant.organization,
        target=grant,
        changes={"event": "ended", "end_reason": reason},
    )


def end_emergency_access(access: OrgAccess, grant: EmergencyAccessGrant) -> EmergencyAccessGrant:
    """The holder or a member who manages members ends a grant early."""
    if grant.organization_id != access.organization.pk:
        raise PermissionDeniedError("Not in this organization.")
    if grant.user_id != access.user.pk and not access.can(Capability.MANAGE_MEMBERS):
        raise PermissionDeniedError("Only the holder or an official can end emergency access.")
    if grant.ended_at is not None:
        raise ConflictError("This emergency access has already ended.")
    with transaction.atomic():
        reason = "ended_by_holder" if grant.user_id == access.user.pk else "revoked"
        _end_grant(grant, actor=access.user, reason=reason, now=timezone.now())
    return grant


def expire_emergency_access() -> int:
    """Close grants whose time is up, with an audit entry each (run by the periodic job)."""
    now = timezone.now()
    count = 0
    for grant in EmergencyAccessGrant.objects.filter(ended_at__isnull=True, expires_at__lte=now):
        with transaction.atomic():
            _end_grant(grant, actor=None, reason="expired", now=grant.expires_at)
        count += 1
    return count
