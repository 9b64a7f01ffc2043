"""The Security Rule catalog as an OSCAL catalog (JSON), made from the catalog data.

Groups are the safeguard families; each standard is a control and its implementation
specifications are its sub-controls. The regulation's text is the statement part and our plain
summary the guidance part. The output is stable: ids and the document UUID are derived from the
citations, and the timestamp is the catalog's own date.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from hipaaops.catalog.regulation import catalog as regulation

OSCAL_VERSION = "1.1.2"
NS = "https://hipaaops.org/ns/oscal"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NS)
LAST_MODIFIED = "2026-01-01T00:00:00+00:00"


def control_id(citation: str) -> str:
    """An OSCAL token for a citation: ``164.312(a)(2)(iv)`` becomes ``hipaa-164.312.a.2.iv``."""
    return "hipaa-" + ".".join(p for p in re.split(r"[()]+", citation) if p)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _control(entry: Any, children: list[dict[str, Any]]) -> dict[str, Any]:
    cid = control_id(entry.citation)
    props: list[dict[str, Any]] = [
        {"name": "label", "value": entry.citation},
        {"name": "kind", "ns": NS, "value": entry.kind.replace("_", "-")},
        {"name": "appendix-a", "ns": NS, "value": "true" if entry.appendix_a else "false"},
    ]
    if entry.requirement:
        props.append({"name": "requirement", "ns": NS, "value": entry.requirement})
    for alias in entry.aliases or ():
        props.append({"name": "alt-identifier", "value": alias})
    parts = []
    if entry.text:
        parts.append({"id": f"{cid}_smt", "name": "statement", "prose": entry.text})
    if entry.summary:
        parts.append({"id": f"{cid}_gdn", "name": "guidance", "prose": entry.summary})
    control: dict[str, Any] = {
        "id": cid,
        "class": entry.kind.replace("_", "-"),
        "title": entry.title,
        "props": props,
    }
    if parts:
        control["parts"] = parts
    if children:
        control["controls"] = children
    return control


def security_catalog() -> dict[str, Any]:
    """The Security Rule's standards and implementation specifications as an OSCAL catalog."""
    entries = list(regulation.security_entries())
    specs: dict[str, list[Any]] = {}
    for e in entries:
        if e.kind != "standard" and e.standard:
            specs.setdefault(e.standard, []).append(e)
    groups: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        if e.kind != "standard":
            continue
        children = [_control(s, []) for s in specs.get(e.citation, [])]
        groups.setdefault(e.family, []).append(_control(e, children))
    return {
        "catalog": {
            "uuid": str(uuid.uuid5(_NAMESPACE, "hipaa-security-rule")),
            "metadata": {
                "title": "HIPAA Security Rule (45 CFR 164.308-164.316): standards and "
                "implementation specifications",
                "last-modified": LAST_MODIFIED,
                "version": "45 CFR Part 164 Subpart C",
                "oscal-version": OSCAL_VERSION,
                "remarks": "Made by hipaaops from its regulatory catalog. Regulation text is a "
                "US government work; summaries are hipaaops's plain-language notes.",
            },
            "groups": [
                {
                    "id": f"family-{_slug(code)}",
                    "class": "family",
                    "title": regulation.FAMILY_LABELS.get(code, code),
                    "controls": cs,
                }
                for code, cs in groups.items()
            ],
        }
    }
