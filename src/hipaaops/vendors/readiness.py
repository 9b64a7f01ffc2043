"""The business associate program's part in audit readiness: the BAA register, each agreement's
provision checklist and each vendor's determination in the binder (the agreements' documents are
in its evidence section), and the register proposed for the protocol's business associate
inquiries."""

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


@section("vendors", "Business associates and their agreements (45 CFR 164.308(b), 164.504(e))", 40)
def vendors_part(org: Organization, as_of: date) -> Iterator[BinderFile]:
    from hipaaops.core.tables import as_csv
    from hipaaops.vendors import exports, rules, selectors
    from hipaaops.vendors.models import Vendor

    if not Vendor.objects.filter(organization=org).exists():
        return
    _, columns, rows = exports.register_table(org)
    yield BinderFile(
        "vendors/baa-register.csv",
        "Business associate agreements with their status",
        text_chunks(lambda: as_csv(columns, rows)),
    )
    checklist = []
    for row in selectors.agreement_rows(org, today=as_of):
        for p in rules.provisions():
            state = (row.agreement.provisions or {}).get(p.key, {})
            checklist.append(
                [
                    row.agreement.vendor.name,
                    row.agreement.title,
                    p.title,
                    "; ".join(p.citations),
                    state.get("state", "unchecked"),
                    state.get("where", ""),
                    state.get("note", ""),
                ]
            )
    yield BinderFile(
        "vendors/required-provisions.csv",
        "Required provisions of each agreement, with where they are found",
        text_chunks(
            lambda: as_csv(
                ["vendor", "agreement", "provision", "citations", "state", "where", "note"],
                checklist,
            )
        ),
    )
    determinations = [
        [
            v.name,
            v.get_relationship_display(),
            v.outcome or "not determined",
            " ".join((v.determination or {}).get("reasons", [])),
            (v.determination or {}).get("on", ""),
            v.risk_tier,
            v.last_reviewed_on or "",
        ]
        for v in Vendor.objects.filter(organization=org)
    ]
    yield BinderFile(
        "vendors/determinations.csv",
        "Business associate determinations and security review tiers",
        text_chunks(
            lambda: as_csv(
                [
                    "vendor",
                    "relationship",
                    "outcome",
                    "reasons",
                    "determined_on",
                    "risk_tier",
                    "last_reviewed_on",
                ],
                determinations,
            )
        ),
    )


PREFIXES = ("164.308(b)", "164.314(a)", "164.502(e)", "164.504(e)", "164.410")


@proposals.register
def agreements(org: Organization, inquiry: ProtocolInquiry) -> list[proposals.Proposal]:
    from hipaaops.vendors.models import Agreement

    if not any(c.startswith(PREFIXES) for c in (*inquiry.citations, *inquiry.catalog)):
        return []
    count = Agreement.objects.filter(organization=org).count()
    if not count:
        return []
    return [
        proposals.Proposal(
            "Business associate agreements with their required provisions",
            reverse("vendors:agreements", args=[org.slug]),
            "agreement",
            f"{count} agreement(s)",
        )
    ]
