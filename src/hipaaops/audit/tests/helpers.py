"""Helpers for tests that tamper with the audit trail the way an attacker with database access
would: the append-only triggers are switched off first, inside the test's transaction."""

from __future__ import annotations

from typing import Any

from django.db import connection

from hipaaops.audit.models import Action, AuditEntry
from hipaaops.audit.services import record


def disable_append_only_triggers() -> None:
    """Drop (SQLite) or disable (PostgreSQL) the triggers; the test transaction restores them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_update")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


def execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def make_entries(count: int) -> list[AuditEntry]:
    return [
        record(Action.SYSTEM, actor=None, object_type="test.event", object_repr=f"event {i}")
        for i in range(count)
    ]
