"""A ``django.tasks`` backend that hands work to Huey.

Application code defines jobs with ``django.tasks.task`` and enqueues them with
``my_task.enqueue(...)``. This backend puts them on the Huey queue (SQLite by default, Redis with
``REDIS_URL``), where ``hipaaops worker`` runs them. ``get_result`` reads Huey's result store.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone
from huey.exceptions import TaskException


def _result_of_unknown_task() -> None:
    """Stands in for the task of a result looked up by id alone."""


class HueyBackend(BaseTaskBackend):
    supports_defer = True
    supports_get_result = True
    supports_priority = True

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        from hipaaops.core.tasks import run_django_task

        self.validate_task(task)
        options: dict[str, Any] = {"priority": task.priority}
        if task.run_after is not None:
            # Aware, so Huey converts it to UTC itself (a naive value is read as local time).
            options["eta"] = task.run_after.astimezone(UTC)
        # Huey's schedule() insists on an eta or delay; s() takes both as optional.
        handle = run_django_task.huey.enqueue(
            run_django_task.s(task.module_path, list(args), dict(kwargs), **options)
        )
        # In immediate mode (tests) Huey has run the job already; the result says how it went.
        return self._result(task, str(handle.id), list(args), dict(kwargs))

    def get_result(self, result_id: str) -> TaskResult:
        if not result_id:
            raise TaskResultDoesNotExist(result_id)
        placeholder: Task = Task(func=_result_of_unknown_task, backend=self.alias)
        return self._result(placeholder, result_id, [], {})

    def _result(
        self, task: Task, result_id: str, args: list[Any], kwargs: dict[str, Any]
    ) -> TaskResult:
        from huey.contrib.djhuey import HUEY

        status = TaskResultStatus.READY
        value: Any = None
        errors: list[TaskError] = []
        try:
            stored = HUEY.result(result_id, preserve=True)
        except TaskException as exc:
            status = TaskResultStatus.FAILED
            errors.append(
                TaskError(
                    exception_class_path="builtins.Exception",
                    traceback=str(exc.metadata.get("traceback", exc.metadata.get("error", ""))),
                )
            )
        else:
            if isinstance(stored, dict) and "return_value" in stored:
                status = TaskResultStatus.SUCCESSFUL
                value = stored["return_value"]
        now = timezone.now()
        result: TaskResult = TaskResult(
            task=task,
            id=result_id,
            status=status,
            enqueued_at=now,
            started_at=None,
            finished_at=None if status == TaskResultStatus.READY else now,
            last_attempted_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=errors,
            worker_ids=[],
        )
        object.__setattr__(result, "_return_value", value)
        return result
