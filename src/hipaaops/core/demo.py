"""The demo organization: a small practice with a lived-in program.

Every module adds its part through ``register``; ``hipaaops demo`` runs them in order, through the
same services users go through, so the demo's audit trail is real. Loading twice changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization

DEMO_SLUG = "lakeside"
PARTNER_SLUG = "northwind-billing"
DEMO_PASSWORD = "Lakeside-demo-2026"  # noqa: S105 - development only; elsewhere a random one is printed
# A fixed TOTP secret for the development demo, so `hipaaops demo --code` can print a code.
DEMO_TOTP_SECRET = "HIPAAOPSDEMOTOTPSECRETKEY2345677"  # noqa: S105
SIGN_IN_EMAIL = "officer@lakeside.example"

PEOPLE = [
    # email, full name, role in the practice, title, role in the partner (or None)
    ("owner@lakeside.example", "Dr. Maya Chen", "owner", "Managing physician", None),
    (SIGN_IN_EMAIL, "Jordan Reyes", "compliance_officer", "Privacy and security official", "owner"),
    ("it@lakeside.example", "Sam Patel", "contributor", "IT coordinator", None),
    ("auditor@brightline.example", "Ana Ruiz", "auditor", "External assessor, Brightline", None),
    ("frontdesk@lakeside.example", "Lee Okafor", "workforce", "Front desk", None),
]


@dataclass
class DemoContext:
    organization: Organization
    partner: Organization
    people: dict[str, Any]
    password: str
    notes: list[str] = field(default_factory=list)


Loader = Callable[[DemoContext], None]
_loaders: list[tuple[int, str, Loader]] = []


def register(order: int, name: str) -> Callable[[Loader], Loader]:
    def decorator(fn: Loader) -> Loader:
        _loaders.append((order, name, fn))
        return fn

    return decorator


def demo_exists() -> bool:
    from hipaaops.organizations.models import Organization

    return Organization.objects.filter(slug=DEMO_SLUG).exists()


def load(password: str | None = None) -> DemoContext | None:
    """Create the demo organizations. Returns None when the demo is there already."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model

    from hipaaops.audit.services import record_create
    from hipaaops.organizations.models import Organization
    from hipaaops.organizations.services import create_organization

    if demo_exists():
        return None
    password = password or (DEMO_PASSWORD if settings.DEVELOPMENT else secrets.token_urlsafe(12))
    user_model = get_user_model()
    with transaction.atomic():
        people: dict[str, Any] = {}
        for email, name, _role, _title, _partner in PEOPLE:
            user = user_model.objects.filter(email=email).first()
            if user is None:
                user = user_model.objects.create_user(
                    email=email, password=password, full_name=name
                )
                record_create(user, actor=None, organization=None)
            people[email] = user
        owner = people["owner@lakeside.example"]
        officer = people[SIGN_IN_EMAIL]
        org = create_organization(
            actor=None,
            name="Lakeside Family Medicine",
            slug=DEMO_SLUG,
            entity_type="provider",
            owner=owner,
            description=(
                "A six-clinician family practice in two offices, with a cloud EHR, an on-site "
                "file server, a billing service and a patient portal."
            ),
        )
        partner = create_organization(
            actor=None,
            name="Northwind Billing Services",
            slug=PARTNER_SLUG,
            entity_type="business_associate",
            owner=officer,
            description="A medical billing company; business associate to several practices.",
        )
        ctx = DemoContext(organization=org, partner=partner, people=people, password=password)
        if settings.DEVELOPMENT:
            for user in (owner, officer):
                TOTP.activate(user, DEMO_TOTP_SECRET)
        for _order, _name, loader in sorted(_loaders, key=lambda item: item[0]):
            loader(ctx)
    assert Organization.objects.filter(slug=DEMO_SLUG).exists()
    return ctx


def current_code(secret: str = DEMO_TOTP_SECRET) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in_hint() -> str:
    if not demo_exists():
        return ""
    return (
        f"Demo sign-in: {SIGN_IN_EMAIL} / {DEMO_PASSWORD}\n"
        f"Two-factor code: run `.venv/bin/hipaaops demo --code` (or add the secret "
        f"{DEMO_TOTP_SECRET} to an authenticator app)"
    )


@register(10, "people")
def _people(ctx: DemoContext) -> None:
    """Members, a finished emergency access, and an API token: all through the services."""
    from hipaaops.api.services import create_token
    from hipaaops.core.roles import Role
    from hipaaops.organizations.access import access_organization
    from hipaaops.organizations.services import (
        add_member,
        end_emergency_access,
        start_emergency_access,
    )

    owner = ctx.people["owner@lakeside.example"]
    owner_access = access_organization(owner, ctx.organization.slug)
    titles = {email: title for email, _n, _r, title, _p in PEOPLE}
    for email, _name, role, _title, _partner in PEOPLE:
        if role == Role.OWNER:
            continue
        add_member(owner_access, email=email, role=role, title=titles[email])
    frontdesk = ctx.people["frontdesk@lakeside.example"]
    fd_access = access_organization(frontdesk, ctx.organization.slug)
    grant = start_emergency_access(
        fd_access,
        reason=(
            "EHR sign-on outage during Saturday clinic; needed the on-call list and the downtime "
            "procedure to register walk-in patients."
        ),
        hours=2,
    )
    end_emergency_access(access_organization(owner, ctx.organization.slug), grant)
    it = ctx.people["it@lakeside.example"]
    create_token(
        actor=it, user=it, organization=ctx.organization, name="Backup report script", days=90
    )
