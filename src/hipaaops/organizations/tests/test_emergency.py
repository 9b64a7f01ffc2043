"""The emergency access procedure (45 CFR 164.312(a)(2)(ii)): a written reason, a time box, the
compliance officer's role lent, the owners told, every step audited, and an end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from hipaaops.audit.models import Action, AuditEntry
from hipaaops.core import tasks
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.organizations.access import access_organization
from hipaaops.organizations.models import EmergencyAccessGrant
from hipaaops.organizations.services import (
    end_emergency_access,
    expire_emergency_access,
    start_emergency_access,
)

pytestmark = pytest.mark.django_db

REASON = "EHR down at the front desk; need the on-call roster and downtime forms"
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def emergency_url() -> str:
    return reverse("organizations:emergency", args=["acme"])


def events() -> list[str]:
    return [
        json.loads(c)["event"]
        for c in AuditEntry.objects.filter(action=Action.EMERGENCY_ACCESS)
        .order_by("seq")
        .values_list("changes", flat=True)
    ]


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def erin(cast: Any, client_for: Any) -> Any:
    return client_for(cast.workforce)


def request_access(client: Any, reason: str = REASON, hours: int = 2) -> Any:
    return client.post(emergency_url(), {"reason": reason, "hours": str(hours)})


# --- asking for it -------------------------------------------------------------------------------


def test_a_short_reason_is_refused_and_nothing_is_saved(cast: Any, erin: Any) -> None:
    before = AuditEntry.objects.count()
    response = request_access(erin, reason="need access now")
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert not EmergencyAccessGrant.objects.exists()
    assert AuditEntry.objects.count() == before
    assert mail.outbox == []
    # The service refuses it too, for callers other than the page (19 characters after strip).
    with pytest.raises(DomainError) as exc:
        start_emergency_access(access_organization(cast.workforce, "acme"), reason=" x" * 10)
    assert exc.value.field == "reason"


def test_hours_are_capped(cast: Any, erin: Any) -> None:
    response = request_access(erin, hours=settings.EMERGENCY_ACCESS_MAX_HOURS + 1)
    assert response.status_code == 400
    assert "hours" in response.context["form"].errors
    assert not EmergencyAccessGrant.objects.exists()
    access = access_organization(cast.workforce, "acme")
    for hours in (0, settings.EMERGENCY_ACCESS_MAX_HOURS + 1):
        with pytest.raises(DomainError) as exc:
            start_emergency_access(access, reason=REASON, hours=hours)
        assert exc.value.field == "hours"
    assert not EmergencyAccessGrant.objects.exists()


def test_emergency_access_lends_the_officer_role_tells_the_owners_and_is_audited(
    cast: Any, erin: Any, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert erin.get(reverse("organizations:members", args=["acme"])).status_code == 403
    assert erin.get(reverse("audit:trail", args=["acme"])).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = request_access(erin, hours=settings.EMERGENCY_ACCESS_MAX_HOURS)
    assert response.status_code == 302

    grant = EmergencyAccessGrant.objects.get()
    assert (grant.user, grant.granted_role) == (cast.workforce, "compliance_officer")
    assert grant.expires_at == START + timedelta(hours=settings.EMERGENCY_ACCESS_MAX_HOURS)
    assert grant.reason == REASON
    assert access_organization(cast.workforce, "acme").role == "compliance_officer"
    assert erin.get(reverse("organizations:members", args=["acme"])).status_code == 200
    assert erin.get(reverse("audit:trail", args=["acme"])).status_code == 200
    # Never more than the lent role: the organization's settings stay the owner's.
    assert erin.get(reverse("organizations:settings", args=["acme"])).status_code == 403

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@acme.test"]
    assert "Emergency access started in Acme Clinic" in mail.outbox[0].subject
    assert "erin@acme.test" in mail.outbox[0].body or "Erin" in mail.outbox[0].body
    # The reason may name patients: e-mail is no place for it.
    assert REASON not in mail.outbox[0].body

    entry = AuditEntry.objects.get(action=Action.EMERGENCY_ACCESS)
    assert entry.actor == cast.workforce
    assert entry.organization == cast.org
    assert json.loads(entry.changes)["hours"] == settings.EMERGENCY_ACCESS_MAX_HOURS


def test_one_grant_at_a_time_and_not_for_roles_that_have_the_access(cast: Any) -> None:
    access = access_organization(cast.workforce, "acme")
    start_emergency_access(access, reason=REASON)
    with pytest.raises(ConflictError):
        start_emergency_access(access_organization(cast.workforce, "acme"), reason=REASON)
    with pytest.raises(ConflictError):
        start_emergency_access(access_organization(cast.officer, "acme"), reason=REASON)
    with pytest.raises(PermissionDenied):  # owners have no use for break-glass
        start_emergency_access(access_organization(cast.owner, "acme"), reason=REASON)
    assert EmergencyAccessGrant.objects.count() == 1


def test_an_organization_can_turn_the_procedure_off(cast: Any, erin: Any) -> None:
    cast.org.emergency_access_enabled = False
    cast.org.save()
    response = request_access(erin)
    assert response.status_code == 400
    assert not EmergencyAccessGrant.objects.exists()


# --- the end ----------------------------------------------------------------------------------------


def test_access_expires_on_time_and_the_periodic_job_closes_it(
    cast: Any, erin: Any, client_for: Any, clock: Any
) -> None:
    request_access(erin, hours=2)
    grant = EmergencyAccessGrant.objects.get()
    members = reverse("organizations:members", args=["acme"])

    clock.shift(timedelta(hours=1, minutes=59))
    # A fresh sign-in each time: the idle logoff would end a session left this long.
    assert client_for(cast.workforce).get(members).status_code == 200
    assert expire_emergency_access() == 0

    clock.shift(timedelta(minutes=1))
    # The role lapses at the deadline, before any job has run.
    assert access_organization(cast.workforce, "acme").role == "workforce"
    assert client_for(cast.workforce).get(members).status_code == 403
    # The periodic job, run through Huey (immediate in tests), closes the grant. Huey keeps
    # no results of periodic jobs, so the grant and the trail tell.
    tasks.expire_emergency_access()
    grant.refresh_from_db()
    assert grant.ended_at == grant.expires_at
    assert grant.end_reason == "expired"
    assert grant.ended_by is None
    ended = AuditEntry.objects.filter(action=Action.EMERGENCY_ACCESS).latest("seq")
    assert ended.via == "task"
    assert events() == ["started", "ended"]
    assert expire_emergency_access() == 0  # once only


@pytest.mark.parametrize(
    ("who", "reason"), [("workforce", "ended_by_holder"), ("owner", "revoked")]
)
def test_the_holder_or_an_official_ends_it_early(
    cast: Any, client_for: Any, who: str, reason: str
) -> None:
    grant = start_emergency_access(access_organization(cast.workforce, "acme"), reason=REASON)
    client = client_for(getattr(cast, who))
    response = client.post(reverse("organizations:emergency_end", args=["acme", grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.end_reason == reason
    assert grant.ended_by == getattr(cast, who)
    assert not grant.is_active()
    assert access_organization(cast.workforce, "acme").role == "workforce"
    assert events() == ["started", "ended"]


def test_other_members_cannot_end_someone_elses_access(cast: Any, client_for: Any) -> None:
    grant = start_emergency_access(access_organization(cast.workforce, "acme"), reason=REASON)
    response = client_for(cast.contributor).post(
        reverse("organizations:emergency_end", args=["acme", grant.pk]), follow=True
    )
    assert "Only the holder or an official" in " ".join(
        str(m) for m in response.context["messages"]
    )
    grant.refresh_from_db()
    assert grant.is_active()
    end_emergency_access(access_organization(cast.workforce, "acme"), grant)
    with pytest.raises(ConflictError):
        end_emergency_access(access_organization(cast.workforce, "acme"), grant)


# --- reading the reason ---------------------------------------------------------------------------


def test_the_reason_is_shown_to_the_holder_and_officials_and_each_read_is_audited(
    cast: Any, client_for: Any
) -> None:
    grant = start_emergency_access(access_organization(cast.workforce, "acme"), reason=REASON)
    url = reverse("organizations:emergency_detail", args=["acme", grant.pk])
    for person in (cast.workforce, cast.officer):
        response = client_for(person).get(url)
        assert response.status_code == 200
        assert REASON in response.content.decode()
    for person in (cast.contributor, cast.auditor):
        assert client_for(person).get(url).status_code == 403
    reads = AuditEntry.objects.filter(action=Action.READ_SENSITIVE, object_id=str(grant.pk))
    assert sorted(reads.values_list("actor_label", flat=True)) == [
        "bob@acme.test",
        "erin@acme.test",
    ]
