#!/usr/bin/env python3
"""Import NIST SP 800-66 Rev. 2 (OSCAL catalog) into the regulatory catalog's data.

Reads NIST's OSCAL XML for SP 800-66r2 (usnistgov/capordino, framework SP800_66_2_0_0) with the
standard library and writes ``nist_sp800_66r2.json``: for each of the 22 Security Rule standards,
its key activities (104 in all) with NIST's title, description, sample questions (nesting kept)
and footnotes, linked to the standard's citation in ``security_rule.json``. Each key activity
that NIST marks with an implementation specification (Required/Addressable) is linked to that
specification through the table below, and NIST's mark is checked against the catalog.

NIST's text is a US government work (public domain in the US).

Usage (from the repository root; the defaults need no arguments):

    python scripts/import_nist_sp800_66r2.py [--source XML] [--output JSON] [--catalog JSON]

Exits non-zero with a message when the counts are not 22 standards and 104 key activities, or
when a citation or implementation-specification link does not check out against the catalog.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "src" / "hipaaops" / "catalog" / "regulation" / "data"
DEFAULT_SOURCE = REPO.parent / "shared" / "reference" / "nist-sp800-66r2-oscal-catalog.xml"
DEFAULT_OUTPUT = DATA / "nist_sp800_66r2.json"
DEFAULT_CATALOG = DATA / "security_rule.json"

EXPECTED_STANDARDS = 22
EXPECTED_KEY_ACTIVITIES = 104

NS = "{http://csrc.nist.gov/ns/oscal/1.0}"

# Key activity -> the implementation specifications it carries out. NIST flags these key
# activities' descriptions Required/Addressable but does not cite the paragraph, so the link is
# written down here (from each description's regulation wording) and checked below.
SPECIFICATIONS: dict[str, tuple[str, ...]] = {
    "KA_164.308.a.1.2": ("164.308(a)(1)(ii)(A)",),
    "KA_164.308.a.1.3": ("164.308(a)(1)(ii)(B)",),
    "KA_164.308.a.1.6": ("164.308(a)(1)(ii)(C)",),
    "KA_164.308.a.1.7": ("164.308(a)(1)(ii)(D)",),
    "KA_164.308.a.3.1": ("164.308(a)(3)(ii)(A)",),
    "KA_164.308.a.3.4": ("164.308(a)(3)(ii)(B)",),
    "KA_164.308.a.3.5": ("164.308(a)(3)(ii)(C)",),
    "KA_164.308.a.4.1": ("164.308(a)(4)(ii)(A)",),
    "KA_164.308.a.4.2": ("164.308(a)(4)(ii)(B)",),
    "KA_164.308.a.4.3": ("164.308(a)(4)(ii)(C)",),
    "KA_164.308.a.5.3": (
        "164.308(a)(5)(ii)(B)",
        "164.308(a)(5)(ii)(C)",
        "164.308(a)(5)(ii)(D)",
    ),
    "KA_164.308.a.5.6": ("164.308(a)(5)(ii)(A)",),
    "KA_164.308.a.6.3": ("164.308(a)(6)(ii)",),
    "KA_164.308.a.7.2": ("164.308(a)(7)(ii)(E)",),
    "KA_164.308.a.7.5": ("164.308(a)(7)(ii)(A)", "164.308(a)(7)(ii)(B)"),
    "KA_164.308.a.7.6": ("164.308(a)(7)(ii)(C)",),
    "KA_164.308.a.7.7": ("164.308(a)(7)(ii)(D)",),
    "KA_164.308.b.1.3": ("164.308(b)(3)",),
    "KA_164.310.a.3": ("164.310(a)(2)(ii)",),
    "KA_164.310.a.4": ("164.310(a)(2)(iii)",),
    "KA_164.310.a.5": ("164.310(a)(2)(i)",),
    "KA_164.310.a.6": ("164.310(a)(2)(iv)",),
    "KA_164.310.d.1": ("164.310(d)(2)(i)",),
    "KA_164.310.d.2": ("164.310(d)(2)(ii)",),
    "KA_164.310.d.3": ("164.310(d)(2)(iii)",),
    "KA_164.310.d.4": ("164.310(d)(2)(iv)",),
    "KA_164.312.a.3": ("164.312(a)(2)(i)",),
    "KA_164.312.a.7": ("164.312(a)(2)(ii)",),
    "KA_164.312.a.8": ("164.312(a)(2)(iii)", "164.312(a)(2)(iv)"),
    "KA_164.312.c.5": ("164.312(c)(2)",),
    "KA_164.312.e.1.3": ("164.312(e)(2)(i)",),
    "KA_164.312.e.1.4": ("164.312(e)(2)(ii)",),
    "KA_164.314.a.1": ("164.314(a)(2)(i)",),
    "KA_164.314.a.2": ("164.314(a)(2)(i)",),
    "KA_164.314.a.3": ("164.314(a)(2)(i)",),
    "KA_164.314.a.4": ("164.314(a)(2)(ii)",),
    "KA_164.314.a.5": ("164.314(a)(2)(iii)",),
    "KA_164.314.b.1": ("164.314(b)(2)(i)",),
    "KA_164.314.b.2": ("164.314(b)(2)(ii)",),
    # NIST's description for b.3 repeats b.4's incident-reporting text; its title (agents and
    # subcontractors of the plan sponsor) is what 164.314(b)(2)(iii) requires.
    "KA_164.314.b.3": ("164.314(b)(2)(iii)",),
    "KA_164.314.b.4": ("164.314(b)(2)(iv)",),
    "KA_164.316.b.2": ("164.316(b)(2)(i)",),
    "KA_164.316.b.3": ("164.316(b)(2)(ii)",),
    "KA_164.316.b.4": ("164.316(b)(2)(iii)",),
}


class ImportFailed(Exception):
    """The source does not match what the catalog expects."""


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _paragraphs(element: ET.Element) -> str:
    """The element's own <p> children (not those of nested parts), joined by newlines."""
    return "\n".join(_clean("".join(p.itertext())) for p in element.findall(f"{NS}p"))


