"""Writing to the audit trail. Every service that changes data calls ``record`` in its own
transaction, so the change and its entry commit together or not at all (45 CFR 164.312(b))."""

from __future__ import annotations

import decimal
import functools
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hipaaops.audit import chain
from hipaaops.audit.models import Action, AuditEntry
from hipaaops.core import context

if TYPE_CHECKING:
    from hipaaops.accounts.models import User
    from hipaaops.organizations.models import Organization

MASK = "••••••"
# An arbitrary, fixed key for PostgreSQL's transaction-level advisory lock on the chain head.
_CHAIN_LOCK_KEY = 0x68697061  # "hipa"


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    if value.__class__ in _PLAIN:  # the common case, without the isinstance chain
        return value
    if value.__class__ is dict:
        return {str(k): v if v.__class__ in _PLAIN else _jsonable(v) for k, v in value.items()}
    if value.__class__ is list:
        return [v if v.__class__ in _PLAIN else _jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return str(value)


def masked_field_names(instance: models.Model) -> set[str]:
    names = set(getattr(instance, "audit_masked_fields", ()))
    for f in instance._meta.concrete_fields:
        if getattr(f, "encrypted", False):
            names.add(f.name)
    return names


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete field values, sensitive ones masked."""
    masked = masked_field_names(instance)
    data: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if f.primary_key:
            continue
        key = f.attname
        value = getattr(instance, key)
        if f.name in masked:
            data[f.name] = MASK if value not in (None, "") else value
        else:
            data[f.name if not f.is_relation else key] = _jsonable(value)
    return data


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {name: [old, new]}."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


@dataclass
class PendingEntry:
    """An entry to be chained; used by ``record_many`` for bulk writes."""

    action: str
    actor: User | None = None
    organization: Organization | None = None
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    changes: Mapping[str, Any] | None = field(default=None)


def _lock_chain(wrapper: BaseDatabaseWrapper, cursor: CursorWrapper) -> None:
    if wrapper.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: transaction_mode=IMMEDIATE already holds the database's write lock.


# Every column the chain writes, in the order of the hashed fields, then the two hashes. The
# append paths write them with one prepared INSERT: the ORM's per-row query building cost more
# than the hashing and the database together (bench/audit_chain.py).
_COLUMNS = (*chain.HASHED_FIELDS, "prev_hash", "entry_hash")


@dataclass(frozen=True)
class _Statements:
    head: str
    insert: str
    insert_returning_id: str
    # The same INSERT in the driver's own placeholder style (SQLite's ?), for the driver's cursor.
    native_insert_returning_id: str


_statements: dict[str, _Statements] = {}


def _sql(wrapper: BaseDatabaseWrapper) -> _Statements:
    found = _statements.get(wrapper.vendor)
    if found is None:
        quote = wrapper.ops.quote_name
        table = quote(AuditEntry._meta.db_table)
        columns = ", ".join(quote(name) for name in _COLUMNS)
        marks = ", ".join(["%s"] * len(_COLUMNS))
        insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        native_marks = ", ".join(["?"] * len(_COLUMNS)) if wrapper.vendor == "sqlite" else marks
        pk = quote(AuditEntry._meta.pk.attname)
        native = f"INSERT INTO {table} ({columns}) VALUES ({native_marks}) RETURNING {pk}"  # noqa: S608
        found = _statements[wrapper.vendor] = _Statements(
            # ORDER BY seq DESC LIMIT 1 walks the unique index on seq backwards: one step.
            head=f"SELECT seq, entry_hash FROM {table} ORDER BY seq DESC LIMIT 1",  # noqa: S608
            insert=insert,
            insert_returning_id=f"{insert} RETURNING {pk}",
            native_insert_returning_id=native,
        )
    return found


@functools.cache
def _field_names() -> tuple[str, ...]:
    """AuditEntry's columns in the order its constructor takes them (Model.from_db)."""
    return tuple(f.attname for f in AuditEntry._meta.concrete_fields)


def _head(cursor: CursorWrapper, statements: _Statements) -> tuple[int, str]:
    cursor.execute(statements.head)
    row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, chain.GENESIS_HASH)


def _actor_label(actor: User | None, ctx: context.ActorContext) -> str:
    if actor is not None:
        return str(actor.email)
    return ctx.via or "system"


def _values(pending: PendingEntry, seq: int, stored_at: Any) -> list[Any]:
    """The entry's values in ``chain.HASHED_FIELDS`` order, ``created_at`` as ``stored_at``."""
    ctx = context.current()
    return [
        seq,
        stored_at,
        pending.organization.pk if pending.organization is not None else None,
        pending.actor.pk if pending.actor is not None else None,
        _actor_label(pending.actor, ctx)[:254],
        str(pending.action),
        pending.object_type[:100],
        str(pending.object_id)[:64],
        str(pending.object_repr)[:200],
        chain.canonical_json(_jsonable(pending.changes)) if pending.changes else "",
        (ctx.ip or "")[:45],
        ctx.user_agent[:300],
        ctx.request_id[:64],
        ctx.via[:16],
    ]


