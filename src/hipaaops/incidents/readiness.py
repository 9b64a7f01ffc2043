"""The incident register's part in audit readiness: its log in the audit binder, and what it
proposes for the protocol's incident and breach inquiries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse

from hipaaops.readiness import proposals
from hipaaops.readiness.binder import BinderFile, section, text_chunks

if TYPE_CHECKING:
    from hipaaops.catalog.regulation.catalog import ProtocolInquiry
    from hipaaops.organizations.models import Organization


@section("incidents", "Incident and breach log (45 CFR 164.308(a)(6), 164.414(b))", 60)
def incidents_part(org: Organization, as_of: date) -> Iterator[BinderFile]:
    from hipaaops.incidents import exports
    from hipaaops.incidents.models import Incident

    if not Incident.objects.filter(organization=org, discovered_on__lte=as_of).exists():
        return
    yield BinderFile(
        "incidents/incident-and-breach-log.csv",
        "Incident and breach log: every incident with its determination",
        text_chunks(lambda: exports.log_csv(org, up_to=as_of)),
    )


@proposals.register
def incident_register(org: Organization, inquiry: ProtocolInquiry) -> list[proposals.Proposal]:
    """For the breach inquiries and the security incident procedures (164.308(a)(6)): the
    register, and each incident with a finalized determination."""
    incident_rule = inquiry.audit_type == "breach" or any(
        c.startswith("164.308(a)(6)") for c in inquiry.catalog
    )
    if not incident_rule:
        return []
    from hipaaops.incidents.models import Determination

    found = [
        proposals.Proposal(
            "Incident register", reverse("incidents:register", args=[org.slug]), "incident"
        )
    ]
    finals = (
        Determination.objects.filter(organization=org, finalized_at__isnull=False)
        .select_related("incident", "finalized_by")
        .order_by("-finalized_at")[:5]
    )
    for d in finals:
        who = d.finalized_by.email if d.finalized_by else "unknown"
        found.append(
            proposals.Proposal(
                f"{d.incident.reference}: determination v{d.version}",
                reverse("incidents:incident", args=[org.slug, d.incident_id]),
                "determination",
                f"{d.conclusion.replace('_', ' ')}, signed by {who} on {d.finalized_at:%Y-%m-%d}",
            )
        )
    return found
