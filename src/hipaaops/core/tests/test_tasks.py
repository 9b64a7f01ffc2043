"""Background jobs: ``django.tasks`` tasks run through the Huey backend (immediate in tests)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.tasks import default_task_backend, task, task_backends
from django.tasks.base import TaskResultStatus
from django.utils import timezone

from hipaaops.core.context import current
from hipaaops.core.tasks_backend import HueyBackend


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def where_am_i() -> dict[str, str]:
    ctx = current()
    return {"via": ctx.via, "request_id": ctx.request_id}


@task
def fail(message: str) -> None:
    raise RuntimeError(message)


@task(priority=10)
def urgent() -> str:
    return "done"


def test_the_default_backend_is_huey() -> None:
    assert isinstance(task_backends["default"], HueyBackend)


def test_a_task_runs_and_its_result_is_successful() -> None:
    result = add.enqueue(2, b=3)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
    assert result.args == [2]
    assert result.kwargs == {"b": 3}
    assert result.id
    # The result can be looked up again by id, as a web page polling a job would.
    again = default_task_backend.get_result(result.id)
    assert again.status == TaskResultStatus.SUCCESSFUL
    assert again.return_value == 5


def test_a_task_runs_as_the_task_not_as_a_request() -> None:
    result = where_am_i.enqueue()
    assert result.return_value == {
        "via": "task",
        "request_id": "hipaaops.core.tests.test_tasks.where_am_i",
    }


def test_a_failing_task_reports_failed() -> None:
    result = fail.enqueue("the disk is full")
    assert result.status == TaskResultStatus.FAILED
    assert result.errors
    assert "the disk is full" in result.errors[0].traceback
    with pytest.raises(ValueError):
        _ = result.return_value


def test_priority_is_accepted() -> None:
    assert urgent.enqueue().return_value == "done"


def test_a_deferred_task_waits_for_its_time() -> None:
    later = urgent.using(run_after=timezone.now() + timedelta(hours=1))
    result = later.enqueue()
    assert result.status == TaskResultStatus.READY
    assert not result.is_finished


def test_an_unknown_result_id_is_not_a_result() -> None:
    from django.tasks.exceptions import TaskResultDoesNotExist

    with pytest.raises(TaskResultDoesNotExist):
        default_task_backend.get_result("")
