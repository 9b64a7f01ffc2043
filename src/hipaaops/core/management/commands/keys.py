"""Manage field-encryption keys: generate a new key, or rotate data onto the newest key."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand, CommandParser

from hipaaops.core.keys import rotate_all


class Command(BaseCommand):
    help = (
        "Field-encryption keys: 'generate' prints a new key; 'rotate' re-encrypts under the newest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{generate,rotate}")
        sub.add_parser(
            "generate", help="print a new Fernet key to put first in HIPAAOPS_FIELD_KEYS"
        )
        sub.add_parser(
            "rotate",
            help="re-encrypt every encrypted field and MFA secret under the first key of "
            "HIPAAOPS_FIELD_KEYS; then the older keys can be removed",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate":
            self.stdout.write(Fernet.generate_key().decode())
            return
        counts = rotate_all()
        total = sum(counts.values())
        for name, count in sorted(counts.items()):
            self.stdout.write(f"{name}: {count} value(s) re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Rotated {total} value(s) onto the newest key."))
