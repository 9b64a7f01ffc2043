"""Hooks into django-allauth and django-axes."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.conf import settings
from django.http import HttpRequest

from hipaaops.core.crypto import decrypt_str, encrypt_str


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are made by an organization's owner (an invitation) or by an operator, so that
        # every user is known to an organization (45 CFR 164.308(a)(4)(ii)(B)).
        return bool(settings.ALLOW_SIGNUP)


class MFAAdapter(DefaultMFAAdapter):
    """Stores TOTP secrets and recovery-code seeds encrypted (45 CFR 164.312(a)(2)(iv))."""

    def encrypt(self, text: str) -> str:
        return encrypt_str(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_str(encrypted_text)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The sign-in name axes counts failures against: allauth sends it as ``email`` or ``login``."""
    if credentials:
        for key in ("email", "login", "username"):
            if credentials.get(key):
                return str(credentials[key]).strip().lower()
    if request is not None and request.method == "POST":
        return str(request.POST.get("login", "")).strip().lower()
    return ""


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    """A user ending their other sessions is recorded in the audit trail (45 CFR 164.312(b))."""

    def end_sessions(self, sessions: Any) -> None:
        from hipaaops.audit.models import Action
        from hipaaops.audit.services import record

        for session in sessions:
            session.end()
            record(
                Action.SESSION_ENDED,
                actor=session.user,
                target=session.user,
                changes={"ip": session.ip, "user_agent": (session.user_agent or "")[:200]},
            )
