"""Sign-in through the real allauth flow: passwords, the TOTP stage, MFA enforcement by role and
by organization, lockout, and the audit entries they leave (45 CFR 164.312(d), 164.308(a)(5)(ii)(C),
164.312(b))."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, totp_code
from hipaaops.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MFA_STAGE = "/accounts/2fa/authenticate/"


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def entries(action: str, user: Any) -> int:
    return AuditEntry.objects.filter(
        action=action, object_type="accounts.user", object_id=str(user.pk)
    ).count()


def submit_password(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"login": email, "password": password})


def wrong_code() -> str:
    return "999999" if totp_code() != "999999" else "111111"


# --- the TOTP stage -----------------------------------------------------------------------------


def test_owner_with_totp_signs_in_only_with_the_code(cast: Any, client: Client) -> None:
    response = submit_password(client, "alice@acme.test")
    assert response.status_code == 302
    assert response["Location"] == MFA_STAGE
    # The password alone does not sign in.
    assert not signed_in(client)
    assert client.get("/o/acme/").status_code == 302
    assert entries(Action.LOGIN, cast.owner) == 0

    response = client.post(MFA_STAGE, {"code": totp_code()})
    assert response.status_code == 302
    assert signed_in(client)
    assert client.get("/o/acme/").status_code == 200
    assert entries(Action.LOGIN, cast.owner) == 1


def test_a_wrong_code_does_not_sign_in(cast: Any, client: Client) -> None:
    submit_password(client, "bob@acme.test")
    response = client.post(MFA_STAGE, {"code": wrong_code()})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert not signed_in(client)
    assert client.get("/o/acme/").status_code == 302
    assert entries(Action.LOGIN, cast.officer) == 0


def test_a_code_cannot_be_used_twice(cast: Any) -> None:
    code = totp_code()
    first = Client()
    submit_password(first, "alice@acme.test")
    first.post(MFA_STAGE, {"code": code})
    assert signed_in(first)
    second = Client()
    submit_password(second, "alice@acme.test")
    second.post(MFA_STAGE, {"code": code})
    assert not signed_in(second)


def test_a_recovery_code_signs_in_once_and_its_seed_is_stored_encrypted(
    cast: Any, client: Client
) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from hipaaops.core.crypto import decrypt_str

    codes = RecoveryCodes.activate(cast.owner)
    unused = codes.get_unused_codes()
    assert len(unused) >= 10
    stored = Authenticator.objects.get(user=cast.owner, type=Authenticator.Type.RECOVERY_CODES)
    # The seed the codes derive from is kept as a Fernet token, not as allauth's plain hex.
    seed = stored.data["seed"]
    plain = decrypt_str(seed)
    assert seed != plain
    int(plain, 16)
    assert all(code not in str(stored.data) for code in unused)

    submit_password(client, "alice@acme.test")
    response = client.post(MFA_STAGE, {"code": unused[0]})
    assert response.status_code == 302
    assert signed_in(client)
    assert entries(Action.LOGIN, cast.owner) == 1

    # The same recovery code does not work a second time.
    again = Client()
    submit_password(again, "alice@acme.test")
    again.post(MFA_STAGE, {"code": unused[0]})
    assert not signed_in(again)
    again.post(MFA_STAGE, {"code": unused[1]})
    assert signed_in(again)


def test_a_wrong_password_never_reaches_the_code_stage(cast: Any, client: Client) -> None:
    response = submit_password(client, "alice@acme.test", "not-the-password")
    assert response.status_code == 200
    assert not signed_in(client)
    assert client.get(MFA_STAGE).status_code != 200
    assert entries(Action.LOGIN_FAILED, cast.owner) == 1


def test_sign_in_and_sign_out_are_audited(cast: Any, client: Client) -> None:
    response = submit_password(client, "carol@acme.test")  # no TOTP: signed in at once
    assert response.status_code == 302
    assert signed_in(client)
    login = AuditEntry.objects.get(action=Action.LOGIN, actor=cast.contributor)
    assert login.ip == "127.0.0.1"
    assert login.via == "web"

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not signed_in(client)
    logout = AuditEntry.objects.get(action=Action.LOGOUT, actor=cast.contributor)
    assert logout.seq > login.seq


# --- MFA required by role or by the organization ------------------------------------------------


@pytest.fixture
def officer_without_mfa(cast: Any) -> Any:
    Authenticator.objects.filter(user=cast.officer).delete()
    return cast


@pytest.mark.parametrize("email", ["alice@acme.test", "bob@acme.test"])
def test_role_that_requires_mfa_is_sent_to_set_it_up_from_any_page(
    cast: Any, client: Client, email: str
) -> None:
    Authenticator.objects.filter(user__email=email).delete()
    submit_password(client, email)
    assert signed_in(client)  # no authenticator, so no code stage
    for path in ("/", "/o/acme/", "/o/acme/members/", "/o/acme/audit/", "/o/acme/tokens/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("mfa_activate_totp")
    response = client.get("/api/v1/orgs/acme")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"


def test_mfa_set_up_is_reachable_and_lifts_the_block(
    officer_without_mfa: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    submit_password(client, "bob@acme.test")
    # allauth asks for the password again before a security change; that page is reachable.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = response.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/o/acme/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    changes = AuditEntry.objects.filter(
        action=Action.MFA, actor=officer_without_mfa.officer
    ).values_list("changes", flat=True)
    assert '{"event":"added","type":"totp"}' in list(changes)
    assert all(secret not in c for c in changes)


def test_sign_out_stays_reachable_without_mfa(officer_without_mfa: Any, client: Client) -> None:
    submit_password(client, "bob@acme.test")
    assert client.post("/accounts/logout/").status_code == 302
    assert not signed_in(client)


def test_role_that_requires_mfa_gets_403_json_from_the_api(
    officer_without_mfa: Any, client_for: Any
) -> None:
    response = client_for(officer_without_mfa.officer).get("/api/v1/me")
    assert response.status_code == 403
    body = response.json()
    assert body["error"]["code"] == "mfa_required"
    assert body["error"]["fields"] == []


def test_roles_without_the_requirement_are_not_forced(cast: Any, client_for: Any) -> None:
    for person in (cast.contributor, cast.auditor, cast.workforce):
        assert client_for(person).get("/o/acme/").status_code == 200


def test_organization_can_require_mfa_of_every_member(cast: Any, client_for: Any) -> None:
    cast.org.require_mfa_for_all = True
    cast.org.save()
    client = client_for(cast.contributor)
    response = client.get("/o/acme/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get("/api/v1/me").status_code == 403
    # The outsider's organization does not require it of its members.
    assert client_for(cast.outsider).get("/o/globex/").status_code == 200


# --- lockout -------------------------------------------------------------------------------------


def test_lockout_after_the_configured_failures(cast: Any, client: Client) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 1
    for attempt in range(1, limit):
        response = submit_password(client, "carol@acme.test", f"wrong-password-{attempt}")
        assert response.status_code == 200
    assert entries(Action.LOCKOUT, cast.contributor) == 0
    response = submit_password(client, "carol@acme.test", "wrong-password-last")
    assert response.status_code == 429
    assert entries(Action.LOCKOUT, cast.contributor) == 1

    # The right password is refused now, from any client.
    for attempt_client in (client, Client()):
        response = submit_password(attempt_client, "carol@acme.test")
        assert response.status_code == 429
        assert b"Sign-in locked" in response.content
        assert not signed_in(attempt_client)
    assert entries(Action.LOGIN, cast.contributor) == 0

    attempt = AccessAttempt.objects.get(username="carol@acme.test")
    assert attempt.failures_since_start >= limit
    assert AccessFailureLog.objects.filter(username="carol@acme.test").count() >= limit
    assert entries(Action.LOGIN_FAILED, cast.contributor) >= limit
    # Typing the e-mail differently does not dodge the lock.
    assert submit_password(Client(), "Carol@ACME.test").status_code == 429
    # Other accounts are not affected.
    assert submit_password(Client(), "dave@acme.test").status_code == 302


def test_a_success_resets_the_failure_count(cast: Any, client: Client) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        submit_password(client, "dave@acme.test", f"wrong-{attempt}")
    assert submit_password(client, "dave@acme.test").status_code == 302
    client.post("/accounts/logout/")
    submit_password(client, "dave@acme.test", "wrong-again")
    assert submit_password(client, "dave@acme.test").status_code == 302


# --- passwords ---------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["Tr0ub4dor&3", "short", "aB3$eF6&hI9"])
def test_passwords_shorter_than_twelve_are_refused(cast: Any, password: str) -> None:
    assert len(password) < 12
    with pytest.raises(ValidationError) as exc:
        password_validation.validate_password(password, cast.contributor)
    assert any("at least 12" in message for message in exc.value.messages)


def test_a_long_uncommon_password_is_accepted(cast: Any) -> None:
    password_validation.validate_password("violet-kettle-rhombus-42", cast.contributor)


def test_createuser_refuses_a_short_password(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPAAOPS_PASSWORD", "Sh0rt-pass")
    with pytest.raises(CommandError) as exc:
        call_command("createuser", "--email", "new@acme.test")
    assert exc.value.returncode == 2
    assert "at least 12" in str(exc.value)


def test_argon2_is_the_hasher_outside_tests() -> None:
    """Tests put a fast hasher first; Argon2 stays in the list so production hashes verify."""
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS
    assert settings.PASSWORD_HASHERS.index("django.contrib.auth.hashers.Argon2PasswordHasher") == (
        1 if settings.TESTING else 0
    )
