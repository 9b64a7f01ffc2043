"""Posture snapshots (daily job and on demand) and the demo practice's register."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from hipaaops.safeguards.models import PostureSnapshot


def test_the_daily_job_snapshots_every_register_once_a_day(
    cast: Any, register: dict[str, Any]
) -> None:
    from hipaaops.safeguards.tasks import snapshot_all

    assert snapshot_all() == 1  # only Acme has a register
    assert snapshot_all() == 1
    snapshot = PostureSnapshot.objects.get(organization=cast.org)
    assert snapshot.taken_on == timezone.localdate()
    assert snapshot.trigger == "daily"
    assert snapshot.counts["total"] == 68
    assert set(snapshot.counts["by_requirement"]) == {"required", "addressable", "standard"}
    assert snapshot.counts["open_decisions"] == 22


def test_the_demo_register_is_partly_filled(db: Any) -> None:
    from hipaaops.core.demo import DEMO_SLUG, load
    from hipaaops.organizations.models import Organization
    from hipaaops.safeguards.models import (
        AddressableDecision,
        KeyActivityAnswer,
        SafeguardItem,
    )

    load(password="demo-password-for-tests")
    org = Organization.objects.get(slug=DEMO_SLUG)
    items = SafeguardItem.objects.filter(organization=org)
    assert items.count() == 68
    implemented = items.filter(status="implemented")
    assert implemented.count() >= 5
    assert all(i.owner_id and i.implementation for i in implemented)
    in_progress = items.filter(status="in_progress")
    assert in_progress.count() >= 3 and all(i.target_date for i in in_progress)
    decisions = AddressableDecision.objects.filter(organization=org)
    assert decisions.count() >= 2 and all(d.rationale for d in decisions)
    assert decisions.filter(choice="equivalent_alternative").exists()
    assert KeyActivityAnswer.objects.filter(organization=org).count() >= 2
    snapshots = PostureSnapshot.objects.filter(organization=org).order_by("taken_on")
    assert snapshots.count() == 2
    first, last = snapshots
    assert last.counts["implemented"] > first.counts["implemented"]
