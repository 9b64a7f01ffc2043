"""Addressable decisions (45 CFR 164.306(d)(3)): validation, approvers, history kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import DomainError
from hipaaops.safeguards.models import AddressableDecision, SafeguardVersion
from hipaaops.safeguards.services import record_decision

ENCRYPTION = "164.312(a)(2)(iv)"
RISK_ANALYSIS = "164.308(a)(1)(ii)(A)"


def good(cast: Any, **overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "choice": "implement_as_specified",
        "rationale": "Laptops leave the building; BitLocker is already licensed.",
        "factors": ["probability_and_criticality_of_risks", "cost"],
        "approver": cast.owner,
        "decided_on": today,
        "review_on": today + timedelta(days=365),
    }
    values.update(overrides)
    return values


def refused(field: str, access: Any, item: Any, **values: Any) -> None:
    audit = AuditEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        record_decision(access, item, **values)
    assert exc.value.field == field, exc.value.message
    assert AuditEntry.objects.count() == audit
    assert not AddressableDecision.objects.filter(item=item).exists()
    assert SafeguardVersion.objects.filter(item=item).count() == 1


def test_a_decision_is_recorded_with_a_version(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    item = register[ENCRYPTION]
    decision = record_decision(access_of(cast.officer), item, **good(cast))
    assert decision.approver == cast.owner and decision.recorded_by == cast.officer
    item.refresh_from_db()
    assert item.version == 2
    version = item.versions.get(version=2)
    assert version.change == "decision"
    assert version.data["decision"]["rationale"].startswith("Laptops")
    assert version.data["decision"]["approver"] == cast.owner.email


def test_a_new_decision_supersedes_the_last_and_both_are_kept(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    officer = access_of(cast.officer)
    item = register[ENCRYPTION]
    first = record_decision(officer, item, **good(cast))
    second = record_decision(
        officer,
        item,
        **good(
            cast,
            choice="equivalent_alternative",
            alternative="Encrypted container on the file server",
            approver=cast.officer,
        ),
    )
    first.refresh_from_db()
    assert first.superseded_by == second
    assert second.superseded_by is None
    assert AddressableDecision.objects.filter(item=item).count() == 2
    assert item.versions.count() == 3


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("rationale", {"rationale": ""}),
        ("rationale", {"rationale": "   "}),
        ("factors", {"factors": []}),
        ("factors", {"factors": ["gut_feeling"]}),
        ("alternative", {"choice": "equivalent_alternative"}),
        ("instead", {"choice": "not_reasonable_and_appropriate"}),
        ("choice", {"choice": "skip"}),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_saved(
    cast: Any, register: dict[str, Any], access_of: Any, field: str, overrides: dict[str, Any]
) -> None:
    refused(field, access_of(cast.officer), register[ENCRYPTION], **good(cast, **overrides))


def test_the_review_comes_after_the_decision(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    today = timezone.localdate()
    refused(
        "review_on",
        access_of(cast.officer),
        register[ENCRYPTION],
        **good(cast, decided_on=today, review_on=today - timedelta(days=1)),
    )


def test_the_approver_needs_the_approve_right_and_membership(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    officer = access_of(cast.officer)
    item = register[ENCRYPTION]
    refused("approver", officer, item, **good(cast, approver=cast.contributor))
    refused("approver", officer, item, **good(cast, approver=cast.auditor))
    refused("approver", officer, item, **good(cast, approver=cast.outsider))
    refused("approver", officer, item, **good(cast, approver=None))


def test_only_addressable_specifications_take_a_decision(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    refused("citation", access_of(cast.officer), register[RISK_ANALYSIS], **good(cast))


def test_a_contributor_may_record_but_an_auditor_may_not(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    from django.core.exceptions import PermissionDenied

    record_decision(access_of(cast.contributor), register[ENCRYPTION], **good(cast))
    with pytest.raises(PermissionDenied):
        record_decision(access_of(cast.auditor), register[ENCRYPTION], **good(cast))
