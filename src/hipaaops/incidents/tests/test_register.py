"""The incident register through its services, pages and API: reporting with clear refusals, the
status workflow tied to the determination, signed determinations kept as versions, the plan
from the register's dates and the loaded individuals, encrypted individuals with audited reads."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.incidents import selectors, services
from hipaaops.incidents.models import AffectedIndividual, Determination, Incident
from hipaaops.incidents.rules.inputs import incident_from_json, incident_to_json
from hipaaops.organizations.access import access_organization

pytestmark = pytest.mark.django_db

BREACH = {
    "phi_involved": True,
    "assessment": {
        "nature": {
            "identifiers": ["name", "ssn"],
            "sensitivity": "high",
            "reidentification": "high",
            "rationale": "SSNs.",
        },
        "unauthorized_person": {"recipient": "malicious_actor", "rationale": "A thief."},
        "acquired_or_viewed": {"answer": "unknown", "rationale": "Unknown."},
        "mitigation": {"extent": "none", "rationale": "Gone."},
    },
}
LOW = {
    "phi_involved": True,
    "assessment": {
        "nature": {
            "identifiers": ["name"],
            "sensitivity": "low",
            "reidentification": "low",
            "rationale": "A name.",
        },
        "unauthorized_person": {"recipient": "hipaa_bound_entity", "rationale": "Another clinic."},
        "acquired_or_viewed": {
            "answer": "no",
            "rationale": "Envelope unopened.",
            "forensic_evidence": "Sealed envelope returned.",
        },
        "mitigation": {
            "extent": "returned_or_destroyed",
            "rationale": "Returned.",
            "attestation": "Signed.",
        },
    },
}
CSV = (
    "name,address,state,email,phone,deceased,minor,contact_insufficient\n"
    'Ada Quill,"1 Main St, Salem, OR",OR,ada@example.net,,no,no,no\n'
    "Ben Stroud,,WA,,,no,no,yes\n"
    "Cy Marr,2 Elm,wa,cy@example.net,,yes,no,no\n"
)


def today() -> Any:
    return timezone.localdate()


@pytest.fixture
def officer(cast: Any) -> Any:
    return access_organization(cast.officer, cast.org.slug)


@pytest.fixture
def owner(cast: Any) -> Any:
    return access_organization(cast.owner, cast.org.slug)


@pytest.fixture
def incident(officer: Any) -> Incident:
    return services.report_incident(
        officer,
        title="Laptop stolen from a car",
        category="lost_or_stolen_device",
        discovered_on=today() - timedelta(days=5),
        occurred_on=today() - timedelta(days=6),
    )


def test_reporting_numbers_and_audits(officer: Any, incident: Incident) -> None:
    second = services.report_incident(
        officer, title="Second", category="other", discovered_on=today()
    )
    assert (incident.reference, second.reference) == ("INC-0001", "INC-0002")
    assert incident.reported_by == officer.user
    assert AuditEntry.objects.filter(
        object_type="incidents.incident", object_id=str(incident.pk)
    ).exists()
    assert incident.timeline.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"category": "aliens"}, "category"),
        ({"discovered_on": "yesterday"}, "discovered_on"),
        ({"discovered_on": None}, "discovered_on"),
        ({"occurred_on": "2026-01-10", "discovered_on": "2026-01-05"}, "discovered_on"),
        ({"discovered_on": "2026-01-10", "reported_on": "2026-01-05"}, "reported_on"),
        ({"handler": 999_999}, "handler"),
    ],
)
def test_bad_reports_name_the_field_and_save_nothing(
    officer: Any, changes: dict[str, Any], field: str
) -> None:
    data = {"title": "X", "category": "other", "discovered_on": today().isoformat(), **changes}
    with pytest.raises(DomainError) as raised:
        services.report_incident(officer, **data)
    assert raised.value.field == field
    assert not Incident.objects.exists()


def test_a_future_discovery_and_a_handler_from_elsewhere_are_refused(
    cast: Any, officer: Any
) -> None:
    with pytest.raises(DomainError) as raised:
        services.report_incident(
            officer, title="X", category="other", discovered_on=today() + timedelta(days=1)
        )
    assert raised.value.field == "discovered_on"
    with pytest.raises(DomainError) as raised:
        services.report_incident(
            officer, title="X", category="other", discovered_on=today(), handler=cast.outsider.pk
        )
    assert raised.value.field == "handler"


def test_workforce_and_auditors_cannot_report(cast: Any) -> None:
    for person in (cast.auditor, cast.workforce):
        with pytest.raises(PermissionDenied):
            services.report_incident(
                access_organization(person, cast.org.slug),
                title="X",
                category="other",
                discovered_on=today(),
            )


def test_the_determination_inputs_round_trip_and_refuse_bad_fields() -> None:
    assert incident_to_json(incident_from_json(BREACH)) == {
        **BREACH,
        "assessment": {
            **BREACH["assessment"],
            "nature": {**BREACH["assessment"]["nature"], "identifiers": ["name", "ssn"]},
            "acquired_or_viewed": {
                **BREACH["assessment"]["acquired_or_viewed"],
                "forensic_evidence": "",
            },
            "mitigation": {**BREACH["assessment"]["mitigation"], "attestation": ""},
        },
    }
    from hipaaops.incidents.rules import RuleInputError

    bad = json.loads(json.dumps(BREACH))
    bad["assessment"]["nature"]["sensitivity"] = "extreme"
    with pytest.raises(RuleInputError) as raised:
        incident_from_json(bad)
    assert raised.value.field == "assessment.nature.sensitivity"
    with pytest.raises(RuleInputError) as raised:
        incident_from_json({"phi_involved": "yes"})
    assert raised.value.field == "phi_involved"


def test_determinations_are_versions_and_a_signed_one_never_changes(
    officer: Any, owner: Any, incident: Incident
) -> None:
    draft = services.record_determination(officer, incident, inputs=LOW)
    assert draft.conclusion == "low_probability_of_compromise" and draft.version == 1
    # A draft is replaced in place.
    again = services.record_determination(officer, incident, inputs=BREACH)
    assert again.pk == draft.pk and again.conclusion == "breach"
    with pytest.raises(PermissionDenied):
        services.finalize_determination(officer_contributor(officer, incident), again)
    signed = services.finalize_determination(owner, again)
    assert signed.finalized and signed.finalized_by == owner.user
    with pytest.raises(ConflictError):
        services.finalize_determination(owner, signed)
    # An amendment is a new version; the signed one is kept as it was.
    amended = services.record_determination(
        officer, incident, inputs=LOW, summary="Envelope came back sealed."
    )
    assert amended.version == 2 and amended.pk != signed.pk
    kept = Determination.objects.get(pk=signed.pk)
    assert kept.conclusion == "breach" and kept.finalized


def officer_contributor(officer: Any, incident: Incident) -> Any:
    from hipaaops.organizations.models import Membership

    contributor = (
        Membership.objects.filter(organization=officer.organization, role="contributor").get().user
    )
    return access_organization(contributor, officer.organization.slug)


def test_a_low_probability_needs_its_written_rationale_before_it_is_signed(
    owner: Any, officer: Any, incident: Incident
) -> None:
    d = services.record_determination(officer, incident, inputs=LOW)
    with pytest.raises(DomainError) as raised:
        services.finalize_determination(owner, d)
    assert raised.value.field == "summary"


def test_status_follows_the_determination(officer: Any, owner: Any, incident: Incident) -> None:
    with pytest.raises(DomainError):
        services.change_status(officer, incident, "notifying")
    with pytest.raises(DomainError):
        services.change_status(officer, incident, "closed")
    services.change_status(officer, incident, "contained")
    d = services.record_determination(officer, incident, inputs=BREACH)
    services.finalize_determination(owner, d)
    services.change_status(officer, incident, "notifying")
    with pytest.raises(ConflictError):
        services.change_status(officer, incident, "notifying")
    closed = services.change_status(officer, incident, "closed", note="All notices sent.")
    assert closed.closed_at is not None
    assert "All notices sent." in closed.timeline.last().text


def test_the_plan_follows_the_register_and_the_loaded_individuals(
    officer: Any, owner: Any, incident: Incident
) -> None:
    obligations, note = selectors.plan(incident)
    assert obligations == [] and "presumed" in note
    services.finalize_determination(
        owner, services.record_determination(officer, incident, inputs=BREACH)
    )
    obligations, note = selectors.plan(incident)
    assert obligations == [] and "incomplete" in note  # nobody counted yet
    services.set_notification_facts(
        officer, incident, affected_by_state={"CA": 501}, insufficient_contact_info=0
    )
    obligations, _ = selectors.plan(incident)
    ids = {o.id for o in obligations}
    assert {"individual_notice", "media_notice", "hhs_notice"} <= ids
    due = {o.id: o.due for o in obligations}
    assert due["individual_notice"] == incident.discovered_on + timedelta(days=60)
    report = services.import_individuals(officer, incident, CSV)
    assert report.imported and report.by_state == {"OR": 1, "WA": 2}
    obligations, _ = selectors.plan(incident)
    ids = {o.id for o in obligations}
    assert "media_notice" not in ids and "hhs_annual_log" in ids  # three people now, not 501
    assert "substitute_notice" in ids  # one without contact information
    assert selectors.upcoming_deadlines(officer.organization)[0].incident == incident


def test_bad_notification_facts_are_refused(officer: Any, incident: Incident) -> None:
    with pytest.raises(DomainError) as raised:
        services.set_notification_facts(
            officer, incident, law_enforcement_delay={"kind": "written", "stated_on": "2026-01-01"}
        )
    assert raised.value.field.startswith("law_enforcement_delay")


def test_the_import_lists_every_bad_row_and_loads_nothing(officer: Any, incident: Incident) -> None:
    bad = CSV + "Dee,,ZZ,not-an-email,,maybe,no,no\n,,OR,,,no,no,no\n"
    report = services.import_individuals(officer, incident, bad)
    assert not report.imported
    assert report.errors == [
        "line 5, state: 'ZZ' is not a US State or territory code",
        "line 5, email: 'not-an-email' is not an e-mail address",
        "line 5, deceased: 'maybe' is not yes or no",
        "line 6, name: missing",
    ]
    assert not AffectedIndividual.objects.exists()
    dry = services.import_individuals(officer, incident, CSV, dry_run=True)
    assert dry.rows == 3 and not dry.imported and not AffectedIndividual.objects.exists()
    with pytest.raises(DomainError) as raised:
        services.import_individuals(officer, incident, "who,state\nA,OR\n")
    assert raised.value.field == "file" and "line 1" in raised.value.message


def test_individuals_are_encrypted_at_rest_and_every_read_is_audited(
    cast: Any, officer: Any, incident: Incident
) -> None:
    services.import_individuals(officer, incident, CSV)
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact, state FROM incidents_affectedindividual")
        raw = cursor.fetchall()
    assert len(raw) == 3
    flat = " ".join(str(v) for row in raw for v in row)
    for secret in ("Ada Quill", "Main St", "ada@example.net"):
        assert secret not in flat
    assert {row[1] for row in raw} == {"OR", "WA"}  # the State stays readable for the counts
    reads = AuditEntry.objects.filter(action="read_sensitive", object_id=str(incident.pk)).count()
    people = services.read_individuals(officer, incident)
    assert [p.name for p in people] == ["Ada Quill", "Ben Stroud", "Cy Marr"]
    assert (
        AuditEntry.objects.filter(action="read_sensitive", object_id=str(incident.pk)).count()
        == reads + 1
    )
    with pytest.raises(PermissionDenied):
        services.read_individuals(access_organization(cast.contributor, cast.org.slug), incident)


# ---------------------------------------------------------------------------- pages and API


def test_pages(cast: Any, client_for: Any, officer: Any, incident: Incident) -> None:
    client = client_for(cast.officer)
    base = f"/o/{cast.org.slug}/incidents/"
    assert client.get(base).status_code == 200
    page = client.get(f"{base}{incident.pk}/")
    assert page.status_code == 200 and b"INC-0001" in page.content
    refused = client.post(f"{base}{incident.pk}/status/", {"status": "closed"})
    assert (
        refused.status_code == 400
        and "Finalize the breach determination" in refused.content.decode()
    )
    recorded = client.post(
        f"{base}{incident.pk}/determination/",
        {
            "phi_involved": "yes",
            "sensitivity": "high",
            "reidentification": "high",
            "nature_rationale": "SSN",
            "identifiers": ["ssn"],
            "recipient": "public",
            "recipient_rationale": "Posted online",
        },
    )
    assert recorded.status_code == 302
    assert services.current_determination(incident).conclusion == "breach"  # type: ignore[union-attr]
    upload = client.post(
        f"{base}{incident.pk}/individuals/import/",
        {
            "file": SimpleUploadedFile("people.csv", CSV.replace("OR,ada", "XX,ada").encode()),
            "dry_run": "",
        },
    )
    assert upload.status_code == 400 and "line 2, state" in upload.content.decode()
    upload = client.post(
        f"{base}{incident.pk}/individuals/import/",
        {"file": SimpleUploadedFile("people.csv", CSV.encode())},
    )
    assert upload.status_code == 302
    listing = client.get(f"{base}{incident.pk}/individuals/")
    assert listing.status_code == 200 and b"Ada Quill" in listing.content
    assert client_for(cast.contributor).get(f"{base}{incident.pk}/individuals/").status_code == 403
    assert client_for(cast.outsider).get(f"{base}{incident.pk}/").status_code == 404
    log = b"".join(client.get(f"{base}log.csv").streaming_content)
    assert b"INC-0001" in log and b"breach" in log


def test_api(cast: Any, client_for: Any) -> None:
    client = client_for(cast.officer)
    base = f"/api/v1/orgs/{cast.org.slug}/incidents"
    created = client.post(
        base,
        {
            "title": "Stolen USB stick",
            "category": "lost_or_stolen_device",
            "discovered_on": today().isoformat(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    incident_id = created.json()["id"]
    refused = client.post(
        f"{base}/{incident_id}/determination",
        {"inputs": {"phi_involved": True, "assessment": {"nature": {"sensitivity": "?"}}}},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"][0]["field"] == "assessment.nature.sensitivity"
    done = client.post(
        f"{base}/{incident_id}/determination", {"inputs": BREACH}, content_type="application/json"
    )
    assert done.json()["determination"]["conclusion"] == "breach"
    owner = client_for(cast.owner)
    assert owner.post(f"{base}/{incident_id}/determination/finalize").status_code == 200
    facts = client.put(
        f"{base}/{incident_id}/facts",
        {"affected_by_state": {"TX": 12}},
        content_type="application/json",
    )
    assert facts.status_code == 200
    plan = facts.json()["plan"]
    assert {o["id"] for o in plan} == {"individual_notice", "hhs_annual_log"}
    upload = client.post(
        f"{base}/{incident_id}/individuals", {"file": SimpleUploadedFile("p.csv", CSV.encode())}
    )
    assert upload.status_code == 200 and upload.json()["imported"] is True
    people = client.get(f"{base}/{incident_id}/individuals")
    assert people.json()["count"] == 3
    assert client_for(cast.auditor).get(f"{base}/{incident_id}/individuals").status_code == 403
    assert client_for(cast.outsider).get(f"{base}/{incident_id}").status_code == 404
