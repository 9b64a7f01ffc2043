"""Members, roles and organization settings through the real pages and the API: who may do what,
the owner rules, and what removal takes away (45 CFR 164.308(a)(3)(ii)(C), 164.308(a)(4))."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from hipaaops.api.models import PersonalAPIToken
from hipaaops.api.services import create_token
from hipaaops.audit.models import Action, AuditEntry
from hipaaops.organizations.access import access_organization
from hipaaops.organizations.models import EmergencyAccessGrant, Membership
from hipaaops.organizations.services import start_emergency_access

pytestmark = pytest.mark.django_db

PEOPLE = ["owner", "officer", "contributor", "auditor", "workforce"]


def members_url() -> str:
    return reverse("organizations:members", args=["acme"])


def membership(user: Any) -> Membership:
    return Membership.objects.get(user=user, organization__slug="acme")


def role_url(m: Membership) -> str:
    return reverse("organizations:member_role", args=["acme", m.pk])


def remove_url(m: Membership) -> str:
    return reverse("organizations:member_remove", args=["acme", m.pk])


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def change_role(client: Client, m: Membership, role: str) -> Any:
    return client.post(role_url(m), {f"m{m.pk}-role": role}, follow=True)


NEW_MEMBER = {"email": "frank@acme.test", "role": "contributor", "full_name": "Frank New"}


# --- the members page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "manages"),
    [
        ("owner", 200, True),
        ("officer", 200, True),
        ("contributor", 200, False),
        ("auditor", 200, False),
        ("workforce", 403, False),
    ],
)
def test_members_page_by_role(
    cast: Any, client_for: Any, who: str, status: int, manages: bool
) -> None:
    response = client_for(getattr(cast, who)).get(members_url())
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert response.context["can_manage"] is manages
        assert ("Add a member" in html) is manages
        assert ("/remove/" in html) is manages
        for person in cast.members().values():
            assert person.email in html
        assert "mallory@globex.test" not in html


@pytest.mark.parametrize("who", ["contributor", "auditor", "workforce"])
def test_add_member_is_refused_without_manage_members(cast: Any, client_for: Any, who: str) -> None:
    client = client_for(getattr(cast, who))
    before = AuditEntry.objects.count()
    assert client.post(members_url(), NEW_MEMBER).status_code == 403
    assert not Membership.objects.filter(user__email="frank@acme.test").exists()
    assert AuditEntry.objects.count() == before
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["owner", "officer"])
def test_officials_add_a_member_who_is_invited(
    cast: Any, client_for: Any, who: str, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(getattr(cast, who))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(members_url(), NEW_MEMBER)
    assert response.status_code == 302
    new = Membership.objects.get(user__email="frank@acme.test", organization=cast.org)
    assert new.role == "contributor"
    assert not new.user.has_usable_password()
    assert [m.to for m in mail.outbox] == [["frank@acme.test"]]
    assert "Acme Clinic" in mail.outbox[0].subject
    created = AuditEntry.objects.filter(action=Action.CREATE, organization=cast.org).values_list(
        "object_type", flat=True
    )
    assert {"accounts.user", "organizations.membership"} <= set(created)


def test_add_member_shows_field_errors(cast: Any, client_for: Any) -> None:
    client = client_for(cast.owner)
    response = client.post(members_url(), {**NEW_MEMBER, "email": "not-an-address"})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    response = client.post(members_url(), {**NEW_MEMBER, "email": "carol@acme.test"})
    assert response.status_code == 400
    assert "already a member" in str(response.context["form"].errors["email"])


# --- organization settings ------------------------------------------------------------------------


SETTINGS = {
    "name": "Acme Clinic and Labs",
    "entity_type": "provider",
    "description": "",
    "idle_timeout_minutes": "10",
    "emergency_access_enabled": "on",
    "has_business_associates": "on",
}


@pytest.mark.parametrize("who", ["officer", "contributor", "auditor", "workforce"])
def test_settings_are_for_the_owner_only(cast: Any, client_for: Any, who: str) -> None:
    client = client_for(getattr(cast, who))
    assert client.get(reverse("organizations:settings", args=["acme"])).status_code == 403
    response = client.post(reverse("organizations:settings", args=["acme"]), SETTINGS)
    assert response.status_code == 403
    cast.org.refresh_from_db()
    assert cast.org.name == "Acme Clinic"


def test_owner_changes_settings_and_the_change_is_audited(cast: Any, client_for: Any) -> None:
    client = client_for(cast.owner)
    assert client.get(reverse("organizations:settings", args=["acme"])).status_code == 200
    response = client.post(reverse("organizations:settings", args=["acme"]), SETTINGS)
    assert response.status_code == 302
    cast.org.refresh_from_db()
    assert (cast.org.name, cast.org.idle_timeout_minutes) == ("Acme Clinic and Labs", 10)
    entry = AuditEntry.objects.filter(action=Action.UPDATE, organization=cast.org).latest("seq")
    assert '"name":["Acme Clinic","Acme Clinic and Labs"]' in entry.changes


# --- the owner role ------------------------------------------------------------------------------


def test_only_owners_grant_the_owner_role(cast: Any, client_for: Any) -> None:
    carol = membership(cast.contributor)
    response = change_role(client_for(cast.officer), carol, "owner")
    assert "Only an owner can grant or remove the owner role." in messages_of(response)
    assert membership(cast.contributor).role == "contributor"

    response = change_role(client_for(cast.owner), carol, "owner")
    assert membership(cast.contributor).role == "owner"
    entry = AuditEntry.objects.filter(action=Action.UPDATE, object_id=str(carol.pk)).get()
    assert '"role":["contributor","owner"]' in entry.changes


def test_only_owners_remove_the_owner_role(cast: Any, client_for: Any) -> None:
    Membership.objects.filter(pk=membership(cast.contributor).pk).update(role="owner")
    carol = membership(cast.contributor)
    officer = client_for(cast.officer)
    response = change_role(officer, carol, "workforce")
    assert "Only an owner can grant or remove the owner role." in messages_of(response)
    officer.post(remove_url(carol))
    assert membership(cast.contributor).role == "owner"


def test_officer_can_manage_other_roles_but_not_above_their_own(cast: Any, client_for: Any) -> None:
    officer = client_for(cast.officer)
    change_role(officer, membership(cast.workforce), "auditor")
    assert membership(cast.workforce).role == "auditor"
    change_role(officer, membership(cast.auditor), "compliance_officer")
    assert membership(cast.auditor).role == "compliance_officer"


def test_api_refuses_the_owner_role_to_an_officer_with_the_field_named(
    cast: Any, client_for: Any
) -> None:
    carol = membership(cast.contributor)
    response = client_for(cast.officer).patch(
        f"/api/v1/orgs/acme/members/{carol.pk}", {"role": "owner"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["fields"][0]["field"] == "role"
    assert membership(cast.contributor).role == "contributor"


def test_last_owner_cannot_be_demoted_or_removed_in_the_api(cast: Any, client_for: Any) -> None:
    alice = membership(cast.owner)
    client = client_for(cast.owner)
    response = client.patch(
        f"/api/v1/orgs/acme/members/{alice.pk}",
        {"role": "auditor"},
        content_type="application/json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["fields"] == [
        {"field": "role", "message": "An organization must keep at least one owner."}
    ]
    assert client.delete(f"/api/v1/orgs/acme/members/{alice.pk}").status_code == 409
    assert membership(cast.owner).role == "owner"


def test_last_owner_cannot_be_demoted_or_removed_in_the_page(cast: Any, client_for: Any) -> None:
    alice = membership(cast.owner)
    client = client_for(cast.owner)
    response = change_role(client, alice, "contributor")
    assert "An organization must keep at least one owner." in messages_of(response)
    response = client.post(remove_url(alice), follow=True)
    assert "An organization must keep at least one owner." in messages_of(response)
    assert membership(cast.owner).role == "owner"


def test_an_owner_can_step_down_once_there_is_another(cast: Any, client_for: Any) -> None:
    client = client_for(cast.owner)
    change_role(client, membership(cast.officer), "owner")
    change_role(client, membership(cast.owner), "compliance_officer")
    assert membership(cast.owner).role == "compliance_officer"
    assert membership(cast.officer).role == "owner"


# --- removal --------------------------------------------------------------------------------------


def test_removing_a_member_revokes_their_tokens_and_emergency_access(
    cast: Any, client_for: Any, client: Client
) -> None:
    carol = cast.contributor
    issued = [
        create_token(actor=carol, user=carol, organization=cast.org, name=f"script {i}")
        for i in range(2)
    ]
    grant = start_emergency_access(
        access_organization(carol, "acme"),
        reason="Locked out of the EHR during a patient intake, need the list",
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued[0].secret}"}
    assert client.get("/api/v1/me", **headers).status_code == 200

    response = client_for(cast.owner).post(remove_url(membership(carol)), follow=True)
    assert any("API tokens were revoked" in m for m in messages_of(response))
    assert not Membership.objects.filter(user=carol, organization=cast.org).exists()
    assert all(t.revoked_at is not None for t in PersonalAPIToken.objects.filter(user=carol))
    assert client.get("/api/v1/me", **headers).status_code == 401
    grant = EmergencyAccessGrant.objects.get(pk=grant.pk)
    assert grant.ended_at is not None
    assert grant.end_reason == "membership_removed"
    revoked = AuditEntry.objects.filter(action=Action.TOKEN, changes__contains="membership removed")
    assert revoked.count() == 2
    assert AuditEntry.objects.filter(
        action=Action.DELETE, object_type="organizations.membership", actor=cast.owner
    ).exists()
    # The removed member no longer reaches the organization at all.
    assert client_for(carol).get("/o/acme/").status_code == 404
