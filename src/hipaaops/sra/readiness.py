"""The risk analysis's part in audit readiness: the latest SRA report (PDF), its register and
plan, and the inventory in the binder; and the assessment proposed for the protocol's risk
analysis and risk management inquiries (45 CFR 164.308(a)(1)(ii)(A)-(B)), the evidence OCR asks
for first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse

from hipaaops.readiness import proposals
from hipaaops.readiness.binder import BinderFile, bytes_chunks, section, text_chunks

if TYPE_CHECKING:
    from hipaaops.catalog.regulation.catalog import ProtocolInquiry
    from hipaaops.organizations.models import Organization


def _binder_assessment(org: Organization, as_of: date) -> object | None:
    from hipaaops.sra.models import Assessment

    qs = Assessment.objects.filter(organization=org, assessed_on__lte=as_of)
    return qs.filter(status="complete").first() or qs.first()


@section("risk", "Risk analysis and risk management (45 CFR 164.308(a)(1)(ii)(A)-(B))", 15)
def risk_part(org: Organization, as_of: date) -> Iterator[BinderFile]:
    from hipaaops.core.tables import as_csv
    from hipaaops.inventory import exports as inventory_exports
    from hipaaops.inventory.models import Asset
    from hipaaops.sra import exports, report
    from hipaaops.sra.models import Assessment

    def csv_file(
        path: str, title: str, table: tuple[str, tuple[str, ...], list[list[object]]]
    ) -> BinderFile:
        _, columns, rows = table
        return BinderFile(path, title, text_chunks(lambda: as_csv(columns, rows)))

    if Asset.objects.filter(organization=org).exists():
        yield csv_file(
            "risk/inventory-assets.csv",
            "ePHI inventory: assets",
            inventory_exports.assets_table(org),
        )
        yield csv_file(
            "risk/inventory-flows.csv",
            "ePHI inventory: data flows",
            inventory_exports.flows_table(org),
        )
    a = _binder_assessment(org, as_of)
    if not isinstance(a, Assessment):
        return
    yield BinderFile(
        f"risk/sra-{a.assessed_on}.pdf",
        f"Security Risk Assessment: {a.title} ({a.get_status_display().lower()})",
        bytes_chunks(lambda: report.render_pdf(a)),
    )
    yield csv_file(
        f"risk/register-{a.assessed_on}.csv",
        f"Risk register of {a.title}",
        exports.register_table(a),
    )
    yield csv_file(
        f"risk/plan-{a.assessed_on}.csv", f"Remediation plan of {a.title}", exports.plan_table(a)
    )


PREFIXES = ("164.308(a)(1)", "164.316(b)")


@proposals.register
def assessment(org: Organization, inquiry: ProtocolInquiry) -> list[proposals.Proposal]:
    from hipaaops.sra.models import Assessment

    if not any(c.startswith(PREFIXES) for c in (*inquiry.citations, *inquiry.catalog)):
        return []
    a = Assessment.objects.filter(organization=org).first()
    if a is None:
        return []
    return [
        proposals.Proposal(
            "Security Risk Assessment report with its register and remediation plan",
            reverse("sra:assessment", args=[org.slug, a.pk]),
            "assessment",
            f"{a.title} ({a.get_status_display().lower()}, {a.assessed_on})",
        )
    ]
