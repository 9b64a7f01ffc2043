"""The hash-chained audit trail: writing, verifying, and catching every kind of tampering
(45 CFR 164.312(b) audit controls, 164.312(c)(1) integrity)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.tasks import task

from hipaaops.audit import chain
from hipaaops.audit.models import Action, AuditEntry
from hipaaops.audit.services import PendingEntry, record, record_many, verify
from hipaaops.audit.tests.helpers import disable_append_only_triggers, execute, make_entries
from hipaaops.cli import main as cli_main

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A management command closes every database connection when it ends, which suits a
    process of its own; inside a test it would cut the test's transaction (PostgreSQL)."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def rows_in_order() -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("seq"))


def recomputed(entry: AuditEntry) -> str:
    return chain.entry_hash(entry.prev_hash, (getattr(entry, name) for name in chain.HASHED_FIELDS))


def run_verify(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """``hipaaops audit verify`` through the real CLI entry point: exit code and all output."""
    code = cli_main(["audit", "verify", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


# --- writing -----------------------------------------------------------------------------------


def test_record_chains_entries_with_contiguous_seq_and_linked_hashes() -> None:
    make_entries(5)
    rows = rows_in_order()
    assert [e.seq for e in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == chain.GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.entry_hash
    for entry in rows:
        assert len(entry.entry_hash) == 64
        assert recomputed(entry) == entry.entry_hash
    assert len({e.entry_hash for e in rows}) == 5


def test_record_takes_type_id_and_repr_from_the_target(cast: Any) -> None:
    entry = record(Action.UPDATE, actor=cast.owner, organization=cast.org, target=cast.org)
    assert (entry.object_type, entry.object_id, entry.object_repr) == (
        "organizations.organization",
        str(cast.org.pk),
        "Acme Clinic",
    )
    assert entry.actor_label == "alice@acme.test"
    assert entry.organization_id == cast.org.pk


def test_record_many_appends_a_contiguous_batch_to_the_chain() -> None:
    make_entries(2)
    pending = [
        PendingEntry(action=Action.CREATE, object_type="test.row", object_id=str(i))
        for i in range(5)
    ]
    # A small batch size exercises the flush inside the loop as well as the last one.
    assert record_many(pending, batch_size=2) == 5
    rows = rows_in_order()
    assert [e.seq for e in rows] == list(range(1, 8))
    assert [e.object_id for e in rows[2:]] == ["0", "1", "2", "3", "4"]
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.entry_hash
        assert recomputed(after) == after.entry_hash
    assert verify().ok
    assert record_many([]) == 0


def test_a_new_record_after_record_many_extends_the_same_chain() -> None:
    record_many([PendingEntry(action=Action.SYSTEM) for _ in range(3)])
    entry = record(Action.SYSTEM, actor=None)
    assert entry.seq == 4
    assert entry.prev_hash == AuditEntry.objects.get(seq=3).entry_hash


# --- verifying an intact chain ----------------------------------------------------------------


def test_verify_reports_an_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    make_entries(4)
    result = verify()
    assert result.ok
    assert (result.checked, result.head_seq) == (4, 4)
    assert result.head_hash == AuditEntry.objects.get(seq=4).entry_hash

    call_command("audit", "verify")
    assert "Audit chain intact: 4 entries checked" in capsys.readouterr().out

    code, output = run_verify(capsys)
    assert code == 0
    assert f"Head 4:{result.head_hash}" in output


def test_verify_of_an_empty_trail_is_intact(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run_verify(capsys, "--format", "json")
    assert code == 0
    report = json.loads(output)
    assert report["ok"] is True
    assert report["checked"] == 0
    assert report["head"] == {"seq": 0, "hash": chain.GENESIS_HASH}


def test_verify_json_names_the_first_failure(capsys: pytest.CaptureFixture[str]) -> None:
    make_entries(4)
    disable_append_only_triggers()
    execute("UPDATE audit_auditentry SET ip = %s WHERE seq = %s", ["10.0.0.9", 2])
    code, output = run_verify(capsys, "--format", "json")
    assert code == 1
    report = json.loads(output)
    assert report["ok"] is False
    assert report["first_failure"] == 2
    assert report["checked"] == 1
    assert "entry 2" in report["problem"]


# --- tampering ---------------------------------------------------------------------------------


def test_an_edited_row_breaks_the_chain_at_that_entry(capsys: pytest.CaptureFixture[str]) -> None:
    make_entries(5)
    disable_append_only_triggers()
    execute("UPDATE audit_auditentry SET object_repr = %s WHERE seq = %s", ["nothing to see", 3])

    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify")
    assert exc.value.code == 1
    assert "BROKEN at entry 3: content does not match its hash" in capsys.readouterr().err

    code, output = run_verify(capsys)
    assert code == 1
    assert "entry 3" in output
    assert "2 entries before it are intact" in output


def test_an_edited_hash_breaks_the_link_of_the_next_entry(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Rewriting an entry together with its own hash is caught by the next entry's link."""
    make_entries(5)
    disable_append_only_triggers()
    entry = AuditEntry.objects.get(seq=3)
    entry.object_repr = "rewritten"
    forged = recomputed(entry)
    execute(
        "UPDATE audit_auditentry SET object_repr = %s, entry_hash = %s WHERE seq = 3",
        ["rewritten", forged],
    )
    code, output = run_verify(capsys)
    assert code == 1
    assert "entry 4: previous-hash link does not match" in output


