"""Restore a backup made by 'hipaaops backup', then verify the audit chain before success."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the configured database with a backup. The backup's audit chain is verified "
        "first (a broken chain is refused) and again after the restore."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="backup file made by 'hipaaops backup'")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"{source} is not a file.", returncode=2)
        if not options["yes"]:
            answer = input("This replaces the current database. Type 'restore' to go on: ")
            if answer.strip() != "restore":
                raise CommandError("Not restored.", returncode=2)
        try:
            result = restore(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {source}; audit chain verified: {result.checked} entries intact, "
                f"head {result.head_seq}:{result.head_hash}."
            )
        )
