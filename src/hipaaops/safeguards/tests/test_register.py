"""The register: creation, applicability by profile, item changes and their versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import DomainError
from hipaaops.organizations.services import update_organization
from hipaaops.safeguards import reference
from hipaaops.safeguards.models import SafeguardItem, SafeguardVersion
from hipaaops.safeguards.services import ensure_register, update_item

CLEARINGHOUSE_ISOLATION = "164.308(a)(4)(ii)(A)"
GROUP_HEALTH_PLAN = "164.314(b)(1)"
BA_CONTRACTS = "164.308(b)(1)"
RISK_ANALYSIS = "164.308(a)(1)(ii)(A)"
ENCRYPTION = "164.312(a)(2)(iv)"


def test_the_register_holds_one_item_per_catalog_entry_and_is_audited(cast: Any) -> None:
    before = AuditEntry.objects.count()
    created = ensure_register(cast.org, actor=cast.officer)
    assert created == len(reference.entries()) == 68
    assert SafeguardItem.objects.filter(organization=cast.org).count() == 68
    assert SafeguardVersion.objects.filter(organization=cast.org, version=1).count() == 68
    # One CREATE entry per item, in one chained batch.
    assert AuditEntry.objects.count() - before == 68
    # Running it again changes nothing.
    assert ensure_register(cast.org, actor=cast.officer) == 0
    assert AuditEntry.objects.count() - before == 68


def test_a_provider_is_spared_clearinghouse_and_group_health_plan_items_with_reasons(
    register: dict[str, Any],
) -> None:
    isolation = register[CLEARINGHOUSE_ISOLATION]
    assert isolation.status == "not_applicable"
    assert isolation.excluded_by_profile
    assert "clearinghouse" in isolation.not_applicable_reason.lower()
    plan = register[GROUP_HEALTH_PLAN]
    assert plan.status == "not_applicable"
    assert "group health plan" in plan.not_applicable_reason.lower()
    assert register[RISK_ANALYSIS].status == "not_started"
    assert register[BA_CONTRACTS].status == "not_started"


def test_a_profile_change_reopens_or_closes_items_with_a_version(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    owner = access_of(cast.owner)
    update_organization(owner, is_group_health_plan=True, has_business_associates=False)
    plan = SafeguardItem.objects.get(pk=register[GROUP_HEALTH_PLAN].pk)
    assert plan.status == "not_started" and not plan.excluded_by_profile
    assert plan.version == 2
    assert plan.versions.get(version=2).change == "profile"
    contracts = SafeguardItem.objects.get(pk=register[BA_CONTRACTS].pk)
    assert contracts.status == "not_applicable" and contracts.excluded_by_profile
    assert contracts.not_applicable_reason


def test_a_clearinghouse_in_a_larger_organization_must_isolate(cast: Any, access_of: Any) -> None:
    update_organization(
        access_of(cast.owner), entity_type="clearinghouse", is_clearinghouse_in_larger_org=True
    )
    cast.org.refresh_from_db()
    ensure_register(cast.org)
    item = SafeguardItem.objects.get(organization=cast.org, citation=CLEARINGHOUSE_ISOLATION)
    assert item.status == "not_started"


def test_an_item_change_keeps_a_full_version_and_an_audit_entry(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    item = register[RISK_ANALYSIS]
    target = timezone.localdate() + timedelta(days=30)
    update_item(
        access_of(cast.contributor),
        item,
        status="in_progress",
        owner=cast.contributor,
        target_date=target,
        implementation="Using the **SRA Tool**.",
    )
    item.refresh_from_db()
    assert item.version == 2
    assert item.owner == cast.contributor
    version = item.versions.get(version=2)
    assert version.changed_by == cast.contributor
    assert version.data["status"] == "in_progress"
    assert version.data["owner"] == cast.contributor.email
    assert version.data["target_date"] == target.isoformat()
    assert item.versions.get(version=1).data["status"] == "not_started"
    entry = AuditEntry.objects.filter(object_type="safeguards.safeguarditem").order_by("seq").last()
    assert entry is not None and entry.action == "update" and "in_progress" in entry.changes


def _refused(field: str, fn: Any, *args: Any, **kwargs: Any) -> None:
    audit = AuditEntry.objects.count()
    versions = SafeguardVersion.objects.count()
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    assert exc.value.field == field, exc.value.message
    assert AuditEntry.objects.count() == audit, "nothing may be half-saved"
    assert SafeguardVersion.objects.count() == versions


def test_an_owner_from_another_organization_is_refused(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    item = register[RISK_ANALYSIS]
    _refused("owner", update_item, access_of(cast.officer), item, owner=cast.outsider)
    _refused("owner", update_item, access_of(cast.officer), item, owner=999_999)
    item.refresh_from_db()
    assert item.owner is None and item.version == 1


def test_a_target_date_in_the_past_is_refused(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    item = register[RISK_ANALYSIS]
    yesterday = timezone.localdate() - timedelta(days=1)
    _refused("target_date", update_item, access_of(cast.officer), item, target_date=yesterday)


def test_other_bad_changes_are_refused(cast: Any, register: dict[str, Any], access_of: Any) -> None:
    officer = access_of(cast.officer)
    item = register[RISK_ANALYSIS]
    _refused("not_applicable_reason", update_item, officer, item, status="not_applicable")
    _refused("status", update_item, officer, item, status="finished")
    _refused("citation", update_item, officer, item, citation="164.312(b)")
    _refused("version", update_item, officer, item, status="in_progress", expected_version=7)
    excluded = register[CLEARINGHOUSE_ISOLATION]
    _refused("status", update_item, officer, excluded, status="implemented")


def test_not_applicable_with_a_reason_and_back(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    officer = access_of(cast.officer)
    item = register[ENCRYPTION]
    update_item(officer, item, status="not_applicable", not_applicable_reason="No ePHI at rest.")
    update_item(officer, item, status="in_progress")
    item.refresh_from_db()
    assert item.not_applicable_reason == "" and item.version == 3


def test_only_editors_change_items(cast: Any, register: dict[str, Any], access_of: Any) -> None:
    from django.core.exceptions import PermissionDenied

    for user in (cast.auditor, cast.workforce):
        with pytest.raises(PermissionDenied):
            update_item(access_of(user), register[RISK_ANALYSIS], status="in_progress")


def test_unknown_citations_are_refused() -> None:
    with pytest.raises(DomainError) as exc:
        reference.entry("164.999(z)")
    assert exc.value.field == "citation"
    assert reference.entry("164.308(b)(1)").citation in {"164.308(b)(1)", "164.308(b)(3)"}
