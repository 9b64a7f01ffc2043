"""Privacy Rule operations: 'clock' prints the due dates of an individual's rights request."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.privacy.rules import Clock, Right, RuleInputError, due_dates
from hipaaops.privacy.rules.facts import CLOCKS

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
OPTIONS = {"right": "--right", "received": "--received", "extended_on": "--extended-on"}
TITLES = {
    Right.ACCESS: "Right of access",
    Right.AMENDMENT: "Right to amend",
    Right.ACCOUNTING: "Accounting of disclosures",
}


def _date(value: str, option: str) -> date:
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{option}: {value!r} is not a date (YYYY-MM-DD)", returncode=2
        ) from None


class Command(BaseCommand):
    help = (
        "Privacy Rule operations. 'clock' prints when a covered entity must act on a request for "
        "access, amendment or an accounting, with citations. Exit 2 for bad input."
    )
    # A calculation with no database or settings to check: skip the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{clock}")
        clock = sub.add_parser(
            "clock", help="the due date of a rights request, and of its one extension"
        )
        clock.add_argument("--right", required=True, choices=[r.value for r in Right])
        clock.add_argument("--received", required=True, metavar="DATE", help="YYYY-MM-DD")
        clock.add_argument(
            "--extended-on",
            metavar="DATE",
            help="the day the written statement extending the time was given (YYYY-MM-DD)",
        )
        clock.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        received = _date(options["received"], "--received")
        extended_on = None
        if options.get("extended_on") is not None:
            extended_on = _date(options["extended_on"], "--extended-on")
        try:
            clock = due_dates(options["right"], received, extended_on=extended_on)
        except RuleInputError as exc:
            option = OPTIONS.get(exc.field, exc.field)
            raise CommandError(f"{option}: {exc.message}", returncode=2) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(_as_json(clock)))
        else:
            self.stdout.write(_as_text(clock))


def _as_json(clock: Clock) -> dict[str, Any]:
    return {
        "right": clock.right.value,
        "received": clock.received.isoformat(),
        "due": clock.due.isoformat(),
        "extended_due": clock.extended_due.isoformat() if clock.extended_due else None,
        "extended_on": clock.extended_on.isoformat() if clock.extended_on else None,
        "citation": clock.citation,
        "extension_citation": clock.extension_citation,
    }


def _as_text(clock: Clock) -> str:
    facts = CLOCKS[clock.right]
    lines = [
        f"{TITLES[clock.right]}, received {clock.received.isoformat()}",
        f"Due:          {clock.due.isoformat()}  ({clock.citation}: no later than "
        f"{facts.days} days after receipt)",
    ]
    if clock.extended_due is not None and clock.extended_on is not None:
        lines.append(
            f"Extended due: {clock.extended_due.isoformat()}  ({clock.extension_citation}: "
            f"written statement given {clock.extended_on.isoformat()}; no further extension)"
        )
    else:
        lines.append(
            f"Extension:    one, of at most {facts.extension_days} days, by a written statement "
            f"of the reasons and the expected date given by {clock.due.isoformat()} "
            f"({clock.extension_citation})"
        )
    return "\n".join(lines)
