"""A register as CSV, XLSX or PDF: one shape (title, columns, rows) for every module's exports.
Every cell goes through ``core.spreadsheet`` so a spreadsheet never runs it as a formula, and
every export is an event in the audit trail (45 CFR 164.312(b))."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from hipaaops.core.spreadsheet import csv_lines, safe_cell

if TYPE_CHECKING:
    from hipaaops.organizations.access import OrgAccess
    from hipaaops.organizations.models import Organization

TEMPLATE = Path(__file__).resolve().parent / "templates" / "hipaaops" / "table.typ"
FORMATS = ("csv", "xlsx", "pdf")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_csv(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Iterator[str]:
    return csv_lines([columns, *rows])


def as_xlsx(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    # A sheet title may not hold []:*?/\ and is at most 31 characters.
    ws = wb.create_sheet("".join("-" if c in "[]:*?/\\" else c for c in title)[:31])
    ws.append(list(columns))
    for row in rows:
        ws.append([safe_cell(v) if not isinstance(v, int | float) else v for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def as_pdf(
    org: Organization, title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> bytes:
    import typst

    data = {
        "organization": org.name,
        "title": title,
        "made": timezone.localdate().isoformat(),
        "columns": list(columns),
        "rows": [[str(v) for v in row] for row in rows],
    }
    pdf = typst.compile(
        TEMPLATE.read_bytes(),
        format="pdf",
        sys_inputs={"data": json.dumps(data)},
        ignore_system_fonts=True,
    )
    assert isinstance(pdf, bytes)
    return pdf


def export_response(
    access: OrgAccess,
    *,
    fmt: str,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    name: str,
    object_type: str,
) -> Any:
    """The download of one register in one format, recorded in the audit trail first."""
    from hipaaops.audit.models import Action
    from hipaaops.audit.services import record
    from hipaaops.core.roles import Capability

    access.require(Capability.EXPORT)
    if fmt not in FORMATS:
        raise Http404("Unknown format; use csv, xlsx or pdf.")
    record(
        Action.EXPORT,
        actor=access.user,
        organization=access.organization,
        object_type=object_type,
        object_repr=f"{title} ({fmt})",
        changes={"rows": len(rows)},
    )
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            as_csv(columns, rows), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(as_xlsx(title, columns, rows), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(
            as_pdf(access.organization, title, columns, rows), content_type="application/pdf"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
