"""Request context for the audit trail, automatic logoff, and MFA enforcement."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from hipaaops.core import context

LAST_ACTIVITY_KEY = "_hipaaops_last_activity"
IDLE_TIMEOUT_KEY = "_hipaaops_idle_timeout_minutes"
IDLE_CHECK_HEADER = "HTTP_X_HIPAAOPS_IDLE_CHECK"


def client_ip(request: HttpRequest) -> str | None:
    if settings.TRUST_X_FORWARDED:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45]
    remote = request.META.get("REMOTE_ADDR")
    return str(remote)[:45] if remote else None


class RequestContextMiddleware:
    """Makes who/where/what-client available to the service layer's audit entries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        via = "api" if request.path.startswith("/api/") else "web"
        ctx = context.ActorContext(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            request_id=request_id,
            via=via,
        )
        token = context.set_current(ctx)
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


def idle_timeout_seconds(request: HttpRequest) -> int:
    minutes = request.session.get(IDLE_TIMEOUT_KEY) or settings.IDLE_TIMEOUT_MINUTES
    return int(min(int(minutes), settings.IDLE_TIMEOUT_MINUTES)) * 60


class IdleLogoffMiddleware:
    """Automatic logoff after a period without activity (45 CFR 164.312(a)(2)(iii)).

    The server decides; the page's countdown only warns. A request carrying the idle-check header
    (the countdown asking how long is left) does not count as activity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            timeout = idle_timeout_seconds(request)
            if last is not None and now - float(last) > timeout:
                return self._log_off(request, timeout)
            if not request.META.get(IDLE_CHECK_HEADER):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _log_off(self, request: HttpRequest, timeout: int) -> HttpResponse:
        request._hipaaops_logout_reason = "idle"  # type: ignore[attr-defined]
        logout(request)
        minutes = timeout // 60
        message = f"You were signed out after {minutes} minutes without activity."
        if request.path.startswith("/api/") or request.META.get(IDLE_CHECK_HEADER):
            return JsonResponse(
                {"error": {"code": "session_expired", "message": message, "fields": []}}, status=401
            )
        messages.info(request, message)
        login = reverse("account_login")
        target = f"{login}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)


# Paths a user who still has to set up MFA may reach: sign-out, the MFA set-up itself, assets.
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/session/")


def user_requires_mfa(user: Any) -> bool:
    from hipaaops.core.roles import mfa_required
    from hipaaops.organizations.models import Membership

    rows = Membership.objects.filter(user=user).values_list(
        "role", "organization__require_mfa_for_all"
    )
    return any(mfa_required(role, require_all) for role, require_all in rows)


def user_has_mfa(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class MFARequiredMiddleware:
    """Members whose role or organization requires MFA must set it up before anything else
    (45 CFR 164.312(d))."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
            and user_requires_mfa(user)
            and not user_has_mfa(user)
        ):
            message = "Your role requires two-factor authentication. Set it up to continue."
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "mfa_required", "message": message, "fields": []}},
                    status=403,
                )
            messages.warning(request, message)
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
