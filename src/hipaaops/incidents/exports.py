"""The incident and breach log as CSV (the page's download and the audit binder)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from hipaaops.core.spreadsheet import csv_lines
from hipaaops.incidents.models import Incident
from hipaaops.incidents.services import current_determination, state_counts

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization

COLUMNS = [
    "reference",
    "title",
    "category",
    "severity",
    "status",
    "occurred_on",
    "discovered_on",
    "reported_on",
    "handler",
    "determination",
    "determination_version",
    "finalized_on",
    "finalized_by",
    "individuals_affected",
    "closed_on",
]


def log_csv(org: Organization, *, up_to: object = None) -> Iterator[str]:
    def rows() -> Iterator[list[object]]:
        yield list(COLUMNS)
        qs = Incident.objects.filter(organization=org).select_related("handler").order_by("number")
        if up_to is not None:
            qs = qs.filter(discovered_on__lte=up_to)
        for i in qs:
            d = current_determination(i, finalized_only=True) or current_determination(i)
            loaded = state_counts(i)
            count = sum(loaded[0].values()) if loaded else sum(i.facts.affected_by_state.values())
            yield [
                i.reference,
                i.title,
                i.get_category_display(),
                i.get_severity_display(),
                i.get_status_display(),
                i.occurred_on or "",
                i.discovered_on,
                i.reported_on,
                i.handler.email if i.handler else "",
                d.conclusion if d else "not determined",
                d.version if d else "",
                d.finalized_at.date() if d and d.finalized_at else "",
                d.finalized_by.email if d and d.finalized_by else "",
                count,
                i.closed_at.date() if i.closed_at else "",
            ]

    return csv_lines(rows())
