"""The HHS portal data sheet, the annual log of small breaches and the public notice drafts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hipaaops.incidents import services, submissions
from hipaaops.organizations.access import access_organization

pytestmark = pytest.mark.django_db

BREACH = {
    "phi_involved": True,
    "assessment": {
        "nature": {
            "identifiers": ["name", "ssn", "clinical"],
            "sensitivity": "high",
            "reidentification": "high",
            "rationale": "x",
        },
        "unauthorized_person": {"recipient": "malicious_actor", "rationale": "x"},
        "acquired_or_viewed": {"answer": "yes", "rationale": "x"},
        "mitigation": {"extent": "none", "rationale": "x"},
    },
}


def breach(
    cast: Any, title: str, by_state: dict[str, int], unreachable: int = 0, days_ago: int = 3
) -> Any:
    officer = access_organization(cast.officer, cast.org.slug)
    owner = access_organization(cast.owner, cast.org.slug)
    incident = services.report_incident(
        officer,
        title=title,
        category="phishing",
        description="A phished mailbox.",
        discovered_on=timezone.localdate() - timedelta(days=days_ago),
    )
    services.finalize_determination(
        owner, services.record_determination(officer, incident, inputs=BREACH)
    )
    services.set_notification_facts(
        officer, incident, affected_by_state=by_state, insufficient_contact_info=unreachable
    )
    services.set_notice_content(
        officer,
        incident,
        what_happened="A mailbox was phished.",
        what_we_are_doing="We reset it.",
        phone="1-800-555-0199",
        information=["name"],
        email="p@acme.test",
    )
    return incident


def test_the_data_sheet_carries_the_portal_fields(cast: Any) -> None:
    incident = breach(cast, "Big", {"CA": 600, "NV": 10}, unreachable=12)
    sheet = submissions.hhs_data_sheet(incident)
    assert sheet["Approximate Number of Individuals Affected by the Breach"] == 610
    assert sheet["Type of Breach"] == "Hacking/IT Incident"
    assert sheet["Location of Breached Information"] == "Email"
    assert sheet["Type of Protected Health Information Involved in the Breach"] == [
        "Clinical",
        "Demographic",
    ]
    assert sheet["Was Media Notice Required?"] == "Yes"
    assert sheet["Was Substitute Notice Required?"] == "Yes"
    text = "".join(submissions.data_sheet_csv(incident))
    assert "Approximate Number of Individuals Affected by the Breach,610" in text
    assert "1-800-555-0199" in submissions.web_notice(incident)
    assert "CA" in submissions.media_notice(incident)


def test_the_annual_log_holds_the_finalized_breaches_under_500_of_the_year(
    cast: Any, client_for: Any
) -> None:
    small = breach(cast, "Small", {"CA": 12})
    breach(cast, "Big", {"CA": 600})
    year = small.discovered_on.year
    log = submissions.annual_log(cast.org, year)
    assert [e["reference"] for e in log] == [small.reference]
    assert log[0]["individuals"] == 12
    assert submissions.annual_log(cast.org, year - 1) == []
    client = client_for(cast.officer)
    response = client.get(f"/o/{cast.org.slug}/incidents/annual-log.csv", {"year": year})
    assert response.status_code == 200 and small.reference.encode() in b"".join(
        response.streaming_content
    )
    assert (
        client.get(f"/o/{cast.org.slug}/incidents/annual-log.csv", {"year": "199"}).status_code
        == 400
    )
    sheet = client.get(f"/o/{cast.org.slug}/incidents/{small.pk}/hhs-report.json")
    assert json.loads(sheet.content)["hipaaops reference"] == small.reference
    assert client.get(f"/o/{cast.org.slug}/incidents/{small.pk}/hhs-report.xml").status_code == 404


def test_reminders_go_14_7_and_1_days_before_each_deadline_once(cast: Any, mailoutbox: Any) -> None:
    import time_machine

    from hipaaops.incidents.tasks import send_deadline_reminders

    incident = breach(cast, "Reminded", {"CA": 12}, days_ago=1)
    due = incident.discovered_on + timedelta(days=60)  # the individual notice
    assert send_deadline_reminders(due - timedelta(days=20)) == 0
    assert send_deadline_reminders(due - timedelta(days=14)) == 1
    assert send_deadline_reminders(due - timedelta(days=14)) == 0  # once only
    with time_machine.travel(due - timedelta(days=7)):
        assert send_deadline_reminders() == 1
    assert send_deadline_reminders(due - timedelta(days=1)) == 1
    assert len(mailoutbox) == 3
    assert "due in 14 days" in mailoutbox[0].subject and incident.reference in mailoutbox[0].subject
    assert mailoutbox[0].to == [cast.owner.email, cast.officer.email]  # no handler: the officials


def test_files_are_attached_hashed_and_sniffed(cast: Any, client_for: Any) -> None:
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    incident = breach(cast, "With a file", {"CA": 3})
    client = client_for(cast.officer)
    url = f"/o/{cast.org.slug}/incidents/{incident.pk}/attachments/"
    body = b"Police report number 2026-1141.\n"
    done = client.post(
        url, {"title": "Police report", "file": SimpleUploadedFile("report.txt", body)}
    )
    assert done.status_code == 302
    document = incident.documents.get()
    assert document.sha256 == hashlib.sha256(body).hexdigest()
    refused = client.post(url, {"file": SimpleUploadedFile("run.pdf", b"MZ\x90\x00 not a pdf")})
    assert refused.status_code == 400
    assert incident.documents.count() == 1
    assert "File attached" in incident.timeline.last().text
    assert (
        client_for(cast.auditor).post(url, {"file": SimpleUploadedFile("a.txt", b"x")}).status_code
        == 403
    )


def test_a_business_associate_gets_its_notice_and_the_identities(
    cast: Any, client_for: Any
) -> None:
    from hipaaops.organizations.services import create_organization

    ba = create_organization(
        actor=None,
        name="Billing Co",
        slug="billco",
        entity_type="business_associate",
        owner=cast.owner,
    )
    access = access_organization(cast.owner, ba.slug)
    incident = services.report_incident(
        access,
        title="Billing server breached",
        category="hacking",
        description="Server breached.",
        discovered_on=timezone.localdate() - timedelta(days=2),
    )
    services.finalize_determination(
        access, services.record_determination(access, incident, inputs=BREACH)
    )
    services.import_individuals(access, incident, "name,state\nAda Quill,OR\nBen Stroud,WA\n")
    text = services.business_associate_notice(incident)
    assert "164.410" in text and "Individuals affected: 2" in text
    client = client_for(cast.owner)
    page = client.get(f"/o/{ba.slug}/incidents/{incident.pk}/")
    assert b"Notice to the covered entity" in page.content
    identities = b"".join(
        client.get(
            f"/o/{ba.slug}/incidents/{incident.pk}/covered-entity-individuals.csv"
        ).streaming_content
    ).decode()
    assert "Ada Quill" in identities and "Ben Stroud" in identities


def test_the_annual_log_as_pdf(cast: Any, client_for: Any) -> None:
    import io

    from pypdf import PdfReader

    small = breach(cast, "Small one", {"CA": 7})
    response = client_for(cast.officer).get(
        f"/o/{cast.org.slug}/incidents/annual-log.csv",
        {"year": small.discovered_on.year, "format": "pdf"},
    )
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert small.reference in text and "164.408(c)" in text
