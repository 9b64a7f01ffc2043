"""The one write of the public breach record: importing an export of the HHS OCR breach portal.

Unlike an organization's own registers (where a file with one bad row loads nothing), the public
record is somebody else's data with known faults: a malformed row is skipped and reported by line
and column, and every good row is loaded. The import runs in one transaction with its audit entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import record
from hipaaops.breaches import rules
from hipaaops.breaches.models import PublicBreach
from hipaaops.core.errors import ConflictError, DomainError

if TYPE_CHECKING:
    from hipaaops.accounts.models import User

# The fields a later export of a known report may change. The description is kept when the later
# export has none (the portal's current lists carry no narrative; the archive does).
UPDATABLE = (
    "entity_name",
    "entity_type",
    "individuals_affected",
    "breach_types",
    "locations",
    "business_associate_present",
    "description",
)
BATCH = 500


@dataclass
class ImportResult:
    source: str  # the file's name
    format: str  # rules.Format
    read: int  # data rows in the file
    added: int = 0
    updated: int = 0  # reports already stored, changed by this file (a revised count, …)
    unchanged: int = 0  # reports already stored with the same values
    repeats: list[tuple[int, int]] = field(default_factory=list)  # (line, earlier line)
    errors: list[rules.RowError] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Rows that added nothing: reports stored already as they are, and repeats of an
        earlier row of the same file (same entity, State and submission date)."""
        return self.unchanged + len(self.repeats)

    @property
    def skipped_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})

    @property
    def skipped(self) -> int:
        return len(self.skipped_lines)


def _values(found: rules.BreachRecord, source: str) -> dict[str, Any]:
    return {
        "entity_name": found.entity_name,
        "name_key": rules.name_key(found.entity_name),
        "state": found.state,
        "entity_type": found.entity_type,
        "individuals_affected": found.individuals_affected,
        "submitted_on": found.submitted_on,
        "breach_types": list(found.breach_types),
        "locations": list(found.locations),
        "business_associate_present": found.business_associate_present,
        "description": found.description,
        "source": source[:200],
    }


def import_file(path: str | Path, *, actor: User | None = None) -> ImportResult:
    """Load one portal export (any of its three formats). Every malformed row is skipped and
    listed by line and column; a report already stored (same entity, State and submission date)
    is updated when this file says something new about it, and counted as a duplicate when not;
    a report repeated within the file is taken from its first row. ``DomainError`` (field
    ``file``) for a file that cannot be read or is not a portal export."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DomainError(f"{path.name}: cannot be read ({exc.strerror}).", field="file") from None
    try:
        parsed = rules.parse(rules.decode(data))
    except rules.FormatError as exc:
        raise DomainError(f"{path.name}: {exc}", field="file") from None
    source = path.name
    result = ImportResult(source, parsed.format.key.value, parsed.rows, errors=parsed.errors)

    first_line: dict[tuple[str, str, Any], int] = {}
    chosen: list[rules.BreachRecord] = []
    for line, found in parsed.records:
        if found.key in first_line:
            result.repeats.append((line, first_line[found.key]))
            continue
        first_line[found.key] = line
        chosen.append(found)

    now = timezone.now()
    with transaction.atomic():
        stored: dict[tuple[str, str, Any], PublicBreach] = {}
        if chosen:
            days = [r.submitted_on for r in chosen]
            for row in PublicBreach.objects.filter(
                submitted_on__gte=min(days), submitted_on__lte=max(days)
            ).order_by():
                stored[(row.name_key, row.state, row.submitted_on)] = row
        to_add: list[PublicBreach] = []
        to_change: list[PublicBreach] = []
        changes: list[dict[str, Any]] = []
        for found in chosen:
            values = _values(found, source)
            current = stored.get(found.key)
            if current is None:
                to_add.append(PublicBreach(**values, imported_at=now, updated_at=now))
                continue
            if not values["description"]:
                values["description"] = current.description
            changed = {
                name: [getattr(current, name), values[name]]
                for name in UPDATABLE
                if getattr(current, name) != values[name]
            }
            if not changed:
                result.unchanged += 1
                continue
            for name, (_old, new) in changed.items():
                setattr(current, name, new)
            current.source = values["source"]
            current.updated_at = now
            to_change.append(current)
            changes.append(
                {
                    "report": str(current),
                    **{k: v for k, v in changed.items() if k != "description"},
                }
            )
        try:
            PublicBreach.objects.bulk_create(to_add, batch_size=BATCH)
            PublicBreach.objects.bulk_update(
                to_change, [*UPDATABLE, "source", "updated_at"], batch_size=BATCH
            )
        except IntegrityError:
            raise ConflictError(
                f"{source}: another import stored some of these reports meanwhile; run it again.",
                field="file",
            ) from None
        result.added = len(to_add)
        result.updated = len(to_change)
        record(
            Action.CREATE,
            actor=actor,
            organization=None,
            object_type="breaches.publicbreach",
            object_repr=f"Breach portal import: {source}"[:200],
            changes={
                "source": source,
                "sha256": hashlib.sha256(data).hexdigest(),
                "format": result.format,
                "read": result.read,
                "added": result.added,
                "updated": result.updated,
                "duplicates": result.duplicates,
                "skipped": result.skipped,
                "skipped_lines": result.skipped_lines,
                "updates": changes,
            },
        )
    return result
