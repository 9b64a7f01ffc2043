"""The operator CLI: its help, its input errors, tokens, the demo, and backup and restore with the
audit chain checked on the way in (45 CFR 164.308(a)(7)(ii)(A), 164.312(c)(1))."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from hipaaops.audit.services import verify
from hipaaops.cli import main as cli_main

HIPAAOPS = str(Path(sys.executable).with_name("hipaaops"))


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "HIPAAOPS_ENV": "development",
        "HIPAAOPS_DATA_DIR": str(data_dir),
        **extra,
    }


def hipaaops(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HIPAAOPS, *args],
        env=cli_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli_main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- help ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_help_lists_the_verbs_and_every_verb_has_help(tmp_path: Path) -> None:
    listing = hipaaops(tmp_path, "--help")
    assert listing.returncode == 0
    assert "usage: hipaaops VERB" in listing.stdout
    verbs = [
        line.split()[0]
        for line in listing.stdout.split("verbs:", 1)[1].splitlines()
        if line.strip()
    ]
    for expected in (
        "audit",
        "backup",
        "restore",
        "createuser",
        "demo",
        "keys",
        "token",
        "migrate",
    ):
        assert expected in verbs
    # One interpreter asks every verb (and the sub-verbs) for its help, to keep this fast.
    probes = [[verb, "--help"] for verb in verbs if verb != "manage"]
    probes += [
        ["audit", "verify", "--help"],
        ["keys", "rotate", "--help"],
        ["token", "create", "--help"],
        ["manage", "check", "--help"],
    ]
    code = (
        "import contextlib, io, json, sys\n"
        "from hipaaops.cli import main\n"
        "codes = {}\n"
        f"for argv in {probes!r}:\n"
        "    out = io.StringIO()\n"
        "    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):\n"
        "        codes[' '.join(argv)] = (main(argv), 'usage:' in out.getvalue())\n"
        "print(json.dumps(codes))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    import json

    codes = json.loads(result.stdout.strip().splitlines()[-1])
    failing = {argv: value for argv, value in codes.items() if value != [0, True]}
    assert not failing, f"verbs whose --help does not work: {failing}"


def test_unknown_verb_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "frobnicate")
    assert code == 2
    assert "unknown verb 'frobnicate'" in err


# --- input errors and tokens ---------------------------------------------------------------------


@pytest.mark.django_db
def test_createuser_names_the_bad_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "createuser", "--email", "not-an-address")
    assert code == 2
    assert "--email" in err
    assert "not a valid e-mail address" in err


@pytest.mark.django_db
def test_createuser_with_a_new_organization(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipaaops.organizations.models import Membership

    monkeypatch.setenv("HIPAAOPS_PASSWORD", "violet-kettle-rhombus-42")
    code, out, _err = run_cli(
        capsys, "createuser", "--email", "Pat@Clinic.test", "--new-org", "Pat's Clinic",
        "--slug", "pats",
    )  # fmt: skip
    assert code == 0
    assert "Created pat@clinic.test in pats." in out
    membership = Membership.objects.get(user__email="pat@clinic.test")
    assert (membership.organization.slug, membership.role) == ("pats", "owner")
    assert membership.user.check_password("violet-kettle-rhombus-42")
    # The same e-mail again, and a slug that is taken, are refused by name.
    code, _out, err = run_cli(capsys, "createuser", "--email", "pat@clinic.test")
    assert code == 2
    assert "--email" in err
    assert verify().ok


@pytest.mark.django_db
def test_token_create_prints_a_working_token(cast: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys, "token", "create", "--user", "carol@acme.test", "--org", "acme", "--name", "ci"
    )
    assert code == 0
    secret = out.strip()
    assert secret.startswith("hpo_")
    assert secret not in err
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get("/api/v1/orgs/acme")
    assert response.status_code == 200
    assert response.json()["role"] == "contributor"
    # A member of another organization cannot be given a token for this one.
    code, _out, err = run_cli(
        capsys, "token", "create", "--user", "mallory@globex.test", "--org", "acme", "--name", "x"
    )
    assert code == 2
    assert "--user" in err


# --- the demo -------------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_demo_is_idempotent_and_its_trail_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "demo")
    assert code == 0
    assert "Loaded the demo" in out
    loaded = row_counts()
    assert loaded["organizations.Organization"] == 2
    assert loaded["audit.AuditEntry"] > 10
    code, out, _err = run_cli(capsys, "demo")
    assert code == 0
    assert "nothing changed" in out
    assert row_counts() == loaded
    code, out, _err = run_cli(capsys, "demo", "--if-empty")
    assert code == 0
    assert row_counts() == loaded
    result = verify()
    assert result.ok
    assert result.checked == loaded["audit.AuditEntry"]
    code, _out, _err = run_cli(capsys, "audit", "verify")
    assert code == 0


# --- backup and restore -----------------------------------------------------------------------------


def query(db: Path, sql: str) -> Any:
    connection = sqlite3.connect(str(db))
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


@pytest.mark.slow
def test_backup_and_restore_round_trip_and_a_tampered_backup_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    database = data / "hipaaops.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    step = hipaaops(data, "migrate", "--noinput")
    assert step.returncode == 0, step.stderr
    assert hipaaops(data, "demo").returncode == 0
    users_before = query(database, "SELECT email FROM accounts_user ORDER BY email")

    step = hipaaops(data, "backup", "-o", str(backup))
    assert step.returncode == 0, step.stderr
    assert "Backup written" in step.stdout
    assert hipaaops(data, "backup", "-o", str(backup)).returncode == 2  # no silent overwrite

    step = hipaaops(
        data, "createuser", "--email", "late@lakeside.example",
        HIPAAOPS_PASSWORD="violet-kettle-rhombus-42",
    )  # fmt: skip
    assert step.returncode == 0, step.stderr
    assert len(query(database, "SELECT email FROM accounts_user")) == len(users_before) + 1

    step = hipaaops(data, "restore", str(backup), "--yes")
    assert step.returncode == 0, step.stderr
    assert "audit chain verified" in step.stdout
    assert query(database, "SELECT email FROM accounts_user ORDER BY email") == users_before
    step = hipaaops(data, "audit", "verify")
    assert step.returncode == 0, step.stderr
    # The restore is itself in the trail.
    restored = query(database, "SELECT changes FROM audit_auditentry ORDER BY seq DESC LIMIT 1")
    assert '"event":"restore"' in restored[0][0]

    tampered = tmp_path / "tampered.sqlite3"
    shutil.copy(backup, tampered)
    connection = sqlite3.connect(str(tampered))
    connection.execute("DROP TRIGGER audit_entry_no_update")
    connection.execute("UPDATE audit_auditentry SET object_repr = 'nothing happened' WHERE seq = 2")
    connection.commit()
    connection.close()
    head_before = query(database, "SELECT max(seq) FROM audit_auditentry")

    step = hipaaops(data, "restore", str(tampered), "--yes")
    assert step.returncode != 0
    assert "audit chain is broken at entry 2" in step.stderr
    assert "refusing to restore" in step.stderr
    # The live database was not touched.
    assert query(database, "SELECT max(seq) FROM audit_auditentry") == head_before
    assert hipaaops(data, "audit", "verify").returncode == 0

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    step = hipaaops(data, "restore", str(not_a_backup), "--yes")
    assert step.returncode != 0
    assert "is not an SQLite backup" in step.stderr
