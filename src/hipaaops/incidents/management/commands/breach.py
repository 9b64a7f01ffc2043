"""Breach notification: 'plan' prints every notification obligation of a breach, with its due
date and citation (45 CFR 164.404-164.412)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.incidents.rules import RuleInputError, obligations_to_json, plan_from_json
from hipaaops.incidents.rules.notification import discovery_date, parse_breach_facts

EXAMPLE = (
    '{"role": "covered_entity", "discovered_on": "2026-03-02", "affected_by_state": '
    '{"CA": 540, "NV": 72}, "insufficient_contact_info": 0, "law_enforcement_delay": null, '
    '"business_associate": null}'
)
TITLES = {
    "individual_notice": "Notice to individuals",
    "media_notice": "Notice to prominent media",
    "hhs_notice": "Notice to the Secretary (HHS)",
    "hhs_annual_log": "Annual log to the Secretary (HHS)",
    "substitute_notice": "Substitute notice",
    "covered_entity_notice": "Notice to the covered entity",
}


class Command(BaseCommand):
    help = (
        "Breach notification. 'plan FILE' reads a breach's facts as JSON (FILE, or - for standard "
        "input) and prints every obligation with its due date and citation. Exit 2 for bad input, "
        "naming the field. Example input: " + EXAMPLE.replace("%", "%%")
    )
    # A calculation with no database to check: skip the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{plan}")
        plan = sub.add_parser(
            "plan",
            help="the notification obligations of a breach, from its facts as JSON",
            description=(
                "FILE holds JSON like " + EXAMPLE.replace("%", "%%") + ". law_enforcement_delay "
                'may be {"kind": "written", "stated_on": DATE, "until": DATE} or {"kind": '
                '"oral", "stated_on": DATE}; business_associate may be {"discovered_on": DATE, '
                '"notified_covered_entity_on": DATE, "is_agent": BOOL}; a business associate '
                "(role business_associate) may give baa_reporting_days, the BAA's shorter limit."
            ),
        )
        plan.add_argument("file", metavar="FILE", help="the breach's facts as JSON, or - for stdin")
        plan.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        data = self._read(options["file"])
        try:
            obligations = plan_from_json(data)
            breach = parse_breach_facts(data)
        except RuleInputError as exc:
            raise CommandError(f"{exc.field}: {exc.message}", returncode=2) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(obligations_to_json(obligations), indent=2))
            return
        discovered, how = discovery_date(breach)
        self.stdout.write(f"Breach discovered on {discovered.isoformat()} ({breach.role.value}).")
        for note in how:
            self.stdout.write(f"  {note}")
        for item in obligations_to_json(obligations)["obligations"]:
            title = TITLES.get(item["id"], item["id"])
            extra = f" for {item['state']}" if item["state"] else ""
            form = f" ({item['form'].replace('_', ' ')})" if item["form"] else ""
            self.stdout.write(f"\n{item['due']}  {title}{extra}{form}  [{item['citation']}]")
            for note in item["notes"]:
                self.stdout.write(f"    {note}")

    def _read(self, name: str) -> Any:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"FILE: {name} does not exist.", returncode=2) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"FILE: {name} cannot be read: {exc}", returncode=2) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"FILE: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                returncode=2,
            ) from None
