"""API authentication: a personal token (``Authorization: Bearer hpo_...``) or the session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from hipaaops.api import services
from hipaaops.core.middleware import user_has_mfa, user_requires_mfa
from hipaaops.organizations.access import OrgAccess, access_organization


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = services.authenticate(token)
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]
        return found


class MFASessionAuth(SessionAuth):
    """The browser session, once MFA is set up where the role requires it (45 CFR 164.312(d))."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if user_requires_mfa(user) and not user_has_mfa(user):
            return None
        return user


def api_access(request: HttpRequest, org_slug: str) -> OrgAccess:
    """The caller's access to an organization; a token only reaches its own organization."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return access_organization(token.user, org_slug, restrict_to=token.organization)
    return access_organization(request.user, org_slug)


def api_user(request: HttpRequest) -> Any:
    token = getattr(request, "api_token", None)
    return token.user if token is not None else request.user
