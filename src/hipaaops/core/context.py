"""Who is acting, from where: carried from the request (or a job) to the audit trail."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorContext:
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""
    via: str = "web"  # web, api, cli, task


_SYSTEM = ActorContext(via="system")
_current: contextvars.ContextVar[ActorContext] = contextvars.ContextVar("hipaaops_actor_context")


def current() -> ActorContext:
    return _current.get(_SYSTEM)


@contextmanager
def acting(context: ActorContext) -> Iterator[ActorContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def set_current(context: ActorContext) -> contextvars.Token[ActorContext]:
    return _current.set(context)


def reset(token: contextvars.Token[ActorContext]) -> None:
    _current.reset(token)
