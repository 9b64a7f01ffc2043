"""The one way into an organization's data: ``access_organization``.

A user who is not a member gets a 404, never a hint that the organization exists. A member whose
effective role lacks a capability gets a 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from hipaaops.core.roles import Capability, Role, can
from hipaaops.organizations.models import (
    EmergencyAccessGrant,
    Membership,
    Organization,
    effective_role,
)

if TYPE_CHECKING:
    from hipaaops.accounts.models import User


@dataclass
class OrgAccess:
    """A member's view of one organization, with the role in force right now."""

    organization: Organization
    membership: Membership
    role: Role
    grant: EmergencyAccessGrant | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self) -> User:
        return self.membership.user

    def can(self, capability: Capability | str) -> bool:
        return can(self.role, capability)

    def require(self, capability: Capability | str) -> None:
        if not self.can(capability):
            raise PermissionDenied(
                f"Your role ({self.role.label}) does not allow this ({Capability(capability).value})."
            )

    @property
    def capabilities(self) -> set[str]:
        return {c.value for c in Capability if self.can(c)}


def active_grant(user: User, organization: Organization) -> EmergencyAccessGrant | None:
    now = timezone.now()
    return (
        EmergencyAccessGrant.objects.filter(
            organization=organization,
            user=user,
            ended_at__isnull=True,
            started_at__lte=now,
            expires_at__gt=now,
        )
        .order_by("-expires_at")
        .first()
    )


def access_organization(
    user: User | Any, slug: str, *, restrict_to: Organization | None = None
) -> OrgAccess:
    """The user's access to the organization named by ``slug``, or Http404.

    ``restrict_to`` pins the organization (an API token is scoped to one).
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404("No such organization.")
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(user=user, organization__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organization.")
    if restrict_to is not None and membership.organization_id != restrict_to.pk:
        raise Http404("No such organization.")
    grant = active_grant(user, membership.organization)
    return OrgAccess(
        organization=membership.organization,
        membership=membership,
        role=effective_role(membership, grant),
        grant=grant,
    )


def memberships_of(user: User) -> list[Membership]:
    return list(Membership.objects.select_related("organization").filter(user=user))


def member_of(organization: Organization, user: Any, field: str) -> Membership:
    """The membership of ``user`` (a User or its id) in ``organization``, or a DomainError naming
    ``field``: an owner, reviewer or approver from another organization is refused."""
    from hipaaops.core.errors import DomainError

    user_id = getattr(user, "pk", user)
    membership = None
    if user_id not in (None, ""):
        try:
            membership = (
                Membership.objects.select_related("user")
                .filter(organization=organization, user_id=int(user_id))
                .first()
            )
        except (TypeError, ValueError):
            membership = None
    if membership is None:
        raise DomainError(
            f"The {field.replace('_', ' ')} must be a member of {organization.name}.", field=field
        )
    return membership
