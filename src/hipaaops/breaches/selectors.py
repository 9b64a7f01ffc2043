"""Reads of the public breach record. The record is public data shared by every organization, so
these take an entity type, not an organization.

``likelihood_suggestions`` is the entry point for other modules (the risk analysis suggests a
scenario's likelihood from it when the scenario's threat matches).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Min
from django.db.models.functions import ExtractYear
from django.utils import timezone

from hipaaops.breaches import rules
from hipaaops.breaches.models import PublicBreach
from hipaaops.breaches.rules import Suggestion, Summary

__all__ = [
    "Coverage",
    "Suggestion",
    "Summary",
    "breach_facts",
    "coverage",
    "likelihood_suggestions",
    "summary",
]


def breach_facts(
    entity_type: str, years: int = rules.DEFAULT_YEARS, today: date | None = None
) -> list[rules.BreachFacts]:
    """The reports of organizations of the entity type (an organization's entity type: hybrid
    reads as provider) submitted in the last ``years`` years: only the columns the counts use."""
    kind = rules.ocr_entity_type(entity_type)
    today = today or timezone.localdate()
    since = rules.window_start(today, rules.check_years(years))
    rows = (
        PublicBreach.objects.filter(
            entity_type=kind.value, submitted_on__gte=since, submitted_on__lte=today
        )
        .order_by()
        .values_list(
            "entity_type",
            "individuals_affected",
            "submitted_on",
            "breach_types",
            "locations",
            "business_associate_present",
        )
    )
    return [
        rules.BreachFacts(reported_as, count, day, tuple(types), tuple(places), flag)
        for reported_as, count, day, types, places, flag in rows
    ]


def summary(
    entity_type: str, years: int = rules.DEFAULT_YEARS, today: date | None = None
) -> Summary:
    today = today or timezone.localdate()
    return rules.summary(breach_facts(entity_type, years, today), entity_type, years, today)


def likelihood_suggestions(
    entity_type: str, years: int = rules.DEFAULT_YEARS, today: date | None = None
) -> dict[str, Suggestion]:
    """A suggested likelihood (1 rare to 5 almost certain) for each threat key of the threat
    library, with its numbers and a one-sentence reason, from the breaches organizations of the
    entity type reported to the Secretary in the last ``years`` years. Empty when the record has
    no report in that window. ``entity_type`` is an organization's entity type (provider,
    health_plan, clearinghouse, hybrid, business_associate); a bad one or a ``years`` outside
    1-20 raises ``rules.RuleInputError``."""
    today = today or timezone.localdate()
    found = rules.suggest(breach_facts(entity_type, years, today), entity_type, years, today)
    return {s.threat_key: s for s in found}


@dataclass(frozen=True)
class Coverage:
    """What the stored record holds, whatever the entity type: how many reports, the first and
    last submission dates, and the years with at least one report (a year without any is one no
    imported file covers, not a year without breaches)."""

    reports: int
    first: date | None
    last: date | None
    years: frozenset[int]
    sources: tuple[str, ...]


def coverage() -> Coverage:
    totals = PublicBreach.objects.order_by().aggregate(
        reports=Count("pk"), first=Min("submitted_on"), last=Max("submitted_on")
    )
    years = (
        PublicBreach.objects.order_by()
        .annotate(year=ExtractYear("submitted_on"))
        .values_list("year", flat=True)
        .distinct()
    )
    sources = PublicBreach.objects.order_by("source").values_list("source", flat=True).distinct()
    return Coverage(
        reports=totals["reports"],
        first=totals["first"],
        last=totals["last"],
        years=frozenset(years),
        sources=tuple(sources),
    )
