"""The fast paths of the chain (bench/audit_chain.py) spell every entry exactly as the plain
rules do: the same timestamps, the same joined text, the same rows written."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.utils.dateparse import parse_datetime

from hipaaops.audit import chain, services
from hipaaops.audit.models import Action, AuditEntry
from hipaaops.audit.services import PendingEntry, record, record_many, verify
from hipaaops.core.context import ActorContext, acting

MOMENTS = [
    datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no microseconds: SQLite holds no fraction
    datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(1000, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


def _strftime_spelling(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize("moment", MOMENTS)
def test_format_timestamp_is_the_strftime_spelling(moment: datetime) -> None:
    assert chain.format_timestamp(moment) == _strftime_spelling(moment)


def _plain_hash(prev: str, values: list[Any]) -> str:
    """The rule as first written: None is empty, datetimes in UTC, everything else str()."""
    parts = [prev]
    for value in values:
        if value is None:
            parts.append("")
        elif isinstance(value, datetime):
            parts.append(_strftime_spelling(value))
        else:
            parts.append(str(value))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _values(seq: int, **overrides: Any) -> list[Any]:
    base: dict[str, Any] = {
        "seq": seq,
        "created_at": MOMENTS[seq % len(MOMENTS)],
        "organization_id": 3,
        "actor_id": None,
        "actor_label": "alice@acme.test",
        "action": Action.UPDATE,
        "object_type": "organizations.organization",
        "object_id": "3",
        "object_repr": "Acme Clinic, Zweigstelle ü ✓",
        "changes": '{"name":["a","b"]}',
        "ip": "",
        "user_agent": "Mozilla/5.0",
        "request_id": "r1",
        "via": "web",
    }
    base.update(overrides)
    return [base[name] for name in chain.HASHED_FIELDS]


ODD_ROWS = [
    {},
    {"organization_id": None, "actor_id": 7},
    {"ip": None, "user_agent": None},  # text columns that are not text go the general way
    {"object_id": 42, "changes": 1.5},
    {"created_at": "2026-01-02T03:04:05.000000Z"},
    {"created_at": None},
    {"organization_id": "3", "actor_id": True},
]


def test_verify_rows_accepts_what_the_plain_rule_hashed_and_nothing_else() -> None:
    rows = []
    prev = chain.GENESIS_HASH
    for seq, overrides in enumerate(ODD_ROWS, start=1):
        values = _values(seq, **overrides)
        digest = _plain_hash(prev, values)
        assert chain.entry_hash(prev, values) == digest
        rows.append((*values, prev, digest))
        prev = digest
    result = chain.verify_rows(iter(rows))
    assert result.ok
    assert (result.checked, result.head_hash) == (len(ODD_ROWS), prev)

    # Any one value spelt differently breaks the chain at that entry.
    for index in range(len(rows)):
        row = list(rows[index])
        row[8] = f"{row[8]}!"
        tampered = [*rows[:index], tuple(row), *rows[index + 1 :]]
        fault = chain.verify_rows(iter(tampered)).fault
        assert fault == chain.ChainFault(index + 1, "content does not match its hash")


def test_canonical_json_is_json_dumps_with_the_canonical_options() -> None:
    import json

    value = {"b": [1, None, 2.5, True], "a": {"é": datetime(2026, 1, 2, tzinfo=UTC)}}
    assert chain.canonical_json(value) == json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


# --- SQLite: created_at read as text ------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite stores created_at as text")
@pytest.mark.parametrize(
    "text",
    [
        "2026-01-02 03:04:05.678901",
        "2026-01-02 03:04:05",
        "2026-01-02 03:04:05.678901+00:00",  # a raw INSERT of an aware datetime
        "2026-01-02 08:04:05+05:00",
        "2026-01-02T03:04:05.678901",
        "2026-01-02 03:04:05,678901",
        "2026-01-02 03:04:05.6789",
    ],
)
def test_sqlite_timestamps_hash_as_the_orm_reads_them(text: str) -> None:
    to_text = services._sqlite_timestamp(connection)
    orm_value = connection.ops.convert_datetimefield_value(parse_datetime(text), None, connection)
    assert chain._text(to_text(text)) == chain.format_timestamp(orm_value)


# --- the database ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("moment", MOMENTS[:4])
def test_written_entries_verify_and_read_back_as_written(moment: datetime, cast: Any) -> None:
    with (
        mock.patch("django.utils.timezone.now", return_value=moment),
        acting(ActorContext(ip="198.51.100.7", user_agent="UA ✓", request_id="q", via="api")),
    ):
        entry = record(
            Action.UPDATE,
            actor=cast.owner,
            organization=cast.org,
            target=cast.org,
            changes={"name": ["Acme", "Acme Clinic"], "when": moment.date()},
        )
        record_many(
            [PendingEntry(action=Action.EXPORT, object_type="x.y", object_id=7) for _ in range(3)],
            batch_size=2,
        )
    # record() hands back the saved row, as the ORM would have.
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert entry._state.adding is False
    for name in (*chain.HASHED_FIELDS, "prev_hash", "entry_hash"):
        assert getattr(entry, name) == getattr(stored, name), name
    assert stored.created_at == moment
    result = verify()
    assert result.ok
    assert result.checked == AuditEntry.objects.count()
    for row in AuditEntry.objects.order_by("seq"):
        assert _plain_hash(row.prev_hash, [getattr(row, n) for n in chain.HASHED_FIELDS]) == (
            row.entry_hash
        )
