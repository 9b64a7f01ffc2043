from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from hipaaops.core.middleware import idle_timeout_seconds
from hipaaops.core.navigation import nav_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page frame needs: the organization switcher, the navigation, the idle timer."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from hipaaops.organizations.models import Membership

    access = getattr(request, "org_access", None)
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
    data: dict[str, Any] = {
        "shell_memberships": memberships,
        "idle_timeout_seconds": idle_timeout_seconds(request),
        "idle_warning_seconds": settings.IDLE_WARNING_SECONDS,
    }
    if access is not None:
        data["org_access"] = access
        data["current_org"] = access.organization
        data["nav_items"] = nav_for(access.organization.slug, access.capabilities, request.path)
    return data
