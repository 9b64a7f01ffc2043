"""Audit readiness as plain rules (no Django): mock audit scopes, the readiness score, the
comparison of two mock audits, and the civil money penalty estimate.

The inquiries are the OCR audit protocol's (``catalog.audit_protocol()``); the scopes are data
(``data/presets.json``); the penalty amounts are the catalog's dated schedules (45 CFR 160.404, as
adjusted under 45 CFR 102.3) and OCR's 2019 notice of enforcement discretion.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources

from hipaaops.catalog.regulation import catalog
from hipaaops.catalog.regulation.catalog import ProtocolInquiry


class ResponseStatus(StrEnum):
    NOT_REVIEWED = "not_reviewed"
    SATISFIED = "satisfied"
    PARTLY = "partly"
    NOT_SATISFIED = "not_satisfied"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    ResponseStatus.NOT_REVIEWED: "Not reviewed",
    ResponseStatus.SATISFIED: "Satisfied",
    ResponseStatus.PARTLY: "Partly satisfied",
    ResponseStatus.NOT_SATISFIED: "Not satisfied",
    ResponseStatus.NOT_APPLICABLE: "Not applicable",
}

# How much of an inquiry each status earns toward the score. Not reviewed earns nothing: an
# inquiry nobody looked at is not ready. Not applicable leaves the denominator.
CREDIT = {
    ResponseStatus.SATISFIED: 1.0,
    ResponseStatus.PARTLY: 0.5,
    ResponseStatus.NOT_SATISFIED: 0.0,
    ResponseStatus.NOT_REVIEWED: 0.0,
}
GAP_STATUSES = frozenset({ResponseStatus.PARTLY, ResponseStatus.NOT_SATISFIED})

RULE_LABELS = {
    "privacy": "Privacy Rule",
    "security": "Security Rule",
    "breach": "Breach Notification",
}


# ---------------------------------------------------------------------------- scopes


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    description: str
    audit_types: tuple[str, ...]
    citations: tuple[str, ...]

    def selects(self, inquiry: ProtocolInquiry) -> bool:
        if inquiry.audit_type in self.audit_types:
            return True
        return any(
            cited == wanted or cited.startswith(wanted + "(")
            for wanted in self.citations
            for cited in inquiry.citations
        )

    def inquiries(self) -> tuple[ProtocolInquiry, ...]:
        return tuple(i for i in catalog.audit_protocol() if self.selects(i))


@cache
def presets() -> tuple[Preset, ...]:
    text = resources.files("hipaaops.readiness.data").joinpath("presets.json").read_text("utf-8")
    return tuple(
        Preset(
            key=p["key"],
            label=p["label"],
            description=p["description"],
            audit_types=tuple(p["audit_types"]),
            citations=tuple(catalog.normalize_citation(c) for c in p["citations"]),
        )
        for p in json.loads(text)["presets"]
    )


def preset(key: str) -> Preset:
    for p in presets():
        if p.key == key:
            return p
    raise ValueError(f"Unknown scope {key!r}; one of {', '.join(p.key for p in presets())}")


def section_of(inquiry: ProtocolInquiry) -> str:
    """The CFR section an inquiry belongs to, such as 164.308, for the score by section."""
    return inquiry.citation.split("(", 1)[0]


# ---------------------------------------------------------------------------- the score


@dataclass(frozen=True)
class Answer:
    """What the score needs of one response."""

    inquiry_id: str
    status: ResponseStatus


@dataclass
class Score:
    """Credit earned over the applicable inquiries of a group, and the counts behind it."""

    label: str
    applicable: int = 0
    earned: float = 0.0
    counts: dict[ResponseStatus, int] = field(
        default_factory=lambda: dict.fromkeys(ResponseStatus, 0)
    )

    @property
    def percent(self) -> int | None:
        """Rounded percentage, or None when nothing in the group applies."""
        if not self.applicable:
            return None
        return round(100 * self.earned / self.applicable)

    @property
    def reviewed(self) -> int:
        return sum(n for s, n in self.counts.items() if s is not ResponseStatus.NOT_REVIEWED)

    def add(self, status: ResponseStatus) -> None:
        self.counts[status] += 1
        if status is not ResponseStatus.NOT_APPLICABLE:
            self.applicable += 1
            self.earned += CREDIT[status]


@dataclass
class Readiness:
    overall: Score
    by_rule: dict[str, Score]
    by_section: dict[str, Score]


def score(answers: Iterable[Answer]) -> Readiness:
    """The readiness score overall, by rule and by CFR section. Satisfied earns 1, partly 0.5,
    not satisfied and not reviewed 0; not applicable inquiries are left out."""
    protocol = {i.id: i for i in catalog.audit_protocol()}
    overall = Score("Overall")
    by_rule: dict[str, Score] = {}
    by_section: dict[str, Score] = {}
    for answer in answers:
        inquiry = protocol[answer.inquiry_id]
        rule = by_rule.setdefault(inquiry.audit_type, Score(RULE_LABELS[inquiry.audit_type]))
        section = section_of(inquiry)
        part = by_section.setdefault(section, Score(section))
        for group in (overall, rule, part):
            group.add(answer.status)
    order = list(RULE_LABELS)
    return Readiness(
        overall=overall,
        by_rule={k: by_rule[k] for k in order if k in by_rule},
        by_section=dict(sorted(by_section.items(), key=lambda kv: _section_key(kv[0]))),
    )


def _section_key(section: str) -> tuple[int, int]:
    part, number = section.split(".")
    return int(part), int(number)


# ---------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Change:
    inquiry_id: str
    before: ResponseStatus | None  # None: not in the earlier audit's scope
    after: ResponseStatus | None  # None: not in this audit's scope

    @property
    def direction(self) -> str:
        """better, worse, changed, added or dropped."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "dropped"
        rank = {
            ResponseStatus.NOT_REVIEWED: 0,
            ResponseStatus.NOT_SATISFIED: 0,
            ResponseStatus.PARTLY: 1,
            ResponseStatus.SATISFIED: 2,
        }
        if self.before in rank and self.after in rank and rank[self.before] != rank[self.after]:
            return "better" if rank[self.after] > rank[self.before] else "worse"
        return "changed"


