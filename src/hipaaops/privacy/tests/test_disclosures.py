"""The disclosures log and the accounting letter (45 CFR 164.528)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import DomainError
from hipaaops.organizations.access import access_organization
from hipaaops.privacy import disclosures as log
from hipaaops.privacy.models import Disclosure

pytestmark = pytest.mark.django_db

CSV = (
    "individual_name,individual_id,disclosed_on,recipient,description,purpose,exemption,suspended_until\n"
    "Ada Quill,MRN-1,2025-03-01,County health department,Immunization record,Public health reporting,,\n"
    "Ada Quill,MRN-1,2025-04-01,Dr. Reyes,Visit notes,Referral,treatment_payment_operations,\n"
    "Ada Quill,MRN-1,2018-01-01,State registry,Lab result,Mandatory report,,\n"
    "Ben Stroud,MRN-2,2025-05-01,Court of Clark County,Billing records,Subpoena with assurances,,\n"
)


@pytest.fixture
def officer(cast: Any) -> Any:
    return access_organization(cast.officer, cast.org.slug)


def test_import_is_all_or_nothing_with_every_bad_row(officer: Any) -> None:
    bad = CSV + "Cy Marr,,2025-13-01,,x,y,bogus,\n"
    report = log.import_disclosures(officer, bad)
    assert not report.imported
    assert report.errors == [
        "line 6, individual_id: missing",
        "line 6, recipient: missing",
        "line 6, disclosed_on: '2025-13-01' is not a date (YYYY-MM-DD)",
        "line 6, exemption: 'bogus' is not one of "
        + ", ".join(
            e
            for e in (
                "treatment_payment_operations",
                "to_the_individual",
                "incidental",
                "authorization",
                "directory_or_involved_persons",
                "national_security",
                "correctional_institution",
                "limited_data_set",
                "before_compliance_date",
            )
        ),
    ]
    assert not Disclosure.objects.exists()
    assert (
        log.import_disclosures(officer, CSV, dry_run=True).rows == 4
        and not Disclosure.objects.exists()
    )
    assert log.import_disclosures(officer, CSV).imported
    assert Disclosure.objects.count() == 4
    with pytest.raises(DomainError) as raised:
        log.import_disclosures(officer, "who,when\n")
    assert raised.value.field == "file"


def test_the_accounting_lists_what_the_rule_requires_and_the_second_is_charged(
    officer: Any,
) -> None:
    log.import_disclosures(officer, CSV)
    first = log.produce_accounting(
        officer, individual_id="mrn-1 ", individual_name="Ada Quill", requested_on=date(2026, 2, 1)
    )
    assert [d.recipient for d in first.accounting.included] == ["County health department"]
    reasons = sorted(e.citation for e in first.accounting.excluded)
    assert any("164.528(a)(1)(i)" in c for c in reasons)  # treatment, payment, operations
    assert any("164.528(a)(1)" in c and "(a)(3)" in c for c in reasons)  # outside six years
    assert first.charge.free
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(first.pdf)).pages)
    assert "County health department" in text and "Dr. Reyes" not in text and "free" in text
    second = log.produce_accounting(
        officer, individual_id="MRN-1", individual_name="Ada Quill", requested_on=date(2026, 6, 1)
    )
    assert not second.charge.free
    assert (
        AuditEntry.objects.filter(
            action="read_sensitive", object_type="privacy.accountingrecord"
        ).count()
        == 2
    )
    with pytest.raises(DomainError) as raised:
        log.produce_accounting(
            officer,
            individual_id="MRN-1",
            individual_name="A",
            requested_on=date(2026, 6, 1),
            period_start=date(2019, 1, 1),
        )
    assert raised.value.field == "period_start"


def test_the_individual_is_stored_encrypted_and_found_by_a_keyed_hash(officer: Any) -> None:
    from django.db import connection

    log.record_disclosure(
        officer,
        individual_name="Ada Quill",
        individual_id="MRN-1",
        disclosed_on=date(2025, 3, 1),
        recipient="Health dept",
        description="Record",
        purpose="Reporting",
        exemption="",
        suspended_until=None,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT individual, individual_key FROM privacy_disclosure")
        raw, key = cursor.fetchone()
    assert "Ada Quill" not in raw and "MRN-1" not in raw and "MRN-1" not in key
    with pytest.raises(DomainError) as raised:
        log.record_disclosure(
            officer,
            individual_name="Ada",
            individual_id="M",
            disclosed_on=date(2025, 3, 1),
            recipient="",
            description="d",
            purpose="p",
        )
    assert raised.value.field == "recipient"


def test_the_page(cast: Any, client_for: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(cast.officer)
    url = f"/o/{cast.org.slug}/privacy/disclosures/"
    assert client.get(url).status_code == 200
    upload = client.post(url, {"kind": "import", "file": SimpleUploadedFile("d.csv", CSV.encode())})
    assert upload.status_code == 302 and Disclosure.objects.count() == 4
    pdf = client.post(
        url,
        {
            "kind": "accounting",
            "individual_name": "Ben Stroud",
            "individual_id": "MRN-2",
            "requested_on": "2026-02-01",
        },
    )
    assert pdf["Content-Type"] == "application/pdf"
    assert (
        client_for(cast.contributor)
        .post(
            url,
            {
                "kind": "accounting",
                "individual_name": "B",
                "individual_id": "MRN-2",
                "requested_on": "2026-02-01",
            },
        )
        .status_code
        == 403
    )
