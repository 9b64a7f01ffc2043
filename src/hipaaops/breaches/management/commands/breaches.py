"""The public breach record: 'import' HHS OCR breach portal exports, 'summary' for an entity type.

Exit 2 for bad arguments (a missing file, a bad window), 1 when a file cannot be read or is not a
portal export (the other files are still imported)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.breaches import rules
from hipaaops.core import context


class Command(BaseCommand):
    help = (
        "The public breach record (HHS OCR breach portal). 'import FILE [FILE ...]' loads portal "
        "exports in any of their three formats, reporting per file the rows read, added, updated, "
        "duplicates and skipped (each bad line named); 'summary --entity-type T [--years 5]' "
        "prints the reports by type, location and year and the suggested likelihood per threat. "
        "Exit 2 for bad arguments, 1 for a file that is unreadable or not a portal export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,summary}")
        imp = sub.add_parser("import", help="load OCR breach portal exports (CSV)")
        imp.add_argument("files", nargs="+", metavar="FILE", help="a portal export")
        summ = sub.add_parser("summary", help="what organizations of a kind reported")
        summ.add_argument(
            "--entity-type",
            required=True,
            choices=list(rules.ORGANIZATION_ENTITY_TYPES),
            help="the kind of organization (hybrid reads as provider)",
        )
        summ.add_argument(
            "--years",
            default=str(rules.DEFAULT_YEARS),
            help=f"how far back ({rules.MIN_YEARS}-{rules.MAX_YEARS}; default 5)",
        )
        summ.add_argument("--date", help="the day to count back from (YYYY-MM-DD; default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        with context.acting(context.ActorContext(via="cli", request_id="breaches")):
            getattr(self, f"_{options['action']}")(options)

    def _import(self, options: dict[str, Any]) -> None:
        from hipaaops.breaches import services
        from hipaaops.core.errors import DomainError

        paths = [Path(name) for name in options["files"]]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"FILE: {path} does not exist or is not a file.", returncode=2)
        failed = []
        for path in paths:
            try:
                result = services.import_file(path)
            except DomainError as exc:
                self.stderr.write(exc.message)
                failed.append(path.name)
                continue
            self.stdout.write(
                f"{result.source} ({result.format}): read {result.read}, added {result.added}, "
                f"updated {result.updated}, duplicates {result.duplicates}, "
                f"skipped {result.skipped}"
            )
            for line, earlier in result.repeats:
                self.stdout.write(f"  line {line}: the same report as line {earlier}; not loaded")
            for error in result.errors:
                self.stdout.write(f"  {error}")
        if failed:
            raise CommandError(f"not imported: {', '.join(failed)}.", returncode=1)

    def _summary(self, options: dict[str, Any]) -> None:
        from django.utils import timezone

        from hipaaops.breaches import selectors

        try:
            years = rules.check_years(options["years"])
        except rules.RuleInputError as exc:
            raise CommandError(f"--years: {exc.message}", returncode=2) from None
        today = timezone.localdate()
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date: {options['date']!r} is not a date (YYYY-MM-DD).", returncode=2
                ) from None
        kind = options["entity_type"]
        facts = selectors.breach_facts(kind, years, today)
        found = rules.summary(facts, kind, years, today)
        out = self.stdout.write
        out(
            f"{found.breaches} breaches reported by {found.entity_plural} from {found.since} to "
            f"{found.until}, {found.individuals} individuals affected"
        )
        for title, counts in (
            ("By type of breach", found.by_type),
            ("By location", found.by_location),
            ("By year of submission", found.by_year),
        ):
            out(f"\n{title}:")
            for name, n in counts.items():
                out(f"  {str(name).ljust(34)} {n:>6}")
        out(f"\nOnly paper or film (no electronic threat): {found.only_paper}")
        suggestions = rules.suggest(facts, kind, years, today)
        if not suggestions:
            out("\nNo report in this window: no likelihood to suggest.")
            return
        out("\nSuggested likelihood (1 rare to 5 almost certain):")
        for s in suggestions:
            out(f"  {s.threat_key.ljust(24)} {s.level_of_5} {s.level_label.ljust(15)} {s.reason}")
