"""``org_view``: the gate every organization page goes through."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from hipaaops.core.middleware import IDLE_TIMEOUT_KEY
from hipaaops.core.roles import Capability
from hipaaops.organizations.access import access_organization

ACTIVE_ORG_KEY = "_hipaaops_active_org"

View = Callable[..., HttpResponseBase]


def org_view(capability: Capability) -> Callable[[View], View]:
    """Resolve ``org_slug`` to the member's access (404 if not a member) and require a capability
    (403 if the role lacks it). The view receives the access as ``request.org_access``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(
            request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = access_organization(request.user, org_slug)
            access.require(capability)
            request.org_access = access  # type: ignore[attr-defined]
            request.session[ACTIVE_ORG_KEY] = access.organization.slug
            request.session[IDLE_TIMEOUT_KEY] = access.organization.idle_timeout_minutes
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
