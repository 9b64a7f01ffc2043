#!/usr/bin/env python3
"""Import the HHS OCR HIPAA Audit Protocol (Phase 2, updated July 2018) into the catalog's data.

Reads the published table (``ocr-audit-protocol.csv``: 180 rows, 89 Privacy, 72 Security, 19
Breach) and writes ``ocr_audit_protocol.json``: each inquiry with our stable id (P001..P089,
S001..S072, B001..B019 in the published order), its audit type, the section as published, the CFR
paragraphs that section names, the catalog entries it links to, the key activity, the established
performance criteria, the audit inquiry, Required/Addressable, and notes on any quirk of the
published row. The protocol's text is a US government work (public domain); it is kept as
published.

The published table's quirks are handled here explicitly, each with a note in the output:
- the Application and Data Criticality Analysis row is labelled 164.308(a)(7)(ii)(A); its
  criteria cite (a)(7)(ii)(E), the paragraph it is about, and it is linked there;
- the Security Management Process row is labelled 164.308(a); its criteria quote (1)(i);
- the 164.314 rows lack the section sign, and some sections carry stray spaces ("(a) (8)");
- some sections name several paragraphs ("164.524(a)(1), (b)(1), ...", "(a)(1-3) and ...");
- the Burden of Proof row (164.414(b)) has no questions, and the 164.306(a) row says it is not
  part of an audit inquiry: both are kept, marked ``has_questions: false``.

Every row must link to at least one catalog entry (a Security Rule standard or specification, or a
Breach Notification, Privacy Rule or general-rule provision): exactly, through an alias, through
the paragraphs beneath it (164.404(a) -> 164.404(a)(1), (a)(2)), or through the paragraph above it
(164.314(a)(2)(i)(A) -> 164.314(a)(2)(i)). The script fails, naming the row, when one does not.

Usage (from the repository root; the defaults need no arguments):

    python scripts/import_ocr_audit_protocol.py [--source CSV] [--output JSON] [--check]

``--check`` compares the generated document with the committed one and exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "src" / "hipaaops" / "catalog" / "regulation" / "data"
DEFAULT_SOURCE = REPO.parent / "shared" / "reference" / "ocr-audit-protocol.csv"
DEFAULT_OUTPUT = DATA / "ocr_audit_protocol.json"
CATALOG_FILES = (
    "security_rule.json",
    "general_rules.json",
    "breach_rule.json",
    "privacy_rule.json",
)

EXPECTED = {"privacy": 89, "security": 72, "breach": 19}
PREFIX = {"privacy": "P", "security": "S", "breach": "B"}
COLUMNS = (
    "audit_type",
    "section",
    "key_activity",
    "performance_criteria",
    "audit_inquiry",
    "implementation_specification",
    "source_url",
)

CITATION = re.compile(r"^1\d\d\.\d{3}(\([0-9a-zA-Z]+\))*$")
RANGE = re.compile(r"\((\d+)-(\d+)\)$")
# Separators between the paragraphs a section names: ",", ";", "&", "and", and "-§" (a range
# written with two full citations).
SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b|-(?=\s*§))\s*")


class ImportError_(Exception):
    """The source does not import cleanly; the message names the row."""


def _fix_for(row: dict[str, str]) -> tuple[list[str] | None, str | None]:
    """The published quirks that change which paragraph a row is about, with their note."""
    section = row["section"].strip()
    activity = row["key_activity"]
    if section == "§164.308(a)(7)(ii)(A)" and "Criticality" in activity:
        return ["164.308(a)(7)(ii)(E)"], (
            "Published with section 164.308(a)(7)(ii)(A); its criteria cite 164.308(a)(7)(ii)(E), "
            "the application and data criticality analysis, which is the paragraph linked here."
        )
    if section == "§164.308(a)" and activity.strip() == "Security Management Process":
        return ["164.308(a)(1)"], (
            "Published with section 164.308(a); its criteria quote paragraph (1)(i), the security "
            "management process standard, which is linked here."
        )
    return None, None


def parse_section(section: str) -> list[str]:
    """The CFR paragraphs a published section label names, in order, without duplicates."""
    parts = [part.replace("\u00a7", " ").strip() for part in SEPARATORS.split(section.strip())]
    parts = [part for part in parts if part]
    found: list[str] = []
    base = ""
    for part in parts:
        compact = re.sub(r"\s+", "", part)
        if compact.startswith("("):
            if not base:
                raise ValueError(f"a relative paragraph {part!r} with no section before it")
            compact = base + compact
        match = re.match(r"^(1\d\d\.\d{3})", compact)
        if not match:
            raise ValueError(f"{part!r} is not a citation")
        base = match.group(1)
        ranged = RANGE.search(compact)
        if ranged:
            head = compact[: ranged.start()]
            low, high = int(ranged.group(1)), int(ranged.group(2))
            expanded = [f"{head}({n})" for n in range(low, high + 1)]
        else:
            expanded = [compact]
        for citation in expanded:
            if not CITATION.match(citation):
                raise ValueError(f"{citation!r} is not a well-formed paragraph")
            if citation not in found:
                found.append(citation)
    return found


def load_catalog(data: Path) -> tuple[set[str], dict[str, str]]:
    """Every citation of the catalog's entries and provisions, and alias -> citation."""
    citations: set[str] = set()
    aliases: dict[str, str] = {}
    for name in CATALOG_FILES:
        document = json.loads((data / name).read_text(encoding="utf-8"))
        for item in document.get("entries", []) + document.get("provisions", []):
            citations.add(item["citation"])
            for alias in item.get("aliases", []) or []:
                aliases[alias] = item["citation"]
    return citations, aliases


