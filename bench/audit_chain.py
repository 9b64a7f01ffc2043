#!/usr/bin/env python3
"""Benchmark of the audit trail's hash chain: append rate, verify time and memory, beside the
machine's raw SHA-256 rate for the same bytes (the physical limit of a verify).

    .venv/bin/python bench/audit_chain.py [--entries 20000] [--chain-size 1000000] [--json]

It works in a temporary data folder (its own SQLite file, never the developer's), with
HIPAAOPS_ENV=development, and deletes the folder at the end unless --keep is given. A missed
target is reported, not an error: the exit status is 0 unless the benchmark itself fails
(a chain that does not verify is such a failure). See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APPEND_TARGET = 2_000  # entries/s through record(), one call per entry
VERIFY_TARGET_SECONDS = 10.0  # for a 1,000,000-entry chain
VERIFY_TARGET_SIZE = 1_000_000
SMALL_CHAIN = 100_000  # the chain length memory is compared at
MEMORY_SLACK = 1.25  # "flat": the peak at the full chain within 25 % (+1 MiB) of the small one
BUILD_BATCH = 10_000  # entries per record_many call while growing the chain
HASH_CHUNK = 50_000  # entries whose canonical bytes are held in memory at once

MiB = 1024 * 1024


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the audit chain: append, verify, memory and raw SHA-256.",
    )
    parser.add_argument(
        "--entries",
        type=int,
        default=20_000,
        help="entries appended one record() call each, and again through record_many "
        "(default 20000)",
    )
    parser.add_argument(
        "--chain-size",
        type=int,
        default=VERIFY_TARGET_SIZE,
        help="length of the chain that is verified (default 1000000)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document instead")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations during the memory runs (about six times slower)",
    )
    # Internal: verify an existing data folder in this (fresh) process; report time and memory.
    parser.add_argument("--fresh-verify", metavar="DATA_DIR", help=argparse.SUPPRESS)
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary data folder and print its path"
    )
    args = parser.parse_args(argv)
    if args.entries < 1 or args.chain_size < 1:
        parser.error("--entries and --chain-size must be at least 1")
    return args


def _setup_django(data_dir: Path, *, migrate: bool = True) -> None:
    """Settings for a throwaway SQLite database; must run before anything imports Django."""
    os.environ["HIPAAOPS_ENV"] = "development"
    os.environ["HIPAAOPS_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)  # never the developer's (or anyone's) database
    os.environ["DJANGO_SETTINGS_MODULE"] = "hipaaops.settings"
    os.environ["DEBUG"] = "0"  # DEBUG keeps the last queries in memory and slows every one
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Timed:
    wall: float
    cpu: float


def _timed(fn: Callable[[], Any]) -> tuple[Any, Timed]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, Timed(time.perf_counter() - wall, time.process_time() - cpu)


def _status_kib(name: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of resident memory (Linux 4.0+; elsewhere the
    growth is not reported)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _fresh_verify(data_dir: Path, trace: bool) -> dict[str, Any]:
    """Verify the chain in ``data_dir`` in this (fresh) process; report time and memory.

    A fresh process, because the one that built the chain holds freed memory that a verify
    would reuse, which hides growth. The kernel's high-water mark of resident memory is reset
    just before the verify, so the figure is what the verify itself added.
    """
    _setup_django(data_dir, migrate=False)
    from django.db import connection

    from hipaaops.audit.services import verify

    connection.ensure_connection()
    gc.collect()
    rss_before = _status_kib("VmRSS")
    reset = _reset_peak_rss()
    started, cpu = time.perf_counter(), time.process_time()
    result = verify()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    high = _status_kib("VmHWM") if reset else None
    peak = None
    if trace:  # a second run: tracing slows the first one's clock down several times
        tracemalloc.start()
        verify()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {
        "ok": result.ok,
        "checked": result.checked,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "rss_before_bytes": None if rss_before is None else rss_before * 1024,
        # Growth of the peak resident set over its level before the verify.
        "rss_growth_bytes": (
            None if high is None or rss_before is None else max(0, high - rss_before) * 1024
        ),
        "tracemalloc_peak_bytes": peak,
    }


def _verify_in_fresh_process(data_dir: Path, trace: bool) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--fresh-verify", str(data_dir)]
    if trace:
        command.append("--tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the fresh-process verify failed:\n{done.stderr}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


# --- the workload ------------------------------------------------------------------------------

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@dataclass
class Cast:
    actor: Any
    organization: Any


def _cast() -> Cast:
    from hipaaops.accounts.models import User
    from hipaaops.organizations.models import EntityType, Organization

    actor = User.objects.create_user("officer@bench.example", full_name="Bench Officer")
    organization = Organization.objects.create(
        name="Bench Family Medicine", slug="bench", entity_type=EntityType.PROVIDER
    )
    return Cast(actor, organization)


def _request() -> Any:
    from hipaaops.core.context import ActorContext

    return ActorContext(
        ip="203.0.113.24", user_agent=USER_AGENT, request_id=uuid.uuid4().hex, via="web"
    )


def _changes(i: int) -> dict[str, Any]:
    return {"status": ["in_progress", "implemented"], "owner": [None, 7], "review": i % 12}


def _target(i: int) -> dict[str, str]:
    return {
        "object_type": "safeguards.safeguarditem",
        "object_id": str(10_000 + i),
        "object_repr": f"164.308(a)(1)(ii)(A) Risk analysis, site {i % 40}",
    }


def _append_single(cast: Cast, count: int) -> Timed:
    """One record() call, in its own request context, per entry: the path every service takes.

    The contexts (a request id each) are made before the clock starts: making them is the
    request middleware's work, not the audit trail's.
    """
    from hipaaops.audit.models import Action
    from hipaaops.audit.services import record
    from hipaaops.core.context import acting

    requests = [_request() for _ in range(count)]
    changes = [_changes(i) for i in range(count)]
    targets = [_target(i) for i in range(count)]

    def append() -> None:
        for i in range(count):
            with acting(requests[i]):
                record(
                    Action.UPDATE,
                    actor=cast.actor,
                    organization=cast.organization,
                    changes=changes[i],
                    **targets[i],
                )

    return _timed(append)[1]


def _pending(cast: Cast, count: int, start: int = 0) -> Iterator[Any]:
    from hipaaops.audit.models import Action
    from hipaaops.audit.services import PendingEntry

    for i in range(start, start + count):
        yield PendingEntry(
            action=Action.UPDATE,
            actor=cast.actor,
            organization=cast.organization,
            changes=_changes(i),
            **_target(i),
        )


def _append_bulk(cast: Cast, count: int, batch: int) -> None:
    from hipaaops.audit.services import record_many
    from hipaaops.core.context import acting

    done = 0
    with acting(_request()):
        while done < count:
            step = min(batch, count - done)
            record_many(_pending(cast, step, done))
            done += step


def _chain_length() -> int:
    from hipaaops.audit.models import AuditEntry

    return AuditEntry.objects.count()


def _grow_to(cast: Cast, size: int, progress: Callable[[str], None]) -> Timed:
    """Extend the chain to ``size`` entries through record_many, BUILD_BATCH per call."""
    have = _chain_length()
    if have >= size:
        return Timed(0.0, 0.0)
    progress(f"building the chain: {have:,} -> {size:,} entries through record_many")
    _, took = _timed(lambda: _append_bulk(cast, size - have, BUILD_BATCH))
    return took


# --- the peer: SQLite alone --------------------------------------------------------------------


def _sqlite_peer(db_path: Path, rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    """The same rows into a copy of the table (same columns, indexes and pragmas) in a scratch
    file, with no Django and no hashing: one INSERT and COMMIT per row, then executemany."""
    source = sqlite3.connect(db_path)
    schema = [
        sql
        for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'audit_auditentry' "
            "AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC"
        )
    ]
    source.close()
    scratch = db_path.with_name("peer.sqlite3")
    con = sqlite3.connect(scratch, isolation_level=None)
    con.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    for sql in schema:
        con.execute(sql)
    columns = (
        "seq, created_at, organization_id, actor_id, actor_label, action, object_type, "
        "object_id, object_repr, changes, ip, user_agent, request_id, via, prev_hash, entry_hash"
    )
    insert = f"INSERT INTO audit_auditentry ({columns}) VALUES ({', '.join('?' * 16)})"

    def single() -> None:
        for row in rows:
            con.execute("BEGIN IMMEDIATE")
            con.execute(insert, row)
            con.execute("COMMIT")

    def bulk() -> None:
        con.execute("BEGIN IMMEDIATE")
        con.executemany(insert, [(r[0] + len(rows), *r[1:]) for r in rows])
        con.execute("COMMIT")

    _, one = _timed(single)
    _, many = _timed(bulk)
    con.close()
    return len(rows) / one.wall, len(rows) / many.wall


def _sample_rows(count: int) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq, CAST(created_at AS TEXT), organization_id, actor_id, actor_label, "
            "action, object_type, object_id, object_repr, changes, ip, user_agent, request_id, "
            "via, prev_hash, entry_hash FROM audit_auditentry ORDER BY seq LIMIT %s",
            [count],
        )
        return [tuple(r) for r in cursor.fetchall()]


# --- the limit: SHA-256 of the same bytes ------------------------------------------------------


def _canonical_chunks(chunk: int) -> Iterator[list[bytes]]:
    """The bytes verify hashes for each entry (chain.entry_text of the stored row, as UTF-8),
    read from the database ``chunk`` entries at a time."""
    from django.db import connection

    from hipaaops.audit import chain, services

    to_text = services._sqlite_timestamp(connection)
    n = len(chain.HASHED_FIELDS)
    rows = services._sqlite_rows(connection, 20_000)
    out: list[bytes] = []
    for row in rows:
        values = list(row[:n])
        values[1] = to_text(values[1])
        out.append(chain.entry_text(row[n], values).encode("utf-8"))
        if len(out) >= chunk:
            yield out
            out = []
    if out:
        yield out


@dataclass
class HashRate:
    entries: int = 0
    nbytes: int = 0
    seconds: float = 0.0
    check: str = ""  # the last digest, compared with the chain's head
    stream_mb_s: float = 0.0  # one long buffer: the CPU's raw SHA-256 throughput (MB = 10^6 B)


def _raw_sha256() -> HashRate:
    rate = HashRate()
    sha256 = hashlib.sha256
    for chunk in _canonical_chunks(HASH_CHUNK):
        gc.collect()
        started = time.perf_counter()
        for data in chunk:
            digest = sha256(data).hexdigest()
        rate.seconds += time.perf_counter() - started
        rate.entries += len(chunk)
        rate.nbytes += sum(map(len, chunk))
        rate.check = digest
    buffer = os.urandom(64 * MiB)
    started = time.perf_counter()
    hashlib.sha256(buffer).digest()
    rate.stream_mb_s = len(buffer) / 1e6 / (time.perf_counter() - started)
    return rate


# --- the report --------------------------------------------------------------------------------


@dataclass
class Row:
    metric: str
    ours: str
    limit: str
    target: str
    met: bool | None  # None: no target


@dataclass
class Report:
    machine: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "openssl": __import__("ssl").OPENSSL_VERSION,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}/s"


def _mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MiB:.1f} MiB"


def _print_table(report: Report) -> None:
    m = report.machine
    print()
    print(
        f"audit chain benchmark, {m['date']}: {m['cpu']}, {m['cores']} cores, Python "
        f"{m['python']}, SQLite {m['sqlite']}, load average {m['load_average_start']} at start, "
        f"{m['load_average_end']} at end"
    )
    headers = ("metric", "ours", "limit / peer", "target", "met")
    table = [
        (r.metric, r.ours, r.limit, r.target, "-" if r.met is None else ("yes" if r.met else "NO"))
        for r in report.rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *table, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print()
    print(line.format(*headers))
    print(line.format(*("-" * w for w in widths)))
    for values in table:
        print(line.format(*values))
    print()
    missed = [r.metric for r in report.rows if r.met is False]
    if missed:
        print("TARGET MISSED: " + "; ".join(missed) + ". (This is a report: the exit status is 0.)")
    else:
        print("All targets met.")
    cores = m["cores"] or 1
    if max(m["load_average_start"][0], m["load_average_end"][0]) > cores / 2:
        print(
            f"Note: the machine was busy (load average above {cores / 2:g} on {cores} cores); "
            "other processes slow every figure. Compare the CPU seconds in --json, or rerun."
        )


def run(args: argparse.Namespace, data_dir: Path, progress: Callable[[str], None]) -> Report:
    from django.db import connection

    from hipaaops.audit import services

    report = Report(_machine())
    fig = report.figures
    cast = _cast()

    # 1. Append, one record() call per entry, then record_many in batches of 1,000.
    progress(f"appending {args.entries:,} entries, one record() call each")
    _append_single(cast, min(200, args.entries))  # warm-up: imports, statement caches
    single = _append_single(cast, args.entries)
    progress(f"appending {args.entries:,} entries through record_many, 1,000 per call")
    _, bulk = _timed(lambda: _append_bulk(cast, args.entries, 1_000))
    fig["append_single"] = {
        "entries": args.entries,
        "seconds": round(single.wall, 3),
        "cpu_seconds": round(single.cpu, 3),
        "per_second": round(args.entries / single.wall),
    }
    fig["append_bulk"] = {
        "entries": args.entries,
        "batch": 1_000,
        "seconds": round(bulk.wall, 3),
        "cpu_seconds": round(bulk.cpu, 3),
        "per_second": round(args.entries / bulk.wall),
    }
    progress("the same rows into SQLite alone (the peer)")
    peer_single, peer_bulk = _sqlite_peer(
        Path(connection.settings_dict["NAME"]), _sample_rows(min(args.entries, 5_000))
    )
    fig["sqlite_alone"] = {
        "insert_commit_per_second": round(peer_single),
        "executemany_per_second": round(peer_bulk),
    }

    # 2. Verify a small chain and the full one, here and in a fresh process. The fresh one is
    # what `hipaaops audit verify` does, and the one the target is judged on: this process has
    # just written the whole chain, and its heap and caches show it. Memory is measured there.
    sizes = sorted({min(SMALL_CHAIN, args.chain_size), args.chain_size})
    built = Timed(0.0, 0.0)
    verified: dict[int, dict[str, Any]] = {}
    for size in sizes:
        took = _grow_to(cast, size, progress)
        built = Timed(built.wall + took.wall, built.cpu + took.cpu)
        size = max(size, _chain_length())
        progress(f"verifying {size:,} entries")
        result, timing = _timed(services.verify)
        if not result.ok or result.checked != size:
            raise SystemExit(f"the chain did not verify: {result}")
        progress(f"verifying {size:,} entries in a fresh process, measuring memory")
        memory = _verify_in_fresh_process(data_dir, args.tracemalloc)
        if not memory["ok"] or memory["checked"] != size:
            raise SystemExit(f"the chain did not verify in the fresh process: {memory}")
        verified[size] = {
            "seconds": round(timing.wall, 3),
            "cpu_seconds": round(timing.cpu, 3),
            "per_second": round(size / timing.wall),
            "head": f"{result.head_seq}:{result.head_hash}",
            "fresh_process": memory,
        }
    full = max(verified)
    fig["verify"] = {str(k): v for k, v in verified.items()}
    fig["build"] = {"entries": full, "seconds": round(built.wall, 3)}

    # 3. The limit: SHA-256 over the same canonical bytes, nothing else in the loop.
    progress(f"raw SHA-256 over the canonical bytes of {full:,} entries")
    rate = _raw_sha256()
    if rate.check != verified[full]["head"].split(":")[1]:
        raise SystemExit("the raw SHA-256 pass did not reach the chain's head hash")
    fig["raw_sha256"] = {
        "entries": rate.entries,
        "bytes": rate.nbytes,
        "seconds": round(rate.seconds, 3),
        "per_second": round(rate.entries / rate.seconds),
        "mb_per_second": round(rate.nbytes / 1e6 / rate.seconds, 1),
        "mean_entry_bytes": round(rate.nbytes / rate.entries),
        "stream_mb_per_second": round(rate.stream_mb_s, 1),
    }
    report.machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    # The table.
    single_rate = args.entries / single.wall
    report.rows.append(
        Row(
            "append, one record() per entry",
            f"{_fmt_rate(single_rate)} ({_fmt_rate(args.entries / single.cpu)} per CPU second)",
            f"SQLite alone {_fmt_rate(peer_single)}",
            f">= {APPEND_TARGET:,}/s",
            single_rate >= APPEND_TARGET,
        )
    )
    report.rows.append(
        Row(
            "append, record_many (1,000 a call)",
            f"{_fmt_rate(args.entries / bulk.wall)} "
            f"({_fmt_rate(args.entries / bulk.cpu)} per CPU second)",
            f"SQLite alone {_fmt_rate(peer_bulk)}",
            "-",
            None,
        )
    )

    def sha_alone(size: int) -> str:
        return f"SHA-256 alone {size / (rate.entries / rate.seconds):.2f} s"

    for size in sorted(verified)[:-1]:
        probe = verified[size]["fresh_process"]
        report.rows.append(
            Row(
                f"verify {size:,} entries",
                f"{probe['seconds']:.2f} s fresh, {verified[size]['seconds']:.2f} s in-process",
                sha_alone(size),
                "-",
                None,
            )
        )
    v = verified[full]
    probe = v["fresh_process"]
    # The target is for 1,000,000 entries; shorter chains (--chain-size) get it pro rata, down
    # to SMALL_CHAIN, below which start-up costs dominate and no target is set.
    target_seconds = VERIFY_TARGET_SECONDS * full / VERIFY_TARGET_SIZE
    if full == VERIFY_TARGET_SIZE:
        target = f"< {VERIFY_TARGET_SECONDS:g} s"
    elif full >= SMALL_CHAIN:
        target = f"< {target_seconds:.3g} s (pro rata)"
    else:
        target = "-"
    report.rows.append(
        Row(
            f"verify {full:,} entries, fresh process",
            f"{probe['seconds']:.2f} s, {probe['cpu_seconds']:.2f} s CPU "
            f"({_fmt_rate(full / probe['seconds'])})",
            sha_alone(full),
            target,
            None if target == "-" else probe["seconds"] < target_seconds,
        )
    )
    report.rows.append(
        Row(
            f"verify {full:,} entries, in-process",
            f"{v['seconds']:.2f} s, {v['cpu_seconds']:.2f} s CPU ({_fmt_rate(v['per_second'])})",
            sha_alone(full),
            "-",
            None,
        )
    )
    if len(verified) > 1:
        small = min(verified)
        before, after = verified[small]["fresh_process"], verified[full]["fresh_process"]
        for key, label in (
            ("rss_growth_bytes", "verify memory, peak RSS growth"),
            ("tracemalloc_peak_bytes", "verify memory, Python peak"),
        ):
            if before[key] is None or after[key] is None:
                continue
            report.rows.append(
                Row(
                    label,
                    f"{_mib(before[key])} at {small:,}, {_mib(after[key])} at {full:,}",
                    "-",
                    "flat",
                    after[key] <= before[key] * MEMORY_SLACK + MiB,
                )
            )
    report.rows.append(
        Row(
            "raw SHA-256 of the same bytes",
            f"{fig['raw_sha256']['mb_per_second']:,.0f} MB/s, "
            f"{_fmt_rate(fig['raw_sha256']['per_second'])}",
            f"one long buffer {rate.stream_mb_s:,.0f} MB/s",
            "-",
            None,
        )
    )
    return report


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.fresh_verify:
        print(json.dumps(_fresh_verify(Path(args.fresh_verify), args.tracemalloc)))
        return 0
    data_dir = Path(tempfile.mkdtemp(prefix="hipaaops-bench-"))

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    try:
        progress(f"data folder {data_dir}")
        _setup_django(data_dir)
        report = run(args, data_dir, progress)
    finally:
        if args.keep:
            progress(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    if args.json:
        print(
            json.dumps(
                {
                    "machine": report.machine,
                    "figures": report.figures,
                    "table": [r.__dict__ for r in report.rows],
                    "targets_met": all(r.met is not False for r in report.rows),
                },
                indent=2,
            )
        )
    else:
        _print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
