"""Make a consistent online copy of the database (SQLite backup API, or pg_dump)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Copy the database while it is in use: SQLite through its online backup API, PostgreSQL "
        "with pg_dump (custom format). The copy includes the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", required=True, help="file to write")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["output"])
        if target.exists() and not options["force"]:
            raise CommandError(f"{target} exists; pass --force to overwrite it.", returncode=2)
        try:
            info = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {target} ({info.size} bytes, {info.engine}); "
                f"SHA-256 {info.sha256}; audit head {info.head_seq}."
            )
        )