def _parent(citation: str) -> str | None:
    cut = citation.rfind("(")
    return citation[:cut] if cut > 0 else None


def link(citation: str, citations: set[str], aliases: dict[str, str]) -> list[str]:
    """The catalog entries a cited paragraph links to (see the module docstring)."""
    if citation in citations:
        return [citation]
    if citation in aliases:
        return [aliases[citation]]
    beneath = sorted(c for c in citations if c.startswith(citation + "("))
    if beneath:
        return beneath
    parent = _parent(citation)
    while parent:
        if parent in citations:
            return [parent]
        if parent in aliases:
            return [aliases[parent]]
        parent = _parent(parent)
    return []


def _requirement(value: str, where: str) -> str | None:
    mapping = {"Required": "required", "Addressable": "addressable", "": None}
    if value.strip() not in mapping:
        raise ImportError_(f"{where}: unknown Required/Addressable value {value!r}")
    return mapping[value.strip()]


def _has_questions(row: dict[str, str]) -> tuple[bool, str | None]:
    inquiry = row["audit_inquiry"].strip()
    if "not a part of an audit inquiry" in inquiry:
        return False, "HHS marks this row as general requirements, not part of an audit inquiry."
    if "?" in inquiry or re.search(r"\b(obtain|review|inquire)\b", inquiry, re.I):
        return True, None
    if len(inquiry) < 60:
        return (
            False,
            "HHS gives no questions for this row; its inquiry cell names the paragraph only.",
        )
    return False, "HHS gives guidance for this row (the factors to weigh), not questions."


def build(source: Path, data: Path) -> dict[str, Any]:
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise ImportError_(f"cannot read the protocol table {source}: {exc.strerror}") from exc
    reader = csv.DictReader(raw.decode("utf-8").splitlines(keepends=True))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ImportError_(f"{source}: expected the columns {', '.join(COLUMNS)}")
    citations, aliases = load_catalog(data)
    counters = dict.fromkeys(EXPECTED, 0)
    inquiries: list[dict[str, Any]] = []
    for line, row in enumerate(reader, start=2):
        where = f"{source.name} line {line}"
        audit_type = row["audit_type"].strip().lower()
        if audit_type not in EXPECTED:
            raise ImportError_(f"{where}: unknown audit type {row['audit_type']!r}")
        counters[audit_type] += 1
        notes: list[str] = []
        fixed, note = _fix_for(row)
        try:
            named = parse_section(row["section"])
        except ValueError as exc:
            raise ImportError_(f"{where}: section {row['section']!r}: {exc}") from None
        if fixed is not None:
            named = fixed
            notes.append(note or "")
        if "\u00a7" not in row["section"]:
            notes.append("Published without the section sign.")
        linked: list[str] = []
        for citation in named:
            for target in link(citation, citations, aliases):
                if target not in linked:
                    linked.append(target)
        if not linked:
            raise ImportError_(
                f"{where}: section {row['section']!r} links to no catalog entry "
                f"(looked for {', '.join(named)})"
            )
        has_questions, question_note = _has_questions(row)
        if question_note:
            notes.append(question_note)
        inquiries.append(
            {
                "id": f"{PREFIX[audit_type]}{counters[audit_type]:03d}",
                "audit_type": audit_type,
                "section": row["section"].strip(),
                "citations": named,
                "catalog": linked,
                "key_activity": row["key_activity"].strip(),
                "performance_criteria": row["performance_criteria"].strip(),
                "audit_inquiry": row["audit_inquiry"].strip(),
                "requirement": _requirement(row["implementation_specification"], where),
                "has_questions": has_questions,
                "notes": notes,
            }
        )
    if counters != EXPECTED:
        found = ", ".join(f"{k} {v}" for k, v in counters.items())
        wanted = ", ".join(f"{k} {v}" for k, v in EXPECTED.items())
        raise ImportError_(f"{source}: found {found} inquiries; the protocol has {wanted}")
    urls = {row_url for row_url in _urls(raw)}
    return {
        "title": "HHS OCR HIPAA Audit Protocol (Phase 2, updated July 2018)",
        "source": {
            "url": sorted(urls)[0] if urls else "",
            "file": source.name,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "note": "US government work, kept as published; ids, citations, links and notes are ours.",
        },
        "inquiries": inquiries,
    }


def _urls(raw: bytes) -> set[str]:
    reader = csv.DictReader(raw.decode("utf-8").splitlines(keepends=True))
    return {row["source_url"].strip() for row in reader if row.get("source_url")}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the protocol CSV")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON to write")
    parser.add_argument("--data", type=Path, default=DATA, help="the catalog's data folder")
    parser.add_argument(
        "--check", action="store_true", help="compare with the output file instead of writing"
    )
    args = parser.parse_args(argv)
    try:
        text = render(build(args.source, args.data))
    except ImportError_ as exc:
        print(f"import_ocr_audit_protocol: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is not what the script generates; re-run it", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    counts = json.loads(text)["inquiries"]
    print(f"wrote {args.output}: {len(counts)} inquiries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
