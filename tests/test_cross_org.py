"""The cross-organization walker: every page and every API route that names an organization,
tried by a user of another organization, must answer 403 or 404 and change nothing.

Routes are discovered, not listed: the URL resolver for pages and the OpenAPI document for the
API. A module added later is walked without touching this file. Its ids are taken from objects
the demo (which every module extends) creates in the victim organization; a route whose id the
walker cannot fill fails with a message that says what to teach it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.test.client import encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from hipaaops.api.api import api
from hipaaops.api.services import create_token, revoke_token
from hipaaops.audit.models import AuditEntry
from hipaaops.core import demo
from hipaaops.organizations.models import Membership, Organization

pytestmark = pytest.mark.django_db

ALLOWED = {403, 404}
API_PREFIX = "/api/v1"


# --- discovery ----------------------------------------------------------------------------------


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every URL pattern of the project as (route template, pattern), through every include."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + route_text(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + route_text(pattern.pattern), pattern


def route_text(pattern: Any) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    if isinstance(pattern, RegexPattern):
        text = str(pattern)
        # A regex under an organization cannot be filled in generically: make it a path().
        assert "org_slug" not in text, f"use path(), not re_path(), for {text!r}"
        return text
    raise AssertionError(f"unknown URL pattern type {type(pattern).__name__}")


def organization_routes() -> list[str]:
    routes = {route for route, _ in walk(get_resolver().url_patterns)}
    return sorted(r for r in routes if "<slug:org_slug>" in r or "<org_slug>" in r)


@functools.cache
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


def api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, operation) of every API route that names an organization."""
    schema = openapi()
    found = []
    for template, operations in schema["paths"].items():
        if "{org}" not in template:
            continue
        for method, operation in operations.items():
            found.append((method.upper(), template, operation))
    return found


# --- filling in ids -----------------------------------------------------------------------------


def tenant_path(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to its organization: direct, or through one foreign key."""
    fields = {f.name: f for f in model._meta.get_fields()}
    field = fields.get("organization")
    if field is not None and getattr(field, "related_model", None) is Organization:
        return "organization"
    for f in model._meta.concrete_fields:
        if f.is_relation and f.related_model is not None and f.many_to_one:
            related = {g.name: g for g in f.related_model._meta.get_fields()}
            if getattr(related.get("organization"), "related_model", None) is Organization:
                return f"{f.name}__organization"
    return None


def model_for(name: str, route: str = "") -> tuple[type[models.Model], str]:
    """The tenant model an id parameter names: ``membership_id``, ``member_id``, ``grant_id``.
    Where two apps have a matching model, the one whose app the route is under wins
    (``safeguards/.../<int:item_id>`` is a safeguard item)."""
    base = name.removesuffix("_id").replace("_", "")
    tenant = [(m, tenant_path(m)) for m in apps.get_models()]
    tenant = [(m, p) for m, p in tenant if p is not None]
    for test in (
        lambda n: n == base,
        lambda n: n.endswith(base),
        lambda n: n.startswith(base),
    ):
        matches = [(m, p) for m, p in tenant if test(m._meta.model_name)]
        if len(matches) > 1:
            segments = set(re.split(r"[/{}<>]", route))
            matches = [(m, p) for m, p in matches if m._meta.app_label in segments] or matches
        if len(matches) == 1:
            return matches[0]
        assert len(matches) < 2, (
            f"the walker cannot tell which model {name!r} names: "
            f"{[m._meta.label for m, _ in matches]}; rename the parameter"
        )
    raise AssertionError(f"the walker knows no organization-owned model for {name!r}")


def victim_id(name: str, victim: Organization, route: str = "") -> int:
    model, path = model_for(name, route)
    pk = (
        model._default_manager.filter(**{path: victim})
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    assert pk is not None, (
        f"the demo has no {model._meta.label} in {victim.slug}; add one to the module's demo "
        f"loader so the walker can try {name!r}"
    )
    return int(pk)


# Text parameters that are not ids of tenant objects: a value that exists in every organization
# (the audit protocol's inquiry ids are the same everywhere), so only the organization can refuse.
TEXT_PARAMETERS = {"inquiry_id": "S004", "fmt": "json", "what": "requests", "section": "basics"}


def fill_route(route: str, victim: Organization) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if name == "org_slug":
            return victim.slug
        if name in TEXT_PARAMETERS:
            return TEXT_PARAMETERS[name]
        assert converter == "int", f"the walker cannot fill <{converter}:{name}> in {route!r}"
        return str(victim_id(name, victim, route))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def fill_api_path(template: str, operation: dict[str, Any], victim: Organization) -> str:
    types = {
        p["name"]: p.get("schema", {}).get("type")
        for p in operation.get("parameters", [])
        if p.get("in") == "path"
    }

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "org":
            return victim.slug
        if name in TEXT_PARAMETERS:
            return TEXT_PARAMETERS[name]
        assert types.get(name) == "integer", f"the walker cannot fill {{{name}}} in {template}"
        return str(victim_id(name, victim, template))

    return re.sub(r"\{(\w+)\}", value, template)


# --- request bodies that pass validation --------------------------------------------------------


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A small value that satisfies the schema, so validation cannot answer before access does."""
    schema = resolve(schema, components)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if resolve(o, components).get("type") != "null"]
            return example(options[0], components)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example(part, components)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example(props[name], components) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {}), components)] * schema.get("minItems", 0)
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return max(1.0, float(schema.get("minimum", 1)))
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "binary":
        return SimpleUploadedFile("evidence.txt", b"walker", content_type="text/plain")
    if fmt == "date":
        return "2026-01-15"
    if fmt == "date-time":
        return "2026-01-15T10:00:00Z"
    if fmt == "email":
        return "walker@example.test"
    return "x" * max(1, int(schema.get("minLength", 1)))


