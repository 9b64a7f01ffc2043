"""Sign-in, sign-out and failed sign-in entries (45 CFR 164.308(a)(5)(ii)(C), 164.312(b))."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from hipaaops.audit.models import Action
from hipaaops.audit.services import record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(Action.LOGIN, actor=user, target=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, "_hipaaops_logout_reason", None) if request is not None else None
    action = Action.SESSION_TIMEOUT if reason == "idle" else Action.LOGOUT
    record(action, actor=user, target=user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    login = str(
        credentials.get("email") or credentials.get("login") or credentials.get("username") or ""
    )
    user = get_user_model().objects.filter(email__iexact=login).first() if login else None
    record(
        Action.LOGIN_FAILED,
        actor=None,
        target=user,
        object_type="accounts.user",
        object_repr=login[:200],
        changes={"login": login[:254]},
    )
