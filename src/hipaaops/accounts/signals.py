"""MFA changes and lockouts go to the audit trail (45 CFR 164.312(b), 164.308(a)(5)(ii)(C))."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.dispatch import receiver

from hipaaops.audit.models import Action
from hipaaops.audit.services import record


def _authenticator_event(event: str, user: Any, authenticator: Any = None) -> None:
    kind = getattr(authenticator, "type", "") if authenticator is not None else ""
    record(Action.MFA, actor=user, target=user, changes={"event": event, "type": kind})


@receiver(mfa_signals.authenticator_added)
def _added(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    _authenticator_event("added", user, authenticator)


@receiver(mfa_signals.authenticator_removed)
def _removed(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    _authenticator_event("removed", user, authenticator)


@receiver(mfa_signals.authenticator_reset)
def _reset(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    _authenticator_event("reset", user, authenticator)


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kw: Any
) -> None:
    user = get_user_model().objects.filter(email__iexact=username or "").first()
    record(
        Action.LOCKOUT,
        actor=None,
        target=user,
        object_type="accounts.user",
        object_repr=(username or "")[:200],
        changes={"login": username or "", "ip": ip_address or ""},
    )
