"""The audit trail page and its CSV export: who may read it, how it is searched, and that the
export is itself audited (45 CFR 164.312(b), 164.308(a)(1)(ii)(D))."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from hipaaops.audit.models import Action, AuditEntry
from hipaaops.audit.services import record

pytestmark = pytest.mark.django_db


def at(moment: str) -> Any:
    return time_machine.travel(datetime.fromisoformat(moment).replace(tzinfo=UTC), tick=False)


@pytest.fixture
def trail(cast: Any) -> Any:
    """Entries on known days, by known people, plus events that acme must never see."""
    with at("2026-03-10T09:00:00"):
        record(
            Action.UPDATE,
            actor=cast.owner,
            organization=cast.org,
            target=cast.org,
            changes={"description": ["", "Two offices"]},
        )
    with at("2026-03-20T12:00:00"):
        record(
            Action.EXPORT,
            actor=cast.officer,
            organization=cast.org,
            object_type="audit.auditentry",
            object_repr="Audit trail CSV",
        )
    with at("2026-04-05T23:30:00"):
        record(
            Action.TOKEN,
            actor=cast.contributor,
            organization=cast.org,
            object_type="api.personalapitoken",
            object_id="77",
            object_repr="Backup script",
        )
        # Sign-ins belong to no organization: acme sees its members', not mallory's.
        record(Action.LOGIN, actor=cast.owner, target=cast.owner)
        record(Action.LOGIN, actor=cast.outsider, target=cast.outsider)
        record(
            Action.UPDATE,
            actor=cast.outsider,
            organization=cast.other_org,
            target=cast.other_org,
            object_repr="globex secret change",
        )
    return cast


def url(name: str = "audit:trail") -> str:
    return reverse(name, args=["acme"])


def listed(client: Any, **params: str) -> list[tuple[str, str]]:
    response = client.get(url(), params)
    assert response.status_code == 200, response.content[:500]
    return [(e.action, e.actor_label) for e in response.context["page"].object_list]


# --- who may read it -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("officer", 200), ("auditor", 200), ("contributor", 403), ("workforce", 403)],
)
def test_trail_is_for_officials_and_auditors(
    trail: Any, client_for: Any, who: str, status: int
) -> None:
    assert client_for(getattr(trail, who)).get(url()).status_code == status


def test_outsider_gets_404_not_403(trail: Any, client_for: Any) -> None:
    client = client_for(trail.outsider)
    assert client.get(url()).status_code == 404
    assert client.get(url("audit:export")).status_code == 404


def test_anonymous_is_sent_to_sign_in(trail: Any, client: Any) -> None:
    response = client.get(url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_auditor_reads_the_trail_without_any_form_that_writes(trail: Any, client_for: Any) -> None:
    response = client_for(trail.auditor).get(url())
    html = response.content.decode()
    assert 'method="post"' not in html.split("<main", 1)[-1].split("</main>")[0]
    assert "Export CSV" in html
    actions = {e.action for e in response.context["page"].object_list}
    assert {Action.UPDATE, Action.EXPORT, Action.TOKEN, Action.LOGIN} <= actions


def test_trail_shows_only_the_organizations_entries_and_its_members_sign_ins(
    trail: Any, client_for: Any
) -> None:
    rows = listed(client_for(trail.auditor))
    assert ("login", "alice@acme.test") in rows
    assert all(actor != "mallory@globex.test" for _action, actor in rows)
    html = client_for(trail.auditor).get(url()).content.decode()
    assert "globex secret change" not in html


# --- search ------------------------------------------------------------------------------------


def test_search_by_user(trail: Any, client_for: Any) -> None:
    rows = listed(client_for(trail.auditor), user="bob@")
    assert rows == [("export", "bob@acme.test")]


def test_search_by_action(trail: Any, client_for: Any) -> None:
    rows = listed(client_for(trail.auditor), action="token")
    assert rows == [("token", "carol@acme.test")]


def test_search_by_object(trail: Any, client_for: Any) -> None:
    client = client_for(trail.auditor)
    assert listed(client, object_type="personalapitoken", object_id="77") == [
        ("token", "carol@acme.test")
    ]
    assert listed(client, object_type="personalapitoken", object_id="78") == []
    orgs = listed(client, object_type="organizations.organization")
    assert ("update", "alice@acme.test") in orgs
    assert all(action in {"create", "update"} for action, _ in orgs)


def test_search_by_date_range(trail: Any, client_for: Any) -> None:
    client = client_for(trail.auditor)
    assert listed(client, since="2026-03-15", until="2026-03-31") == [("export", "bob@acme.test")]
    # The end date is inclusive: 23:30 on the 5th is in a range that ends on the 5th.
    assert ("token", "carol@acme.test") in listed(client, since="2026-04-05", until="2026-04-05")
    assert listed(client, until="2026-03-10") == [("update", "alice@acme.test")]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "not-a-date"},
        {"until": "2026-13-45"},
        {"since": "2026-04-01", "until": "2026-03-01"},
        {"action": "teleport"},
    ],
)
def test_bad_search_input_is_400_not_500(
    trail: Any, client_for: Any, params: dict[str, str]
) -> None:
    client = client_for(trail.auditor)
    response = client.get(url(), params)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert client.get(url("audit:export"), params).status_code == 400


def test_trail_pages_by_fifty(trail: Any, client_for: Any) -> None:
    for i in range(60):
        record(Action.SYSTEM, actor=None, organization=trail.org, object_repr=f"n{i}")
    client = client_for(trail.auditor)
    first = client.get(url())
    assert len(first.context["page"].object_list) == 50
    second = client.get(url(), {"page": "2"})
    assert second.status_code == 200
    assert second.context["page"].number == 2
    seqs_first = {e.seq for e in first.context["page"].object_list}
    assert not seqs_first & {e.seq for e in second.context["page"].object_list}


# --- export -----------------------------------------------------------------------------------


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def test_export_streams_the_trail_and_records_itself(trail: Any, client_for: Any) -> None:
    client = client_for(trail.auditor)  # signing in writes its own entry
    before = AuditEntry.objects.count()
    response = client.get(url("audit:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="audit-acme-' in response["Content-Disposition"]
    rows = read_csv(response)
    exports = AuditEntry.objects.filter(action=Action.EXPORT, actor=trail.auditor)
    assert exports.count() == 1
    assert AuditEntry.objects.count() == before + 1
    export = exports.get()
    assert export.organization_id == trail.org.pk
    # The export includes its own entry, newest first, and only acme's rows.
    assert rows[0]["seq"] == str(export.seq)
    assert rows[0]["action"] == "export"
    assert {"seq", "created_at", "actor_label", "action", "entry_hash"} <= set(rows[0])
    assert all(r["actor_label"] != "mallory@globex.test" for r in rows)
    member_sign_ins = AuditEntry.objects.filter(
        organization__isnull=True,
        action=Action.LOGIN,
        actor__in=[trail.owner, trail.auditor],
    )
    assert len(rows) == AuditEntry.objects.filter(organization=trail.org).count() + len(
        member_sign_ins
    )


def test_filtered_export_has_only_matching_rows_and_records_the_filter(
    trail: Any, client_for: Any
) -> None:
    response = client_for(trail.officer).get(url("audit:export"), {"action": "token"})
    rows = read_csv(response)
    assert [(r["action"], r["actor_label"]) for r in rows] == [("token", "carol@acme.test")]
    entry = AuditEntry.objects.filter(action=Action.EXPORT).order_by("-seq").first()
    assert entry is not None
    assert '"action":"token"' in entry.changes


@pytest.mark.parametrize("who", ["contributor", "workforce"])
def test_export_is_refused_without_the_export_capability(
    trail: Any, client_for: Any, who: str
) -> None:
    client = client_for(getattr(trail, who))
    before = AuditEntry.objects.count()
    assert client.get(url("audit:export")).status_code == 403
    assert AuditEntry.objects.count() == before
