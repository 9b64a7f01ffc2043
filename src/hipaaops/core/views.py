"""Views that belong to no domain: health, session keep-alive, error pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from hipaaops.core.errors import DomainError
from hipaaops.core.middleware import LAST_ACTIVITY_KEY, idle_timeout_seconds


def domain_error_to_form(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form field it names (or on the form as a whole)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def form_action(
    request: HttpRequest,
    form: forms.Form,
    act: Callable[[], str],
    *,
    done_url: str,
    again: Callable[[], HttpResponse],
) -> HttpResponse:
    """The path of a page's form: a valid form calls its service (``act`` returns the message
    shown) and redirects to ``done_url``; invalid input or a service's refusal shows the page
    again (``again``, answered with 400) with the message on the field it names."""
    if form.is_valid():
        try:
            message = act()
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, message)
            return redirect(done_url)
    return again()


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def session_status(request: HttpRequest) -> HttpResponse:
    """Seconds left before automatic logoff. Asking does not count as activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False, "seconds_left": 0}, status=401)
    import time

    last = float(request.session.get(LAST_ACTIVITY_KEY) or time.time())
    left = max(0, int(idle_timeout_seconds(request) - (time.time() - last)))
    return JsonResponse({"authenticated": True, "seconds_left": left})


@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """'Stay signed in': a deliberate action by the user, so it counts as activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False}, status=401)
    return JsonResponse({"authenticated": True, "seconds_left": idle_timeout_seconds(request)})


@require_POST
def session_expire(request: HttpRequest) -> HttpResponse:
    """The page's countdown reached zero: sign out now, recorded as an automatic logoff."""
    if request.user.is_authenticated:
        from django.contrib.auth import logout

        request._hipaaops_logout_reason = "idle"  # type: ignore[attr-defined]
        logout(request)
    return JsonResponse({"authenticated": False})


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    message = str(exception) if exception else "You do not have access to this."
    return render(request, "hipaaops/error.html", {"status": 403, "message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(
        request, "hipaaops/error.html", {"status": 404, "message": "Not found."}, status=404
    )


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(
        request, "hipaaops/error.html", {"status": 400, "message": "Bad request."}, status=400
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the failure may be in what the page frame needs (the database).
    from django.template.loader import render_to_string

    return HttpResponse(render_to_string("hipaaops/error_500.html"), status=500)


def said(_result: object, message: str) -> str:
    """For ``form_action``'s ``act``: the service call's result is dropped, the message kept."""
    return message
