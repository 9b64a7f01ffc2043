"""Business associates from the command line: 'import' vendors from CSV or XLSX, 'register'
prints the BAA register, 'reminders' sends the day's reminders now."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.core import context


class Command(BaseCommand):
    help = (
        "Business associates. 'import --org SLUG --user EMAIL FILE [--dry-run]' loads vendors "
        "from CSV or XLSX (every bad row listed; nothing loaded while any is bad; exit 1); "
        "'register --org SLUG [--format table|csv|json]' prints the BAA register; "
        "'reminders [--date YYYY-MM-DD]' sends the reminders due. Exit 2 for bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{import,register,reminders}"
        )
        imp = sub.add_parser("import", help="load vendors from a CSV or XLSX file")
        imp.add_argument("file", help="the CSV or XLSX file")
        imp.add_argument("--org", required=True, help="the organization's slug")
        imp.add_argument("--user", required=True, help="the member importing (e-mail)")
        imp.add_argument("--dry-run", action="store_true", help="check every row; load nothing")
        reg = sub.add_parser("register", help="print the BAA register")
        reg.add_argument("--org", required=True, help="the organization's slug")
        reg.add_argument("--format", choices=["table", "csv", "json"], default="table")
        rem = sub.add_parser("reminders", help="send the reminders due")
        rem.add_argument("--date", help="the day to act as (YYYY-MM-DD; default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        with context.acting(context.ActorContext(via="cli", request_id="vendors")):
            getattr(self, f"_{options['action']}")(options)

    def _org(self, slug: str) -> Any:
        from hipaaops.organizations.models import Organization

        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(f"--org: no organization with the slug {slug!r}.", returncode=2)
        return org

    def _import(self, options: dict[str, Any]) -> None:
        from django.contrib.auth import get_user_model
        from django.http import Http404

        from hipaaops.core.errors import DomainError
        from hipaaops.organizations.access import access_organization
        from hipaaops.vendors import services

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"file: {path} does not exist.", returncode=2)
        org = self._org(options["org"])
        user = get_user_model().objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"--user: no user {options['user']!r}.", returncode=2)
        try:
            access = access_organization(user, org.slug)
            report = services.import_vendors(
                access, path.read_bytes(), filename=path.name, dry_run=options["dry_run"]
            )
        except Http404:
            raise CommandError(
                f"--user: {user.email} is not a member of {org.slug}.", returncode=2
            ) from None
        except DomainError as exc:
            raise CommandError(f"{path.name}: {exc.message}", returncode=1) from None
        except Exception as exc:  # a role without the right to import
            if exc.__class__.__name__ == "PermissionDenied":
                raise CommandError(
                    f"--user: {user.email} may not import vendors.", returncode=2
                ) from None
            raise
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"{len(report.errors)} problem(s); nothing imported.", returncode=1)
        verb = "would be imported (dry run)" if options["dry_run"] else "imported"
        self.stdout.write(f"{report.rows} vendor(s) {verb}.")

    def _register(self, options: dict[str, Any]) -> None:
        from hipaaops.core.tables import as_csv
        from hipaaops.vendors import exports

        _, columns, rows = exports.register_table(self._org(options["org"]))
        if options["format"] == "csv":
            for line in as_csv(columns, rows):
                self.stdout.write(line, ending="")
        elif options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    [dict(zip(columns, [str(v) for v in row], strict=True)) for row in rows],
                    indent=2,
                )
            )
        else:
            widths = [
                max(len(c), *(len(str(r[i])) for r in rows)) if rows else len(c)
                for i, c in enumerate(columns)
            ]
            shown = [0, 2, 3, 5, 7, 8]
            self.stdout.write("  ".join(columns[i].ljust(widths[i]) for i in shown))
            for row in rows:
                self.stdout.write("  ".join(str(row[i]).ljust(widths[i]) for i in shown))

    def _reminders(self, options: dict[str, Any]) -> None:
        from hipaaops.vendors.tasks import send_vendor_reminders

        day = None
        if options.get("date"):
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date: {options['date']!r} is not a date (YYYY-MM-DD).", returncode=2
                ) from None
        self.stdout.write(f"{send_vendor_reminders(day)} reminder(s) sent.")
