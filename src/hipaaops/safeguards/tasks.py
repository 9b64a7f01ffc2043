"""The register's jobs: a daily posture snapshot of every organization."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hipaaops.core import context


def snapshot_all() -> int:
    """Take today's posture snapshot of every organization that has a register."""
    from hipaaops.organizations.models import Organization
    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.safeguards.services import take_snapshot

    count = 0
    ids = SafeguardItem.objects.values_list("organization_id", flat=True).distinct()
    for org in Organization.objects.filter(pk__in=ids):
        take_snapshot(org, trigger="daily")
        count += 1
    return count


@db_periodic_task(crontab(minute="10", hour="2"))
def daily_posture_snapshots() -> int:
    """Dated counts for the posture trend (45 CFR 164.308(a)(8): periodic evaluation)."""
    with context.acting(context.ActorContext(via="task", request_id="posture_snapshots")):
        return snapshot_all()