def api_request(client: Client, method: str, path: str, operation: dict[str, Any]) -> Any:
    components = openapi().get("components", {}).get("schemas", {})
    query = {
        p["name"]: example(p.get("schema", {}), components)
        for p in operation.get("parameters", [])
        if p.get("in") == "query" and p.get("required")
    }
    call = getattr(client, method.lower())
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = example(content["application/json"]["schema"], components)
        return call(path, body, content_type="application/json", QUERY_STRING=_qs(query))
    if "multipart/form-data" in content:
        body = example(content["multipart/form-data"]["schema"], components)
        return call(
            path,
            encode_multipart("BoUnDaRy", body),
            content_type="multipart/form-data; boundary=BoUnDaRy",
            QUERY_STRING=_qs(query),
        )
    return call(path, query) if method == "GET" else call(path, QUERY_STRING=_qs(query))


def _qs(query: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


# --- the cast -------------------------------------------------------------------------------------


@pytest.fixture
def victim(cast: Any) -> Organization:
    """The demo practice: every module's demo loader puts its records there."""
    demo.load()
    return Organization.objects.get(slug=demo.DEMO_SLUG)


@pytest.fixture
def outsider_token(cast: Any) -> str:
    issued = create_token(
        actor=cast.outsider, user=cast.outsider, organization=cast.other_org, name="walker"
    )
    return issued.secret


def leaks(response: Any, victim: Organization) -> bool:
    if getattr(response, "streaming", False):
        return True  # a file handed to an outsider
    return victim.name.encode() in response.content


def check(failures: list[str], label: str, response: Any, victim: Organization) -> None:
    if response.status_code not in ALLOWED or leaks(response, victim):
        failures.append(f"{label} -> {response.status_code}")


# --- the walks ------------------------------------------------------------------------------------


def test_walker_finds_the_known_routes() -> None:
    """A guard on the walker itself: it must see at least what the foundation has."""
    routes = organization_routes()
    for known in (
        "o/<slug:org_slug>/",
        "o/<slug:org_slug>/members/<int:membership_id>/remove/",
        "o/<slug:org_slug>/emergency-access/<int:grant_id>/",
        "o/<slug:org_slug>/audit/export.csv",
        "o/<slug:org_slug>/tokens/<int:token_id>/revoke/",
        "o/<slug:org_slug>/settings/",
    ):
        assert known in routes
    operations = {(m, t) for m, t, _ in api_operations()}
    for known in (
        ("GET", "/api/v1/orgs/{org}"),
        ("PATCH", "/api/v1/orgs/{org}"),
        ("DELETE", "/api/v1/orgs/{org}/members/{member_id}"),
        ("POST", "/api/v1/orgs/{org}/emergency-access/{grant_id}/end"),
        ("DELETE", "/api/v1/orgs/{org}/tokens/{token_id}"),
        ("GET", "/api/v1/orgs/{org}/audit"),
    ):
        assert known in operations


def test_every_api_route_in_the_resolver_is_in_the_openapi_document() -> None:
    """The API walk reads the OpenAPI document; a route hidden from it would escape."""
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", t) for _m, t, _o in api_operations()}
    served = {
        "/" + route
        for route, _ in walk(get_resolver().url_patterns)
        if route.startswith(API_PREFIX.lstrip("/")) and "<org>" in route
    }
    assert served
    assert served <= documented, served - documented


def test_outsider_gets_403_or_404_on_every_organization_page(
    cast: Any, victim: Organization, client_for: Any
) -> None:
    client = client_for(cast.outsider)
    before = AuditEntry.objects.count()
    failures: list[str] = []
    routes = organization_routes()
    for route in routes:
        url = fill_route(route, victim)
        check(failures, f"GET {url}", client.get(url), victim)
        check(
            failures, f"POST {url}", client.post(url, {"role": "owner", "reason": "x" * 30}), victim
        )
    assert not failures, "an outsider reached another organization:\n" + "\n".join(failures)
    assert AuditEntry.objects.count() == before
    assert Membership.objects.filter(user=cast.outsider, organization=victim).count() == 0
    assert len(routes) >= 12


@pytest.mark.parametrize("credential", ["session", "token"])
def test_outsider_gets_403_or_404_on_every_api_route(
    cast: Any, victim: Organization, client_for: Any, outsider_token: str, credential: str
) -> None:
    if credential == "session":
        client = client_for(cast.outsider)
    else:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {outsider_token}")
        # The token works on its own organization, so a 404 below is not a broken token.
        assert client.get(f"{API_PREFIX}/orgs/{cast.other_org.slug}").status_code == 200
    before = AuditEntry.objects.count()
    failures: list[str] = []
    operations = api_operations()
    for method, template, operation in operations:
        path = fill_api_path(template, operation, victim)
        response = api_request(client, method, path, operation)
        check(failures, f"{method} {path}", response, victim)
        if response.status_code in ALLOWED:
            assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not failures, "an outsider reached another organization:\n" + "\n".join(failures)
    assert AuditEntry.objects.count() == before
    assert len(operations) >= 14


# --- tokens ---------------------------------------------------------------------------------------


def test_a_token_reaches_only_its_own_organization(cast: Any) -> None:
    """Bob belongs to both organizations; his acme token must not open globex."""
    Membership.objects.create(user=cast.officer, organization=cast.other_org, role="auditor")
    issued = create_token(actor=cast.officer, user=cast.officer, organization=cast.org, name="ci")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert client.get("/api/v1/orgs/acme").status_code == 200
    for path in ("/api/v1/orgs/globex", "/api/v1/orgs/globex/members", "/api/v1/orgs/globex/audit"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    assert [o["slug"] for o in client.get("/api/v1/orgs").json()["items"]] == ["acme"]
    # The same person's session sees both.
    session = Client()
    session.force_login(cast.officer)
    assert session.get("/api/v1/orgs/globex").status_code == 200


def test_expired_and_revoked_tokens_get_401(cast: Any) -> None:
    issued = create_token(
        actor=cast.contributor, user=cast.contributor, organization=cast.org, name="ci", days=1
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert client.get("/api/v1/orgs/acme").status_code == 200
    with time_machine.travel(issued.token.expires_at + timedelta(seconds=1)):
        response = client.get("/api/v1/orgs/acme")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    assert client.get("/api/v1/orgs/acme").status_code == 200
    revoke_token(actor=cast.contributor, token=issued.token)
    assert client.get("/api/v1/orgs/acme").status_code == 401
    # A made-up or mangled token is no better.
    for secret in ("hpo_deadbeef_nothing", issued.secret[:-2], "Basic abc"):
        bad = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert bad.get("/api/v1/orgs/acme").status_code == 401


def test_unknown_routes_are_404(cast: Any, client_for: Any) -> None:
    """The organization slug is checked before anything else, so guesses learn nothing."""
    client = client_for(cast.outsider)
    for slug in ("acme", "no-such-org"):
        assert client.get(f"/o/{slug}/members/").status_code == 404
        assert client.get(f"/api/v1/orgs/{slug}").status_code == 404