def test_a_deleted_middle_row_is_a_sequence_gap(capsys: pytest.CaptureFixture[str]) -> None:
    make_entries(5)
    disable_append_only_triggers()
    execute("DELETE FROM audit_auditentry WHERE seq = %s", [3])
    code, output = run_verify(capsys)
    assert code == 1
    assert "entry 4: sequence gap: expected entry 3, found 4" in output


def _insert_raw(entry: AuditEntry) -> None:
    columns = [*chain.HASHED_FIELDS, "prev_hash", "entry_hash"]
    values = [getattr(entry, name) for name in columns]
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO audit_auditentry ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    execute(sql, values)


def _forged(seq: int, prev_hash: str, created_at: Any) -> AuditEntry:
    return AuditEntry(
        seq=seq,
        created_at=created_at,
        actor_label="mallory@globex.test",
        action=Action.LOGIN,
        object_type="accounts.user",
        object_id="1",
        object_repr="forged",
        prev_hash=prev_hash,
        entry_hash="f" * 64,
    )


def test_a_forged_row_inserted_in_the_middle_is_caught(
    capsys: pytest.CaptureFixture[str],
) -> None:
    entries = make_entries(5)
    disable_append_only_triggers()
    # Make room after entry 3 (two steps, so the unique seq never collides), then slip a row in.
    execute("UPDATE audit_auditentry SET seq = -seq WHERE seq > 3")
    execute("UPDATE audit_auditentry SET seq = 1 - seq WHERE seq < 0")
    _insert_raw(_forged(4, entries[2].entry_hash, entries[2].created_at))
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    code, output = run_verify(capsys)
    assert code == 1
    assert "entry 4: content does not match its hash" in output


def test_a_forged_row_appended_past_the_head_is_a_gap(capsys: pytest.CaptureFixture[str]) -> None:
    entries = make_entries(3)
    # Inserting needs no trigger change: the triggers guard UPDATE and DELETE only.
    _insert_raw(_forged(7, entries[-1].entry_hash, entries[-1].created_at))
    code, output = run_verify(capsys)
    assert code == 1
    assert "entry 7: sequence gap: expected entry 4, found 7" in output


def test_a_forged_row_with_a_wrong_hash_at_the_head_is_caught(
    capsys: pytest.CaptureFixture[str],
) -> None:
    entries = make_entries(3)
    _insert_raw(_forged(4, entries[-1].entry_hash, entries[-1].created_at))
    code, output = run_verify(capsys)
    assert code == 1
    assert "entry 4: content does not match its hash" in output


def test_swapped_rows_break_the_chain_at_the_first_of_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_entries(5)
    disable_append_only_triggers()
    execute("UPDATE audit_auditentry SET seq = -2 WHERE seq = 2")
    execute("UPDATE audit_auditentry SET seq = 2 WHERE seq = 4")
    execute("UPDATE audit_auditentry SET seq = 4 WHERE seq = -2")
    code, output = run_verify(capsys)
    assert code == 1
    assert "BROKEN at entry 2: previous-hash link does not match" in output


# --- the database refuses rewrites ---------------------------------------------------------------


def _refused(operation: Any) -> str:
    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        operation()
    return str(exc.value)


def test_triggers_refuse_update_and_delete_through_the_orm() -> None:
    entries = make_entries(3)
    entry = entries[1]
    entry.object_repr = "changed"
    assert "append-only" in _refused(lambda: entry.save())
    assert "append-only" in _refused(
        lambda: AuditEntry.objects.filter(seq=2).update(object_repr="changed")
    )
    assert "append-only" in _refused(lambda: AuditEntry.objects.get(seq=3).delete())
    assert "append-only" in _refused(lambda: AuditEntry.objects.all().delete())
    assert AuditEntry.objects.count() == 3
    assert AuditEntry.objects.get(seq=2).object_repr == "event 1"
    assert verify().ok


