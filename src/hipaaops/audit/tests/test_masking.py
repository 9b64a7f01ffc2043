"""Sensitive values never reach the audit trail in clear: encrypted fields and token hashes are
masked in ``changes`` (45 CFR 164.312(a)(2)(iv), 164.312(b))."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from hipaaops.api.models import PersonalAPIToken
from hipaaops.api.services import create_token
from hipaaops.audit.models import Action, AuditEntry
from hipaaops.audit.services import MASK, record_create, record_delete, snapshot
from hipaaops.organizations.access import access_organization
from hipaaops.organizations.models import EmergencyAccessGrant
from hipaaops.organizations.services import start_emergency_access

pytestmark = pytest.mark.django_db

REASON = "Ransomware on the front-desk PC; need the on-call list for patient John Doe"


def all_changes() -> str:
    return "\n".join(AuditEntry.objects.values_list("changes", flat=True))


def test_snapshot_masks_encrypted_fields_and_token_hashes(cast: Any) -> None:
    issued = create_token(
        actor=cast.contributor, user=cast.contributor, organization=cast.org, name="ci"
    )
    data = snapshot(issued.token)
    assert data["token_hash"] == MASK
    assert data["name"] == "ci"
    grant = start_emergency_access(access_organization(cast.workforce, "acme"), reason=REASON)
    assert snapshot(grant)["reason"] == MASK
    assert snapshot(grant)["granted_role"] == "compliance_officer"


def test_create_and_delete_entries_hold_the_mask_not_the_value(cast: Any) -> None:
    issued = create_token(
        actor=cast.contributor, user=cast.contributor, organization=cast.org, name="ci"
    )
    token = PersonalAPIToken.objects.get(pk=issued.token.pk)
    created = record_create(token, actor=cast.contributor, organization=cast.org)
    deleted = record_delete(token, actor=cast.contributor, organization=cast.org)
    assert json.loads(created.changes)["after"]["token_hash"] == MASK
    assert json.loads(deleted.changes)["before"]["token_hash"] == MASK
    assert token.token_hash not in all_changes()
    assert issued.secret not in all_changes()


def test_emergency_reason_is_kept_out_of_the_trail_but_fingerprinted(cast: Any) -> None:
    grant = start_emergency_access(access_organization(cast.workforce, "acme"), reason=REASON)
    assert "John Doe" not in all_changes()
    started = AuditEntry.objects.get(
        action=Action.EMERGENCY_ACCESS, object_id=str(grant.pk), changes__contains="started"
    )
    fingerprint = json.loads(started.changes)["reason_sha256"]
    assert fingerprint == hashlib.sha256(REASON.encode()).hexdigest()
    snapshot_entry = record_create(
        EmergencyAccessGrant.objects.get(pk=grant.pk), actor=None, organization=cast.org
    )
    assert json.loads(snapshot_entry.changes)["after"]["reason"] == MASK
