"""The cast shared by every test: one organization with a member in each role, and a user of
another organization who must never see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (a test fixture)
PASSWORD = "correct-horse-battery-staple"  # noqa: S105


@dataclass
class Cast:
    org: Any  # Acme Clinic, a provider
    other_org: Any  # Globex Health Plan
    owner: Any  # alice
    officer: Any  # bob, compliance officer
    contributor: Any  # carol
    auditor: Any  # dave
    workforce: Any  # erin
    outsider: Any  # mallory, owner of the other organization

    def members(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "compliance_officer": self.officer,
            "contributor": self.contributor,
            "auditor": self.auditor,
            "workforce": self.workforce,
        }


def totp_code(secret: str = TOTP_SECRET, offset: int = 0) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


@pytest.fixture
def cast(db: Any) -> Cast:
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model

    from hipaaops.organizations.models import Membership
    from hipaaops.organizations.services import create_organization

    User = get_user_model()

    def user(email: str, name: str) -> Any:
        return User.objects.create_user(email=email, password=PASSWORD, full_name=name)

    alice = user("alice@acme.test", "Alice Owner")
    bob = user("bob@acme.test", "Bob Officer")
    carol = user("carol@acme.test", "Carol Contributor")
    dave = user("dave@acme.test", "Dave Auditor")
    erin = user("erin@acme.test", "Erin Workforce")
    mallory = user("mallory@globex.test", "Mallory Outsider")
    org = create_organization(
        actor=None, name="Acme Clinic", slug="acme", entity_type="provider", owner=alice
    )
    other = create_organization(
        actor=None,
        name="Globex Health Plan",
        slug="globex",
        entity_type="health_plan",
        owner=mallory,
    )
    for person, role in (
        (bob, "compliance_officer"),
        (carol, "contributor"),
        (dave, "auditor"),
        (erin, "workforce"),
    ):
        Membership.objects.create(user=person, organization=org, role=role)
    for person in (alice, bob, mallory):
        TOTP.activate(person, TOTP_SECRET)
    return Cast(org, other, alice, bob, carol, dave, erin, mallory)


@pytest.fixture
def client_for(db: Any) -> Callable[[Any], Client]:
    """A test client signed in as the given user (the sign-in flow itself is tested apart)."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Each test starts with an empty cache: used TOTP codes (replay protection) and rate
    counters from one test must not leak into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
