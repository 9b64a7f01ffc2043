"""A real ``hipaaops worker`` runs a ``django.tasks`` job enqueued by another process, on Redis
(HIPAAOPS_TEST_REDIS_URL) and on the default SQLite queue, and the result comes back through
``get_result``.

Both the worker and the enqueuing process are subprocesses with the same configuration: a temporary
SQLite data folder, ``HIPAAOPS_TASKS_IMMEDIATE=0`` and, for Redis, ``REDIS_URL``. The Redis case is
skipped without HIPAAOPS_TEST_REDIS_URL, except under CI, where it fails.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

RESULT_TIMEOUT = 30  # seconds the enqueuing process waits for the worker's result
MARKER = "HIPAAOPS-TEST-RESULT "

# Enqueue ping(21), poll get_result until the worker has run it, then read its audit entry.
ENQUEUE_AND_WAIT = f"""
import json, time
from django.tasks import default_task_backend
from django.tasks.base import TaskResultStatus
from hipaaops.audit.models import AuditEntry
from hipaaops.core.jobs import ping

enqueued = ping.enqueue(21)
deadline = time.monotonic() + {RESULT_TIMEOUT}
result = default_task_backend.get_result(enqueued.id)
while not result.is_finished and time.monotonic() < deadline:
    time.sleep(0.2)
    result = default_task_backend.get_result(enqueued.id)
entry = AuditEntry.objects.filter(object_type="job", object_repr="ping(21)").first()
print({MARKER!r} + json.dumps({{
    "enqueued_status": str(enqueued.status),
    "status": str(result.status),
    "value": result.return_value if result.status == TaskResultStatus.SUCCESSFUL else None,
    "errors": [e.traceback for e in result.errors],
    "audit": None if entry is None else {{"via": entry.via, "request_id": entry.request_id}},
}}))
"""


def _environment(data_dir: Path, redis_url: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HIPAAOPS_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        HIPAAOPS_ENV="development",  # keys kept in the data folder, shared by both processes
        HIPAAOPS_DATA_DIR=str(data_dir),
        HIPAAOPS_TASKS_IMMEDIATE="0",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _hipaaops(*args: str) -> list[str]:
    return [sys.executable, "-m", "hipaaops", *args]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # Huey's consumer finishes the job in hand on SIGINT; SIGKILL if it does not.
    for sig, wait in ((signal.SIGINT, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


Runner = Callable[[str | None], dict[str, object]]


@pytest.fixture
def run_through_worker(tmp_path: Path) -> Iterator[Runner]:
    """Start a worker for the given Redis URL (or SQLite queue), enqueue ping(21) from another
    process, and return what that process saw."""
    workers: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "worker.log"

    def run(redis_url: str | None) -> dict[str, object]:
        data_dir = tmp_path / "data"
        env = _environment(data_dir, redis_url)
        migrate = subprocess.run(
            _hipaaops("migrate", "--noinput"), env=env, capture_output=True, timeout=300
        )
        assert migrate.returncode == 0, migrate.stderr.decode()[-4000:]
        worker = subprocess.Popen(
            _hipaaops("worker", "--workers", "1"),
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        workers.append(worker)
        enqueue = subprocess.run(
            _hipaaops("manage", "shell", "-c", ENQUEUE_AND_WAIT),
            env=env,
            capture_output=True,
            timeout=RESULT_TIMEOUT + 60,
        )
        worker_log = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        assert enqueue.returncode == 0, f"{enqueue.stderr.decode()[-4000:]}\n{worker_log}"
        assert worker.poll() is None, f"the worker exited:\n{worker_log}"
        lines = [line for line in enqueue.stdout.decode().splitlines() if line.startswith(MARKER)]
        assert lines, f"{enqueue.stdout.decode()}\n{enqueue.stderr.decode()}\n{worker_log}"
        seen: dict[str, object] = json.loads(lines[-1].removeprefix(MARKER))
        seen["worker_log"] = worker_log
        return seen

    yield run
    for worker in workers:
        _stop(worker)


def _assert_ran_in_worker(seen: dict[str, object]) -> None:
    # Not immediate: the job was waiting when enqueue() returned, and a worker ran it.
    assert seen["enqueued_status"] == "READY", seen
    assert seen["status"] == "SUCCESSFUL", seen
    assert seen["value"] == 42, seen
    assert seen["audit"] == {"via": "task", "request_id": "hipaaops.core.jobs.ping"}, seen


def test_worker_runs_a_job_from_the_redis_queue(run_through_worker: Runner) -> None:
    redis_url = os.environ.get("HIPAAOPS_TEST_REDIS_URL")
    if not redis_url:
        if os.environ.get("CI"):
            pytest.fail("HIPAAOPS_TEST_REDIS_URL is not set: CI must test the Redis queue")
        pytest.skip("set HIPAAOPS_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to test Redis")
    seen = run_through_worker(redis_url)
    assert "RedisHuey" in str(seen["worker_log"]), seen
    _assert_ran_in_worker(seen)


def test_worker_runs_a_job_from_the_sqlite_queue(run_through_worker: Runner) -> None:
    seen = run_through_worker(None)
    assert "SqliteHuey" in str(seen["worker_log"]), seen
    _assert_ran_in_worker(seen)