def _chain_row(values: list[Any], prev_hash: str, db_time: Any) -> list[Any]:
    """Hash ``values`` (created_at in the hashed spelling) after ``prev_hash`` and return the
    row to insert: the values with created_at as the database takes it, then both hashes."""
    digest = chain.entry_hash(prev_hash, values)
    values[1] = db_time
    values.append(prev_hash)
    values.append(digest)
    return values


def _target_fields(target: models.Model | None) -> dict[str, str]:
    if target is None:
        return {}
    return {
        "object_type": target._meta.label_lower,
        "object_id": str(target.pk),
        "object_repr": str(target),
    }


def _append(
    cursor: Any,
    wrapper: BaseDatabaseWrapper,
    statements: _Statements,
    pending: PendingEntry,
    *,
    native: bool,
) -> tuple[list[Any], int, datetime]:
    """Read the chain head, hash the entry after it and insert it; the row, its id, its time."""
    cursor.execute(statements.head)
    head = cursor.fetchone()
    seq, prev = (head[0], head[1]) if head else (0, chain.GENESIS_HASH)
    now = timezone.now()
    stamp = chain.format_timestamp(now)
    row = _chain_row(
        _values(pending, seq + 1, stamp), prev, wrapper.ops.adapt_datetimefield_value(now)
    )
    cursor.execute(
        statements.native_insert_returning_id if native else statements.insert_returning_id, row
    )
    return row, int(cursor.fetchone()[0]), now


