"""Complaints, the notice with postings and acknowledgement efforts, the public intake page with
its rate limit, and the register exports."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.organizations.access import access_organization
from hipaaops.privacy import program
from hipaaops.privacy.models import PrivacyRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(cast: Any) -> Any:
    return access_organization(cast.officer, cast.org.slug)


def test_complaints_are_received_and_resolved_with_their_disposition(officer: Any) -> None:
    with pytest.raises(DomainError) as raised:
        program.receive_complaint(officer, received_on=date(2026, 1, 5), summary=" ")
    assert raised.value.field == "summary"
    complaint = program.receive_complaint(
        officer, received_on=date(2026, 1, 5), summary="Overheard at the desk"
    )
    with pytest.raises(DomainError) as raised:
        program.dispose_complaint(
            officer, complaint, disposition="Retrained", disposed_on=date(2026, 1, 1)
        )
    assert raised.value.field == "disposed_on"
    done = program.dispose_complaint(
        officer,
        complaint,
        disposition="Retrained",
        disposed_on=date(2026, 1, 20),
        sanction_reference="W-1",
    )
    assert done.status == "resolved" and done.sanction_reference == "W-1"
    with pytest.raises(ConflictError):
        program.dispose_complaint(officer, done, disposition="Again", disposed_on=date(2026, 1, 21))


def test_notice_versions_postings_and_acknowledgements(officer: Any) -> None:
    v1 = program.add_notice_version(officer, version="2025-1", effective_on=date(2025, 1, 1))
    v2 = program.add_notice_version(officer, version="2026-1", effective_on=date(2026, 3, 1))
    with pytest.raises(DomainError) as raised:
        program.add_notice_version(officer, version="2026-1", effective_on=date(2026, 4, 1))
    assert raised.value.field == "version"
    assert program.notice_in_force(officer.organization, date(2026, 2, 1)) == v1
    assert program.notice_in_force(officer.organization, date(2026, 3, 1)) == v2
    program.record_posting(officer, v2, where="Waiting room", posted_on=date(2026, 3, 1))
    with pytest.raises(DomainError) as raised:
        program.record_acknowledgement(
            officer,
            v2,
            name="A",
            identifier="MRN-1",
            first_service_on=date(2026, 3, 2),
            obtained=False,
        )
    assert raised.value.field == "reason_not_obtained"
    effort = program.record_acknowledgement(
        officer,
        v2,
        name="A",
        identifier="MRN-1",
        first_service_on=date(2026, 3, 2),
        obtained=False,
        reason_not_obtained="Emergency visit; declined to sign.",
    )
    assert "MRN-1" not in effort.individual_key


def test_the_intake_page_is_closed_by_default_then_rate_limited(cast: Any, officer: Any) -> None:
    client = Client()
    url = f"/intake/{cast.org.slug}/"
    assert client.get(url).status_code == 404
    owner = access_organization(cast.owner, cast.org.slug)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # only those who manage the organization open it
        program.set_intake(officer, enabled=True)
    program.set_intake(owner, enabled=True, intro="We answer within 30 days.")
    assert client.get(url).status_code == 200
    missing = client.post(url, {"right": "access", "requester": "Ada", "contact": ""})
    assert missing.status_code == 400
    data = {
        "right": "access",
        "requester": "Ada Quill",
        "contact": "ada@example.net",
        "summary": "My 2025 records",
    }
    for _ in range(program.INTAKE_LIMIT):
        done = client.post(url, data)
        assert done.status_code == 200 and b"REQ-" in done.content
    limited = client.post(url, data)
    assert limited.status_code == 429
    made = PrivacyRequest.objects.filter(organization=cast.org, channel="intake page")
    assert made.count() == program.INTAKE_LIMIT
    first = made.first()
    assert first is not None and first.received_on == timezone.localdate()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT people FROM privacy_privacyrequest WHERE id = %s", [first.pk])
        (raw,) = cursor.fetchone()
    assert "ada@example.net" not in raw and "Ada Quill" not in raw


def test_exports_of_the_registers(cast: Any, client_for: Any, officer: Any) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from hipaaops.privacy import services

    services.receive_request(
        officer, right="access", received_on=date(2026, 1, 31), requester="Ada Quill"
    )
    program.receive_complaint(officer, received_on=date(2026, 1, 5), summary='=HYPERLINK("x")')
    client = client_for(cast.officer)
    base = f"/o/{cast.org.slug}/privacy/exports/"
    csv_text = b"".join(client.get(f"{base}requests.csv").streaming_content).decode()
    assert "REQ-0001" in csv_text and "Ada Quill" not in csv_text  # people stay in the record
    complaints = b"".join(client.get(f"{base}complaints.csv").streaming_content).decode()
    assert "'=HYPERLINK" in complaints  # formula defused
    wb = load_workbook(io.BytesIO(client.get(f"{base}complaints.xlsx").content))
    assert wb.worksheets[0]["A2"].value == "CMP-0001"
    pdf = client.get(f"{base}requests.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "REQ-0001" in text
    assert client.get(f"{base}nothing.csv").status_code == 404
    assert client_for(cast.contributor).get(f"{base}requests.csv").status_code == 403
    assert client.get(f"{base}accountings.csv").status_code == 200


def test_a_denied_amendment_keeps_the_disagreement_and_has_its_letter(
    cast: Any, client_for: Any, officer: Any
) -> None:
    from pypdf import PdfReader

    from hipaaops.privacy import services

    request = services.receive_request(
        officer, right="amendment", received_on=date(2026, 1, 10), requester="Hector Lindqvist"
    )
    with pytest.raises(DomainError) as raised:
        services.record_disagreement(officer, request, disagreement="I am not allergic")
    assert raised.value.field == "status"
    services.respond(
        officer,
        request,
        status="denied",
        sent_on=date(2026, 2, 1),
        denial_ground="The allergy was confirmed by a skin test in 2019.",
    )
    request.refresh_from_db()
    kept = services.record_disagreement(
        officer, request, disagreement="I was never tested.", rebuttal="Test report on file."
    )
    assert kept.disagreement and kept.rebuttal
    pdf = client_for(cast.officer).get(
        f"/o/{cast.org.slug}/privacy/requests/{request.pk}/denial.pdf"
    )
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for element in ("skin test", "statement", "future", "Secretary", "complain"):
        assert element in text  # 164.526(d)(1)(i)-(iv)


def test_a_reviewable_access_denial_is_reviewed_by_someone_else(officer: Any) -> None:
    from hipaaops.privacy import services

    request = services.receive_request(
        officer, right="access", received_on=date(2026, 1, 10), requester="Ada Quill"
    )
    services.respond(
        officer,
        request,
        status="denied",
        sent_on=date(2026, 1, 20),
        denial_ground="Likely to endanger life (164.524(a)(3)(i))",
        denial_reviewable=True,
    )
    request.refresh_from_db()
    with pytest.raises(DomainError) as raised:
        services.record_review(
            officer,
            request,
            reviewer_name="Dr. Chen",
            license="MD 1234",
            took_part_in_denial=True,
            outcome="upheld",
            reviewed_on=date(2026, 1, 25),
        )
    assert raised.value.field == "took_part_in_denial"
    done = services.record_review(
        officer,
        request,
        reviewer_name="Dr. Osei",
        license="MD 5678",
        took_part_in_denial=False,
        outcome="reversed",
        reviewed_on=date(2026, 1, 25),
    )
    assert done.review is not None and done.review["outcome"] == "reversed"


def test_complaints_disclosures_and_notices_through_the_api(cast: Any, client_for: Any) -> None:
    client = client_for(cast.officer)
    base = f"/api/v1/orgs/{cast.org.slug}/privacy"
    made = client.post(
        f"{base}/complaints",
        {"received_on": "2026-01-05", "summary": "Overheard"},
        content_type="application/json",
    )
    assert made.status_code == 201
    bad = client.post(
        f"{base}/complaints/{made.json()['id']}/disposition",
        {"disposition": "", "disposed_on": "2026-01-06"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "disposition"
    done = client.post(
        f"{base}/complaints/{made.json()['id']}/disposition",
        {"disposition": "Retrained", "disposed_on": "2026-01-06"},
        content_type="application/json",
    )
    assert done.json()["status"] == "resolved"
    disclosure = client.post(
        f"{base}/disclosures",
        {
            "individual_name": "Ada",
            "individual_id": "M-1",
            "disclosed_on": "2025-05-01",
            "recipient": "Health dept",
            "description": "Record",
            "purpose": "Report",
        },
        content_type="application/json",
    )
    assert disclosure.status_code == 201
    assert "Ada" not in client.get(f"{base}/disclosures").content.decode()
    notice = client.post(
        f"{base}/notices",
        {"version": "2026-1", "effective_on": "2026-01-01"},
        content_type="application/json",
    )
    assert (
        notice.status_code == 201 and client.get(f"{base}/notices").json()[0]["version"] == "2026-1"
    )
    assert client_for(cast.outsider).get(f"{base}/complaints").status_code == 404


def test_files_are_kept_with_a_request(cast: Any, client_for: Any, officer: Any) -> None:
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    from hipaaops.privacy import services

    request = services.receive_request(
        officer, right="access", received_on=date(2026, 1, 10), requester="Ada Quill"
    )
    client = client_for(cast.officer)
    url = f"/o/{cast.org.slug}/privacy/requests/{request.pk}/attachments/"
    body = b"I ask for a copy of my records.\n"
    assert (
        client.post(
            url, {"title": "Written request", "file": SimpleUploadedFile("request.txt", body)}
        ).status_code
        == 302
    )
    assert request.documents.get().sha256 == hashlib.sha256(body).hexdigest()
    assert (
        client.post(url, {"file": SimpleUploadedFile("x.pdf", b"MZ\x90 not a pdf")}).status_code
        == 400
    )
    assert (
        client_for(cast.auditor).post(url, {"file": SimpleUploadedFile("a.txt", b"x")}).status_code
        == 403
    )


def test_the_binder_and_the_mock_audit_draw_on_the_privacy_registers(
    cast: Any, officer: Any, tmp_path: Any
) -> None:
    import zipfile

    from hipaaops.catalog.regulation import catalog
    from hipaaops.privacy import services
    from hipaaops.readiness import binder, proposals

    services.receive_request(
        officer, right="access", received_on=date(2026, 1, 10), requester="Ada Quill"
    )
    program.receive_complaint(officer, received_on=date(2026, 1, 5), summary="Overheard")
    program.add_notice_version(officer, version="2026-1", effective_on=date(2026, 1, 1))
    path = tmp_path / "b.zip"
    binder.export(cast.org, path, as_of=timezone.localdate(), actor=None)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert {
            "privacy/requests.csv",
            "privacy/complaints.csv",
            "privacy/notice-versions.csv",
        } <= names
        assert b"Ada Quill" not in archive.read("privacy/requests.csv")
    access_row = next(
        i for i in catalog.protocol_inquiries("privacy") if i.citation.startswith("164.524")
    )
    kinds = {p.label for p in proposals.propose(cast.org, access_row)}
    assert any("access" in label for label in kinds)
    assert binder.verify_binder(path).ok
