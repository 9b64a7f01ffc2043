"""The register, the accountings given and the complaint log as CSV, XLSX and PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hipaaops.core.tables import as_csv, as_pdf, as_xlsx
from hipaaops.privacy import selectors
from hipaaops.privacy.models import AccountingRecord, Complaint

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization


def table(org: Organization, what: str) -> tuple[str, list[str], list[list[object]]]:
    """(title, columns, rows) of one of: requests, accountings, complaints. No PHI: people appear
    by reference only (their details stay in the encrypted records)."""
    if what == "requests":
        rows = [
            [
                r.request.reference,
                r.request.get_right_display(),
                r.request.received_on,
                r.due or "",
                r.request.get_status_display(),
                r.request.extended_on or "",
                r.request.response_sent_on or "",
                (r.request.fee or {}).get("total", ""),
                r.request.assignee.email if r.request.assignee else "",
            ]
            for r in selectors.rows(org)
        ]
        return (
            "Rights requests",
            [
                "reference",
                "right",
                "received_on",
                "due",
                "status",
                "extended_on",
                "response_sent_on",
                "fee",
                "assignee",
            ],
            rows,
        )
    if what == "accountings":
        rows = [
            [
                a.requested_on,
                a.period_start,
                a.period_end,
                a.listed,
                "free" if a.free else "charged",
                a.produced_at.date(),
            ]
            for a in AccountingRecord.objects.filter(organization=org)
        ]
        return (
            "Accountings of disclosures given",
            [
                "requested_on",
                "period_start",
                "period_end",
                "disclosures_listed",
                "charge",
                "produced_on",
            ],
            rows,
        )
    if what == "complaints":
        rows = [
            [
                c.reference,
                c.received_on,
                c.summary,
                c.get_status_display(),
                c.disposition,
                c.disposed_on or "",
                c.sanction_reference,
                c.handled_by.email if c.handled_by else "",
            ]
            for c in Complaint.objects.filter(organization=org).select_related("handled_by")
        ]
        return (
            "Privacy complaints (45 CFR 164.530(d))",
            [
                "reference",
                "received_on",
                "summary",
                "status",
                "disposition",
                "disposed_on",
                "sanction",
                "handled_by",
            ],
            rows,
        )
    raise ValueError(what)


# The formats themselves are shared by every module.
__all__ = ["as_csv", "as_pdf", "as_xlsx", "table"]
