"""The ePHI inventory from the command line: 'import' assets or data flows from CSV or XLSX,
'export' them as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.core import context


class Command(BaseCommand):
    help = (
        "ePHI inventory. 'import --org SLUG --user EMAIL --kind assets|flows FILE [--dry-run]' "
        "loads assets or flows from CSV or XLSX (every bad row listed by line and field; nothing "
        "loaded while any is bad; exit 1); 'export --org SLUG --kind assets|flows' prints CSV. "
        "Exit 2 for bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        imp = sub.add_parser("import", help="load assets or flows from a CSV or XLSX file")
        imp.add_argument("file", help="the CSV or XLSX file")
        imp.add_argument("--org", required=True, help="the organization's slug")
        imp.add_argument("--user", required=True, help="the member importing (e-mail)")
        imp.add_argument("--kind", choices=["assets", "flows"], default="assets")
        imp.add_argument("--dry-run", action="store_true", help="check every row; load nothing")
        exp = sub.add_parser("export", help="print the assets or flows as CSV")
        exp.add_argument("--org", required=True, help="the organization's slug")
        exp.add_argument("--kind", choices=["assets", "flows"], default="assets")

    def handle(self, *args: Any, **options: Any) -> None:
        with context.acting(context.ActorContext(via="cli", request_id="inventory")):
            getattr(self, f"_{options['action']}")(options)

    def _import(self, options: dict[str, Any]) -> None:
        from hipaaops.core.cli import member_access
        from hipaaops.core.errors import DomainError
        from hipaaops.inventory import services

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"file: {path} does not exist.", returncode=2)
        access = member_access(options["org"], options["user"], "edit_records")
        act = services.import_assets if options["kind"] == "assets" else services.import_flows
        try:
            report = act(access, path.read_bytes(), filename=path.name, dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(f"{path.name}: {exc.message}", returncode=1) from None
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"{len(report.errors)} problem(s); nothing imported.", returncode=1)
        verb = "would be imported (dry run)" if options["dry_run"] else "imported"
        self.stdout.write(f"{report.rows} {options['kind']} {verb}.")

    def _export(self, options: dict[str, Any]) -> None:
        from hipaaops.core.cli import organization
        from hipaaops.core.tables import as_csv
        from hipaaops.inventory import exports

        org = organization(options["org"])
        table = exports.assets_table if options["kind"] == "assets" else exports.flows_table
        _, columns, rows = table(org)
        for line in as_csv(columns, rows):
            self.stdout.write(line, ending="")
