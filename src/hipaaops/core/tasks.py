"""Huey side of the task queue: the runner for ``django.tasks`` jobs and the periodic jobs."""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from hipaaops.core import context


@db_task()
def run_django_task(module_path: str, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run a ``django.tasks`` task by its import path; audit entries name the task as actor."""
    task = import_string(module_path)
    with context.acting(context.ActorContext(via="task", request_id=module_path[-64:])):
        value = task.call(*args, **kwargs)
    return {"return_value": value}


@db_periodic_task(crontab(minute="*"))
def expire_emergency_access() -> int:
    """Close emergency-access grants whose time is up (45 CFR 164.312(a)(2)(ii))."""
    from hipaaops.organizations.services import expire_emergency_access as expire

    with context.acting(context.ActorContext(via="task", request_id="expire_emergency_access")):
        return expire()


@db_periodic_task(crontab(minute="17", hour="3"))
def clear_expired_sessions() -> None:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(expire_date__lt=timezone.now()).delete()
