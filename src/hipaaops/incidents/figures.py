"""Open incidents and the nearest notification deadline on the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from hipaaops.core.roles import Capability
from hipaaops.dashboard.figures import Figure, register

if TYPE_CHECKING:
    from hipaaops.organizations.access import OrgAccess


@register
def incident_figures(access: OrgAccess) -> list[Figure]:
    if not access.can(Capability.VIEW_RECORDS):
        return []
    from hipaaops.incidents import selectors

    org = access.organization
    open_incidents = selectors.incidents(org, open_only=True)
    if not open_incidents:
        return []
    url = reverse("incidents:register", args=[org.slug])
    figures = [
        Figure(
            "incidents_open",
            "Open incidents",
            len(open_incidents),
            detail="in the incident register",
            tone="warn",
            url=url,
        )
    ]
    deadlines = selectors.upcoming_deadlines(org)
    if deadlines:
        first = deadlines[0]
        figures.append(
            Figure(
                "breach_deadline",
                "Days to the next breach notice",
                first.days_left,
                detail=f"{first.title}{' for ' + first.state if first.state else ''}, {first.incident.reference}, due {first.due.isoformat()}",
                tone="bad" if first.days_left <= 7 else "warn",
                url=reverse("incidents:incident", args=[org.slug, first.incident.pk]),
            )
        )
    return figures
