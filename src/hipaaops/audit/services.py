"""Writing to the audit trail. Every service that changes data calls ``record`` in its own
transaction, so the change and its entry commit together or not at all (45 CFR 164.312(b))."""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from hipaaops.audit import chain
from hipaaops.audit.models import Action, AuditEntry
from hipaaops.core import context

if TYPE_CHECKING:
    from hipaaops.accounts.models import User
    from hipaaops.organizations.models import Organization

MASK = "••••••"
# An arbitrary, fixed key for PostgreSQL's transaction-level advisory lock on the chain head.
_CHAIN_LOCK_KEY = 0x68697061  # "hipa"


def _jsonable(value: Any) -> Any:
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


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: transaction_mode=IMMEDIATE already holds the database's write lock.


def _head() -> tuple[int, str]:
    row = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    return row if row else (0, chain.GENESIS_HASH)


def _actor_label(actor: User | None, ctx: context.ActorContext) -> str:
    if actor is not None:
        return str(actor.email)
    return ctx.via or "system"


def _build(pending: PendingEntry, seq: int, prev_hash: str, now: datetime) -> AuditEntry:
    ctx = context.current()
    entry = AuditEntry(
        seq=seq,
        created_at=now,
        organization_id=pending.organization.pk if pending.organization is not None else None,
        actor_id=pending.actor.pk if pending.actor is not None else None,
        actor_label=_actor_label(pending.actor, ctx)[:254],
        action=pending.action,
        object_type=pending.object_type[:100],
        object_id=str(pending.object_id)[:64],
        object_repr=str(pending.object_repr)[:200],
        changes=chain.canonical_json(_jsonable(pending.changes)) if pending.changes else "",
        ip=(ctx.ip or "")[:45],
        user_agent=ctx.user_agent[:300],
        request_id=ctx.request_id[:64],
        via=ctx.via[:16],
        prev_hash=prev_hash,
    )
    entry.entry_hash = chain.entry_hash(
        prev_hash, (getattr(entry, name) for name in chain.HASHED_FIELDS)
    )
    return entry


def _target_fields(target: models.Model | None) -> dict[str, str]:
    if target is None:
        return {}
    return {
        "object_type": target._meta.label_lower,
        "object_id": str(target.pk),
        "object_repr": str(target),
    }


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
    with transaction.atomic():
        _lock_chain()
        seq, prev = _head()
        entry = _build(pending, seq + 1, prev, timezone.now())
        entry.save(force_insert=True)
    return entry


def record_many(pending: Iterable[PendingEntry], *, batch_size: int = 1000) -> int:
    """Append many entries in one transaction (bulk writes and imports). Returns the count."""
    count = 0
    with transaction.atomic():
        _lock_chain()
        seq, prev = _head()
        now = timezone.now()
        batch: list[AuditEntry] = []
        for item in pending:
            seq += 1
            entry = _build(item, seq, prev, now)
            prev = entry.entry_hash
            batch.append(entry)
            if len(batch) >= batch_size:
                AuditEntry.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        if batch:
            AuditEntry.objects.bulk_create(batch)
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


def verify(*, using: str = "default", chunk_size: int = 20_000) -> chain.VerifyResult:
    """Walk the whole chain in sequence order, in constant memory."""
    columns = [*chain.HASHED_FIELDS, "prev_hash", "entry_hash"]
    rows = (
        AuditEntry.objects.using(using)
        .order_by("seq")
        .values_list(*columns)
        .iterator(chunk_size=chunk_size)
    )
    return chain.verify_rows(rows)
