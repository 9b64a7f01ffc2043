"""Run the background job consumer (Huey): queued jobs and periodic jobs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run the Huey consumer that executes queued and periodic jobs. Uses the SQLite queue in "
        "the data folder, or Redis when REDIS_URL is set (then run it on as many hosts as needed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", "-w", type=int, default=None, help="worker threads")
        parser.add_argument(
            "--no-periodic", action="store_true", help="do not run periodic jobs on this worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        huey_class = settings.HUEY.get("huey_class")
        self.stdout.write(f"hipaaops worker starting ({huey_class})")
        extra: list[str] = []
        if options["workers"]:
            extra += ["--workers", str(options["workers"])]
        if options["no_periodic"]:
            extra += ["--no-periodic"]
        call_command("run_huey", *extra)
