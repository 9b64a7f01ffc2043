"""What every management command needs to find its organization and act as one of its members,
with the clear exit codes the ``hipaaops`` command promises (2 for bad arguments)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError


def organization(slug: str) -> Any:
    from hipaaops.organizations.models import Organization

    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise CommandError(f"--org: no organization with the slug {slug!r}.", returncode=2)
    return org


def member_access(slug: str, email: str, capability: str | None = None) -> Any:
    """The access of the member ``email`` to the organization ``slug``; refused with exit 2 when
    either is unknown, the user is not a member, or the role lacks ``capability``."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from hipaaops.organizations.access import access_organization

    org = organization(slug)
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise CommandError(f"--user: no user {email!r}.", returncode=2)
    try:
        access = access_organization(user, org.slug)
    except Http404:
        raise CommandError(
            f"--user: {user.email} is not a member of {org.slug}.", returncode=2
        ) from None
    if capability is not None:
        try:
            access.require(capability)
        except PermissionDenied:
            raise CommandError(
                f"--user: {user.email} may not do this ({capability}).", returncode=2
            ) from None
    return access
