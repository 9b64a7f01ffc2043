"""Parsing of values that services receive from forms, API payloads, imports and the CLI, with
the refusal naming the field. Every module's services read dates through here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, overload

from hipaaops.core.errors import DomainError


@overload
def input_date(value: Any, field: str, *, required: Literal[True] = ...) -> date: ...
@overload
def input_date(value: Any, field: str, *, required: bool) -> date | None: ...
def input_date(value: Any, field: str, *, required: bool = True) -> date | None:
    """A date from a ``date`` (a datetime gives its day) or ISO 8601 text; None when empty and
    not required. Anything else is refused with a message naming the field."""
    label = field.replace("_", " ")
    if value in (None, ""):
        if required:
            raise DomainError(f"Give the {label}.", field=field)
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DomainError(f"The {label} must be a date (YYYY-MM-DD).", field=field)