def _parts(element: ET.Element, name: str) -> list[ET.Element]:
    return [p for p in element.findall(f"{NS}part") if p.get("name") == name]


def _oscal_citation(label: str) -> str:
    """'Facility Access Controls (164.310(a))' -> '164.310(a)'."""
    found = re.search(r"\((16\d\.\d{3}(?:\([0-9a-z]+\))*)\)\s*$", label)
    if not found:
        raise ImportFailed(f"No citation in NIST's standard label {label!r}")
    return found.group(1)


def _description(statement: ET.Element, footnotes: list[str]) -> tuple[str, set[str]]:
    """NIST's description paragraphs as text (nested items as '- ' lines) and its R/A marks."""
    blocks: list[str] = []
    marks: set[str] = set()

    def walk(part: ET.Element, depth: int) -> None:
        for prop in part.findall(f"{NS}prop"):
            if prop.get("name") == "imp_spec":
                marks.add(prop.get("value", "").strip().lower())
        text = _paragraphs(part)
        if depth == 0:
            blocks.append(text)
        else:
            blocks[-1] += "\n" + "  " * (depth - 1) + "- " + text
        for child in part.findall(f"{NS}part"):
            if child.get("name") == "footnote":
                footnotes.append(_paragraphs(child))
            elif child.get("name") == "description":
                walk(child, depth + 1)

    for part in _parts(statement, "description"):
        walk(part, 0)
    return "\n\n".join(blocks), marks


def _questions(parent: ET.Element, footnotes: list[str]) -> list[dict[str, Any]]:
    found = []
    for part in parent.findall(f"{NS}part"):
        if part.get("name") == "footnote":
            footnotes.append(_paragraphs(part))
        elif part.get("name") == "sample_question":
            found.append(
                {
                    "id": part.get("id"),
                    "text": _paragraphs(part),
                    "questions": _questions(part, footnotes),
                }
            )
    return found


