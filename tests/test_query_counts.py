"""List pages and API lists make the same number of queries for 5 rows as for 20: an N+1
regression fails here."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import TOTP_SECRET
from hipaaops.api.services import create_token
from hipaaops.audit.models import Action
from hipaaops.audit.services import record
from hipaaops.organizations.access import access_organization
from hipaaops.organizations.models import Membership
from hipaaops.organizations.services import start_emergency_access

pytestmark = pytest.mark.django_db

PAGES = [
    "/o/acme/",
    "/o/acme/members/",
    "/o/acme/emergency-access/",
    "/o/acme/audit/",
    "/o/acme/tokens/",
    "/api/v1/orgs/acme/members",
    "/api/v1/orgs/acme/emergency-access",
    "/api/v1/orgs/acme/audit",
    "/api/v1/orgs/acme/tokens",
]


def grow(cast: Any, extra: int) -> None:
    """More members (some with MFA), each with emergency access, a token and audit entries."""
    user_model = get_user_model()
    for i in range(extra):
        user = user_model.objects.create_user(email=f"staff{i}@acme.test", full_name=f"Staff {i}")
        Membership.objects.create(user=user, organization=cast.org, role="workforce")
        if i % 2:
            TOTP.activate(user, TOTP_SECRET)
        start_emergency_access(
            access_organization(user, "acme"), reason=f"Downtime at the desk number {i:04d}"
        )
        create_token(actor=cast.owner, user=cast.owner, organization=cast.org, name=f"t{i}")
        record(Action.UPDATE, actor=user, organization=cast.org, target=cast.org)


def queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def test_list_pages_do_not_query_per_row(cast: Any, client_for: Any) -> None:
    client = client_for(cast.owner)
    for path in PAGES:
        queries(client, path)  # warm up: first-request work (session, caches) is not counted
    small = {path: queries(client, path) for path in PAGES}
    grow(cast, 15)
    large = {path: queries(client, path) for path in PAGES}
    grew = {path: (small[path], large[path]) for path in PAGES if large[path] != small[path]}
    assert not grew, f"queries per page grew with the rows (before, after): {grew}"
