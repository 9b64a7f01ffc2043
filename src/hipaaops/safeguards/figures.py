"""The safeguard register's figures on the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from hipaaops.core.roles import Capability
from hipaaops.dashboard.figures import Figure, register

if TYPE_CHECKING:
    from hipaaops.organizations.access import OrgAccess


@register
def safeguard_figures(access: OrgAccess) -> list[Figure]:
    if not access.can(Capability.VIEW_RECORDS):
        return []
    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.safeguards.selectors import posture_counts

    org = access.organization
    if not SafeguardItem.objects.filter(organization=org).exists():
        return []
    counts = posture_counts(org)
    register_url = reverse("safeguards:register", args=[org.slug])
    posture_url = reverse("safeguards:posture", args=[org.slug])
    applicable, implemented = counts["applicable"], counts["implemented"]
    share = round(100 * implemented / applicable) if applicable else 0
    return [
        Figure(
            "safeguards_implemented",
            "Safeguards implemented",
            implemented,
            detail=f"of {applicable} applicable ({share}%)",
            tone="good" if applicable and implemented == applicable else "warn",
            url=register_url,
        ),
        Figure(
            "safeguards_open_decisions",
            "Addressable decisions not yet made",
            counts["open_decisions"],
            detail="45 CFR 164.306(d)(3)",
            tone="warn" if counts["open_decisions"] else "good",
            url=posture_url,
        ),
        Figure(
            "safeguards_overdue_reviews",
            "Safeguard reviews overdue",
            counts["overdue_reviews"],
            tone="bad" if counts["overdue_reviews"] else "good",
            url=posture_url,
        ),
    ]
