"""Backup and restore on PostgreSQL (pg_dump / pg_restore), through the operator CLI, in a scratch
database of its own: a good backup comes back with its audit chain verified, and a backup whose
trail was altered is refused before the live database is touched (45 CFR 164.308(a)(7)(ii)(A),
164.312(c)(1)).

Runs where DATABASE_URL points to PostgreSQL (CI's second leg); the role needs CREATEDB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

HIPAAOPS = str(Path(sys.executable).with_name("hipaaops"))
DB = settings.DATABASES["default"]


def _admin_connection(dbname: str) -> Any:
    import psycopg

    return psycopg.connect(
        host=DB.get("HOST") or None,
        port=DB.get("PORT") or None,
        user=DB.get("USER") or None,
        password=DB.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
    )


@pytest.fixture
def scratch_database() -> Iterator[str]:
    if not DB["ENGINE"].endswith("postgresql"):
        pytest.skip("needs DATABASE_URL pointing to PostgreSQL (CI's second leg)")
    name = f"hipaaops_backup_{uuid.uuid4().hex[:10]}"
    with _admin_connection("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _admin_connection("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url(name: str) -> str:
    credentials = quote(str(DB.get("USER") or ""), safe="")
    if DB.get("PASSWORD"):
        credentials += ":" + quote(str(DB["PASSWORD"]), safe="")
    host = DB.get("HOST") or "127.0.0.1"
    port = DB.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{name}"


def _run(data: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data),
        "HIPAAOPS_ENV": "development",
        "HIPAAOPS_DATA_DIR": str(data),
        "DATABASE_URL": url,
    }
    return subprocess.run(
        [HIPAAOPS, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def _query(name: str, sql: str) -> list[tuple[Any, ...]]:
    with _admin_connection(name) as connection:
        return list(connection.execute(sql).fetchall())


def _execute(name: str, *statements: str) -> None:
    with _admin_connection(name) as connection:
        for statement in statements:
            connection.execute(statement)


ORG_NAME = "SELECT name FROM organizations_organization WHERE slug = 'lakeside'"
LAST_EVENT = "SELECT changes FROM audit_auditentry ORDER BY seq DESC LIMIT 1"


def test_pg_dump_backup_restores_verified_and_a_tampered_one_is_refused_untouched(
    tmp_path: Path, scratch_database: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    url = _url(scratch_database)
    for step in (("migrate", "--noinput"), ("demo",)):
        done = _run(data, url, *step)
        assert done.returncode == 0, done.stderr
    (original,) = _query(scratch_database, ORG_NAME)

    good = tmp_path / "good.dump"
    done = _run(data, url, "backup", "-o", str(good))
    assert done.returncode == 0, done.stderr
    assert good.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    _execute(scratch_database, "UPDATE organizations_organization SET name = 'Renamed'")
    done = _run(data, url, "restore", str(good), "--yes")
    assert done.returncode == 0, done.stderr
    assert "audit chain verified" in done.stdout
    assert _query(scratch_database, ORG_NAME) == [original]
    assert '"event":"restore"' in _query(scratch_database, LAST_EVENT)[0][0]
    assert _run(data, url, "audit", "verify").returncode == 0

    # A backup of a database whose trail was edited behind the triggers' back.
    _execute(
        scratch_database,
        "DROP TRIGGER audit_entry_no_update ON audit_auditentry",
        "UPDATE audit_auditentry SET object_repr = 'nothing happened' WHERE seq = 2",
    )
    tampered = tmp_path / "tampered.dump"
    done = _run(data, url, "backup", "-o", str(tampered))
    assert done.returncode == 0, done.stderr
    # Back to the good state, then a change the refused restore must leave alone.
    done = _run(data, url, "restore", str(good), "--yes")
    assert done.returncode == 0, done.stderr
    _execute(scratch_database, "UPDATE organizations_organization SET name = 'Kept'")
    head = _query(scratch_database, "SELECT max(seq) FROM audit_auditentry")

    done = _run(data, url, "restore", str(tampered), "--yes")
    assert done.returncode != 0
    assert "audit chain is broken at entry 2" in done.stderr
    assert "refusing to restore" in done.stderr
    assert _query(scratch_database, ORG_NAME) == [("Kept",)]
    assert _query(scratch_database, "SELECT max(seq) FROM audit_auditentry") == head
    assert _run(data, url, "audit", "verify").returncode == 0


def test_a_file_that_is_not_a_pg_dump_archive_is_refused(
    tmp_path: Path, scratch_database: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    url = _url(scratch_database)
    done = _run(data, url, "migrate", "--noinput")
    assert done.returncode == 0, done.stderr
    bogus = tmp_path / "notes.dump"
    bogus.write_text("not a backup\n")
    done = _run(data, url, "restore", str(bogus), "--yes")
    assert done.returncode != 0
    assert "is not a hipaaops PostgreSQL backup" in done.stderr
    assert "Traceback" not in done.stderr
