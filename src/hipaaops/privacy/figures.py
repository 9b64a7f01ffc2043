"""Open rights requests and the nearest due date on the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from hipaaops.core.roles import Capability
from hipaaops.dashboard.figures import Figure, register

if TYPE_CHECKING:
    from hipaaops.organizations.access import OrgAccess


@register
def privacy_figures(access: OrgAccess) -> list[Figure]:
    if not access.can(Capability.VIEW_RECORDS):
        return []
    from hipaaops.privacy import selectors

    open_rows = selectors.rows(access.organization, open_only=True)
    if not open_rows:
        return []
    url = reverse("privacy:register", args=[access.organization.slug])
    overdue = [r for r in open_rows if r.overdue]
    timed = [r for r in open_rows if r.days_left is not None]
    detail = "none with a clock"
    if timed:
        first = min(timed, key=lambda r: r.days_left or 0)
        detail = f"next due {first.due.isoformat() if first.due else ''} ({first.request.reference}, {first.days_left} days)"
    figures = [
        Figure(
            "privacy_open",
            "Open rights requests",
            len(open_rows),
            detail=detail,
            tone="warn",
            url=url,
        )
    ]
    if overdue:
        figures.append(
            Figure(
                "privacy_overdue",
                "Rights requests overdue",
                len(overdue),
                detail="past the rule's time limit",
                tone="bad",
                url=url,
            )
        )
    return figures
