"""Cells and CSV lines that a spreadsheet opens safely: every export goes through here.

A value that starts with =, +, -, @, a tab or a carriage return would be run as a formula by a
spreadsheet (CSV injection); it gets a leading apostrophe. Dates become ISO 8601 text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text line by line (for streaming responses and binder files), every cell made safe."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


class TableError(ValueError):
    """A file that cannot be read as a table; the message names the line where there is one."""


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Rows of an uploaded CSV or XLSX file as (line number, {column: text}); the header is the
    first line, lower-cased and trimmed. XLSX is read from its first sheet, values as text; it
    is told from CSV by its content (a ZIP archive), not by its name."""
    import io

    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise TableError(f"{filename}: not a readable XLSX workbook ({exc}).") from None
        sheet = wb.worksheets[0]
        lines = [
            [
                "" if v is None else (v.isoformat()[:10] if hasattr(v, "isoformat") else str(v))
                for v in row
            ]
            for row in sheet.iter_rows(values_only=True)
        ]
        wb.close()
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TableError(f"{filename}: the file is neither XLSX nor UTF-8 CSV.") from None
        lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise TableError("line 1: the file is empty.")
    header = [h.strip().lower() for h in lines[0]]
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines (and the empty rows spreadsheets leave) are not rows
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise TableError(f"line {number}: more cells than columns.")
        rows.append(
            (
                number,
                {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)},
            )
        )
    return header, rows
