"""record() outside any transaction (a CLI verb, a job, the benchmark): on SQLite it opens its own
BEGIN IMMEDIATE transaction on the driver's connection. It must chain, commit, and leave nothing
behind when it fails half-way. Run in a process of its own on a file database, because the test
database is always inside a transaction (and its triggers forbid the flush a transactional test
would need)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hipaaops.audit import services
from hipaaops.audit.models import Action, AuditEntry

SCRIPT = textwrap.dedent(
    """
    import django
    from django.core.management import call_command
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection
    from hipaaops.audit import services
    from hipaaops.audit.models import Action, AuditEntry

    assert not connection.in_atomic_block and connection.get_autocommit()
    first = services.record(Action.SYSTEM, actor=None, object_type="t.alone", object_repr="one")
    second = services.record(Action.SYSTEM, actor=None, object_type="t.alone", object_repr="two")
    assert second.seq == first.seq + 1 and second.prev_hash == first.entry_hash
    stored = AuditEntry.objects.get(pk=second.pk)
    assert (stored.seq, stored.entry_hash, stored.created_at) == (
        second.seq, second.entry_hash, second.created_at)

    real = services._chain_row
    def broken(*args, **kwargs):
        raise RuntimeError("the hash could not be computed")
    services._chain_row = broken
    try:
        services.record(Action.SYSTEM, actor=None, object_type="t.alone", object_repr="lost")
    except RuntimeError:
        pass
    else:
        raise AssertionError("the failure did not surface")
    services._chain_row = real
    assert not connection.in_atomic_block
    assert not AuditEntry.objects.filter(object_repr="lost").exists()
    third = services.record(Action.SYSTEM, actor=None, object_type="t.alone", object_repr="three")
    assert third.seq == second.seq + 1
    result = services.verify()
    assert result.ok, result.fault
    print("OK", result.checked)
    """
)


@pytest.mark.slow
def test_entries_recorded_alone_chain_commit_and_roll_back(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HIPAAOPS_ENV": "development",
        "HIPAAOPS_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hipaaops.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK")


@pytest.mark.django_db
def test_inside_a_transaction_a_failed_entry_rolls_back_the_whole_change(monkeypatch: Any) -> None:
    from django.db import transaction

    from hipaaops.organizations.models import Organization

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no hash")

    monkeypatch.setattr(services, "_chain_row", broken)
    with pytest.raises(RuntimeError), transaction.atomic():
        Organization.objects.create(name="Gone", slug="gone", entity_type="provider")
        services.record(Action.CREATE, actor=None, object_type="test.alone", object_repr="gone")
    assert not Organization.objects.filter(slug="gone").exists()
    assert not AuditEntry.objects.filter(object_repr="gone").exists()