def record(
    action: Action | str,
    *,
    actor: User | None,
    organization: Organization | None = None,
    target: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction."""
    pending = PendingEntry(
        action=str(action),
        actor=actor,
        organization=organization,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes,
    )
    for key, value in _target_fields(target).items():
        if not getattr(pending, key):
            setattr(pending, key, value)
    wrapper = connections[DEFAULT_DB_ALIAS]
    statements = _sql(wrapper)
    if wrapper.vendor == "sqlite" and not wrapper.in_atomic_block and wrapper.get_autocommit():
        row, pk, now = _append_alone_sqlite(wrapper, statements, pending)
        return _entry(wrapper, row, pk, now)
    # No savepoint of its own: inside a service's transaction, a failed audit write fails the
    # whole change (the outer block rolls back); alone, this block is the transaction.
    with transaction.atomic(savepoint=False):
        if wrapper.vendor == "sqlite":
            # The driver's cursor: this is the one hot path, and Django's per-query wrapping
            # and placeholder rewriting cost more than SQLite's own work (bench/audit_chain.py).
            # BEGIN IMMEDIATE (transaction_mode) already holds the database's write lock.
            native = wrapper.connection.cursor()
            try:
                row, pk, now = _append(native, wrapper, statements, pending, native=True)
            finally:
                native.close()
        else:
            with wrapper.cursor() as cursor:
                _lock_chain(wrapper, cursor)
                row, pk, now = _append(cursor, wrapper, statements, pending, native=False)
    return _entry(wrapper, row, pk, now)


def _entry(wrapper: BaseDatabaseWrapper, row: list[Any], pk: int, now: datetime) -> AuditEntry:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["id"] = pk
    values["created_at"] = now
    names = _field_names()
    return AuditEntry.from_db(wrapper.alias, names, [values[name] for name in names])


def _append_alone_sqlite(
    wrapper: BaseDatabaseWrapper, statements: _Statements, pending: PendingEntry
) -> tuple[list[Any], int, datetime]:
    """One entry in a transaction of its own, on SQLite, outside any atomic block: BEGIN
    IMMEDIATE (the database's write lock, so no other process can append between our read of
    the head and our insert), the entry, COMMIT, on the driver's connection. The same statements
    Django's atomic() would issue, without its bookkeeping, which cost as much as SQLite's work."""
    wrapper.ensure_connection()
    with wrapper.wrap_database_errors:
        native = wrapper.connection.cursor()
        try:
            native.execute("BEGIN IMMEDIATE")
            try:
                result = _append(native, wrapper, statements, pending, native=True)
                native.execute("COMMIT")
            except BaseException:
                native.execute("ROLLBACK")
                raise
        finally:
            native.close()
    return result


def record_many(pending: Iterable[PendingEntry], *, batch_size: int = 1000) -> int:
    """Append many entries in one transaction (bulk writes and imports). Returns the count."""
    count = 0
    wrapper = connections[DEFAULT_DB_ALIAS]
    statements = _sql(wrapper)
    with transaction.atomic(), wrapper.cursor() as cursor:
        _lock_chain(wrapper, cursor)
        seq, prev = _head(cursor, statements)
        now = timezone.now()
        # One time for the whole call: spelt once for the hash and once for the database.
        stamp = chain.format_timestamp(now)
        db_time = wrapper.ops.adapt_datetimefield_value(now)
        batch: list[list[Any]] = []
        for item in pending:
            seq += 1
            row = _chain_row(_values(item, seq, stamp), prev, db_time)
            prev = row[-1]
            batch.append(row)
            if len(batch) >= batch_size:
                cursor.executemany(statements.insert, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(statements.insert, batch)
            count += len(batch)
    return count


def record_create(
    instance: models.Model, *, actor: User | None, organization: Organization | None
) -> AuditEntry:
    return record(
        Action.CREATE,
        actor=actor,
        organization=organization,
        target=instance,
        changes={"after": snapshot(instance)},
    )


def record_update(
    instance: models.Model,
    before: Mapping[str, Any],
    *,
    actor: User | None,
    organization: Organization | None,
) -> AuditEntry | None:
    changed = diff(before, snapshot(instance))
    if not changed:
        return None
    return record(
        Action.UPDATE, actor=actor, organization=organization, target=instance, changes=changed
    )


def record_delete(
    instance: models.Model, *, actor: User | None, organization: Organization | None
) -> AuditEntry:
    return record(
        Action.DELETE,
        actor=actor,
        organization=organization,
        target=instance,
        changes={"before": snapshot(instance)},
    )


def record_sensitive_read(
    instance: models.Model, *, actor: User | None, organization: Organization | None, what: str = ""
) -> AuditEntry:
    return record(
        Action.READ_SENSITIVE,
        actor=actor,
        organization=organization,
        target=instance,
        changes={"viewed": what} if what else None,
    )


def _sqlite_timestamp(wrapper: BaseDatabaseWrapper) -> Callable[[str], str | datetime | None]:
    """Turn created_at as SQLite holds it into what the ORM would hand ``chain.entry_hash``.

    Django writes ``str()`` of the UTC time: ``2026-01-02 03:04:05.000006``, or without the
    fraction when it is zero. That text is respelt as the hashed ``2026-01-02T03:04:05.000006Z``
    without making a datetime: parsing and formatting each row cost more than hashing it. Any
    other text goes through the backend's own converters, as the ORM would read it. The respelt
    text equals the hashed spelling only when it is Django's spelling of that very time, so the
    shortcut can never let through a row the ORM's reading would fail.
    """
    convert = wrapper.ops.convert_datetimefield_value  # type: ignore[attr-defined]

    def timestamp_text(text: str) -> str | datetime | None:
        size = len(text)
        if size == 26 and text[10] == " " and text[19] == ".":
            return text.replace(" ", "T") + "Z"
        if size == 19 and text[10] == " ":
            return text.replace(" ", "T") + ".000000Z"
        return convert(parse_datetime(text), None, wrapper)

    return timestamp_text


def _sqlite_rows(wrapper: BaseDatabaseWrapper, chunk_size: int) -> Iterator[tuple[Any, ...]]:
    """Rows for ``chain.verify_rows`` straight from the cursor, created_at as stored text.

    CAST keeps the driver's datetime converter off the column; rows arrive ``chunk_size`` at
    a time, so memory stays flat however long the chain is.
    """
    quote = wrapper.ops.quote_name
    columns = ", ".join(
        "CAST(created_at AS TEXT)" if name == "created_at" else quote(name) for name in _COLUMNS
    )
    table = quote(AuditEntry._meta.db_table)

    def chunks() -> Iterator[list[tuple[Any, ...]]]:
        with wrapper.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY seq")  # noqa: S608
            while rows := cursor.fetchmany(chunk_size):
                yield rows

    # chain.from_iterable hands the rows on without a Python frame per row.
    return itertools.chain.from_iterable(chunks())


def verify(*, using: str = "default", chunk_size: int = 2_000) -> chain.VerifyResult:
    """Walk the whole chain in sequence order, in constant memory."""
    wrapper = connections[using]
    if wrapper.vendor == "sqlite":
        return chain.verify_rows(
            _sqlite_rows(wrapper, chunk_size), timestamp_text=_sqlite_timestamp(wrapper)
        )
    # PostgreSQL: the ORM's iterator reads through a server-side cursor, created_at as datetimes.
    rows = (
        AuditEntry.objects.using(using)
        .order_by("seq")
        .values_list(*_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    return chain.verify_rows(rows)
