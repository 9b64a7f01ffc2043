"""Encryption of sensitive fields at rest (45 CFR 164.312(a)(2)(iv), 164.312(e)(2)(ii)).

Values are sealed with Fernet (AES-128-CBC with HMAC-SHA256) through a MultiFernet whose keys
come from ``HIPAAOPS_FIELD_KEYS``, newest first, apart from ``SECRET_KEY``. The newest key
encrypts; every listed key decrypts, so keys can be rotated with ``hipaaops keys rotate``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_str(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_str(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted field cannot be decrypted with any key in HIPAAOPS_FIELD_KEYS. "
            "Was a key removed before 'hipaaops keys rotate' re-encrypted the data?"
        ) from exc


def rotate_token(token: str) -> str:
    """Re-encrypt one stored token under the newest key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


class EncryptedMixin:
    """Marks a field whose database value is a Fernet token. The audit trail masks it."""

    encrypted = True


class EncryptedTextField(EncryptedMixin, models.TextField):
    """Text stored encrypted; reads decrypt, writes encrypt under the newest key."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return decrypt_str(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt_str(str(value))

    def get_internal_type(self) -> str:
        return "TextField"


class EncryptedJSONField(EncryptedMixin, models.TextField):
    """A JSON document stored encrypted as one Fernet token."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return json.loads(decrypt_str(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return encrypt_str(json.dumps(value, sort_keys=True, default=str))

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), default=str)

    def get_internal_type(self) -> str:
        return "TextField"


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with encrypted fields, and the names of those fields."""
    from django.apps import apps

    found: list[tuple[type[models.Model], list[str]]] = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
        if names and not model._meta.proxy:
            found.append((model, names))
    return found
