"""Issuing, using and revoking personal API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import record
from hipaaops.core.errors import DomainError, PermissionDeniedError
from hipaaops.organizations.models import Membership

if TYPE_CHECKING:
    from hipaaops.accounts.models import User
    from hipaaops.organizations.models import Organization

from hipaaops.api.models import PersonalAPIToken

TOKEN_PREFIX = "hpo"  # noqa: S105 (a public marker, not a secret)


@dataclass(frozen=True)
class IssuedToken:
    token: PersonalAPIToken
    secret: str  # shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    *, actor: User, user: User, organization: Organization, name: str, days: int = 90
) -> IssuedToken:
    """A new token for ``user`` in ``organization``; the caller shows ``secret`` once."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the token a name that says what it is for.", field="name")
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise DomainError(
            f"A token lasts between 1 and {settings.API_TOKEN_MAX_DAYS} days.", field="days"
        )
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise PermissionDeniedError(f"{user} is not a member of {organization}.", field="user")
    if actor.pk != user.pk:
        raise PermissionDeniedError("A personal token is issued to its own user only.")
    prefix = secrets.token_hex(4)
    secret_part = secrets.token_urlsafe(32)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secret_part}"
    with transaction.atomic():
        token = PersonalAPIToken.objects.create(
            user=user,
            organization=organization,
            name=name[:100],
            prefix=prefix,
            token_hash=_hash(secret),
            expires_at=timezone.now() + timedelta(days=days),
        )
        record(
            Action.TOKEN,
            actor=actor,
            organization=organization,
            target=token,
            changes={"event": "created", "name": token.name, "expires_at": token.expires_at},
        )
    return IssuedToken(token=token, secret=secret)


def authenticate(secret: str) -> PersonalAPIToken | None:
    """The token for a presented secret, if it is valid, unexpired and unrevoked."""
    parts = (secret or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (
        PersonalAPIToken.objects.select_related("user", "organization")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, _hash(secret.strip())):
        return None
    now = timezone.now()
    if not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        PersonalAPIToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke_token(*, actor: User, token: PersonalAPIToken) -> PersonalAPIToken:
    if token.user_id != actor.pk:
        raise PermissionDeniedError("Only the token's owner can revoke it.")
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            Action.TOKEN,
            actor=actor,
            organization=token.organization,
            target=token,
            changes={"event": "revoked"},
        )
    return token


def revoke_tokens_for(user: User, organization: Organization, *, actor: User | None) -> int:
    now = timezone.now()
    count = 0
    for token in PersonalAPIToken.objects.filter(
        user=user, organization=organization, revoked_at__isnull=True
    ):
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        record(
            Action.TOKEN,
            actor=actor,
            organization=organization,
            target=token,
            changes={"event": "revoked", "why": "membership removed"},
        )
        count += 1
    return count
