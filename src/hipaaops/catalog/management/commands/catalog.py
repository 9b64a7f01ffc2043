"""The regulatory catalog: 'list' its entries, 'show' one citation, write it as 'oscal'."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, is_dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.catalog.regulation import catalog as regulation

FIELDS = ["citation", "kind", "title", "requirement", "family", "standard"]
RULES = {
    "security": regulation.security_entries,
    "breach": regulation.breach_provisions,
    "privacy": regulation.privacy_provisions,
}


def _row(entry: Any) -> dict[str, Any]:
    row = {name: getattr(entry, name, None) for name in FIELDS}
    if row["kind"] is None:
        row["kind"] = "provision"  # a Breach Notification or Privacy Rule paragraph
    return row


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value
    return value


class Command(BaseCommand):
    help = (
        "The regulatory catalog: 'list' its entries (Security Rule by default), 'show' a "
        "citation, 'oscal' writes the Security Rule as an OSCAL catalog. Exit 2 for an unknown "
        "citation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,show,oscal}")
        ls = sub.add_parser("list", help="list the entries of one rule")
        ls.add_argument("--rule", choices=sorted(RULES), default="security")
        ls.add_argument("--format", choices=["table", "json", "csv"], default="table")
        show = sub.add_parser("show", help="show one entry (an alias such as 164.308(b)(1) works)")
        show.add_argument("citation")
        show.add_argument("--format", choices=["text", "json"], default="text")
        oscal = sub.add_parser("oscal", help="the Security Rule as an OSCAL catalog (JSON)")
        oscal.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._list(options["rule"], options["format"])
        elif action == "show":
            self._show(options["citation"], options["format"])
        else:
            self._oscal(options.get("output"))

    def _list(self, rule: str, fmt: str) -> None:
        rows = [_row(e) for e in RULES[rule]()]
        if fmt == "json":
            self.stdout.write(json.dumps(rows, indent=2))
        elif fmt == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        else:
            width = max((len(r["citation"]) for r in rows), default=10)
            for r in rows:
                requirement = r["requirement"] or ("standard" if r["kind"] == "standard" else "")
                indent = "  " if r["kind"] == "implementation_specification" else ""
                self.stdout.write(
                    f"{r['citation'].ljust(width)}  {requirement:<11}  {indent}{r['title']}"
                )
            self.stdout.write(f"\n{len(rows)} entries")

    def _show(self, citation: str, fmt: str) -> None:
        try:
            entry: Any = regulation.entry(citation)
        except regulation.UnknownCitation:
            entry = None
        if entry is None:
            try:
                entry = regulation.provision(citation)
            except (regulation.UnknownCitation, KeyError, ValueError):
                entry = None
        if entry is None:
            raise CommandError(
                f"Unknown citation {citation!r}. 'hipaaops catalog list' shows the citations "
                "(for example 164.312(a)(2)(iv)).",
                returncode=2,
            )
        if fmt == "json":
            self.stdout.write(json.dumps(_plain(entry), indent=2))
            return
        self.stdout.write(f"{entry.citation}  {entry.title}")
        if isinstance(entry, regulation.Entry):
            kind = entry.kind.replace("_", " ")
            requirement = f", {entry.requirement}" if entry.requirement else ""
            self.stdout.write(f"{kind}{requirement} · {entry.family_label}")
            if entry.standard and entry.standard != entry.citation:
                self.stdout.write(f"Standard: {entry.standard}")
            if entry.aliases:
                self.stdout.write(f"Also cited as: {', '.join(entry.aliases)}")
        if entry.text:
            self.stdout.write(f"\nRegulation text:\n{entry.text}")
        if entry.summary:
            self.stdout.write(f"\nIn plain words:\n{entry.summary}")

    def _oscal(self, output: str | None) -> None:
        from hipaaops.catalog.oscal import security_catalog

        text = json.dumps(security_catalog(), indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text)
