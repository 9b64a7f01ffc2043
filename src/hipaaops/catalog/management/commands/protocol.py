"""The HHS OCR HIPAA Audit Protocol: 'list' its 180 inquiries, 'show' one of them."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.catalog.regulation import catalog as regulation

FIELDS = [
    "id",
    "audit_type",
    "section",
    "citation",
    "catalog",
    "key_activity",
    "requirement",
    "has_questions",
]


def _row(inquiry: regulation.ProtocolInquiry) -> dict[str, Any]:
    return {
        "id": inquiry.id,
        "audit_type": inquiry.audit_type,
        "section": inquiry.section,
        "citation": inquiry.citation,
        "catalog": list(inquiry.catalog),
        "key_activity": inquiry.key_activity,
        "requirement": inquiry.requirement,
        "has_questions": inquiry.has_questions,
    }


class Command(BaseCommand):
    help = (
        "The OCR HIPAA Audit Protocol (Phase 2, July 2018): 'list' the 180 inquiries (89 Privacy, "
        "72 Security, 19 Breach) or 'show' one by id (S012) or by citation. Exit 2 for an unknown "
        "id or citation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,show}")
        ls = sub.add_parser("list", help="list the inquiries, optionally of one audit type")
        ls.add_argument("--type", choices=regulation.AUDIT_TYPES, dest="audit_type")
        ls.add_argument("--format", choices=["table", "json", "csv"], default="table")
        show = sub.add_parser("show", help="one inquiry in full: criteria, inquiry, links, notes")
        show.add_argument("inquiry", help="an id such as S012, or a citation such as 164.308(a)(2)")
        show.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(options.get("audit_type"), options["format"])
        else:
            self._show(options["inquiry"], options["format"])

    def _list(self, audit_type: str | None, fmt: str) -> None:
        rows = [_row(i) for i in regulation.protocol_inquiries(audit_type)]
        if fmt == "json":
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
        elif fmt == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=FIELDS, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "catalog": " ".join(row["catalog"])})
        else:
            width = max((len(r["citation"]) for r in rows), default=10)
            for r in rows:
                mark = (r["requirement"] or "")[:1].upper() or " "
                self.stdout.write(
                    f"{r['id']}  {r['citation'].ljust(width)}  {mark}  {r['key_activity']}"
                )
            self.stdout.write(f"\n{len(rows)} inquiries")

    def _find(self, wanted: str) -> list[regulation.ProtocolInquiry]:
        try:
            return [regulation.protocol_inquiry(wanted)]
        except regulation.UnknownCitation:
            pass
        try:
            citation = regulation.normalize_citation(wanted)
        except ValueError:
            return []
        return [
            i
            for i in regulation.audit_protocol()
            if citation in i.citations or citation in i.catalog
        ]

    def _show(self, wanted: str, fmt: str) -> None:
        found = self._find(wanted)
        if not found:
            raise CommandError(
                f"No audit protocol inquiry {wanted!r}. 'hipaaops protocol list' shows the ids "
                "(for example S012) and their citations.",
                returncode=2,
            )
        if fmt == "json":
            payload = [
                {
                    **_row(i),
                    "citations": list(i.citations),
                    "performance_criteria": i.performance_criteria,
                    "audit_inquiry": i.audit_inquiry,
                    "notes": list(i.notes),
                }
                for i in found
            ]
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        for n, inquiry in enumerate(found):
            if n:
                self.stdout.write("\n" + "-" * 72 + "\n")
            requirement = f" · {inquiry.requirement}" if inquiry.requirement else ""
            self.stdout.write(
                f"{inquiry.id}  {inquiry.section}  {inquiry.key_activity}\n"
                f"{inquiry.audit_type.title()} audit{requirement}\n"
                f"Catalog: {', '.join(inquiry.catalog)}"
            )
            for note in inquiry.notes:
                self.stdout.write(f"Note: {note}")
            self.stdout.write(
                f"\nEstablished performance criteria:\n{inquiry.performance_criteria}"
            )
            self.stdout.write(f"\nAudit inquiry:\n{inquiry.audit_inquiry}")
