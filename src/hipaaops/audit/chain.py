"""The hash chain of the audit trail (45 CFR 164.312(b) audit controls, 164.312(c)(1) integrity).

Plain Python: no Django imports. Each entry's hash covers its own fields and the previous entry's
hash, so an edit, a deletion, an insertion or a reordering breaks the chain at that entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
_SEP = "\x1f"

# The order of the fields that are hashed. Changing it invalidates every existing chain.
# ``verify_rows`` unpacks rows by these names, in this order: keep the two in step.
HASHED_FIELDS = (
    "seq",
    "created_at",
    "organization_id",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip",
    "user_agent",
    "request_id",
    "via",
)


# json.dumps with these options would build the same encoder on every call.
_CANONICAL_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def canonical_json(value: Any) -> str:
    """One spelling for a JSON value, so the same content always hashes the same."""
    return _CANONICAL_JSON.encode(value)


def format_timestamp(moment: datetime) -> str:
    """``%Y-%m-%dT%H:%M:%S.%fZ`` in UTC; isoformat is the same spelling, at a third of the cost."""
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # strftime's %Y does not pad years below 1000 on every platform
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_timestamp(value)
    return str(value)


def entry_text(prev_hash: str, values: Iterable[Any]) -> str:
    """The string that is hashed: the previous hash and the values, joined with \\x1f."""
    return _SEP.join([prev_hash, *[v if v.__class__ is str else _text(v) for v in values]])


def entry_hash(prev_hash: str, values: Iterable[Any]) -> str:
    return hashlib.sha256(entry_text(prev_hash, values).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainFault:
    seq: int
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    head_seq: int
    head_hash: str
    fault: ChainFault | None

    @property
    def ok(self) -> bool:
        return self.fault is None


def verify_rows(
    rows: Iterable[tuple[Any, ...]],
    *,
    timestamp_text: Callable[[str], str | datetime | None] | None = None,
) -> VerifyResult:
    """Check rows of (HASHED_FIELDS..., prev_hash, entry_hash) in sequence order.

    Runs in constant memory: only the previous hash is kept. ``timestamp_text``, when given,
    turns a ``created_at`` that arrives as text (SQLite) into the spelling that is hashed (or
    into a datetime or None, hashed as any other).

    This loop is the cost of a verify (bench/audit_chain.py), so it unpacks each row by name
    and joins the usual row (text columns, integer ids) in one step; a row holding anything
    else is spelt by ``entry_text``, and both spell every row the same.
    """
    prev = GENESIS_HASH
    expected_seq = 1  # also one more than the number of entries checked so far
    sha256 = hashlib.sha256
    join = _SEP.join
    # The names are HASHED_FIELDS in order, then the two stored hashes.
    for (
        seq,
        created_at,
        organization_id,
        actor_id,
        actor_label,
        action,
        object_type,
        object_id,
        object_repr,
        changes,
        ip,
        user_agent,
        request_id,
        via,
        stored_prev,
        stored_hash,
    ) in rows:
        if seq != expected_seq:
            reason = (
                f"sequence gap: expected entry {expected_seq}, found {seq} "
                "(an entry was deleted or inserted)"
            )
            return VerifyResult(expected_seq - 1, expected_seq - 1, prev, ChainFault(seq, reason))
        if stored_prev != prev:
            return VerifyResult(
                expected_seq - 1,
                seq - 1,
                prev,
                ChainFault(seq, "previous-hash link does not match the entry before it"),
            )
        if timestamp_text is not None and created_at.__class__ is str:
            created_at = timestamp_text(created_at)
        if created_at.__class__ is not str:
            created_at = _text(created_at)
        if organization_id.__class__ is not int:
            organization_id = _text(organization_id)
        if actor_id.__class__ is not int:
            actor_id = _text(actor_id)
        parts = (
            prev,
            str(seq),
            created_at,
            str(organization_id),
            str(actor_id),
            actor_label,
            action,
            object_type,
            object_id,
            object_repr,
            changes,
            ip,
            user_agent,
            request_id,
            via,
        )
        try:
            text = join(parts)
        except TypeError:  # a column that is not text (None, a number): the general spelling
            text = entry_text(prev, parts[1:])
        if sha256(text.encode("utf-8")).hexdigest() != stored_hash:
            return VerifyResult(
                expected_seq - 1, seq - 1, prev, ChainFault(seq, "content does not match its hash")
            )
        prev = stored_hash
        expected_seq += 1
    return VerifyResult(expected_seq - 1, expected_seq - 1, prev, None)
