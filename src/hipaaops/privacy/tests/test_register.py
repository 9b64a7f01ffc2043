"""The rights request register: clocks from the pure rules, one timely extension, the fee, the
response's rules, the requester stored encrypted with audited reads, pages, API and reminders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.organizations.access import access_organization
from hipaaops.privacy import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(cast: Any) -> Any:
    return access_organization(cast.officer, cast.org.slug)


def new(officer: Any, **changes: Any) -> Any:
    data = {
        "right": "access",
        "received_on": date(2026, 1, 31),
        "requester": "Ada Quill",
        "contact": "ada@example.net",
        **changes,
    }
    return services.receive_request(officer, **data)


def test_the_clock_runs_from_receipt_and_extends_once_in_time(officer: Any) -> None:
    request = new(officer)
    clock = services.clock(request)
    assert clock is not None and clock.due == date(2026, 3, 2)  # 30 days after 31 January
    with pytest.raises(DomainError) as raised:
        services.extend_request(
            officer, request, extended_on=date(2026, 3, 3), reason="Archive offsite"
        )
    assert raised.value.field == "extended_on"  # the statement came after the first 30 days
    with pytest.raises(DomainError) as raised:
        services.extend_request(officer, request, extended_on=date(2026, 2, 20), reason=" ")
    assert raised.value.field == "extension_reason"
    extended = services.extend_request(
        officer, request, extended_on=date(2026, 2, 20), reason="Archive offsite"
    )
    assert services.clock(extended).final_due == date(2026, 4, 1)  # type: ignore[union-attr]
    with pytest.raises(DomainError) as raised:
        services.extend_request(officer, extended, extended_on=date(2026, 2, 21), reason="Again")
    assert raised.value.field == "extended_on"  # only one extension
    amendment = new(officer, right="amendment", received_on=date(2024, 2, 28))
    assert services.clock(amendment).due == date(2024, 4, 28)  # type: ignore[union-attr]  # leap year
    assert services.clock(new(officer, right="restriction")) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"right": "erasure"}, "right"),
        ({"requester": " "}, "requester"),
        ({"received_on": date.today() + timedelta(days=1)}, "received_on"),
        ({"individual": "Leo Quill"}, "representative_basis"),
        ({"assignee": 999_999}, "assignee"),
    ],
)
def test_bad_requests_name_the_field(officer: Any, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as raised:
        new(officer, **changes)
    assert raised.value.field == field


def test_the_response_rules(officer: Any) -> None:
    request = new(officer)
    with pytest.raises(DomainError) as raised:
        services.respond(officer, request, status="granted", sent_on=date(2026, 2, 10))
    assert raised.value.field == "identity_verification"
    with pytest.raises(DomainError) as raised:
        services.respond(officer, request, status="denied", sent_on=date(2026, 2, 10))
    assert raised.value.field == "denial_ground"
    with pytest.raises(DomainError) as raised:
        services.respond(
            officer,
            request,
            status="denied",
            sent_on=date(2026, 2, 10),
            denial_ground="Psychotherapy notes",
        )
    assert raised.value.field == "denial_reviewable"
    with pytest.raises(DomainError) as raised:
        services.respond(
            officer,
            request,
            status="denied",
            sent_on=date(2026, 1, 1),
            denial_ground="x",
            denial_reviewable=False,
        )
    assert raised.value.field == "sent_on"
    done = services.respond(
        officer,
        request,
        status="denied",
        sent_on=date(2026, 2, 10),
        denial_ground="Psychotherapy notes (164.524(a)(1)(i))",
        denial_reviewable=False,
    )
    assert not done.is_open
    with pytest.raises(ConflictError):
        services.respond(officer, done, status="granted", sent_on=date(2026, 2, 11))


def test_the_fee_is_itemized_and_postage_needs_a_mailing(officer: Any) -> None:
    request = new(officer)
    with pytest.raises(DomainError) as raised:
        services.set_fee(officer, request, postage="1.50")
    assert raised.value.field == "postage"
    done = services.set_fee(
        officer,
        request,
        labor_hours="0.5",
        labor_rate_per_hour="24",
        supplies="3.20",
        postage="1.50",
        mailed=True,
    )
    assert done.fee["total"] == "16.70"  # 12.00 labor + 3.20 supplies + 1.50 postage
    with pytest.raises(DomainError):
        services.set_fee(officer, new(officer, right="amendment"), supplies="1")


def test_people_are_encrypted_at_rest_and_reads_are_audited(cast: Any, officer: Any) -> None:
    request = new(officer, individual="Leo Quill", representative_basis="Parent of a minor")
    with connection.cursor() as cursor:
        cursor.execute("SELECT people FROM privacy_privacyrequest WHERE id = %s", [request.pk])
        (raw,) = cursor.fetchone()
    assert "Ada Quill" not in raw and "ada@example.net" not in raw
    before = AuditEntry.objects.filter(action="read_sensitive", object_id=str(request.pk)).count()
    people = services.read_people(officer, request)
    assert (
        people["individual"] == "Leo Quill"
        and people["representative_basis"] == "Parent of a minor"
    )
    assert (
        AuditEntry.objects.filter(action="read_sensitive", object_id=str(request.pk)).count()
        == before + 1
    )
    with pytest.raises(PermissionDenied):
        services.read_people(access_organization(cast.contributor, cast.org.slug), request)


def test_register_rows_put_overdue_first(officer: Any) -> None:
    old = new(officer, received_on=date.today() - timedelta(days=40))
    fresh = new(officer, received_on=date.today())
    rows = selectors.rows(officer.organization, open_only=True)
    assert [r.request for r in rows] == [old, fresh]
    assert rows[0].overdue and rows[0].days_left == -10


def test_pages_and_api(cast: Any, client_for: Any, officer: Any) -> None:
    client = client_for(cast.officer)
    base = f"/o/{cast.org.slug}/privacy/requests/"
    created = client.post(
        base, {"right": "accounting", "received_on": "2026-11-01", "requester": "Ben Stroud"}
    )
    assert created.status_code == 302
    request = selectors.rows(cast.org)[0].request
    page = client.get(f"{base}{request.pk}/")
    assert (
        page.status_code == 200
        and b"164.528(c)(1)" in page.content
        and b"Ben Stroud" not in page.content
    )
    shown = client.get(f"{base}{request.pk}/", {"show": "people"})
    assert b"Ben Stroud" in shown.content
    late = client.post(
        f"{base}{request.pk}/extend/", {"extended_on": "2027-02-01", "reason": "late"}
    )
    assert late.status_code == 400
    assert (
        client_for(cast.contributor).get(f"{base}{request.pk}/", {"show": "people"}).status_code
        == 403
    )
    assert client_for(cast.outsider).get(f"{base}{request.pk}/").status_code == 404
    api = f"/api/v1/orgs/{cast.org.slug}/privacy/requests"
    made = client.post(
        api,
        {"right": "access", "received_on": "2026-11-02", "requester": "Cy Marr"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["due"] == "2026-12-02"
    bad = client.post(
        api,
        {"right": "access", "received_on": "2026-11-02", "requester": " "},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "requester"
    people = client.get(f"{api}/{made.json()['id']}/people")
    assert people.json()["requester"] == "Cy Marr"
    assert client_for(cast.auditor).get(f"{api}/{made.json()['id']}/people").status_code == 403


def test_reminders_go_7_3_and_1_days_before_once(cast: Any, officer: Any, mailoutbox: Any) -> None:
    from hipaaops.privacy.tasks import send_request_reminders

    request = new(officer, received_on=date(2026, 1, 31), assignee=cast.officer.pk)
    due = date(2026, 3, 2)
    assert send_request_reminders(due - timedelta(days=7)) == 1
    assert send_request_reminders(due - timedelta(days=7)) == 0
    assert send_request_reminders(due - timedelta(days=5)) == 0
    assert send_request_reminders(due - timedelta(days=1)) == 1
    assert [m.to for m in mailoutbox] == [[cast.officer.email]] * 2
    assert request.reference in mailoutbox[0].subject


def test_the_restriction_that_cannot_be_refused(cast: Any, client_for: Any, officer: Any) -> None:
    request = new(officer, right="restriction")
    with pytest.raises(DomainError) as raised:
        services.respond(
            officer, request, status="denied", sent_on=date(2026, 2, 1), denial_ground="Policy"
        )
    assert raised.value.field == "restriction"  # the facts decide; record them first
    services.set_restriction_facts(
        officer,
        request,
        to_health_plan=True,
        purpose="payment",
        required_by_law=False,
        paid_in_full_out_of_pocket=True,
    )
    request.refresh_from_db()
    assert services.must_agree(request)
    with pytest.raises(DomainError) as raised:
        services.respond(
            officer, request, status="denied", sent_on=date(2026, 2, 1), denial_ground="Policy"
        )
    assert raised.value.field == "status" and "cannot be refused" in raised.value.message
    other = new(officer, right="restriction")
    services.set_restriction_facts(
        officer,
        other,
        to_health_plan=True,
        purpose="treatment",
        required_by_law=False,
        paid_in_full_out_of_pocket=True,
    )
    other.refresh_from_db()
    refused = services.respond(
        officer,
        other,
        status="denied",
        sent_on=date(2026, 2, 1),
        denial_ground="We cannot restrict treatment disclosures in our system",
    )
    assert refused.status == "denied"
    page = client_for(cast.officer).get(f"/o/{cast.org.slug}/privacy/requests/{request.pk}/")
    assert b"must be agreed to" in page.content
    with pytest.raises(DomainError) as raised:
        services.set_restriction_facts(
            officer, new(officer), to_health_plan=True, purpose="payment"
        )
    assert raised.value.field == "right"
