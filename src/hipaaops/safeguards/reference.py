"""The safeguard register's view of the regulatory catalog (``hipaaops.catalog.regulation``):
cached lookups by citation, catalog order, key activities and questions, and applicability from
an organization's profile."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from hipaaops.catalog.regulation import catalog as regulation
from hipaaops.core.errors import DomainError

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization

Entry = regulation.Entry


@cache
def entries() -> tuple[Entry, ...]:
    """Every Security Rule standard and implementation specification, in catalog order."""
    return tuple(regulation.security_entries())


@cache
def _by_citation() -> dict[str, Entry]:
    return {e.citation: e for e in entries()}


@cache
def _order() -> dict[str, int]:
    return {e.citation: i for i, e in enumerate(entries())}


def entry(citation: str) -> Entry:
    """The entry for a citation or one of its aliases; a DomainError on ``citation`` if none."""
    try:
        found = regulation.entry(citation)
    except regulation.UnknownCitation:
        raise DomainError(
            f"Unknown citation {citation!r}: not a Security Rule standard or implementation "
            "specification.",
            field="citation",
        ) from None
    return _by_citation().get(found.citation, found)


def get(citation: str) -> Entry | None:
    return _by_citation().get(citation)


def order(citation: str) -> int:
    return _order().get(citation, len(_order()))


@cache
def families() -> tuple[str, ...]:
    """The safeguard families' codes (``administrative`` …), in catalog order."""
    seen: dict[str, None] = {}
    for e in entries():
        seen.setdefault(e.family, None)
    return tuple(seen)


def family_label(code: str) -> str:
    return regulation.FAMILY_LABELS.get(code, code)


def is_addressable(e: Entry) -> bool:
    return e.requirement == "addressable"


def standard_of(e: Entry) -> Entry:
    if e.kind == "standard" or not e.standard:
        return e
    return _by_citation().get(e.standard, e)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    key_activity_id: str
    standard: str
    depth: int = 0  # 1 for a follow-up question nested under another


@cache
def _key_activities() -> tuple[Any, ...]:
    return tuple(regulation.key_activities())


def key_activities_for(standard_citation: str) -> list[Any]:
    """The NIST SP 800-66r2 key activities of a standard."""
    return [ka for ka in _key_activities() if ka.standard == standard_citation]


def _walk(ka: Any, items: Any, depth: int) -> list[Question]:
    found = []
    for q in items:
        found.append(Question(q.id, q.text, ka.id, ka.standard, depth))
        found.extend(_walk(ka, getattr(q, "questions", ()), depth + 1))
    return found


def activity_questions(ka: Any) -> list[Question]:
    """A key activity's sample questions, follow-up questions after their parent."""
    return _walk(ka, ka.questions, 0)


@cache
def questions() -> dict[str, Question]:
    """Every sample question (follow-ups included) by id."""
    return {q.id: q for ka in _key_activities() for q in activity_questions(ka)}


def question(question_id: str) -> Question:
    q = questions().get(question_id)
    if q is None:
        raise DomainError(f"Unknown sample question {question_id!r}.", field="question")
    return q


def profile_of(org: Organization) -> regulation.OrgProfile:
    return regulation.OrgProfile(
        entity_type=org.entity_type,
        is_clearinghouse_in_larger_org=org.is_clearinghouse_in_larger_org,
        is_group_health_plan=org.is_group_health_plan,
        is_business_associate=org.entity_type == "business_associate",
        has_business_associates=org.has_business_associates,
    )


def _pair(result: Any) -> tuple[bool, str]:
    ok, reason = result
    return bool(ok), str(reason or "")


def applicability(org: Organization) -> dict[str, tuple[bool, str]]:
    """Whether each entry applies to the organization, and why not when it does not."""
    profile = profile_of(org)
    return {e.citation: _pair(regulation.applicable(e, profile)) for e in entries()}


def proposed_requirements() -> list[Any]:
    return list(regulation.proposed_requirements())
