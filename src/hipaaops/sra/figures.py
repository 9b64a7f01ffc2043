"""Overdue remediation and high risks on the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from hipaaops.core.roles import Capability
from hipaaops.dashboard.figures import Figure, register

if TYPE_CHECKING:
    from hipaaops.organizations.access import OrgAccess


@register
def risk_figures(access: OrgAccess) -> list[Figure]:
    if not access.can(Capability.VIEW_RECORDS):
        return []
    from hipaaops.sra import selectors

    org = access.organization
    figures = []
    current = selectors.current_assessment(org)
    if current is None:
        figures.append(
            Figure(
                "no_sra",
                "Security risk assessment",
                0,
                detail="none yet: the first thing OCR asks for (164.308(a)(1)(ii)(A))",
                tone="bad",
                url=reverse("sra:assessments", args=[org.slug]),
            )
        )
        return figures
    late = list(selectors.overdue(org)[:50])
    if late:
        first = late[0]
        figures.append(
            Figure(
                "plan_overdue",
                "Remediation plan items overdue",
                len(late),
                detail=f"{first.title[:60]} (due {first.due_on}, {first.owner.email if first.owner else 'no owner'})",
                tone="bad",
                url=reverse("sra:plan", args=[org.slug, first.assessment_id]) + "?status=overdue",
            )
        )
    counts = selectors.level_counts(current)
    high = counts.get("critical", 0) + counts.get("high", 0)
    figures.append(
        Figure(
            "high_risks",
            "High and critical risks",
            high,
            detail=f"{current.title}: {sum(counts.values())} risks, {counts.get('unrated', 0)} not rated",
            tone="bad" if counts.get("critical") else ("warn" if high else "good"),
            url=reverse("sra:register_of", args=[org.slug, current.pk]),
        )
    )
    return figures
