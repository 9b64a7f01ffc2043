"""Consistent online backups and verified restores of the configured database."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connections

from hipaaops.audit import chain
from hipaaops.audit.models import Action, AuditEntry
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


# pg_restore's text output of one table: "COPY public.<table> (<columns>) FROM stdin;", then one
# line per row in COPY's text format, then "\\.".
_COPY_HEADER = re.compile(
    r"^COPY (?:\S+\.)?\"?(?P<table>[^\s\"(]+)\"? \((?P<columns>[^)]*)\) FROM stdin;$"
)
_COPY_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)")
_COPY_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_INTEGER_COLUMNS = {"seq", "organization_id", "actor_id"}


def _copy_unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code in _COPY_SIMPLE:
        return _COPY_SIMPLE[code]
    if code[0] == "x" and len(code) > 1:
        return chr(int(code[1:], 16))
    if code[0] in "01234567":
        return chr(int(code, 8))
    return code


def _copy_field(raw: str) -> str | None:
    if raw == "\\N":
        return None
    return _COPY_ESCAPE.sub(_copy_unescape, raw) if "\\" in raw else raw


def _dump_audit_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    """The audit table's rows in a pg_dump archive, as (HASHED_FIELDS..., prev, hash) tuples.

    pg_restore writes the table's data as text to stdout without connecting to any database,
    so the chain is checked before the live database is touched.
    """
    table = AuditEntry._meta.db_table
    command = [_tool("pg_restore"), "--data-only", "--table", table, "--file", "-", str(path)]
    wanted = (*chain.HASHED_FIELDS, "prev_hash", "entry_hash")
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8"
    ) as process:
        assert process.stdout is not None
        positions: list[int] | None = None
        for line in process.stdout:
            line = line.rstrip("\n")
            if positions is None:
                header = _COPY_HEADER.match(line)
                if header and header.group("table") == table:
                    names = [name.strip().strip('"') for name in header.group("columns").split(",")]
                    missing = [name for name in wanted if name not in names]
                    if missing:
                        raise BackupError(f"{path}: the audit table lacks {', '.join(missing)}.")
                    positions = [names.index(name) for name in wanted]
                continue
            if line == "\\.":
                break
            fields = line.split("\t")
            row: list[Any] = []
            for name, index in zip(wanted, positions, strict=True):
                value = _copy_field(fields[index])
                if value is not None and name in _INTEGER_COLUMNS:
                    row.append(int(value))
                elif name == "created_at" and value is not None:
                    row.append(datetime.fromisoformat(value))
                else:
                    row.append(value)
            yield tuple(row)
        process.stdout.read()
        error = process.stderr.read() if process.stderr else ""
        if process.wait() != 0:
            raise BackupError(f"{path} is not a hipaaops PostgreSQL backup: {error.strip()}")
        if positions is None:
            raise BackupError(f"{path} holds no audit trail; refusing to restore it.")


def _verify_pg_dump(path: Path) -> chain.VerifyResult:
    # COPY writes rows in the table's physical order; the chain is checked in sequence order.
    rows = sorted(_dump_audit_rows(path), key=lambda row: row[0])
    return chain.verify_rows(iter(rows))


def _refuse_broken(before: chain.VerifyResult) -> None:
    if not before.ok:
        assert before.fault is not None
        raise BackupError(
            f"The backup's audit chain is broken at entry {before.fault.seq} "
            f"({before.fault.reason}); refusing to restore it."
        )


def restore(source: Path) -> chain.VerifyResult:
    db = _settings()
    engine = str(db["ENGINE"])
    if engine.endswith("sqlite3"):
        with source.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{source} is not an SQLite backup.")
        _refuse_broken(_verify_sqlite_file(source))
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
        # 45 CFR 164.312(c)(1): a backup whose trail was altered is refused before the restore.
        _refuse_broken(_verify_pg_dump(source))
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
