"""Business associate gaps and agreements ending soon on the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from hipaaops.core.roles import Capability
from hipaaops.dashboard.figures import Figure, register

if TYPE_CHECKING:
    from hipaaops.organizations.access import OrgAccess


@register
def vendor_figures(access: OrgAccess) -> list[Figure]:
    if not access.can(Capability.VIEW_RECORDS):
        return []
    from hipaaops.vendors import rules, selectors

    org = access.organization
    vendor_rows = selectors.vendor_rows(org)
    found = selectors.gaps(org, rows=vendor_rows)
    rows = [a for vrow in vendor_rows for a in vrow.agreements]
    figures = []
    if found:
        kinds = sorted({g.kind.replace("_", " ") for g in found})
        figures.append(
            Figure(
                "vendor_gaps",
                "Business associate gaps",
                len(found),
                detail=", ".join(kinds),
                tone="bad" if any(g.kind == "no_agreement" for g in found) else "warn",
                url=reverse("vendors:gaps", args=[org.slug]),
            )
        )
    ending = [
        r
        for r in rows
        if r.status in (rules.AgreementStatus.EXPIRING, rules.AgreementStatus.EXPIRED)
    ]
    if ending:
        first = min(ending, key=lambda r: r.term_end or r.agreement.created_at.date())
        figures.append(
            Figure(
                "baa_ending",
                "BAAs expiring or expired",
                len(ending),
                detail=f"{first.agreement.vendor.name}: {first.status_label.lower()} {first.term_end}",
                tone="bad"
                if any(r.status == rules.AgreementStatus.EXPIRED for r in ending)
                else "warn",
                url=reverse("vendors:agreements", args=[org.slug]),
            )
        )
    return figures
