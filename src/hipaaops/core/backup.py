"""Consistent online backups and verified restores of the configured database."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

from hipaaops.audit import chain
from hipaaops.audit.models import Action
from hipaaops.audit.services import record, verify


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupInfo:
    engine: str
    size: int
    sha256: str
    head_seq: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _settings() -> dict[str, object]:
    return dict(connections["default"].settings_dict)


def _pg_env(db: dict[str, object]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client (e.g. postgresql-client)."
        )
    return found


def backup(target: Path) -> BackupInfo:
    db = _settings()
    engine = str(db["ENGINE"])
    # The backup itself is recorded, and that entry is inside the copy (45 CFR 164.308(a)(7)(ii)(A)).
    entry = record(
        Action.EXPORT,
        actor=None,
        object_type="core.backup",
        object_repr=f"Database backup to {target.name}",
        changes={"event": "backup", "file": target.name},
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.endswith("sqlite3"):
        connections["default"].close()
        source = sqlite3.connect(str(db["NAME"]))
        destination = sqlite3.connect(str(target))
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        kind = "sqlite"
    elif engine.endswith("postgresql"):
        result = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target)],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        kind = "postgresql"
    else:
        raise BackupError(f"Backups of {engine} are not supported.")
    return BackupInfo(kind, target.stat().st_size, _sha256(target), entry.seq)


def _verify_sqlite_file(path: Path) -> chain.VerifyResult:
    alias = "hipaaops_restore_check"
    settings_dict = dict(connections["default"].settings_dict)
    settings_dict["NAME"] = str(path)
    connections.databases[alias] = settings_dict
    try:
        try:
            return verify(using=alias)
        except Exception as exc:
            raise BackupError(f"{path} is not a hipaaops SQLite backup: {exc}") from exc
    finally:
        if alias in connections:
            connections[alias].close()
            del connections[alias]
        connections.databases.pop(alias, None)


def restore(source: Path) -> chain.VerifyResult:
    db = _settings()
    engine = str(db["ENGINE"])
    if engine.endswith("sqlite3"):
        with source.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{source} is not an SQLite backup.")
        before = _verify_sqlite_file(source)
        if not before.ok:
            assert before.fault is not None
            raise BackupError(
                f"The backup's audit chain is broken at entry {before.fault.seq} "
                f"({before.fault.reason}); refusing to restore it."
            )
        connections["default"].close()
        src = sqlite3.connect(str(source))
        dst = sqlite3.connect(str(db["NAME"]))
        try:
            with dst:
                src.backup(dst)
        finally:
            src.close()
            dst.close()
    elif engine.endswith("postgresql"):
        connections["default"].close()
        result = subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                str(db["NAME"]),
                str(source),
            ],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"Restores to {engine} are not supported.")
    after = verify()
    if not after.ok:
        assert after.fault is not None
        raise BackupError(
            f"Restored, but the audit chain is broken at entry {after.fault.seq} "
            f"({after.fault.reason}). Do not use this database before investigating."
        )
    record(
        Action.SYSTEM,
        actor=None,
        object_type="core.backup",
        object_repr=f"Database restored from {source.name}",
        changes={"event": "restore", "file": source.name, "verified_entries": after.checked},
    )
    return after
