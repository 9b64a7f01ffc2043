"""Reads of the request register, always within one organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from hipaaops.privacy import rules
from hipaaops.privacy.models import CLOSED_STATUSES, PrivacyRequest
from hipaaops.privacy.services import clock

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization


@dataclass
class RequestRow:
    request: PrivacyRequest
    clock: rules.Clock | None

    @property
    def due(self) -> date | None:
        return self.clock.final_due if self.clock else None

    @property
    def days_left(self) -> int | None:
        if self.clock is None or not self.request.is_open:
            return None
        return self.clock.days_left(timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def rows(org: Organization, *, open_only: bool = False, right: str = "") -> list[RequestRow]:
    qs = PrivacyRequest.objects.filter(organization=org).select_related("assignee")
    if open_only:
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    if right:
        qs = qs.filter(right=right)
    found = [RequestRow(r, clock(r)) for r in qs]
    return sorted(
        found, key=lambda row: (not row.request.is_open, row.due or date.max, -row.request.number)
    )
