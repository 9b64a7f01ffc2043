"""The readiness score on the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from hipaaops.core.roles import Capability
from hipaaops.dashboard.figures import Figure, register

if TYPE_CHECKING:
    from hipaaops.organizations.access import OrgAccess


@register
def readiness_figures(access: OrgAccess) -> list[Figure]:
    if not access.can(Capability.VIEW_RECORDS):
        return []
    from django.utils import timezone

    from hipaaops.readiness import selectors
    from hipaaops.readiness.models import RemediationItem

    org = access.organization
    audit = selectors.latest_audit(org)
    if audit is None:
        return []
    score = selectors.readiness(audit).overall
    overdue = RemediationItem.objects.filter(
        organization=org, state=RemediationItem.State.OPEN, due_on__lt=timezone.localdate()
    ).count()
    percent = score.percent
    figures = [
        Figure(
            "readiness_score",
            "Audit readiness (%)",
            percent or 0,
            detail=(
                f"{audit.title}, {audit.held_on.isoformat()}: {score.reviewed} of "
                f"{sum(score.counts.values())} inquiries reviewed"
            ),
            tone="good" if (percent or 0) >= 80 else "warn",
            url=reverse("readiness:audit", args=[org.slug, audit.pk]),
        )
    ]
    if overdue:
        figures.append(
            Figure(
                "readiness_overdue",
                "Audit gaps overdue",
                overdue,
                detail="remediation items past their due date",
                tone="bad",
                url=reverse("readiness:audit", args=[org.slug, audit.pk]),
            )
        )
    return figures
