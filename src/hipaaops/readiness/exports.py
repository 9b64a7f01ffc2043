"""A mock audit's responses as CSV (for the binder and the download)."""

from __future__ import annotations

from collections.abc import Iterator

from hipaaops.core.spreadsheet import csv_lines
from hipaaops.readiness import selectors
from hipaaops.readiness.models import MockAudit

COLUMNS: list[object] = [
    "inquiry",
    "audit_type",
    "section",
    "key_activity",
    "requirement",
    "applicable",
    "not_applicable_reason",
    "status",
    "narrative",
    "documents",
    "reviewer",
    "notes",
    "updated_at",
]


def responses_csv(audit: MockAudit) -> Iterator[str]:
    def rows() -> Iterator[list[object]]:
        yield list(COLUMNS)
        for row in selectors.response_rows(audit):
            r, i = row.response, row.inquiry
            yield [
                i.id,
                i.audit_type,
                i.section,
                i.key_activity,
                i.requirement or "",
                "yes" if r.applicable else "no",
                r.not_applicable_reason,
                r.get_status_display(),
                r.narrative,
                "; ".join(d.get("label", "") for d in r.documents),
                r.reviewer.email if r.reviewer else "",
                r.notes,
                r.updated_at,
            ]

    return csv_lines(rows())
