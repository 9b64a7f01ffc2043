"""The pages: register, item, posture, charts; who may do what; query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from hipaaops.safeguards.models import AddressableDecision, SafeguardItem

ENCRYPTION = "164.312(a)(2)(iv)"
RISK_ANALYSIS = "164.308(a)(1)(ii)(A)"


def url(name: str, *args: Any) -> str:
    return reverse(f"safeguards:{name}", args=["acme", *args])


def test_the_register_page_lists_every_item_with_counts(cast: Any, client_for: Any) -> None:
    response = client_for(cast.auditor).get(url("register"))
    assert response.status_code == 200
    body = response.content.decode()
    assert ENCRYPTION in body and "Encryption and decryption" in body
    assert "not applicable" in body
    assert SafeguardItem.objects.filter(organization=cast.org).count() == 68


def test_the_register_filters(cast: Any, client_for: Any, register: dict[str, Any]) -> None:
    client = client_for(cast.officer)
    body = client.get(url("register"), {"requirement": "addressable"}).content.decode()
    assert ENCRYPTION in body and RISK_ANALYSIS not in body
    body = client.get(url("register"), {"status": "not_applicable"}).content.decode()
    assert "164.308(a)(4)(ii)(A)" in body and ENCRYPTION not in body
    partial = client.get(url("register"), {"family": "technical"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b'id="register-table"' in partial.content
    assert b"164.312(a)(2)(iv)" in partial.content and b"164.308(a)(1)(i)" not in partial.content


def test_workforce_members_and_outsiders_cannot_see_the_register(
    cast: Any, client_for: Any
) -> None:
    assert client_for(cast.workforce).get(url("register")).status_code == 403
    assert client_for(cast.outsider).get(url("register")).status_code == 404


def _queries(client: Any, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_register_page_makes_a_fixed_number_of_queries(
    cast: Any,
    client_for: Any,
    register: dict[str, Any],
    access_of: Any,
    django_assert_max_num_queries: Any,
) -> None:
    """Owners, decisions and evidence on more items must not mean more queries (no N+1)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hipaaops.safeguards.services import attach_document, record_decision, update_item

    client = client_for(cast.officer)
    client.get(url("register"))
    empty = _queries(client, url("register"))
    officer = access_of(cast.officer)
    today = timezone.localdate()
    items = [i for i in register.values() if i.status != "not_applicable"]
    for item in items[:25]:
        update_item(officer, item, owner=cast.contributor, status="in_progress")
    attach_document(officer, SimpleUploadedFile("a.pdf", b"%PDF-1.4"), items=items[:10])
    for item in [i for i in items if i.citation in {ENCRYPTION, "164.312(a)(2)(iii)"}]:
        record_decision(
            officer,
            item,
            choice="implement_as_specified",
            rationale="r",
            factors=["cost"],
            approver=cast.owner,
            decided_on=today,
            review_on=today + timedelta(days=30),
        )
    assert _queries(client, url("register")) == empty
    with django_assert_max_num_queries(25):
        assert client.get(url("register")).status_code == 200


def test_an_item_page_shows_the_regulation_key_activities_and_history(
    cast: Any, client_for: Any, register: dict[str, Any]
) -> None:
    item = register[RISK_ANALYSIS]
    body = client_for(cast.auditor).get(url("item", item.pk)).content.decode()
    assert "The regulation" in body and "Key activities" in body
    assert "Version history" in body
    assert 'name="answer"' not in body  # an auditor reads, does not answer
    body = client_for(cast.contributor).get(url("item", item.pk)).content.decode()
    assert 'name="answer"' in body