def _load_catalog(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
    by_citation = {e["citation"]: e for e in entries}
    aliases: dict[str, str] = {}
    for e in entries:
        for alias in e["aliases"]:
            aliases.setdefault(alias, e["citation"])
    return by_citation, aliases


def _our_standard(
    nist_citation: str, by_citation: dict[str, dict[str, Any]], aliases: dict[str, str]
) -> str:
    citation = nist_citation if nist_citation in by_citation else aliases.get(nist_citation)
    if citation is None or by_citation[citation]["kind"] != "standard":
        raise ImportFailed(f"NIST standard {nist_citation} is not a standard in the catalog")
    return citation


def convert(source: Path, catalog: Path) -> dict[str, Any]:
    """Parse NIST's OSCAL catalog and return the document to write."""
    # A local, trusted file from NIST, read with the standard library as the catalog requires.
    root = ET.parse(source).getroot()  # noqa: S314
    by_citation, aliases = _load_catalog(catalog)
    meta = root.find(f"{NS}metadata")
    if meta is None:
        raise ImportFailed("The source has no OSCAL metadata")
    props = {p.get("name"): p.get("value") for p in meta.findall(f"{NS}prop")}

    standards: list[dict[str, Any]] = []
    seen_specs: set[str] = set()
    for group in root.iter(f"{NS}group"):
        if group.get("class") != "standard":
            continue
        label = next(
            (p.get("value", "") for p in group.findall(f"{NS}prop") if p.get("name") == "label"),
            "",
        )
        nist_citation = _oscal_citation(label)
        citation = _our_standard(nist_citation, by_citation, aliases)
        instruction = " ".join(_paragraphs(p) for p in _parts(group, "instruction"))
        activities: list[dict[str, Any]] = []
        for control in group.findall(f"{NS}control"):
            ka_id = control.get("id", "")
            footnotes: list[str] = []
            statement = _parts(control, "statement")
            description, marks = _description(statement[0], footnotes) if statement else ("", set())
            questions: list[dict[str, Any]] = []
            for guidance in _parts(control, "guidance"):
                questions.extend(_questions(guidance, footnotes))
            footnotes.extend(_paragraphs(p) for p in _parts(control, "footnote"))
            if len(marks) > 1:
                raise ImportFailed(f"{ka_id}: both Required and Addressable marks {sorted(marks)}")
            mark = next(iter(marks), None)
            specs = SPECIFICATIONS.get(ka_id, ())
            if mark and not specs:
                raise ImportFailed(f"{ka_id} is marked {mark} but has no specification link")
            for spec in specs:
                entry = by_citation.get(spec)
                if entry is None or entry["standard"] != citation:
                    raise ImportFailed(f"{ka_id}: {spec} is not a specification of {citation}")
                if mark and entry["requirement"] != mark:
                    raise ImportFailed(
                        f"{ka_id}: NIST marks {spec} {mark}, the catalog says "
                        f"{entry['requirement']}"
                    )
                seen_specs.add(spec)
            title = control.find(f"{NS}title")
            activities.append(
                {
                    "id": ka_id,
                    "title": _clean("".join(title.itertext())) if title is not None else "",
                    "standard": citation,
                    "description": description,
                    "nist_requirement": mark,
                    "implementation_specifications": list(specs),
                    "questions": questions,
                    "footnotes": footnotes,
                }
            )
        title = group.find(f"{NS}title")
        standards.append(
            {
                "citation": citation,
                "nist_id": group.get("id"),
                "nist_citation": nist_citation,
                "title": _clean("".join(title.itertext())) if title is not None else "",
                "text": re.sub(r"^HIPAA Standard:\s*", "", instruction),
                "footnotes": [_paragraphs(p) for p in _parts(group, "footnote")],
                "key_activities": activities,
            }
        )

    n_standards = len(standards)
    n_activities = sum(len(s["key_activities"]) for s in standards)
    if (n_standards, n_activities) != (EXPECTED_STANDARDS, EXPECTED_KEY_ACTIVITIES):
        raise ImportFailed(
            f"Expected {EXPECTED_STANDARDS} standards and {EXPECTED_KEY_ACTIVITIES} key "
            f"activities, found {n_standards} and {n_activities}"
        )
    all_specs = {c for c, e in by_citation.items() if e["kind"] == "implementation_specification"}
    if seen_specs != all_specs:
        raise ImportFailed(f"No key activity for {sorted(all_specs - seen_specs)}")
    missing = set(SPECIFICATIONS) - {ka["id"] for s in standards for ka in s["key_activities"]}
    if missing:
        raise ImportFailed(f"Specification links for unknown key activities {sorted(missing)}")

    return {
        "title": _clean(meta.findtext(f"{NS}title") or ""),
        "source": {
            "publisher": "NIST",
            "framework_version": props.get("framework-version-identifier"),
            "publication_status": props.get("publication-status"),
            "oscal_version": meta.findtext(f"{NS}oscal-version"),
            "published": meta.findtext(f"{NS}published"),
            "file": source.name,
            "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "origin": "usnistgov/capordino catalogs/nist.gov/sp_800_66/ "
            "(SP_800_66_2_0_0_catalog_09-18-25.xml)",
            "licence": "US government work (NIST); public domain in the US",
        },
        "generated_by": "scripts/import_nist_sp800_66r2.py",
        "standards": standards,
    }


def counts(document: dict[str, Any]) -> dict[str, int]:
    activities = [ka for s in document["standards"] for ka in s["key_activities"]]
    top = [q for ka in activities for q in ka["questions"]]
    return {
        "standards": len(document["standards"]),
        "key_activities": len(activities),
        "sample_questions": len(top),
        "nested_sample_questions": sum(len(q["questions"]) for q in top),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="NIST OSCAL XML")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON to write")
    parser.add_argument(
        "--catalog", type=Path, default=DEFAULT_CATALOG, help="security_rule.json to link to"
    )
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"error: source not found: {args.source}", file=sys.stderr)
        return 2
    try:
        document = convert(args.source, args.catalog)
    except ImportFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    args.output.write_text(text, encoding="utf-8")
    found = counts(document)
    print(
        f"Wrote {args.output}: {found['standards']} standards, {found['key_activities']} key "
        f"activities, {found['sample_questions']} sample questions "
        f"(+{found['nested_sample_questions']} nested)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
