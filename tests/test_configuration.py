"""Fail-closed configuration: outside development a missing secret stops start-up with a message
that names it; DEBUG is off unless asked for; every page carries a strict Content-Security-Policy.

Settings are read once per process, so start-up is tried in a fresh interpreter each time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.test import Client

REPORT = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'hasher': s.PASSWORD_HASHERS[0], "
    "'secret': s.SECRET_KEY, 'hosts': s.ALLOWED_HOSTS, 'ssl': s.SECURE_SSL_REDIRECT, "
    "'secure_cookie': s.SESSION_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS, "
    "'static': s.STORAGES['staticfiles']['BACKEND']}))"
)


def production_env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "hipaaops.settings",
        "HIPAAOPS_ENV": "production",
        "HIPAAOPS_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "a-long-random-secret-key-for-the-start-up-tests-0123456789",
        "HIPAAOPS_FIELD_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "hipaa.example.org",
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def start(env: dict[str, str], code: str = REPORT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def settings_of(env: dict[str, str]) -> dict[str, Any]:
    result = start(env)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.slow
@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY is not set"),
        ("HIPAAOPS_FIELD_KEYS", "HIPAAOPS_FIELD_KEYS is not set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS is not set"),
    ],
)
def test_production_refuses_to_start_without_a_secret(
    tmp_path: Path, missing: str, message: str
) -> None:
    result = start(production_env(tmp_path, **{missing: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    # An empty value is no better than none.
    result = start(production_env(tmp_path, **{missing: ""}))
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.slow
def test_the_cli_reports_the_missing_secret_in_one_line(tmp_path: Path) -> None:
    code = "import sys; from hipaaops.cli import main; sys.exit(main(['migrate']))"
    result = start(production_env(tmp_path, SECRET_KEY=None), code)
    assert result.returncode == 2
    assert result.stderr.startswith("hipaaops: configuration error: SECRET_KEY is not set")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"HIPAAOPS_FIELD_KEYS": "not-a-key"}, "not a Fernet key"),
        ({"HIPAAOPS_ENV": "staging"}, "HIPAAOPS_ENV must be production, development or test"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"SECRET_KEY": None, "SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE"),
    ],
)
def test_bad_values_are_refused_by_name(
    tmp_path: Path, changes: dict[str, str | None], message: str
) -> None:
    result = start(production_env(tmp_path, **changes))
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.slow
def test_production_defaults_are_safe(tmp_path: Path) -> None:
    report = settings_of(production_env(tmp_path))
    assert report["debug"] is False
    assert report["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert report["hosts"] == ["hipaa.example.org"]
    assert report["ssl"] is True
    assert report["secure_cookie"] is True
    assert report["hsts"] >= 31_536_000
    assert "Manifest" in report["static"]


@pytest.mark.slow
def test_debug_only_when_asked_for(tmp_path: Path) -> None:
    assert settings_of(production_env(tmp_path, DEBUG="1"))["debug"] is True
    assert settings_of(production_env(tmp_path, DEBUG="0"))["debug"] is False
    development = production_env(
        tmp_path, HIPAAOPS_ENV="development", SECRET_KEY=None, HIPAAOPS_FIELD_KEYS=None
    )
    report = settings_of(development)
    assert report["debug"] is False  # development does not mean DEBUG
    assert report["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.slow
def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz\n")
    report = settings_of(
        production_env(tmp_path, SECRET_KEY=None, SECRET_KEY_FILE=str(secret_file))
    )
    assert report["secret"] == "from-a-file-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


@pytest.mark.slow
def test_development_keeps_its_generated_secrets_private_and_stable(tmp_path: Path) -> None:
    env = production_env(
        tmp_path, HIPAAOPS_ENV="development", SECRET_KEY=None, HIPAAOPS_FIELD_KEYS=None
    )
    first = settings_of(env)["secret"]
    assert settings_of(env)["secret"] == first
    assert oct((tmp_path / "dev-secrets.json").stat().st_mode & 0o777) == "0o600"


# --- Content-Security-Policy on every page ------------------------------------------------------


def script_sources(policy: str) -> list[str]:
    directives = {}
    for part in policy.split(";"):
        name, _, values = part.strip().partition(" ")
        directives[name] = values
    return (directives.get("script-src") or directives.get("default-src", "")).split()


def assert_strict_csp(response: Any, label: str) -> None:
    policy = response.get("Content-Security-Policy")
    assert policy, f"{label}: no Content-Security-Policy header"
    sources = script_sources(policy)
    assert sources, f"{label}: no script-src"
    assert "'unsafe-inline'" not in sources, f"{label}: {policy}"
    assert "'unsafe-eval'" not in sources, f"{label}: {policy}"
    assert "*" not in sources and "http:" not in sources and "https:" not in sources
    assert "frame-ancestors 'none'" in policy
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        html = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", policy)
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            assert nonce and f'nonce="{nonce.group(1)}"' in tag, f"{label}: inline {tag}"


def test_every_page_carries_a_strict_csp(cast: Any, client_for: Any) -> None:
    from django.urls import reverse

    anonymous = Client()
    pages = {
        "login": anonymous.get("/accounts/login/"),
        "404": anonymous.get("/no/such/page"),
        "healthz": anonymous.get("/healthz"),
        "api docs": anonymous.get("/api/v1/docs"),
        "api 401": anonymous.get("/api/v1/me"),
    }
    owner = client_for(cast.owner)
    for name in (
        "dashboard:index",
        "organizations:members",
        "organizations:settings",
        "organizations:emergency",
        "audit:trail",
        "api_tokens:list",
    ):
        pages[name] = owner.get(reverse(name, args=["acme"]))
    pages["403"] = client_for(cast.workforce).get(reverse("audit:trail", args=["acme"]))
    pages["api"] = owner.get("/api/v1/orgs/acme")
    pages["sessions"] = owner.get("/accounts/sessions/")
    for label, response in pages.items():
        assert response.status_code in {200, 302, 401, 403, 404}, label
        assert_strict_csp(response, label)
    assert pages["dashboard:index"].status_code == 200
