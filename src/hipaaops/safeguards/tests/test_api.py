"""The register through /api/v1/: round trips, the error format, cross-organization refusal,
query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hipaaops.api.services import create_token

ENCRYPTION = "164.312(a)(2)(iv)"
RISK_ANALYSIS = "164.308(a)(1)(ii)(A)"
BASE = "/api/v1/orgs/acme/safeguards"


@pytest.fixture
def api(cast: Any) -> Any:
    def make(user: Any, org: Any = None) -> Client:
        issued = create_token(
            actor=user, user=user, organization=org or cast.org, name="test", days=30
        )
        return Client(headers={"Authorization": f"Bearer {issued.secret}"})

    return make


def test_list_is_paginated_and_filtered(cast: Any, api: Any) -> None:
    client = api(cast.auditor)
    body = client.get(f"{BASE}/items").json()
    assert body["count"] == 68
    assert len(body["items"]) == 50
    assert body["items"][0]["citation"] == "164.308(a)(1)(i)"
    page2 = client.get(f"{BASE}/items", {"page": 2}).json()
    assert len(page2["items"]) == 18
    addressable = client.get(f"{BASE}/items", {"requirement": "addressable"}).json()
    assert addressable["count"] == 22
    assert all(i["requirement"] == "addressable" for i in addressable["items"])
    technical = client.get(f"{BASE}/items", {"citation": "164.312", "page_size": 100}).json()
    assert {i["family"] for i in technical["items"]} == {"technical"}
    assert {i["family_label"] for i in technical["items"]} == {"Technical safeguards"}


def _item_id(client: Client, citation: str) -> int:
    items = client.get(f"{BASE}/items", {"citation": citation}).json()["items"]
    return int(next(i["id"] for i in items if i["citation"] == citation))


def test_get_and_patch_an_item(cast: Any, api: Any) -> None:
    client = api(cast.contributor)
    item_id = _item_id(client, RISK_ANALYSIS)
    detail = client.get(f"{BASE}/items/{item_id}").json()
    assert detail["citation"] == RISK_ANALYSIS and detail["requirement"] == "required"
    assert detail["text"] and detail["summary"]
    target = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = client.patch(
        f"{BASE}/items/{item_id}",
        {"status": "in_progress", "owner": cast.officer.pk, "target_date": target, "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_progress" and body["owner"] == cast.officer.email
    assert body["version"] == 2
    versions = client.get(f"{BASE}/items/{item_id}/versions").json()
    assert [v["version"] for v in versions["items"]] == [2, 1]
    assert versions["items"][0]["changed_by"] == cast.contributor.email


@pytest.mark.parametrize(
    ("payload", "field", "status"),
    [
        ({"owner": "outsider"}, "owner", 400),
        ({"target_date": "2001-01-01"}, "target_date", 400),
        ({"status": "not_applicable"}, "not_applicable_reason", 400),
        ({"status": "in_progress", "version": 99}, "version", 409),
    ],
)
def test_patch_errors_share_the_one_format(
    cast: Any, api: Any, payload: dict[str, Any], field: str, status: int
) -> None:
    if payload.get("owner") == "outsider":
        payload = {"owner": cast.outsider.pk}
    client = api(cast.officer)
    item_id = _item_id(client, RISK_ANALYSIS)
    response = client.patch(f"{BASE}/items/{item_id}", payload, content_type="application/json")
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"] and error["fields"][0]["field"] == field


def test_decisions_round_trip(cast: Any, api: Any) -> None:
    client = api(cast.officer)
    item_id = _item_id(client, ENCRYPTION)
    today = timezone.localdate()
    payload = {
        "choice": "equivalent_alternative",
        "rationale": "Full-disk encryption is not possible on the old imaging PC.",
        "alternative": "The imaging PC stays in a locked room and holds no ePHI overnight.",
        "factors": ["technical_infrastructure", "cost"],
        "approver": cast.owner.pk,
        "decided_on": today.isoformat(),
        "review_on": (today + timedelta(days=180)).isoformat(),
    }
    response = client.post(
        f"{BASE}/items/{item_id}/decisions", payload, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["current"] is True
    no_rationale = client.post(
        f"{BASE}/items/{item_id}/decisions",
        {**payload, "rationale": ""},
        content_type="application/json",
    )
    assert no_rationale.status_code == 400
    assert no_rationale.json()["error"]["fields"] == [
        {"field": "rationale", "message": no_rationale.json()["error"]["message"]}
    ]
    bad_approver = client.post(
        f"{BASE}/items/{item_id}/decisions",
        {**payload, "approver": cast.contributor.pk},
        content_type="application/json",
    )
    assert bad_approver.json()["error"]["fields"][0]["field"] == "approver"
    decisions = client.get(f"{BASE}/items/{item_id}/decisions").json()
    assert len(decisions) == 1
    item = client.get(f"{BASE}/items/{item_id}").json()
    assert item["decision"]["choice"] == "equivalent_alternative"
    assert item["decision_open"] is False


def test_answers_posture_and_snapshots(cast: Any, api: Any) -> None:
    from hipaaops.safeguards import reference

    client = api(cast.officer)
    client.get(f"{BASE}/items")
    question = next(iter(reference.questions()))
    response = client.put(
        f"{BASE}/answers", {"question": question, "answer": "Yes."}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["answer"] == "Yes."
    unknown = client.put(
        f"{BASE}/answers", {"question": "SQ_x", "answer": "?"}, content_type="application/json"
    )
    assert (
        unknown.status_code == 400 and unknown.json()["error"]["fields"][0]["field"] == "question"
    )
    assert client.get(f"{BASE}/answers").json()["count"] == 1
    posture = client.get(f"{BASE}/posture").json()
    assert posture["total"] == 68 and posture["applicable"] < 68
    assert (
        posture["open_decisions"] == 22 - posture["by_requirement"]["addressable"]["not_applicable"]
    )
    assert posture["proposed_rule_shortfalls"] is None
    taken = client.post(f"{BASE}/posture/snapshots")
    assert taken.status_code == 201 and len(taken.json()["snapshots"]) == 1


def test_upload_through_the_api(cast: Any, api: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api(cast.officer)
    item_id = _item_id(client, RISK_ANALYSIS)
    response = client.post(
        f"{BASE}/items/{item_id}/documents",
        {"title": "Policy", "file": SimpleUploadedFile("p.pdf", b"%PDF-1.4 policy")},
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf"
    refused = client.post(
        f"{BASE}/items/{item_id}/documents",
        {"file": SimpleUploadedFile("p.pdf", b"MZ program")},
    )
    assert refused.status_code == 400 and refused.json()["error"]["fields"][0]["field"] == "file"


def test_exports_through_the_api(cast: Any, api: Any) -> None:
    client = api(cast.auditor)
    for path, kind in (
        ("export.csv", "text/csv"),
        ("export.xlsx", "application/vnd.openxmlformats"),
        ("statement.pdf", "application/pdf"),
        ("catalog.oscal.json", "application/json"),
    ):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(kind)


def test_another_organization_is_not_found(cast: Any, api: Any) -> None:
    client = api(cast.officer)
    item_id = _item_id(client, RISK_ANALYSIS)
    outsider = api(cast.outsider, cast.other_org)
    for response in (
        outsider.get(f"{BASE}/items"),
        outsider.get(f"{BASE}/items/{item_id}"),
        outsider.patch(
            f"{BASE}/items/{item_id}", {"status": "implemented"}, content_type="application/json"
        ),
        outsider.get(f"{BASE}/posture"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    # The outsider's own register does not reach Acme's items either.
    own = outsider.get(f"/api/v1/orgs/globex/safeguards/items/{item_id}")
    assert own.status_code == 404


def test_roles_are_enforced(cast: Any, api: Any) -> None:
    item_id = _item_id(api(cast.officer), RISK_ANALYSIS)
    auditor = api(cast.auditor)
    response = auditor.patch(
        f"{BASE}/items/{item_id}", {"status": "implemented"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert api(cast.workforce).get(f"{BASE}/items").status_code == 403
    assert api(cast.contributor).get(f"{BASE}/export.csv").status_code == 403


def test_the_list_makes_a_fixed_number_of_queries(
    cast: Any, api: Any, access_of: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.safeguards.services import update_item

    client = api(cast.officer)
    client.get(f"{BASE}/items")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}/items", {"page_size": 100}).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    officer = access_of(cast.officer)
    for item in SafeguardItem.objects.filter(organization=cast.org, status="not_started")[:20]:
        update_item(officer, item, owner=cast.contributor)
    assert count() == before
    with django_assert_max_num_queries(20):
        assert client.get(f"{BASE}/items", {"page_size": 100}).status_code == 200
