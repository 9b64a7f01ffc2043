"""The operator CLI: its help, its input errors, tokens, the demo, and backup and restore with the
audit chain checked on the way in (45 CFR 164.308(a)(7)(ii)(A), 164.312(c)(1))."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connections
from django.test import Client

from hipaaops.audit import chain
from hipaaops.audit.services import verify
from hipaaops.cli import main as cli_main

HIPAAOPS = str(Path(sys.executable).with_name("hipaaops"))


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A management command closes every database connection when it ends, which suits a
    process of its own; inside a test it would cut the test's transaction (PostgreSQL)."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


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


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`hipaaops catalog list | head` must not end in a traceback when head stops reading."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        done = subprocess.run(
            [HIPAAOPS, "catalog", "list", "--format", "json"],
            env=cli_env(tmp_path),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert "Traceback" not in done.stderr
    assert "BrokenPipeError" not in done.stderr


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


def chain_of(db: Path) -> Any:
    """Verify a database file's audit chain with the pure chain rules, outside Django."""
    columns = ", ".join([*chain.HASHED_FIELDS, "prev_hash", "entry_hash"])
    rows = query(db, f"SELECT {columns} FROM audit_auditentry ORDER BY seq")  # noqa: S608
    return chain.verify_rows(iter(parse_created(row) for row in rows))


def parse_created(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # SQLite hands the timestamp back as text; the hash covers the datetime.
    created = datetime.fromisoformat(row[1]).replace(tzinfo=UTC)
    return (row[0], created, *row[2:])


@pytest.mark.slow
def test_backup_and_restore_round_trip_and_a_tampered_backup_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    database = data / "hipaaops.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    # Schema and demo in one interpreter, to keep the test short; each later step is its own.
    setup = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from hipaaops.cli import main; "
            "sys.exit(main(['migrate', '--noinput']) or main(['demo']))",
        ],
        env=cli_env(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    organizations = "SELECT slug, name FROM organizations_organization ORDER BY slug"
    before = query(database, organizations)
    assert ("lakeside", "Lakeside Family Medicine") in before

    step = hipaaops(data, "backup", "-o", str(backup))
    assert step.returncode == 0, step.stderr
    assert "Backup written" in step.stdout
    assert chain_of(backup).ok

    # Change the live data after the backup.
    connection = sqlite3.connect(str(database))
    connection.execute(
        "UPDATE organizations_organization SET name = 'Renamed' WHERE slug = 'lakeside'"
    )
    connection.commit()
    connection.close()

    step = hipaaops(data, "restore", str(backup), "--yes")
    assert step.returncode == 0, step.stderr
    assert "audit chain verified" in step.stdout
    assert query(database, organizations) == before
    after = chain_of(database)
    assert after.ok
    # The restore is itself in the trail, after everything the backup held.
    assert after.checked == chain_of(backup).checked + 1
    restored = query(database, "SELECT changes FROM audit_auditentry ORDER BY seq DESC LIMIT 1")
    assert '"event":"restore"' in restored[0][0]

    tampered = tmp_path / "tampered.sqlite3"
    shutil.copy(backup, tampered)
    connection = sqlite3.connect(str(tampered))
    connection.execute("DROP TRIGGER audit_entry_no_update")
    connection.execute("UPDATE audit_auditentry SET object_repr = 'nothing happened' WHERE seq = 2")
    connection.commit()
    connection.close()
    assert chain_of(tampered).fault is not None

    step = hipaaops(data, "restore", str(tampered), "--yes")
    assert step.returncode != 0
    assert "audit chain is broken at entry 2" in step.stderr
    assert "refusing to restore" in step.stderr
    # The live database was not touched.
    assert chain_of(database).checked == after.checked
    assert chain_of(database).ok
