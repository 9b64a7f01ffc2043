"""Load the realistic demo organization into the configured database (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.core import demo


class Command(BaseCommand):
    help = (
        "Load the demo organization (Lakeside Family Medicine, with a business associate "
        "partner). Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="load only into a database without users"
        )
        parser.add_argument(
            "--code",
            action="store_true",
            help="print the demo's current two-factor code (development only)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            if not settings.DEVELOPMENT:
                raise CommandError("--code is for development only.", returncode=2)
            self.stdout.write(demo.current_code())
            return
        if options["if_empty"] and get_user_model().objects.exists():
            self.stdout.write("The database has users already; the demo was not loaded.")
            if demo.demo_exists() and settings.DEVELOPMENT:
                self.stdout.write(demo.sign_in_hint())
            return
        ctx = demo.load()
        if ctx is None:
            self.stdout.write("The demo organization is loaded already; nothing changed.")
            return
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo: {ctx.organization.name}."))
        if settings.DEVELOPMENT:
            self.stdout.write(demo.sign_in_hint())
        else:
            self.stdout.write(f"Demo users share the password: {ctx.password} (shown once).")