def compare(
    earlier: Mapping[str, ResponseStatus], later: Mapping[str, ResponseStatus]
) -> list[Change]:
    """Every inquiry whose status differs between two mock audits, in protocol order."""
    order = {i.id: n for n, i in enumerate(catalog.audit_protocol())}
    changes = [
        Change(key, earlier.get(key), later.get(key))
        for key in set(earlier) | set(later)
        if earlier.get(key) != later.get(key)
    ]
    return sorted(changes, key=lambda c: order[c.inquiry_id])


# ---------------------------------------------------------------------------- penalty exposure

ESTIMATE_DISCLAIMER = (
    "An estimate from the published amounts, not legal advice. OCR weighs the factors of "
    "45 CFR 160.408 (the nature and extent of the violation and of the harm, history, financial "
    "condition) and most matters end in technical assistance or a resolution agreement."
)


@dataclass(frozen=True)
class PenaltyEstimate:
    on: date
    tier: int
    culpability: str
    violations: int
    per_violation_minimum: int
    per_violation_maximum: int
    regulation_cap: int  # 45 CFR 160.404(b)(2): the calendar-year cap for identical violations
    discretion_cap: int | None  # OCR's lower yearly cap per tier (84 FR 18151), adjusted
    low: int
    high: int
    high_under_discretion: int | None
    sources: tuple[str, ...]
    disclaimer: str = ESTIMATE_DISCLAIMER


def estimate_penalty(*, tier: int, violations: int, on: date) -> PenaltyEstimate:
    """The range of civil money penalties for ``violations`` violations of one identical
    provision in one calendar year, at the amounts in force on ``on``.

    45 CFR 160.404(b)(2): per-violation minimum and maximum by culpability tier, and one cap on
    the calendar-year total for identical violations; OCR's notice of enforcement discretion
    (84 FR 18151, 2019) applies lower yearly caps to the first three tiers.
    """
    if isinstance(tier, bool) or not isinstance(tier, int) or not 1 <= tier <= 4:
        raise ValueError("tier must be 1, 2, 3 or 4 (45 CFR 160.404(b)(2)(i)-(iv))")
    if isinstance(violations, bool) or not isinstance(violations, int) or violations < 1:
        raise ValueError("violations must be a whole number of at least 1")
    schedule = catalog.penalty_schedule(on)  # ValueError before the earliest schedule
    amounts = schedule.tier(tier)
    low = min(amounts.minimum * violations, schedule.calendar_year_cap)
    high = min(amounts.maximum * violations, schedule.calendar_year_cap)
    discretion = amounts.enforcement_discretion_annual_cap
    sources = [schedule.source, "45 CFR 160.404(b)(2)"]
    if discretion is not None and schedule.enforcement_discretion_source:
        sources.append(schedule.enforcement_discretion_source)
    return PenaltyEstimate(
        on=on,
        tier=tier,
        culpability=amounts.description,
        violations=violations,
        per_violation_minimum=amounts.minimum,
        per_violation_maximum=amounts.maximum,
        regulation_cap=schedule.calendar_year_cap,
        discretion_cap=discretion,
        low=min(low, discretion) if discretion is not None else low,
        high=high,
        high_under_discretion=min(high, discretion) if discretion is not None else None,
        sources=tuple(sources),
    )


def gap_inquiries(answers: Sequence[Answer]) -> list[str]:
    """The inquiries that are gaps: partly or not satisfied."""
    return [a.inquiry_id for a in answers if a.status in GAP_STATUSES]
