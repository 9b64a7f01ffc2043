"""The inventory as tables (CSV, XLSX, PDF) in the import's own columns, so an export can be
edited and imported into another organization."""

from __future__ import annotations

from hipaaops.inventory import selectors, services
from hipaaops.organizations.models import Organization


def assets_table(org: Organization) -> tuple[str, tuple[str, ...], list[list[object]]]:
    rows: list[list[object]] = []
    for a in selectors.assets(org):
        rows.append(
            [
                a.name,
                a.asset_type,
                a.description,
                a.owner.email if a.owner else "",
                a.hosting,
                a.location,
                a.holds_ephi,
                ", ".join(a.ephi_kinds),
                a.records if a.records is not None else "",
                a.encrypted_at_rest,
                a.encrypted_in_transit,
                a.backup,
                a.criticality,
                a.lifecycle,
                a.vendor.name if a.vendor else "",
                a.vendor_name,
            ]
        )
    return "ePHI inventory: assets", services.ASSET_COLUMNS, rows


def flows_table(org: Organization) -> tuple[str, tuple[str, ...], list[list[object]]]:
    rows: list[list[object]] = [
        [
            f.source.name,
            f.target.name if f.target else "",
            f.outside_party,
            ", ".join(f.ephi_kinds),
            f.protocol,
            f.encrypted,
            f.frequency,
            f.description,
        ]
        for f in selectors.flows(org)
    ]
    return "ePHI inventory: data flows", services.FLOW_COLUMNS, rows
