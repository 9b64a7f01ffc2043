"""Personal API tokens: 'create' prints a new token for a user and organization (shown once)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.api.models import PersonalAPIToken
from hipaaops.api.services import create_token, revoke_token
from hipaaops.core.errors import DomainError
from hipaaops.organizations.models import Organization


class Command(BaseCommand):
    help = "Personal API tokens: create (prints the token once), list, revoke."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        c = sub.add_parser("create", help="issue a token for USER in ORG and print it")
        c.add_argument("--user", required=True, help="the user's e-mail address")
        c.add_argument("--org", required=True, help="the organization's short name (slug)")
        c.add_argument("--name", required=True, help="what the token is for")
        c.add_argument("--days", type=int, default=90, help="days until it expires (default 90)")
        ls = sub.add_parser("list", help="list a user's tokens")
        ls.add_argument("--user", required=True)
        r = sub.add_parser("revoke", help="revoke a token by its prefix")
        r.add_argument("prefix")

    def _user(self, email: str) -> Any:
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"--user: no user with e-mail {email!r}", returncode=2)
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            user = self._user(options["user"])
            org = Organization.objects.filter(slug=options["org"]).first()
            if org is None:
                raise CommandError(f"--org: no organization {options['org']!r}", returncode=2)
            try:
                issued = create_token(
                    actor=user,
                    user=user,
                    organization=org,
                    name=options["name"],
                    days=options["days"],
                )
            except DomainError as exc:
                raise CommandError(f"--{exc.field or 'user'}: {exc.message}", returncode=2) from exc
            self.stdout.write(issued.secret)
            self.stderr.write(
                f"Token {issued.token.prefix} for {user.email} in {org.slug}, "
                f"expires {issued.token.expires_at:%Y-%m-%d}. It is shown once."
            )
        elif action == "list":
            user = self._user(options["user"])
            for t in PersonalAPIToken.objects.filter(user=user).select_related("organization"):
                state = "revoked" if t.revoked_at else ("active" if t.is_usable() else "expired")
                self.stdout.write(
                    f"{t.prefix}  {t.organization.slug}  {t.name}  expires {t.expires_at:%Y-%m-%d}  {state}"
                )
        else:
            token = (
                PersonalAPIToken.objects.filter(prefix=options["prefix"])
                .select_related("user", "organization")
                .first()
            )
            if token is None:
                raise CommandError(f"no token with prefix {options['prefix']!r}", returncode=2)
            revoke_token(actor=token.user, token=token)
            self.stdout.write(f"Revoked {token.prefix}.")