def test_the_item_form_saves_and_shows_refusals_on_the_field(
    cast: Any, client_for: Any, register: dict[str, Any]
) -> None:
    item = register[RISK_ANALYSIS]
    client = client_for(cast.contributor)
    data = {
        "status": "in_progress",
        "owner": str(cast.officer.pk),
        "target_date": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "implementation": "Done with <script>alert(1)</script> **care**",
        "version": "1",
    }
    response = client.post(url("item", item.pk), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "in_progress" and item.owner == cast.officer
    body = client.get(url("item", item.pk)).content.decode()
    assert "<strong>care</strong>" in body and "<script>alert(1)" not in body
    data["target_date"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    data["version"] = str(item.version)
    response = client.post(url("item", item.pk), data)
    assert response.status_code == 400
    assert "cannot be in the past" in response.content.decode()
    data.update(target_date="", owner=str(cast.outsider.pk))
    assert client.post(url("item", item.pk), data).status_code == 400


def test_the_decision_form(cast: Any, client_for: Any, register: dict[str, Any]) -> None:
    item = register[ENCRYPTION]
    client = client_for(cast.officer)
    today = timezone.localdate()
    data = {
        "choice": "implement_as_specified",
        "rationale": "",
        "factors": ["cost"],
        "approver": str(cast.owner.pk),
        "decided_on": today.isoformat(),
        "review_on": (today + timedelta(days=200)).isoformat(),
    }
    response = client.post(url("decision", item.pk), data)
    assert response.status_code == 400 and not AddressableDecision.objects.exists()
    data["rationale"] = "Cheap and effective."
    assert client.post(url("decision", item.pk), data).status_code == 302
    assert AddressableDecision.objects.get().rationale == "Cheap and effective."
    assert client_for(cast.auditor).post(url("decision", item.pk), data).status_code == 403


def test_an_answer_saved_with_htmx_returns_its_fragment(
    cast: Any, client_for: Any, register: dict[str, Any]
) -> None:
    from hipaaops.safeguards import reference

    item = register[RISK_ANALYSIS]
    standard = reference.standard_of(reference.entry(RISK_ANALYSIS)).citation
    question = reference.key_activities_for(standard)[0].questions[0]
    response = client_for(cast.contributor).post(
        url("answer", item.pk),
        {"question": question.id, "answer": "Yes, in the inventory."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<li") and "Yes, in the inventory." in body


def test_the_upload_form(cast: Any, client_for: Any, register: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = register[RISK_ANALYSIS]
    client = client_for(cast.contributor)
    pdf = SimpleUploadedFile("risk.pdf", b"%PDF-1.4 risk analysis")
    response = client.post(url("upload", item.pk), {"title": "Risk analysis", "file": pdf})
    assert response.status_code == 302
    document = item.documents.get()
    download = client.get(url("document", document.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 risk analysis"
    bad = SimpleUploadedFile("tool.pdf", b"MZ\x90\x00 a program")
    response = client.post(url("upload", item.pk), {"file": bad})
    assert response.status_code == 400 and "Programs are not accepted" in response.content.decode()


def test_the_posture_page_and_its_pictures(
    cast: Any, client_for: Any, register: dict[str, Any]
) -> None:
    client = client_for(cast.officer)
    assert client.post(url("posture")).status_code == 302  # a snapshot on demand
    response = client.get(url("posture"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "By safeguard family" in body and "Required and addressable" in body
    assert "proposed 2025" not in body  # the overlay is off by default
    for name in ("trend_chart", "family_chart"):
        chart = client.get(url(name))
        assert chart.status_code == 200
        assert chart["Content-Type"] == "image/svg+xml"
        assert chart.content.lstrip().startswith(b"<?xml") and b"<svg" in chart.content
        assert b"<script" not in chart.content
        assert "default-src 'none'" in chart["Content-Security-Policy"]


def test_the_overlay_shows_shortfalls_under_the_proposed_rule(
    cast: Any, client_for: Any, register: dict[str, Any]
) -> None:
    cast.org.proposed_rule_overlay = True
    cast.org.save()
    body = client_for(cast.officer).get(url("posture")).content.decode()
    assert "proposed 2025 Security Rule update" in body
    assert ENCRYPTION in body  # addressable today, not implemented: a shortfall


def test_navigation_and_dashboard_figures(
    cast: Any, client_for: Any, register: dict[str, Any]
) -> None:
    body = client_for(cast.officer).get(reverse("dashboard:index", args=["acme"])).content.decode()
    assert "Safeguard register" in body and "Posture" in body
    assert "Safeguards implemented" in body
    assert "Addressable decisions not yet made" in body


@pytest.mark.parametrize("name", ["export_csv", "export_xlsx", "export_statement", "export_oscal"])
def test_exports_need_the_export_right(cast: Any, client_for: Any, name: str) -> None:
    assert client_for(cast.contributor).get(url(name)).status_code == 403
