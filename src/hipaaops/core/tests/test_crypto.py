"""Encryption at rest of sensitive fields and MFA secrets, and key rotation
(45 CFR 164.312(a)(2)(iv))."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from conftest import TOTP_SECRET, totp_code
from hipaaops.audit.models import Action, AuditEntry
from hipaaops.core import crypto
from hipaaops.organizations.access import access_organization
from hipaaops.organizations.models import EmergencyAccessGrant
from hipaaops.organizations.services import start_emergency_access

pytestmark = pytest.mark.django_db

REASON = "Nurse station terminal locked; need the downtime procedure for ward 3B"


def raw(sql: str, params: list[Any]) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    value = row[0]
    return value if isinstance(value, str) else json.dumps(value)


def raw_reason(grant: EmergencyAccessGrant) -> str:
    return raw("SELECT reason FROM organizations_emergencyaccessgrant WHERE id = %s", [grant.pk])


def raw_totp(user: Any) -> dict[str, Any]:
    text = raw(
        "SELECT data FROM mfa_authenticator WHERE user_id = %s AND type = %s",
        [user.pk, Authenticator.Type.TOTP],
    )
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture
def grant(cast: Any) -> EmergencyAccessGrant:
    return start_emergency_access(access_organization(cast.workforce, "acme"), reason=REASON)


@pytest.fixture
def fresh_cipher_cache() -> Iterator[None]:
    crypto._multifernet.cache_clear()
    yield
    crypto._multifernet.cache_clear()


def test_emergency_reason_is_ciphertext_in_the_row_and_clear_through_the_orm(
    grant: EmergencyAccessGrant,
) -> None:
    stored = raw_reason(grant)
    assert "ward 3B" not in stored
    assert REASON not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert EmergencyAccessGrant.objects.get(pk=grant.pk).reason == REASON
    # A fresh token each time: equal reasons are not recognisable in the table.
    assert crypto.encrypt_str(REASON) != crypto.encrypt_str(REASON)


def test_totp_secret_is_ciphertext_in_the_row_and_still_verifies_codes(cast: Any) -> None:
    data = raw_totp(cast.owner)
    assert TOTP_SECRET not in json.dumps(data)
    assert crypto.decrypt_str(data["secret"]) == TOTP_SECRET
    authenticator = Authenticator.objects.get(user=cast.owner, type=Authenticator.Type.TOTP)
    assert TOTP(authenticator).validate_code(totp_code())


def test_a_value_under_an_unknown_key_fails_loudly(grant: EmergencyAccessGrant) -> None:
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(ImproperlyConfigured, match="cannot be decrypted"),
    ):
        EmergencyAccessGrant.objects.get(pk=grant.pk)


def test_keys_rotate_moves_every_value_onto_the_new_key(
    cast: Any, grant: EmergencyAccessGrant, fresh_cipher_cache: None, capsys: Any
) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    old, new = Fernet(old_key.encode()), Fernet(new_key.encode())
    assert old.decrypt(raw_reason(grant).encode()).decode() == REASON

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        call_command("keys", "rotate")
    assert "Rotated" in capsys.readouterr().out

    reason = raw_reason(grant).encode()
    with pytest.raises(InvalidToken):
        old.decrypt(reason)
    assert new.decrypt(reason).decode() == REASON
    for user in (cast.owner, cast.officer, cast.outsider):
        secret = raw_totp(user)["secret"].encode()
        with pytest.raises(InvalidToken):
            old.decrypt(secret)
        assert new.decrypt(secret).decode() == TOTP_SECRET

    # The old key can now be retired: the new one alone reads everything.
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert EmergencyAccessGrant.objects.get(pk=grant.pk).reason == REASON
        authenticator = Authenticator.objects.get(user=cast.owner, type=Authenticator.Type.TOTP)
        assert TOTP(authenticator).validate_code(totp_code())

    entry = AuditEntry.objects.filter(action=Action.SYSTEM, object_type="core.keys").get()
    changes = json.loads(entry.changes)
    assert changes["event"] == "keys_rotated"
    assert changes["counts"]["organizations.emergencyaccessgrant"] == 1
    assert changes["counts"]["mfa.authenticator"] == 3
    assert entry.actor_label == "system"


def test_keys_generate_prints_a_usable_key(capsys: Any) -> None:
    call_command("keys", "generate")
    key = capsys.readouterr().out.strip()
    Fernet(key.encode())  # raises if it is not a Fernet key


def test_every_encrypted_field_is_found_for_rotation() -> None:
    found = {model._meta.label_lower: names for model, names in crypto.encrypted_fields()}
    assert found["organizations.emergencyaccessgrant"] == ["reason"]
