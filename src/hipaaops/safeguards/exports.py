"""The register's outputs: CSV and XLSX tables and the PDF implementation statement (typst)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db.models import Max

from hipaaops.core import spreadsheet
from hipaaops.organizations.models import Organization
from hipaaops.safeguards import reference, rules, selectors
from hipaaops.safeguards.models import Document, SafeguardItem

COLUMNS = [
    "citation",
    "kind",
    "title",
    "family",
    "standard",
    "requirement",
    "status",
    "not_applicable_reason",
    "owner",
    "target_date",
    "last_reviewed_on",
    "next_review_on",
    "decision",
    "decision_rationale",
    "decision_approver",
    "decision_review_on",
    "evidence",
    "implementation",
    "version",
]

TEMPLATE = Path(__file__).resolve().parent / "templates" / "safeguards" / "statement.typ"


@dataclass
class ExportRow:
    values: dict[str, Any]
    evidence: list[str]
    decision: dict[str, Any] | None
    owner_label: str = ""
    family: str = ""  # the family's code


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


def rows(org: Organization, flt: selectors.RegisterFilter | None = None) -> list[ExportRow]:
    """The register, one row per item, in catalog order: three queries."""
    register = selectors.register_rows(org, flt)
    titles: dict[int, list[str]] = {}
    through = SafeguardItem.documents.through
    for item_id, title in (
        through.objects.filter(safeguarditem__organization=org)
        .order_by("document__title")
        .values_list("safeguarditem_id", "document__title")
    ):
        titles.setdefault(item_id, []).append(title)
    result = []
    for r in register:
        e, item, d = r.entry, r.item, r.decision
        decision = None
        if d is not None:
            decision = {
                "choice": d.get_choice_display(),
                "rationale": d.rationale,
                "alternative": d.alternative,
                "instead": d.instead,
                "factors": [rules.Factor(f).label for f in d.factors if f in rules.Factor],
                "approver": d.approver.get_full_name() or d.approver.email if d.approver else "",
                "decided_on": _date(d.decided_on),
                "review_on": _date(d.review_on),
            }
        evidence = titles.get(item.pk, [])
        values = {
            "citation": e.citation,
            "kind": e.kind,
            "title": e.title,
            "family": reference.family_label(e.family),
            "standard": e.standard or "",
            "requirement": e.requirement or "",
            "status": item.status,
            "not_applicable_reason": item.not_applicable_reason,
            "owner": item.owner.email if item.owner else "",
            "target_date": _date(item.target_date),
            "last_reviewed_on": _date(item.last_reviewed_on),
            "next_review_on": _date(item.next_review_on),
            "decision": d.choice if d else "",
            "decision_rationale": d.rationale if d else "",
            "decision_approver": d.approver.email if d and d.approver else "",
            "decision_review_on": _date(d.review_on) if d else "",
            "evidence": "; ".join(evidence),
            "implementation": item.implementation,
            "version": item.version,
        }
        owner = item.owner
        label = f"{owner.get_full_name() or owner.email} <{owner.email}>" if owner else ""
        result.append(ExportRow(values, evidence, decision, label, e.family))
    return result


def csv_lines(export: list[ExportRow]) -> Iterator[str]:
    return spreadsheet.csv_lines([COLUMNS, *([row.values[c] for c in COLUMNS] for row in export)])


def xlsx_bytes(export: list[ExportRow], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Safeguard register")
    ws.append(COLUMNS)
    for row in export:
        cells = []
        for c in COLUMNS:
            cell = WriteOnlyCell(ws, value=row.values[c])
            if isinstance(row.values[c], str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        ws.append(cells)
    wb.properties.title = title
    wb.properties.creator = "hipaaops"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def as_of(org: Organization) -> datetime:
    """The time of the register's last change: the statement's fixed timestamp."""
    last = SafeguardItem.objects.filter(organization=org).aggregate(last=Max("updated_at"))["last"]
    docs = Document.objects.filter(organization=org).aggregate(last=Max("uploaded_at"))["last"]
    stamps = [s for s in (last, docs) if s is not None]
    return max(stamps).astimezone(UTC) if stamps else datetime(2000, 1, 1, tzinfo=UTC)


def statement_data(org: Organization, export: list[ExportRow], stamp: datetime) -> dict[str, Any]:
    families: dict[str, list[dict[str, Any]]] = {}
    counts = {s.value: 0 for s in rules.Status}
    for row in export:
        v = row.values
        counts[v["status"]] += 1
        requirement = {
            "required": "Required",
            "addressable": "Addressable",
        }.get(v["requirement"], "Standard")
        families.setdefault(row.family, []).append(
            {
                "citation": v["citation"],
                "title": v["title"],
                "requirement": requirement,
                "status": rules.Status(v["status"]).label,
                "not_applicable_reason": v["not_applicable_reason"],
                "owner": row.owner_label,
                "target_date": v["target_date"],
                "last_reviewed_on": v["last_reviewed_on"],
                "next_review_on": v["next_review_on"],
                "evidence": row.evidence,
                "implementation": v["implementation"],
                "decision": row.decision,
            }
        )
    total = sum(counts.values())
    return {
        "organization": {"name": org.name, "entity_type": org.get_entity_type_display()},
        "as_of": stamp.strftime("%Y-%m-%d %H:%M UTC"),
        "summary": {
            "total": total,
            "applicable": total - counts["not_applicable"],
            **counts,
        },
        "families": [
            {"name": reference.family_label(code), "items": items}
            for code, items in sorted(
                families.items(), key=lambda kv: reference.families().index(kv[0])
            )
        ],
    }


def statement_pdf(org: Organization, export: list[ExportRow] | None = None) -> bytes:
    """The "Security Rule implementation statement" as PDF. Embedded fonts only and a fixed
    timestamp (the register's last change), so the same register gives the same bytes."""
    import typst

    export = export if export is not None else rows(org)
    stamp = as_of(org)
    data = statement_data(org, export, stamp)
    pdf = typst.compile(
        TEMPLATE.read_bytes(),
        format="pdf",
        sys_inputs={"data": json.dumps(data)},
        ignore_system_fonts=True,
        timestamp=int(stamp.timestamp()),
    )
    assert isinstance(pdf, bytes)
    return pdf