def test_triggers_refuse_update_and_delete_in_raw_sql() -> None:
    make_entries(2)
    assert "append-only" in _refused(
        lambda: execute("UPDATE audit_auditentry SET object_repr = 'x' WHERE seq = 1")
    )
    assert "append-only" in _refused(lambda: execute("DELETE FROM audit_auditentry WHERE seq = 2"))
    if connection.vendor == "postgresql":
        assert "append-only" in _refused(lambda: execute("TRUNCATE audit_auditentry"))
    assert AuditEntry.objects.count() == 2
    assert verify().ok


# --- the recorded head ---------------------------------------------------------------------------


def test_expect_head_catches_entries_cut_off_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    entries = make_entries(5)
    head = f"5:{entries[-1].entry_hash}"
    assert run_verify(capsys, "--expect-head", head)[0] == 0

    disable_append_only_triggers()
    execute("DELETE FROM audit_auditentry WHERE seq > 3")
    # The shortened chain is consistent in itself...
    assert run_verify(capsys)[0] == 0
    # ...but does not reach the head recorded earlier.
    code, output = run_verify(capsys, "--expect-head", head)
    assert code == 1
    assert "entry 4: the chain ends at 3, expected at least 5" in output


def test_expect_head_is_met_by_a_chain_that_grew_since(capsys: pytest.CaptureFixture[str]) -> None:
    entries = make_entries(3)
    make_entries(2)
    assert run_verify(capsys, "--expect-head", f"3:{entries[-1].entry_hash}")[0] == 0


def _rehash_from(seq: int) -> None:
    """What a forger who knows the algorithm does: recompute every hash from ``seq`` on."""
    prev = AuditEntry.objects.get(seq=seq - 1).entry_hash if seq > 1 else chain.GENESIS_HASH
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev
        entry.entry_hash = recomputed(entry)
        execute(
            "UPDATE audit_auditentry SET prev_hash = %s, entry_hash = %s WHERE seq = %s",
            [entry.prev_hash, entry.entry_hash, entry.seq],
        )
        prev = entry.entry_hash


def test_expect_head_catches_a_rewritten_chain(capsys: pytest.CaptureFixture[str]) -> None:
    entries = make_entries(4)
    recorded = f"4:{entries[-1].entry_hash}"
    disable_append_only_triggers()
    execute("UPDATE audit_auditentry SET object_repr = 'rewritten' WHERE seq = 2")
    _rehash_from(2)
    assert run_verify(capsys)[0] == 0  # internally consistent again
    code, output = run_verify(capsys, "--expect-head", recorded)
    assert code == 1
    assert "entry 4" in output

    # Entries written after the rewrite must not hide it.
    make_entries(2)
    code, output = run_verify(capsys, "--expect-head", recorded)
    assert code == 1
    assert "entry 4" in output


@pytest.mark.parametrize("value", ["5", "x:abc", f"5:{'a' * 63}", f"-1:{'a' * 64}"])
def test_expect_head_must_be_seq_and_hash(capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, output = run_verify(capsys, f"--expect-head={value}")
    assert code == 2
    assert "--expect-head must look like SEQ:HASH" in output


# --- pure chain rules --------------------------------------------------------------------------


def test_chain_verify_rows_without_a_database() -> None:
    fields = ["x"] * (len(chain.HASHED_FIELDS) - 1)
    first = chain.entry_hash(chain.GENESIS_HASH, [1, *fields])
    second = chain.entry_hash(first, [2, *fields])
    good = [(1, *fields, chain.GENESIS_HASH, first), (2, *fields, first, second)]
    assert chain.verify_rows(iter(good)).ok
    assert chain.verify_rows(iter(good)).head_hash == second
    bad = [good[0], (2, *fields, first, first)]
    result = chain.verify_rows(iter(bad))
    assert result.fault == chain.ChainFault(2, "content does not match its hash")
    assert result.head_seq == 1


def test_canonical_json_is_order_independent() -> None:
    assert chain.canonical_json({"b": 1, "a": [1, "é"]}) == chain.canonical_json(
        {"a": [1, "é"], "b": 1}
    )
    assert chain.canonical_json({"a": 1}) == '{"a":1}'


# --- work outside a request ----------------------------------------------------------------------


@task
def audited_background_job(label: str) -> int:
    """A job that writes through the audit service, as every service does."""
    return record(Action.SYSTEM, actor=None, object_type="test.job", object_repr=label).seq


def test_a_background_task_leaves_an_entry_naming_the_task() -> None:
    result = audited_background_job.enqueue("nightly report")
    assert result.status == "SUCCESSFUL"
    entry = AuditEntry.objects.get(object_type="test.job")
    assert result.return_value == entry.seq
    assert entry.object_repr == "nightly report"
    assert entry.via == "task"
    assert entry.actor_label == "task"
    assert entry.request_id.endswith("audited_background_job")
    assert verify().ok
