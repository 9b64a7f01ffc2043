"""Create a user, optionally with a membership or a new organization they own."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from hipaaops.audit.services import record_create
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Role
from hipaaops.organizations.models import EntityType, Membership, Organization
from hipaaops.organizations.services import create_organization


class Command(BaseCommand):
    help = "Create a user who signs in by e-mail; add them to an organization or create one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--full-name", default="")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input (else HIPAAOPS_PASSWORD, else a prompt)",
        )
        parser.add_argument("--org", help="add the user to this organization (slug)")
        parser.add_argument(
            "--role", choices=[r.value for r in Role], default=Role.CONTRIBUTOR.value
        )
        parser.add_argument(
            "--new-org", metavar="NAME", help="create an organization the user owns"
        )
        parser.add_argument("--slug", help="short name of the new organization")
        parser.add_argument("--entity-type", choices=EntityType.values, default=EntityType.PROVIDER)

    def _password(self, options: dict[str, Any], email: str) -> str:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        elif os.environ.get("HIPAAOPS_PASSWORD"):
            password = os.environ["HIPAAOPS_PASSWORD"]
        else:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("The passwords differ.", returncode=2)
        user_model = get_user_model()
        try:
            password_validation.validate_password(password, user_model(email=email))
        except ValidationError as exc:
            raise CommandError("password: " + " ".join(exc.messages), returncode=2) from exc
        return password

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(
                f"--email: {email!r} is not a valid e-mail address", returncode=2
            ) from exc
        user_model = get_user_model()
        if user_model.objects.filter(email__iexact=email).exists():
            raise CommandError(f"--email: a user with {email} exists already", returncode=2)
        org = None
        if options["org"]:
            org = Organization.objects.filter(slug=options["org"]).first()
            if org is None:
                raise CommandError(f"--org: no organization {options['org']!r}", returncode=2)
        if options["new_org"] and not options["slug"]:
            raise CommandError("--slug is required with --new-org", returncode=2)
        password = self._password(options, email)
        with transaction.atomic():
            user = user_model.objects.create_user(
                email=email, password=password, full_name=options["full_name"]
            )
            record_create(user, actor=None, organization=org)
            if org is not None:
                membership = Membership.objects.create(
                    user=user, organization=org, role=options["role"]
                )
                record_create(membership, actor=None, organization=org)
            if options["new_org"]:
                try:
                    org = create_organization(
                        actor=None,
                        name=options["new_org"],
                        slug=options["slug"],
                        entity_type=options["entity_type"],
                        owner=user,
                    )
                except DomainError as exc:
                    raise CommandError(
                        f"--{exc.field or 'new-org'}: {exc.message}", returncode=2
                    ) from exc
        where = f" in {org.slug}" if org else ""
        self.stdout.write(self.style.SUCCESS(f"Created {email}{where}."))
