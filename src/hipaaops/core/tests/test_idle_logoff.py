"""Automatic logoff after inactivity, decided by the server (45 CFR 164.312(a)(2)(iii))."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from hipaaops.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db

IDLE_CHECK = {"HTTP_X_HIPAAOPS_IDLE_CHECK": "1"}
TIMEOUT = timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES)
SECOND = timedelta(seconds=1)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def carol(cast: Any, client_for: Any, clock: Any) -> Client:
    client: Client = client_for(cast.contributor)
    assert client.get("/o/acme/").status_code == 200  # the first request starts the clock
    return client


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def timeouts(user: Any) -> int:
    return AuditEntry.objects.filter(action=Action.SESSION_TIMEOUT, actor=user).count()


def test_activity_within_the_timeout_keeps_the_session(carol: Client, clock: Any) -> None:
    for _ in range(3):
        clock.shift(TIMEOUT - SECOND)
        assert carol.get("/o/acme/").status_code == 200
    assert signed_in(carol)


def test_idle_session_is_logged_off_on_the_next_request(
    cast: Any, carol: Client, clock: Any
) -> None:
    clock.shift(TIMEOUT + SECOND)
    response = carol.get("/o/acme/members/?sort=role")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=" + quote(
        "/o/acme/members/?sort=role", safe=""
    )
    assert not signed_in(carol)
    assert timeouts(cast.contributor) == 1
    assert not AuditEntry.objects.filter(action=Action.LOGOUT, actor=cast.contributor).exists()
    # The page the user comes back to says why.
    page = carol.get(response["Location"])
    assert "without activity" in page.content.decode()


def test_htmx_request_gets_a_client_side_redirect(cast: Any, carol: Client, clock: Any) -> None:
    clock.shift(TIMEOUT + SECOND)
    response = carol.get("/o/acme/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")


def test_api_request_of_an_idle_session_gets_401_json(cast: Any, carol: Client, clock: Any) -> None:
    clock.shift(TIMEOUT + SECOND)
    response = carol.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"
    assert timeouts(cast.contributor) == 1


def test_status_check_does_not_count_as_activity(cast: Any, carol: Client, clock: Any) -> None:
    clock.shift(timedelta(minutes=5))
    status = carol.get("/session/status", **IDLE_CHECK)
    assert status.status_code == 200
    assert status.json() == {
        "authenticated": True,
        "seconds_left": int((TIMEOUT - timedelta(minutes=5)).total_seconds()),
    }
    clock.shift(TIMEOUT - timedelta(minutes=5) + SECOND)
    # Asking how long is left did not push the deadline: the session is over.
    response = carol.get("/session/status", **IDLE_CHECK)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"
    assert not signed_in(carol)
    assert timeouts(cast.contributor) == 1


def test_keepalive_counts_as_activity(cast: Any, carol: Client, clock: Any) -> None:
    clock.shift(TIMEOUT - SECOND)
    response = carol.post("/session/keepalive")
    assert response.status_code == 200
    assert response.json()["seconds_left"] == TIMEOUT.total_seconds()
    clock.shift(TIMEOUT - SECOND)
    assert carol.get("/o/acme/").status_code == 200
    assert timeouts(cast.contributor) == 0


def test_keepalive_is_post_only(carol: Client) -> None:
    assert carol.get("/session/keepalive").status_code == 405


def test_countdown_end_logs_off_as_automatic_logoff(cast: Any, carol: Client) -> None:
    response = carol.post("/session/expire")
    assert response.json() == {"authenticated": False}
    assert not signed_in(carol)
    assert timeouts(cast.contributor) == 1


def test_organization_timeout_applies_after_visiting_its_pages(
    cast: Any, client_for: Any, clock: Any
) -> None:
    cast.org.idle_timeout_minutes = 5
    cast.org.save()
    client = client_for(cast.contributor)
    # Outside the organization's pages, the installation's timeout holds.
    assert client.get("/session/status", **IDLE_CHECK).json()["seconds_left"] == (
        TIMEOUT.total_seconds()
    )
    assert client.get("/o/acme/").status_code == 200
    assert client.get("/session/status", **IDLE_CHECK).json()["seconds_left"] == 300
    clock.shift(timedelta(minutes=5, seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not signed_in(client)
    assert timeouts(cast.contributor) == 1


def test_organization_cannot_loosen_the_installation_timeout(
    cast: Any, client_for: Any, clock: Any
) -> None:
    cast.org.idle_timeout_minutes = settings.IDLE_TIMEOUT_MINUTES * 4
    cast.org.save()
    client = client_for(cast.contributor)
    assert client.get("/o/acme/").status_code == 200
    clock.shift(TIMEOUT + SECOND)
    assert client.get("/o/acme/").status_code == 302
