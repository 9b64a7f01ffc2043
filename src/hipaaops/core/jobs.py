"""Jobs of the product's own on the ``django.tasks`` API (run by ``hipaaops worker``)."""

from __future__ import annotations

from django.tasks import task


@task
def ping(x: int) -> int:
    """Return ``2 * x`` and leave an audit entry: shows that a worker picks up jobs from the
    queue and reaches the database (``hipaaops manage shell -c`` can enqueue it on a new host)."""
    from hipaaops.audit.models import Action
    from hipaaops.audit.services import record

    record(Action.SYSTEM, actor=None, object_type="job", object_id="ping", object_repr=f"ping({x})")
    return x * 2
