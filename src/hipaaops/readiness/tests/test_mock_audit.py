"""Mock audits through the services, the pages and the API: scope, proposed documents (with the
addressable decision the protocol asks about), validation with nothing half-saved, remediation,
comparison, roles and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.organizations.access import access_organization
from hipaaops.readiness import selectors, services
from hipaaops.readiness.models import InquiryResponse, MockAudit, RemediationItem

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def officer_access(cast: Any) -> Any:
    return access_organization(cast.officer, cast.org.slug)


@pytest.fixture
def desk_audit(officer_access: Any) -> MockAudit:
    return services.start_mock_audit(
        officer_access, title="Desk audit rehearsal", held_on=today(), scope="phase2_desk"
    )


def response(audit: MockAudit, inquiry_id: str) -> InquiryResponse:
    return InquiryResponse.objects.get(mock_audit=audit, inquiry_id=inquiry_id)


# ---------------------------------------------------------------------------- starting


def test_a_full_mock_audit_holds_every_inquiry_in_protocol_order(officer_access: Any) -> None:
    audit = services.start_mock_audit(officer_access, title="Full", held_on=today(), scope="all")
    ids = list(
        InquiryResponse.objects.filter(mock_audit=audit).values_list("inquiry_id", flat=True)
    )
    assert len(ids) == 180
    assert ids[0] == "P001" and ids[89] == "S001" and ids[-1] == "B019"
    assert (
        AuditEntry.objects.filter(
            object_type="readiness.mockaudit", object_id=str(audit.pk)
        ).count()
        == 1
    )


def test_the_profile_rules_out_group_health_plan_and_clearinghouse_inquiries(
    officer_access: Any,
) -> None:
    audit = services.start_mock_audit(
        officer_access, title="Security", held_on=today(), scope="security"
    )
    # Acme is a provider: 164.314(b) (group health plans) and the clearinghouse isolation do not apply.
    ghp = response(audit, "S067")  # 164.314(b)(2)(iv)
    assert not ghp.applicable and ghp.status == "not_applicable"
    assert ghp.not_applicable_reason
    isolation = response(audit, "S014")  # 164.308(a)(4)(ii)(A)
    assert isolation.inquiry_id == "S014" and not isolation.applicable
    assert response(audit, "S004").applicable


def test_the_register_and_the_addressable_decision_are_proposed(
    cast: Any, officer_access: Any
) -> None:
    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.safeguards.services import ensure_register, record_decision, update_item

    ensure_register(cast.org, actor=cast.officer)
    item = SafeguardItem.objects.get(organization=cast.org, citation="164.312(a)(2)(iv)")
    update_item(
        officer_access, item, status="implemented", owner=cast.officer, implementation="FDE"
    )
    record_decision(
        officer_access,
        item,
        choice="implement_as_specified",
        rationale="Laptops travel; encryption is built in.",
        factors=["cost"],
        approver=cast.owner,
        decided_on=today() - timedelta(days=1),
        review_on=today() + timedelta(days=300),
    )
    audit = services.start_mock_audit(
        officer_access, title="Sec", held_on=today(), scope="security"
    )
    documents = response(audit, "S049").documents  # 164.312(a)(2)(iv)
    kinds = {d["kind"] for d in documents}
    assert {"safeguard", "decision"} <= kinds
    decision = next(d for d in documents if d["kind"] == "decision")
    assert "Laptops travel" in decision["detail"] and cast.owner.email in decision["detail"]
    assert response(audit, "S004").documents  # every register item is proposed
    assert response(audit, "S004").documents[0]["kind"] == "safeguard"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"held_on": "tomorrow"}, "held_on"),
        ({"held_on": date(2015, 6, 1)}, "held_on"),
        ({"scope": "phase9"}, "scope"),
    ],
)
def test_bad_mock_audits_are_refused_and_nothing_is_saved(
    officer_access: Any, changes: dict[str, Any], field: str
) -> None:
    data = {"title": "Mock", "held_on": today(), "scope": "all", **changes}
    entries = AuditEntry.objects.count()
    with pytest.raises(DomainError) as raised:
        services.start_mock_audit(officer_access, **data)
    assert raised.value.field == field
    assert not MockAudit.objects.exists() and not InquiryResponse.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_a_mock_audit_cannot_be_held_in_the_future(officer_access: Any) -> None:
    with pytest.raises(DomainError, match="future"):
        services.start_mock_audit(
            officer_access, title="Later", held_on=today() + timedelta(days=1)
        )


def test_an_auditor_cannot_start_one(cast: Any) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.start_mock_audit(
            access_organization(cast.auditor, cast.org.slug), title="X", held_on=today()
        )


# ---------------------------------------------------------------------------- answering


def test_answers_are_validated_versioned_and_audited(
    cast: Any, officer_access: Any, desk_audit: MockAudit
) -> None:
    r = response(desk_audit, "S004")
    with pytest.raises(DomainError) as raised:
        services.update_response(officer_access, r, status="satisfied")
    assert raised.value.field == "narrative"
    r.refresh_from_db()
    assert r.status == "not_reviewed" and r.version == 1

    updated = services.update_response(
        officer_access, r, status="satisfied", narrative="Asset-level SRA, March."
    )
    assert updated.version == 2
    assert updated.reviewer == cast.officer  # who reviewed it, when nobody else is named
    entry = AuditEntry.objects.filter(
        object_type="readiness.inquiryresponse", object_id=str(r.pk)
    ).get()
    assert "status" in entry.changes

    with pytest.raises(ConflictError):
        services.update_response(officer_access, updated, expected_version=1, notes="stale")


def test_not_applicable_needs_a_reason(officer_access: Any, desk_audit: MockAudit) -> None:
    r = response(desk_audit, "P057")
    with pytest.raises(DomainError) as raised:
        services.update_response(officer_access, r, applicable=False)
    assert raised.value.field == "not_applicable_reason"
    done = services.update_response(
        officer_access, r, applicable=False, not_applicable_reason="We are a health plan."
    )
    assert done.status == "not_applicable"


def test_a_reviewer_from_another_organization_is_refused(
    cast: Any, officer_access: Any, desk_audit: MockAudit
) -> None:
    with pytest.raises(DomainError) as raised:
        services.update_response(
            officer_access, response(desk_audit, "S004"), reviewer=cast.outsider.pk
        )
    assert raised.value.field == "reviewer"


def test_unknown_status_and_fields_are_refused(officer_access: Any, desk_audit: MockAudit) -> None:
    r = response(desk_audit, "S004")
    with pytest.raises(DomainError) as raised:
        services.update_response(officer_access, r, status="done")
    assert raised.value.field == "status"
    with pytest.raises(DomainError) as raised:
        services.update_response(officer_access, r, inquiry_id="S005")
    assert raised.value.field == "inquiry_id"


def test_a_closed_mock_audit_keeps_its_answers(
    cast: Any, officer_access: Any, desk_audit: MockAudit
) -> None:
    from django.core.exceptions import PermissionDenied

    contributor = access_organization(cast.contributor, cast.org.slug)
    with pytest.raises(PermissionDenied):
        services.close_mock_audit(contributor, desk_audit)
    services.close_mock_audit(officer_access, desk_audit)
    with pytest.raises(ConflictError):
        services.update_response(officer_access, response(desk_audit, "S004"), notes="late")


# ---------------------------------------------------------------------------- gaps and comparison


def test_a_gap_becomes_a_remediation_item(
    cast: Any, officer_access: Any, desk_audit: MockAudit
) -> None:
    r = response(desk_audit, "S005")
    with pytest.raises(DomainError) as raised:
        services.add_remediation(
            officer_access, r, title="Plan", owner=cast.officer.pk, due_on=today()
        )
    assert raised.value.field == "status"  # not a gap yet
    services.update_response(officer_access, r, status="not_satisfied")
    r.refresh_from_db()
    for bad, field in (
        ({"owner": cast.outsider.pk}, "owner"),
        ({"due_on": today() - timedelta(days=1)}, "due_on"),
        ({"title": ""}, "title"),
    ):
        data = {
            "title": "Plan",
            "owner": cast.officer.pk,
            "due_on": today() + timedelta(days=30),
            **bad,
        }
        with pytest.raises(DomainError) as raised:
            services.add_remediation(officer_access, r, **data)
        assert raised.value.field == field
    assert not RemediationItem.objects.exists()
    item = services.add_remediation(
        officer_access,
        r,
        title="Write the risk management plan",
        owner=cast.officer.pk,
        due_on=today() + timedelta(days=30),
    )
    assert item.owner == cast.officer and item.state == "open"
    services.complete_remediation(officer_access, item)
    item.refresh_from_db()
    assert item.state == "done" and item.done_at is not None


def test_the_comparison_with_the_previous_mock_audit(officer_access: Any) -> None:
    first = services.start_mock_audit(
        officer_access, title="Spring", held_on=today() - timedelta(days=90), scope="phase2_desk"
    )
    services.update_response(
        officer_access, response(first, "S004"), status="partly", narrative="Tool only"
    )
    second = services.start_mock_audit(
        officer_access, title="Autumn", held_on=today(), scope="phase2_desk"
    )
    assert second.previous == first
    services.update_response(
        officer_access, response(second, "S004"), status="satisfied", narrative="Full SRA"
    )
    compared = selectors.comparison(second)
    assert compared is not None
    moved = {change.inquiry_id: change.direction for change, _ in compared["changes"]}
    assert moved == {"S004": "better"}
    assert compared["after"].overall.earned > compared["before"].overall.earned


# ---------------------------------------------------------------------------- pages and API


def test_pages_for_an_officer(cast: Any, client_for: Any, desk_audit: MockAudit) -> None:
    client = client_for(cast.officer)
    base = f"/o/{cast.org.slug}/readiness/"
    assert client.get(base).status_code == 200
    page = client.get(f"{base}audits/{desk_audit.pk}/")
    assert page.status_code == 200
    assert b"S004" in page.content
    assert client.get(f"{base}audits/{desk_audit.pk}/chart.svg")["Content-Type"] == "image/svg+xml"
    inquiry = client.get(f"{base}audits/{desk_audit.pk}/inquiries/S004/")
    assert inquiry.status_code == 200 and b"Risk Analysis" in inquiry.content
    assert client.get(f"{base}audits/{desk_audit.pk}/inquiries/S999/").status_code == 404
    saved = client.post(
        f"{base}audits/{desk_audit.pk}/inquiries/S004/",
        {"applicable": "on", "status": "satisfied", "narrative": "", "version": 1},
    )
    assert saved.status_code == 400  # the narrative is missing: shown on the form
    assert "needs the response narrative" in saved.content.decode()
    saved = client.post(
        f"{base}audits/{desk_audit.pk}/inquiries/S004/",
        {"applicable": "on", "status": "satisfied", "narrative": "SRA done", "version": 1},
    )
    assert saved.status_code == 302
    assert response(desk_audit, "S004").status == "satisfied"
    csv_text = b"".join(client.get(f"{base}audits/{desk_audit.pk}/responses.csv").streaming_content)
    assert b"S004" in csv_text and b"SRA done" in csv_text


def test_start_form_errors_name_the_field(cast: Any, client_for: Any) -> None:
    client = client_for(cast.officer)
    page = client.post(
        f"/o/{cast.org.slug}/readiness/", {"title": "X", "held_on": "2031-01-01", "scope": "all"}
    )
    assert page.status_code == 400
    assert "future" in page.content.decode()
    assert not MockAudit.objects.exists()


def test_roles_on_the_pages(cast: Any, client_for: Any, desk_audit: MockAudit) -> None:
    base = f"/o/{cast.org.slug}/readiness/"
    auditor = client_for(cast.auditor)
    assert auditor.get(f"{base}audits/{desk_audit.pk}/").status_code == 200
    assert (
        auditor.post(
            f"{base}audits/{desk_audit.pk}/inquiries/S004/", {"status": "satisfied", "version": 1}
        ).status_code
        == 403
    )
    assert client_for(cast.workforce).get(base).status_code == 403
    assert client_for(cast.outsider).get(f"{base}audits/{desk_audit.pk}/").status_code == 404


def test_the_penalty_page(cast: Any, client_for: Any) -> None:
    client = client_for(cast.auditor)
    page = client.get(
        f"/o/{cast.org.slug}/readiness/penalties/", {"tier": 2, "violations": 3, "on": "2026-11-01"}
    )
    assert page.status_code == 200
    assert "not legal advice" in page.content.decode()
    bad = client.get(
        f"/o/{cast.org.slug}/readiness/penalties/", {"tier": 2, "violations": 1, "on": "2001-01-01"}
    )
    assert bad.status_code == 400
    assert "No penalty schedule" in bad.content.decode()


def test_the_api(cast: Any, client_for: Any) -> None:
    client: Client = client_for(cast.officer)
    base = f"/api/v1/orgs/{cast.org.slug}/readiness"
    created = client.post(
        f"{base}/audits",
        {"title": "API audit", "held_on": today().isoformat(), "scope": "breach"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    audit_id = created.json()["id"]
    assert created.json()["readiness"]["overall"]["applicable"] == 19
    listed = client.get(f"{base}/audits/{audit_id}/responses", {"q": "burden"})
    assert [r["inquiry_id"] for r in listed.json()["items"]] == ["B019"]
    patched = client.patch(
        f"{base}/audits/{audit_id}/responses/b012",
        {"status": "partly", "narrative": "Procedure exists; no drill yet."},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["status"] == "partly"
    refused = client.patch(
        f"{base}/audits/{audit_id}/responses/B012",
        {"status": "satisfied", "narrative": ""},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"][0]["field"] == "narrative"
    gap = client.post(
        f"{base}/audits/{audit_id}/responses/B012/remediation",
        {
            "title": "Run a breach drill",
            "owner": cast.officer.pk,
            "due_on": (today() + timedelta(days=10)).isoformat(),
        },
        content_type="application/json",
    )
    assert gap.status_code == 201
    estimate = client.get(
        f"{base}/penalty-estimate", {"tier": 3, "violations": 2, "on": "2026-02-01"}
    )
    assert estimate.status_code == 200 and estimate.json()["tier"] == 3
    bad = client.get(f"{base}/penalty-estimate", {"tier": 7})
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "tier"
    assert client_for(cast.outsider).get(f"{base}/audits/{audit_id}").status_code == 404


def test_a_gap_lands_in_the_risk_plan_and_closes_with_it(
    cast: Any, officer_access: Any, desk_audit: MockAudit
) -> None:
    from hipaaops.safeguards.services import ensure_register
    from hipaaops.sra import services as sra_services
    from hipaaops.sra.models import PlanItem

    r = response(desk_audit, "S005")  # 164.308(a)(1)(ii)(B), risk management
    services.update_response(officer_access, r, status="not_satisfied")
    r.refresh_from_db()
    # No risk assessment yet: the gap is tracked, but there is no plan to land in.
    early = services.add_remediation(
        officer_access, r, title="Early", owner=cast.officer.pk, due_on=today()
    )
    assert early.plan_item is None
    ensure_register(cast.org, actor=cast.officer)
    first = sra_services.create_assessment(
        officer_access, title="SRA 2026", assessed_on=today(), scope="Whole practice"
    )
    item = services.add_remediation(
        officer_access,
        r,
        title="Give every plan item an owner",
        owner=cast.officer.pk,
        due_on=today() + timedelta(days=10),
    )
    step = item.plan_item
    assert step is not None and step.assessment == first and step.scenario is None
    assert "S005" in step.source and desk_audit.title in step.source
    assert step.owner == cast.officer and step.due_on == item.due_on
    assert list(step.safeguards.values_list("citation", flat=True)) == ["164.308(a)(1)(ii)(B)"]
    # A new assessment copied from the first carries the open gap over, like any open step.
    second = sra_services.create_assessment(
        officer_access,
        title="SRA 2027",
        assessed_on=today(),
        scope="Whole practice",
        copy_from=first,
    )
    carried = PlanItem.objects.get(assessment=second, scenario__isnull=True, ref=step.ref)
    assert carried.source == step.source and carried.status == "open"
    # Done in the mock audit: done in the plan, in both assessments, each change audited.
    services.complete_remediation(officer_access, item)
    assert set(
        PlanItem.objects.filter(ref=step.ref, scenario__isnull=True).values_list(
            "status", flat=True
        )
    ) == {"done"}
    assert AuditEntry.objects.filter(object_type="sra.planitem", object_id=str(carried.pk)).exists()
    # The plan page shows the gap with its source; the API reports the plan step.
    client = Client()
    client.force_login(cast.officer)
    page = client.get(f"/o/{cast.org.slug}/sra/{first.pk}/plan/")
    assert page.status_code == 200 and "inquiry S005" in page.content.decode()
