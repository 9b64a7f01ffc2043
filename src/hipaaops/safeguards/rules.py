"""The safeguard register's rules, in plain Python (no Django): addressable decisions, item
changes and posture counts. Each rule cites its paragraph."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MAX_TEXT = 20_000


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.NOT_STARTED: "Not started",
    Status.IN_PROGRESS: "In progress",
    Status.IMPLEMENTED: "Implemented",
    Status.NOT_APPLICABLE: "Not applicable",
}


class DecisionChoice(StrEnum):
    """The three outcomes 45 CFR 164.306(d)(3)(ii) allows for an addressable specification."""

    IMPLEMENT_AS_SPECIFIED = "implement_as_specified"  # 164.306(d)(3)(ii)(A)
    EQUIVALENT_ALTERNATIVE = "equivalent_alternative"  # 164.306(d)(3)(ii)(B)(2)
    NOT_REASONABLE_AND_APPROPRIATE = "not_reasonable_and_appropriate"  # 164.306(d)(3)(ii)(B)(1)

    @property
    def label(self) -> str:
        return DECISION_LABELS[self]


DECISION_LABELS = {
    DecisionChoice.IMPLEMENT_AS_SPECIFIED: "Implement as specified",
    DecisionChoice.EQUIVALENT_ALTERNATIVE: "Implement an equivalent alternative measure",
    DecisionChoice.NOT_REASONABLE_AND_APPROPRIATE: "Not reasonable and appropriate",
}


class Factor(StrEnum):
    """The factors of 45 CFR 164.306(b)(2) that an entity must take into account."""

    SIZE_AND_COMPLEXITY = "size_and_complexity"  # 164.306(b)(2)(i)
    TECHNICAL_INFRASTRUCTURE = "technical_infrastructure"  # 164.306(b)(2)(ii)
    COST = "cost"  # 164.306(b)(2)(iii)
    PROBABILITY_AND_CRITICALITY_OF_RISKS = "probability_and_criticality_of_risks"  # (b)(2)(iv)

    @property
    def label(self) -> str:
        return FACTOR_LABELS[self]


FACTOR_LABELS = {
    Factor.SIZE_AND_COMPLEXITY: "Size, complexity and capabilities of the organization",
    Factor.TECHNICAL_INFRASTRUCTURE: "Technical infrastructure, hardware and software security "
    "capabilities",
    Factor.COST: "Costs of security measures",
    Factor.PROBABILITY_AND_CRITICALITY_OF_RISKS: "Probability and criticality of potential "
    "risks to ePHI",
}


@dataclass(frozen=True)
class Problem:
    """One reason an input is refused, naming the field at fault."""

    field: str
    message: str


def decision_problems(
    *,
    choice: str,
    rationale: str,
    factors: Sequence[str],
    decided_on: date | None,
    review_on: date | None,
    today: date,
    alternative: str = "",
    instead: str = "",
) -> list[Problem]:
    """What is wrong with an addressable decision, first problem first (empty when sound).

    45 CFR 164.306(d)(3): assess whether the specification is reasonable and appropriate, and
    document the decision; if not implementing it, document why and implement an equivalent
    alternative measure if reasonable and appropriate. 164.316(b)(1) keeps it in writing.
    """
    problems: list[Problem] = []
    try:
        chosen = DecisionChoice(choice)
    except ValueError:
        choices = ", ".join(c.value for c in DecisionChoice)
        return [Problem("choice", f"Choose one of: {choices}.")]
    if not (rationale or "").strip():
        problems.append(
            Problem("rationale", "Give the rationale for the decision (45 CFR 164.306(d)(3)).")
        )
    elif len(rationale) > MAX_TEXT:
        problems.append(Problem("rationale", f"At most {MAX_TEXT} characters."))
    if chosen is DecisionChoice.EQUIVALENT_ALTERNATIVE and not (alternative or "").strip():
        problems.append(
            Problem("alternative", "Describe the equivalent alternative measure implemented.")
        )
    if chosen is DecisionChoice.NOT_REASONABLE_AND_APPROPRIATE and not (instead or "").strip():
        problems.append(
            Problem(
                "instead",
                "Say what is done instead (an equivalent alternative where reasonable and "
                "appropriate, 45 CFR 164.306(d)(3)(ii)(B)).",
            )
        )
    unknown = [f for f in factors if f not in Factor.__members__.values()]
    if unknown:
        problems.append(Problem("factors", f"Unknown factor: {', '.join(sorted(unknown))}."))
    elif not factors:
        problems.append(
            Problem(
                "factors",
                "Name at least one of the factors of 45 CFR 164.306(b)(2) that were weighed.",
            )
        )
    if decided_on is None:
        problems.append(Problem("decided_on", "Give the date of the decision."))
    elif decided_on > today:
        problems.append(Problem("decided_on", "The decision date cannot be in the future."))
    if review_on is None:
        problems.append(Problem("review_on", "Give the date by which to review the decision."))
    elif decided_on is not None and review_on <= decided_on:
        problems.append(Problem("review_on", "The review date must come after the decision date."))
    return problems


def item_problems(
    *,
    status: str,
    not_applicable_reason: str,
    target_date: date | None,
    target_date_changed: bool,
    last_reviewed_on: date | None,
    next_review_on: date | None,
    implementation: str,
    today: date,
) -> list[Problem]:
    """What is wrong with a register item after a change (empty when sound)."""
    problems: list[Problem] = []
    try:
        chosen = Status(status)
    except ValueError:
        return [Problem("status", f"Choose one of: {', '.join(s.value for s in Status)}.")]
    if chosen is Status.NOT_APPLICABLE and not (not_applicable_reason or "").strip():
        problems.append(
            Problem("not_applicable_reason", "Say why this does not apply to the organization.")
        )
    if target_date_changed and target_date is not None and target_date < today:
        problems.append(Problem("target_date", "A target date cannot be in the past."))
    if last_reviewed_on is not None and last_reviewed_on > today:
        problems.append(Problem("last_reviewed_on", "The last review cannot be in the future."))
    if (
        next_review_on is not None
        and last_reviewed_on is not None
        and next_review_on <= last_reviewed_on
    ):
        problems.append(Problem("next_review_on", "The next review must come after the last."))
    if len(implementation or "") > MAX_TEXT:
        problems.append(Problem("implementation", f"At most {MAX_TEXT} characters."))
    return problems


def review_overdue(next_review_on: date | None, today: date) -> bool:
    """A review whose date has passed (45 CFR 164.316(b)(2)(iii): review periodically)."""
    return next_review_on is not None and next_review_on < today


@dataclass(frozen=True)
class PostureRow:
    family: str
    requirement: str | None  # "required", "addressable" or None for a standard with specs
    status: str


def requirement_group(requirement: str | None) -> str:
    """Group a row as required, addressable, or a standard that holds specifications."""
    return requirement if requirement in {"required", "addressable"} else "standard"


def posture_counts(rows: Iterable[PostureRow]) -> dict[str, object]:
    """Counts by status, by family and by required/addressable, as plain JSON-ready data.

    ``applicable`` excludes the items that do not apply; ``implemented`` counts among those.
    """
    by_status: Counter[str] = Counter()
    by_family: dict[str, Counter[str]] = {}
    by_requirement: dict[str, Counter[str]] = {}
    for row in rows:
        by_status[row.status] += 1
        by_family.setdefault(row.family, Counter())[row.status] += 1
        by_requirement.setdefault(requirement_group(row.requirement), Counter())[row.status] += 1
    total = sum(by_status.values())
    applicable = total - by_status[Status.NOT_APPLICABLE]

    def _plain(counter: Counter[str]) -> dict[str, int]:
        return {s.value: counter[s.value] for s in Status}

    return {
        "total": total,
        "applicable": applicable,
        "implemented": by_status[Status.IMPLEMENTED],
        "by_status": _plain(by_status),
        "by_family": {k: _plain(v) for k, v in sorted(by_family.items())},
        "by_requirement": {k: _plain(v) for k, v in sorted(by_requirement.items())},
    }


def share_implemented(counts: dict[str, int]) -> float:
    """Implemented as a share of the applicable items of one group (0 when none apply)."""
    applicable = sum(counts.values()) - counts.get(Status.NOT_APPLICABLE, 0)
    return counts.get(Status.IMPLEMENTED, 0) / applicable if applicable else 0.0
