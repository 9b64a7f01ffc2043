"""The hash chain of the audit trail (45 CFR 164.312(b) audit controls, 164.312(c)(1) integrity).

Plain Python: no Django imports. Each entry's hash covers its own fields and the previous entry's
hash, so an edit, a deletion, an insertion or a reordering breaks the chain at that entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
_SEP = "\x1f"

# The order of the fields that are hashed. Changing it invalidates every existing chain.
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


def canonical_json(value: Any) -> str:
    """One spelling for a JSON value, so the same content always hashes the same."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, values: Iterable[Any]) -> str:
    parts = [prev_hash]
    for value in values:
        if value is None:
            parts.append("")
        elif isinstance(value, datetime):
            parts.append(format_timestamp(value))
        else:
            parts.append(str(value))
    return hashlib.sha256(_SEP.join(parts).encode("utf-8")).hexdigest()


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


def verify_rows(rows: Iterator[tuple[Any, ...]]) -> VerifyResult:
    """Check rows of (HASHED_FIELDS..., prev_hash, entry_hash) in sequence order.

    Runs in constant memory: only the previous hash is kept.
    """
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    n = len(HASHED_FIELDS)
    for row in rows:
        seq = row[0]
        stored_prev, stored_hash = row[n], row[n + 1]
        if seq != expected_seq:
            reason = (
                f"sequence gap: expected entry {expected_seq}, found {seq} "
                "(an entry was deleted or inserted)"
            )
            return VerifyResult(checked, expected_seq - 1, prev, ChainFault(seq, reason))
        if stored_prev != prev:
            return VerifyResult(
                checked,
                seq - 1,
                prev,
                ChainFault(seq, "previous-hash link does not match the entry before it"),
            )
        if entry_hash(prev, row[:n]) != stored_hash:
            return VerifyResult(
                checked, seq - 1, prev, ChainFault(seq, "content does not match its hash")
            )
        prev = stored_hash
        expected_seq += 1
        checked += 1
    return VerifyResult(checked, expected_seq - 1, prev, None)
