"""What hipaaops already holds that answers an inquiry: each module registers a provider, and a
mock audit response is offered the documents they propose.

A provider takes the organization and an inquiry and returns ``Proposal``s: a label, a link inside
hipaaops, a kind and a short detail. For an addressable specification the safeguard register's
provider puts the recorded decision (45 CFR 164.306(d)(3)) in the detail, which is what the
protocol's follow-up question asks for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse

if TYPE_CHECKING:
    from hipaaops.catalog.regulation.catalog import ProtocolInquiry
    from hipaaops.organizations.models import Organization


@dataclass(frozen=True)
class Proposal:
    label: str
    url: str
    kind: str  # safeguard, decision, evidence, policy, assessment, agreement, incident, ...
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Provider = Callable[["Organization", "ProtocolInquiry"], list[Proposal]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def propose(org: Organization, inquiry: ProtocolInquiry) -> list[Proposal]:
    """Every registered provider's proposals for one inquiry, without duplicates."""
    seen: set[tuple[str, str]] = set()
    found: list[Proposal] = []
    for provider in _providers:
        for proposal in provider(org, inquiry):
            key = (proposal.kind, proposal.url)
            if key not in seen:
                seen.add(key)
                found.append(proposal)
    return found


@register
def safeguard_register(org: Organization, inquiry: ProtocolInquiry) -> list[Proposal]:
    """The register items of the Security Rule citations the inquiry links to: their status and
    implementation, their documents, and for addressable ones the recorded decision."""
    if inquiry.audit_type != "security":
        return []
    from hipaaops.safeguards.models import AddressableDecision, SafeguardItem

    items = (
        SafeguardItem.objects.filter(organization=org, citation__in=inquiry.catalog)
        .select_related("owner")
        .prefetch_related("documents")
    )
    found: list[Proposal] = []
    for item in items:
        url = reverse("safeguards:item", args=[org.slug, item.pk])
        owner = item.owner.email if item.owner else "no owner"
        found.append(
            Proposal(
                f"{item.citation} in the safeguard register",
                url,
                "safeguard",
                f"{item.get_status_display()}, {owner}",
            )
        )
        decision = (
            AddressableDecision.objects.filter(item=item, superseded_by__isnull=True)
            .select_related("approver")
            .first()
        )
        if decision is not None:
            approver = decision.approver.email if decision.approver else "no approver"
            found.append(
                Proposal(
                    f"Addressable decision on {item.citation}",
                    url,
                    "decision",
                    f"{decision.get_choice_display()}, approved by {approver} on "
                    f"{decision.decided_on.isoformat()}: {decision.rationale}",
                )
            )
        for document in item.documents.all():
            found.append(
                Proposal(
                    document.title,
                    reverse("safeguards:document", args=[org.slug, document.pk]),
                    "evidence",
                    f"{document.original_name}, SHA-256 {document.sha256[:12]}…",
                )
            )
    return found
