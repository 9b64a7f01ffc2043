"""The REST API's contract: one error shape, pagination, personal tokens shown once and stored
hashed, the committed OpenAPI document, and a docs page that loads nothing from outside."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from hipaaops.api.management.commands.openapi import openapi_text
from hipaaops.api.models import PersonalAPIToken
from hipaaops.api.services import create_token
from hipaaops.audit.models import Action, AuditEntry
from hipaaops.audit.services import PendingEntry, record_many

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[4]
JSON = "application/json"


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(JSON)
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    for item in error["fields"]:
        assert set(item) == {"field", "message"}
    return error


# --- one error shape ------------------------------------------------------------------------------


def test_401_without_credentials(cast: Any) -> None:
    error = error_of(Client().get("/api/v1/orgs/acme"), 401)
    assert error["code"] == "unauthenticated"
    assert error["fields"] == []


def test_403_when_the_role_lacks_the_capability(cast: Any, client_for: Any) -> None:
    client = client_for(cast.contributor)
    error = error_of(client.get("/api/v1/orgs/acme/audit"), 403)
    assert error["code"] == "forbidden"
    error = error_of(
        client.patch("/api/v1/orgs/acme", {"name": "Mine now"}, content_type=JSON), 403
    )
    assert error["code"] == "forbidden"
    cast.org.refresh_from_db()
    assert cast.org.name == "Acme Clinic"


def test_404_for_another_organization(cast: Any, client_for: Any) -> None:
    error = error_of(client_for(cast.outsider).get("/api/v1/orgs/acme/members"), 404)
    assert error == {"code": "not_found", "message": "Not found.", "fields": []}
    member = cast.org.memberships.first()
    error_of(client_for(cast.owner).delete(f"/api/v1/orgs/acme/members/{member.pk + 999}"), 404)


def test_409_names_the_field(cast: Any, client_for: Any) -> None:
    response = client_for(cast.owner).post(
        "/api/v1/orgs/acme/members",
        {"email": "carol@acme.test", "role": "auditor"},
        content_type=JSON,
    )
    error = error_of(response, 409)
    assert error["code"] == "conflict"
    assert [f["field"] for f in error["fields"]] == ["email"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "frank@acme.test"}, "role"),
        ({"email": "frank@acme.test", "role": 7}, "role"),
        ({"email": "x" * 300, "role": "auditor"}, "email"),
    ],
)
def test_422_names_the_invalid_field(
    cast: Any, client_for: Any, body: dict[str, Any], field: str
) -> None:
    response = client_for(cast.owner).post("/api/v1/orgs/acme/members", body, content_type=JSON)
    error = error_of(response, 422)
    assert error["code"] == "validation_error"
    assert [f["field"] for f in error["fields"]] == [field]


def test_422_for_bad_query_parameters(cast: Any, client_for: Any) -> None:
    error = error_of(client_for(cast.auditor).get("/api/v1/orgs/acme/audit?since=yesterday"), 422)
    assert [f["field"] for f in error["fields"]] == ["since"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address", "role": "auditor"}, "email"),
        ({"email": "f@a.test", "role": "emperor"}, "role"),
    ],
)
def test_domain_errors_name_the_field(
    cast: Any, client_for: Any, body: dict[str, Any], field: str
) -> None:
    response = client_for(cast.owner).post("/api/v1/orgs/acme/members", body, content_type=JSON)
    error = error_of(response, 400)
    assert error["code"] == "invalid"
    assert [f["field"] for f in error["fields"]] == [field]
    assert error["fields"][0]["message"] == error["message"]


def test_a_domain_error_from_the_audit_filter(cast: Any, client_for: Any) -> None:
    response = client_for(cast.auditor).get(
        "/api/v1/orgs/acme/audit?since=2026-05-01&until=2026-04-01"
    )
    assert [f["field"] for f in error_of(response, 400)["fields"]] == ["until"]


# --- pagination -----------------------------------------------------------------------------------


def test_pages_have_items_and_count(cast: Any, client_for: Any) -> None:
    client = client_for(cast.owner)
    first = client.get("/api/v1/orgs/acme/members?page=1&page_size=2").json()
    assert first["count"] == 5
    assert [m["email"] for m in first["items"]] == ["alice@acme.test", "bob@acme.test"]
    last = client.get("/api/v1/orgs/acme/members?page=3&page_size=2").json()
    assert [m["email"] for m in last["items"]] == ["erin@acme.test"]
    assert client.get("/api/v1/orgs/acme/members?page=9").json() == {"items": [], "count": 5}
    error = error_of(client.get("/api/v1/orgs/acme/members?page_size=0"), 422)
    assert [f["field"] for f in error["fields"]] == ["page_size"]


def test_page_size_is_capped(cast: Any, client_for: Any) -> None:
    record_many(
        PendingEntry(action=Action.SYSTEM, organization=cast.org, object_repr=str(i))
        for i in range(settings.API_PAGE_SIZE_MAX + 20)
    )
    client = client_for(cast.auditor)
    body = client.get(f"/api/v1/orgs/acme/audit?page_size={settings.API_PAGE_SIZE_MAX * 2}").json()
    assert body["count"] > settings.API_PAGE_SIZE_MAX
    assert len(body["items"]) == settings.API_PAGE_SIZE_MAX
    default = client.get("/api/v1/orgs/acme/audit").json()
    assert len(default["items"]) == settings.NINJA_PAGINATION_PER_PAGE


# --- personal tokens ------------------------------------------------------------------------------


def test_token_created_in_a_session_is_shown_once_and_stored_hashed(
    cast: Any, client_for: Any
) -> None:
    client = client_for(cast.contributor)
    response = client.post(
        "/api/v1/orgs/acme/tokens", {"name": "ci", "days": 30}, content_type=JSON
    )
    assert response.status_code == 201
    created = response.json()
    secret = created["token"]
    assert secret.startswith(f"hpo_{created['prefix']}_")

    listed = client.get("/api/v1/orgs/acme/tokens").json()["items"]
    assert [t["prefix"] for t in listed] == [created["prefix"]]
    assert "token" not in listed[0]
    assert secret not in client.get("/api/v1/orgs/acme/tokens").content.decode()

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_personalapitoken WHERE id = %s", [created["id"]])
        row = cursor.fetchone()
    assert row is not None
    assert not any(secret in str(value) for value in row)
    token = PersonalAPIToken.objects.get(pk=created["id"])
    assert len(token.token_hash) == 64
    assert secret.rsplit("_", 1)[-1] not in token.token_hash

    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    me = api.get("/api/v1/me").json()
    assert me["email"] == "carol@acme.test"
    assert [o["slug"] for o in me["organizations"]] == ["acme"]
    assert AuditEntry.objects.filter(action=Action.TOKEN, actor=cast.contributor).count() == 1


def test_a_token_cannot_create_tokens(cast: Any) -> None:
    issued = create_token(
        actor=cast.contributor, user=cast.contributor, organization=cast.org, name="ci"
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    response = api.post("/api/v1/orgs/acme/tokens", {"name": "child"}, content_type=JSON)
    assert error_of(response, 403)["code"] == "forbidden"
    assert PersonalAPIToken.objects.count() == 1


def test_token_lifetime_is_bounded(cast: Any, client_for: Any) -> None:
    response = client_for(cast.contributor).post(
        "/api/v1/orgs/acme/tokens",
        {"name": "forever", "days": settings.API_TOKEN_MAX_DAYS + 1},
        content_type=JSON,
    )
    assert [f["field"] for f in error_of(response, 400)["fields"]] == ["days"]


def test_tokens_page_shows_the_secret_once(cast: Any, client_for: Any) -> None:
    client = client_for(cast.contributor)
    response = client.post("/o/acme/tokens/", {"name": "backup script", "days": "30"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret and secret in response.content.decode()
    assert secret not in client.get("/o/acme/tokens/").content.decode()


def test_revoking_a_token_through_the_api(cast: Any) -> None:
    issued = create_token(
        actor=cast.contributor, user=cast.contributor, organization=cast.org, name="ci"
    )
    session = Client()
    session.force_login(cast.contributor)
    assert session.delete(f"/api/v1/orgs/acme/tokens/{issued.token.pk}").status_code == 204
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert error_of(api.get("/api/v1/me"), 401)["code"] == "unauthenticated"
    # Another member cannot revoke it: it is not found among their tokens.
    other = create_token(actor=cast.auditor, user=cast.auditor, organization=cast.org, name="x")
    assert session.delete(f"/api/v1/orgs/acme/tokens/{other.token.pk}").status_code == 404
    other.token.refresh_from_db()
    assert other.token.revoked_at is None


# --- the contract ---------------------------------------------------------------------------------


def test_committed_openapi_document_matches_the_code() -> None:
    committed = (REPO / "openapi.json").read_text(encoding="utf-8")
    assert openapi_text() == committed, (
        "The API changed: review the change, then run `make openapi` and commit openapi.json."
    )


def test_docs_page_loads_only_local_files(db: Any) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert sources, "the docs page should load its script and styles"
    assert all(not re.match(r"(?i)(https?:)?//", s) for s in sources), sources
    assert "script-src" in response["Content-Security-Policy"]


def test_version_needs_no_credentials(db: Any) -> None:
    from hipaaops import __version__

    assert Client().get("/api/v1/version").json() == {"version": __version__}


def test_schema_names_are_unique_across_modules() -> None:
    """The OpenAPI document names each schema by its class name: two modules with a ``ReviewIn``
    would share one component, and one endpoint would be documented (and walked) with the other's
    body."""
    import importlib
    import inspect
    from collections import defaultdict

    from ninja import Schema

    where: dict[str, set[str]] = defaultdict(set)
    for path in sorted((REPO / "src" / "hipaaops").glob("*/api.py")):
        module = importlib.import_module(f"hipaaops.{path.parent.name}.api")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                where[name].add(module.__name__)
    clashes = {name: sorted(mods) for name, mods in where.items() if len(mods) > 1}
    assert not clashes, f"schema names used by more than one module: {clashes}"
