"""The notification plan for a breach of unsecured PHI: who must be told, by when, and how.

Deadlines are calendar days after the discovery date (day 0), counted with date arithmetic, so
month ends and leap years need no special case. Every number comes from ``facts.py``.

Discovery (45 CFR 164.404(a)(2), 164.410(a)(2)): the first day the breach is known, or by
exercising reasonable diligence would have been known, to anyone other than the person who
committed it who is a workforce member or agent of the entity. For a breach at a business
associate, as the covered entity sees it: when the business associate is the covered entity's
agent under the federal common law of agency, the business associate's discovery is the covered
entity's; otherwise the covered entity discovers the breach when the business associate notifies
it. Either way, a covered entity that knew earlier on its own (``discovered_on``) is held to that
earlier date.

Law-enforcement delay (45 CFR 164.412), the interpretation applied: the delay suspends a notice
but adds no time. A notice is due on the later of its deadline without the delay and the day the
delay ends, and must not be given before that day. A written statement delays for the period it
specifies; an oral one for no longer than 30 days from the statement, unless a written statement
is submitted in that time (then plan again with the written statement, dated from the oral one).
A statement made after a notice's deadline does not revive that deadline. The reading is the
conservative one: the alternative, tolling the clock for the length of the delay, never gives an
earlier date, so an entity that meets these dates is on time under either reading. It is applied
to every notice of 164.404-164.410, including the annual submission to the Secretary, and stated
in each affected obligation's notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from hipaaops.incidents.rules import facts
from hipaaops.incidents.rules.errors import RuleInputError


class Role(StrEnum):
    COVERED_ENTITY = "covered_entity"
    BUSINESS_ASSOCIATE = "business_associate"


class ObligationId(StrEnum):
    INDIVIDUAL_NOTICE = "individual_notice"  # 45 CFR 164.404
    MEDIA_NOTICE = "media_notice"  # 45 CFR 164.406
    HHS_NOTICE = "hhs_notice"  # 45 CFR 164.408(b)
    HHS_ANNUAL_LOG = "hhs_annual_log"  # 45 CFR 164.408(c)
    SUBSTITUTE_NOTICE = "substitute_notice"  # 45 CFR 164.404(d)(2)
    COVERED_ENTITY_NOTICE = "covered_entity_notice"  # 45 CFR 164.410


class SubstituteForm(StrEnum):
    ALTERNATIVE_WRITTEN_OR_PHONE = "alternative_written_or_phone"  # 45 CFR 164.404(d)(2)(i)
    WEB_OR_MEDIA_AND_TOLL_FREE = "web_or_media_and_toll_free"  # 45 CFR 164.404(d)(2)(ii)


@dataclass(frozen=True)
class WrittenStatement:
    """45 CFR 164.412(a): a written statement specifying the time for which delay is required."""

    stated_on: date
    until: date


@dataclass(frozen=True)
class OralStatement:
    """45 CFR 164.412(b): an oral statement, documented with the official's identity."""

    stated_on: date


LawEnforcementDelay = WrittenStatement | OralStatement


@dataclass(frozen=True)
class BusinessAssociateBreach:
    """A breach at the covered entity's business associate, and when the entity was told."""

    discovered_on: date
    is_agent: bool
    notified_covered_entity_on: date | None = None


@dataclass(frozen=True)
class BreachFacts:
    """What the plan needs to know of a breach of unsecured PHI."""

    role: Role
    discovered_on: date
    affected_by_state: Mapping[str, int]  # State or jurisdiction code: residents affected
    insufficient_contact_info: int = 0  # of those affected, how many cannot be reached
    law_enforcement_delay: LawEnforcementDelay | None = None
    business_associate: BusinessAssociateBreach | None = None  # covered entity role only
    baa_reporting_days: int | None = None  # business associate role only

    @property
    def total_affected(self) -> int:
        return sum(self.affected_by_state.values())


@dataclass(frozen=True)
class Obligation:
    """One notice owed: by ``due`` at the latest; ``state`` for a media notice, ``form`` for a
    substitute notice."""

    id: ObligationId
    due: date
    citation: str
    state: str | None = None
    form: SubstituteForm | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Delay:
    stated_on: date
    ends_on: date
    description: str


def plan(breach: BreachFacts) -> list[Obligation]:
    """The obligations a breach creates, ordered by due date then id; raises ``RuleInputError``."""
    role = _validate(breach)
    delay = _delay(breach.law_enforcement_delay)
    if role is Role.BUSINESS_ASSOCIATE:
        obligations = [_covered_entity_notice(breach, delay)]
    else:
        obligations = _covered_entity_obligations(breach, delay)
    return sorted(obligations, key=_order)


def discovery_date(breach: BreachFacts) -> tuple[date, list[str]]:
    """The discovery date that starts the clocks of ``breach``'s role, and how it was reached."""
    ba = breach.business_associate
    if ba is None:
        return breach.discovered_on, []
    # 45 CFR 164.404(a)(2): knowledge of a workforce member or agent (federal common law of
    # agency) is the covered entity's knowledge.
    if ba.is_agent:
        derived = ba.discovered_on
        how = (
            f"The business associate acts as the covered entity's agent, so its discovery on "
            f"{derived.isoformat()} is the covered entity's (45 CFR 164.404(a)(2))."
        )
    else:
        if ba.notified_covered_entity_on is None:
            raise RuleInputError(
                "required when the business associate is not the covered entity's agent: the "
                "covered entity discovers the breach when the business associate notifies it",
                field="business_associate.notified_covered_entity_on",
            )
        derived = ba.notified_covered_entity_on
        how = (
            f"The business associate is not the covered entity's agent, so the covered entity "
            f"discovered the breach when notified, on {derived.isoformat()} "
            f"(45 CFR 164.404(a)(2), 164.410(a))."
        )
    notes = [how]
    if breach.discovered_on < derived:
        notes.append(
            f"The covered entity knew earlier on its own, on {breach.discovered_on.isoformat()}; "
            f"the clocks run from that date (45 CFR 164.404(a)(2))."
        )
    if ba.notified_covered_entity_on is not None:
        ba_due = ba.discovered_on + timedelta(days=facts.BUSINESS_ASSOCIATE_NOTICE_DAYS.value)
        if ba.notified_covered_entity_on > ba_due:
            notes.append(
                f"The business associate notified the covered entity on "
                f"{ba.notified_covered_entity_on.isoformat()}, after its own deadline of "
                f"{ba_due.isoformat()} ({facts.BUSINESS_ASSOCIATE_NOTICE_DAYS.citation})."
            )
    return min(breach.discovered_on, derived), notes


def _covered_entity_obligations(breach: BreachFacts, delay: _Delay | None) -> list[Obligation]:
    discovered, discovery_notes = discovery_date(breach)
    total = breach.total_affected
    # 45 CFR 164.404(b): without unreasonable delay, no later than 60 calendar days after discovery.
    individual_due, individual_delay = _delayed(
        discovered + timedelta(days=facts.INDIVIDUAL_NOTICE_DAYS.value), delay
    )
    obligations = [
        Obligation(
            ObligationId.INDIVIDUAL_NOTICE,
            individual_due,
            facts.INDIVIDUAL_NOTICE_DAYS.citation,
            notes=[
                f"{total} individuals affected; discovered {discovered.isoformat()}.",
                *discovery_notes,
                _outer_limit(facts.INDIVIDUAL_NOTICE_DAYS),
                "Written notice by first-class mail to the last known address, or by e-mail if "
                "the individual agreed; for a deceased individual, to the next of kin or "
                "personal representative if the address is known (45 CFR 164.404(d)(1)).",
                "In plain language: what happened with the dates of the breach and of its "
                "discovery, the types of PHI involved, steps individuals should take, what the "
                "entity is doing, and how to contact it (45 CFR 164.404(c)).",
                *individual_delay,
            ],
        )
    ]

    # 45 CFR 164.406(a): more than 500 residents of a State or jurisdiction; (b) same timing.
    for state, count in sorted(breach.affected_by_state.items()):
        if count > facts.MEDIA_NOTICE_MORE_THAN.value:
            due, delay_notes = _delayed(
                discovered + timedelta(days=facts.MEDIA_NOTICE_DAYS.value), delay
            )
            obligations.append(
                Obligation(
                    ObligationId.MEDIA_NOTICE,
                    due,
                    facts.MEDIA_NOTICE_MORE_THAN.citation,
                    state=state,
                    notes=[
                        f"{count} residents of {state} affected, more than "
                        f"{facts.MEDIA_NOTICE_MORE_THAN.value}: notify prominent media outlets "
                        f"serving {state} ({facts.MEDIA_NOTICE_MORE_THAN.citation}).",
                        _outer_limit(facts.MEDIA_NOTICE_DAYS),
                        "The same content as the notice to individuals (45 CFR 164.406(c)).",
                        *delay_notes,
                    ],
                )
            )

    if total >= facts.SECRETARY_IMMEDIATE_AT_LEAST.value:
        # 45 CFR 164.408(b): contemporaneously with the notice to individuals.
        obligations.append(
            Obligation(
                ObligationId.HHS_NOTICE,
                individual_due,
                facts.SECRETARY_IMMEDIATE_AT_LEAST.citation,
                notes=[
                    f"{total} individuals affected, {facts.SECRETARY_IMMEDIATE_AT_LEAST.value} or "
                    "more: notify the Secretary at the same time as the individuals, on the HHS "
                    f"breach portal ({facts.SECRETARY_IMMEDIATE_AT_LEAST.citation}).",
                    *individual_delay,
                ],
            )
        )
    else:
        # 45 CFR 164.408(c): fewer than 500: the log for the calendar year of discovery.
        year_end = date(discovered.year, 12, 31)
        due, delay_notes = _delayed(
            year_end + timedelta(days=facts.SECRETARY_ANNUAL_LOG_DAYS.value), delay
        )
        obligations.append(
            Obligation(
                ObligationId.HHS_ANNUAL_LOG,
                due,
                facts.SECRETARY_ANNUAL_LOG_DAYS.citation,
                notes=[
                    f"{total} individuals affected, fewer than "
                    f"{facts.SECRETARY_IMMEDIATE_AT_LEAST.value}: log the breach and submit the "
                    f"breaches discovered in {discovered.year} to the Secretary no later than "
                    f"{facts.SECRETARY_ANNUAL_LOG_DAYS.value} days after the end of that year "
                    f"({facts.SECRETARY_ANNUAL_LOG_DAYS.citation}).",
                    *delay_notes,
                ],
            )
        )

    unreachable = breach.insufficient_contact_info
    if unreachable:
        # 45 CFR 164.404(d)(2): substitute notice is part of the notice to individuals.
        citation, form = _substitute(unreachable)
        obligations.append(
            Obligation(
                ObligationId.SUBSTITUTE_NOTICE,
                individual_due,
                citation,
                form=form,
                notes=_substitute_notes(unreachable) + individual_delay,
            )
        )
    return obligations


def _substitute(unreachable: int) -> tuple[str, SubstituteForm]:
    """The paragraph and form of substitute notice for ``unreachable`` individuals."""
    if unreachable < facts.SUBSTITUTE_NOTICE_WEB_AT_LEAST.value:
        # 45 CFR 164.404(d)(2)(i)
        return "45 CFR 164.404(d)(2)(i)", SubstituteForm.ALTERNATIVE_WRITTEN_OR_PHONE
    # 45 CFR 164.404(d)(2)(ii)
    return facts.SUBSTITUTE_NOTICE_WEB_AT_LEAST.citation, SubstituteForm.WEB_OR_MEDIA_AND_TOLL_FREE


def _substitute_notes(unreachable: int) -> list[str]:
    threshold = facts.SUBSTITUTE_NOTICE_WEB_AT_LEAST.value
    notes = [
        "Not required for a deceased individual whose next of kin or personal representative "
        "cannot be reached (45 CFR 164.404(d)(2))."
    ]
    if unreachable < threshold:
        return [
            f"{unreachable} individuals with insufficient or out-of-date contact information, "
            f"fewer than {threshold}: an alternative form of written notice, telephone or other "
            "means (45 CFR 164.404(d)(2)(i)).",
            *notes,
        ]
    return [
        f"{unreachable} individuals with insufficient or out-of-date contact information, "
        f"{threshold} or more ({facts.SUBSTITUTE_NOTICE_WEB_AT_LEAST.citation}).",
        f"Either a conspicuous posting on the home page of the entity's web site for "
        f"{facts.SUBSTITUTE_WEB_POSTING_DAYS.value} days, or conspicuous notice in major print or "
        f"broadcast media where the individuals likely live "
        f"({facts.SUBSTITUTE_WEB_POSTING_DAYS.citation}).",
        f"Include a toll-free number that stays active for at least "
        f"{facts.SUBSTITUTE_TOLL_FREE_DAYS.value} days, where individuals can learn whether "
        f"their PHI was involved ({facts.SUBSTITUTE_TOLL_FREE_DAYS.citation}).",
        *notes,
    ]


def _covered_entity_notice(breach: BreachFacts, delay: _Delay | None) -> Obligation:
    # 45 CFR 164.410(b): without unreasonable delay, no later than 60 calendar days after discovery.
    limit = facts.BUSINESS_ASSOCIATE_NOTICE_DAYS
    days = limit.value
    notes = [
        f"{breach.total_affected} individuals affected; discovered "
        f"{breach.discovered_on.isoformat()} (45 CFR 164.410(a)(2)).",
        _outer_limit(limit),
    ]
    if breach.baa_reporting_days is not None and breach.baa_reporting_days < days:
        days = breach.baa_reporting_days
        # 45 CFR 164.504(e)(2)(ii)(C): the agreement governs how the associate reports breaches.
        notes.append(
            f"The business associate agreement requires notice within {days} days, sooner than "
            f"the regulation's {limit.value} (45 CFR 164.504(e)(2)(ii)(C))."
        )
    due, delay_notes = _delayed(breach.discovered_on + timedelta(days=days), delay)
    notes += [
        "Identify each individual affected, to the extent possible (45 CFR 164.410(c)(1)).",
        "Give the covered entity the other information it needs for its notice to individuals, "
        "when available (45 CFR 164.410(c)(2)).",
        *delay_notes,
    ]
    return Obligation(ObligationId.COVERED_ENTITY_NOTICE, due, limit.citation, notes=notes)


def _outer_limit(limit: facts.Limit) -> str:
    return (
        f"Without unreasonable delay: {limit.value} calendar days after discovery is the outer "
        f"limit, not a safe harbor ({limit.citation})."
    )


def _delay(statement: LawEnforcementDelay | None) -> _Delay | None:
    if isinstance(statement, WrittenStatement):
        # 45 CFR 164.412(a): delay for the time period specified by the official.
        return _Delay(
            statement.stated_on,
            statement.until,
            f"Law-enforcement delay, written statement of {statement.stated_on.isoformat()}: the "
            f"delay runs until {statement.until.isoformat()} (45 CFR 164.412(a)).",
        )
    if isinstance(statement, OralStatement):
        # 45 CFR 164.412(b): no longer than 30 days from the oral statement.
        ends = statement.stated_on + timedelta(days=facts.ORAL_DELAY_DAYS.value)
        return _Delay(
            statement.stated_on,
            ends,
            f"Law-enforcement delay, oral statement of {statement.stated_on.isoformat()}: "
            f"document it with the official's identity; the delay runs no longer than "
            f"{facts.ORAL_DELAY_DAYS.value} days, until {ends.isoformat()}, unless a written "
            f"statement is submitted by then; plan again if one is "
            f"({facts.ORAL_DELAY_DAYS.citation}).",
        )
    return None


def _delayed(due: date, delay: _Delay | None) -> tuple[date, list[str]]:
    """``due`` under the law-enforcement delay, and the notes that say how it was reached."""
    if delay is None:
        return due, []
    if delay.stated_on > due:
        return due, [
            f"The law-enforcement statement of {delay.stated_on.isoformat()} came after this "
            f"notice was due ({due.isoformat()}): a delay does not revive a deadline already "
            "passed (45 CFR 164.412)."
        ]
    delayed = max(due, delay.ends_on)
    return delayed, [
        delay.description,
        f"Do not give this notice before {delay.ends_on.isoformat()}. Interpretation applied: the "
        f"delay suspends the notice but adds no time, so it is due on the later of its deadline "
        f"without the delay ({due.isoformat()}) and the end of the delay "
        f"({delay.ends_on.isoformat()}): {delayed.isoformat()}.",
    ]


def _order(obligation: Obligation) -> tuple[date, str, str]:
    return obligation.due, str(obligation.id), obligation.state or ""


# Validation -------------------------------------------------------------------------------------


def _validate(breach: BreachFacts) -> Role:
    """Refuses what the plan cannot rely on; returns the role."""
    if not isinstance(breach, BreachFacts):
        raise RuleInputError("must be a BreachFacts", field="input")
    try:
        role = Role(breach.role)
    except ValueError:
        raise RuleInputError(_one_of(Role), field="role") from None
    _require_date(breach.discovered_on, "discovered_on")
    _validate_counts(breach)

    earliest = breach.discovered_on
    ba = breach.business_associate
    if ba is not None:
        if role is Role.BUSINESS_ASSOCIATE:
            raise RuleInputError(
                "applies only to a covered entity seeing a breach at its business associate; a "
                "business associate gives its own discovery date in discovered_on",
                field="business_associate",
            )
        if not isinstance(ba, BusinessAssociateBreach):
            raise RuleInputError("must be a BusinessAssociateBreach", field="business_associate")
        _require_date(ba.discovered_on, "business_associate.discovered_on")
        if not isinstance(ba.is_agent, bool):
            raise RuleInputError("must be true or false", field="business_associate.is_agent")
        if ba.notified_covered_entity_on is not None:
            _require_date(
                ba.notified_covered_entity_on, "business_associate.notified_covered_entity_on"
            )
            if ba.notified_covered_entity_on < ba.discovered_on:
                raise RuleInputError(
                    f"{ba.notified_covered_entity_on.isoformat()} is before the business "
                    f"associate discovered the breach ({ba.discovered_on.isoformat()})",
                    field="business_associate.notified_covered_entity_on",
                )
        earliest = min(earliest, ba.discovered_on)

    if breach.baa_reporting_days is not None:
        if role is Role.COVERED_ENTITY:
            raise RuleInputError(
                "applies only to a business associate's notice to its covered entity",
                field="baa_reporting_days",
            )
        _require_count(breach.baa_reporting_days, "baa_reporting_days", minimum=0)

    delay = breach.law_enforcement_delay
    if delay is not None:
        if not isinstance(delay, WrittenStatement | OralStatement):
            raise RuleInputError(
                "must be a WrittenStatement or an OralStatement", field="law_enforcement_delay"
            )
        _require_date(delay.stated_on, "law_enforcement_delay.stated_on")
        # A statement that notice would impede an investigation is made to an entity that
        # already knows of the breach.
        if delay.stated_on < earliest:
            raise RuleInputError(
                f"{delay.stated_on.isoformat()} is before the breach was discovered "
                f"({earliest.isoformat()})",
                field="law_enforcement_delay.stated_on",
            )
        if isinstance(delay, WrittenStatement):
            _require_date(delay.until, "law_enforcement_delay.until")
            if delay.until <= delay.stated_on:
                raise RuleInputError(
                    f"{delay.until.isoformat()} is not after the statement "
                    f"({delay.stated_on.isoformat()})",
                    field="law_enforcement_delay.until",
                )
    return role


def _validate_counts(breach: BreachFacts) -> None:
    counts = breach.affected_by_state
    if not isinstance(counts, Mapping):
        raise RuleInputError("must map State codes to counts", field="affected_by_state")
    if not counts:
        raise RuleInputError(
            "a breach affects at least one individual; give the count per State",
            field="affected_by_state",
        )
    for code, count in counts.items():
        if not isinstance(code, str) or code not in facts.JURISDICTIONS:
            raise RuleInputError(
                f"{code!r} is not a State or jurisdiction code (the 50 States, DC, PR, GU, VI, "
                f"AS, MP; {facts.STATES_CITATION})",
                field=f"affected_by_state.{code}",
            )
        _require_count(count, f"affected_by_state.{code}", minimum=1)
    _require_count(breach.insufficient_contact_info, "insufficient_contact_info", minimum=0)
    if breach.insufficient_contact_info > breach.total_affected:
        raise RuleInputError(
            f"{breach.insufficient_contact_info} is more than the {breach.total_affected} "
            "individuals affected; those who cannot be reached are counted in affected_by_state "
            "too",
            field="insufficient_contact_info",
        )


def _require_date(value: object, path: str) -> None:
    # A datetime is a date too, but would carry a time of day into the due dates.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise RuleInputError("must be a calendar date", field=path)


def _require_count(value: object, path: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleInputError("must be a whole number", field=path)
    if value < minimum:
        raise RuleInputError(f"must be at least {minimum}", field=path)


def _one_of(enum: Iterable[StrEnum]) -> str:
    return "must be one of " + ", ".join(m.value for m in enum)


# JSON -------------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TOP_KEYS = {
    "role",
    "discovered_on",
    "affected_by_state",
    "insufficient_contact_info",
    "law_enforcement_delay",
    "business_associate",
}
_OPTIONAL_TOP_KEYS = {"baa_reporting_days"}


def parse_breach_facts(data: object) -> BreachFacts:
    """``BreachFacts`` from the plan's JSON input; refuses unknown keys and wrong types."""
    obj = _object(data, "input", required=_TOP_KEYS, optional=_OPTIONAL_TOP_KEYS)
    role = obj["role"]
    if not isinstance(role, str) or role not in Role:
        raise RuleInputError(_one_of(Role), field="role")
    counts = obj["affected_by_state"]
    if not isinstance(counts, dict):
        raise RuleInputError(
            "must be an object of State codes to counts", field="affected_by_state"
        )
    breach = BreachFacts(
        role=Role(role),
        discovered_on=_iso_date(obj["discovered_on"], "discovered_on"),
        affected_by_state=dict(counts),
        insufficient_contact_info=obj["insufficient_contact_info"],
        law_enforcement_delay=_parse_delay(obj["law_enforcement_delay"]),
        business_associate=_parse_business_associate(obj["business_associate"]),
        baa_reporting_days=obj.get("baa_reporting_days"),
    )
    _validate(breach)
    return breach


def plan_from_json(data: dict[str, Any]) -> list[Obligation]:
    """The plan for the JSON input ``data``; raises ``RuleInputError`` naming the field."""
    return plan(parse_breach_facts(data))


def obligations_to_json(obligations: Iterable[Obligation]) -> dict[str, Any]:
    """``{"obligations": [...]}``, ordered by due date then id, dates in ISO form."""
    return {
        "obligations": [
            {
                "id": str(o.id),
                "due": o.due.isoformat(),
                "citation": o.citation,
                "state": o.state,
                "form": None if o.form is None else str(o.form),
                "notes": list(o.notes),
            }
            for o in sorted(obligations, key=_order)
        ]
    }


def _parse_delay(value: object) -> LawEnforcementDelay | None:
    path = "law_enforcement_delay"
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RuleInputError("must be null or an object", field=path)
    kind = value.get("kind")
    if kind == "written":
        obj = _object(value, path, required={"kind", "stated_on", "until"})
        return WrittenStatement(
            stated_on=_iso_date(obj["stated_on"], f"{path}.stated_on"),
            until=_iso_date(obj["until"], f"{path}.until"),
        )
    if kind == "oral":
        obj = _object(value, path, required={"kind", "stated_on"})
        return OralStatement(stated_on=_iso_date(obj["stated_on"], f"{path}.stated_on"))
    raise RuleInputError("must be 'written' or 'oral'", field=f"{path}.kind")


def _parse_business_associate(value: object) -> BusinessAssociateBreach | None:
    path = "business_associate"
    if value is None:
        return None
    obj = _object(
        value, path, required={"discovered_on", "is_agent"}, optional={"notified_covered_entity_on"}
    )
    if not isinstance(obj["is_agent"], bool):
        raise RuleInputError("must be true or false", field=f"{path}.is_agent")
    notified = obj.get("notified_covered_entity_on")
    return BusinessAssociateBreach(
        discovered_on=_iso_date(obj["discovered_on"], f"{path}.discovered_on"),
        is_agent=obj["is_agent"],
        notified_covered_entity_on=(
            None if notified is None else _iso_date(notified, f"{path}.notified_covered_entity_on")
        ),
    )


def _object(
    value: object,
    path: str,
    *,
    required: set[str],
    optional: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleInputError("must be an object", field=path)
    prefix = "" if path == "input" else f"{path}."
    for key in value:
        if key not in required and key not in optional:
            raise RuleInputError("unknown key", field=f"{prefix}{key}")
    for key in sorted(required):
        if key not in value:
            raise RuleInputError("is required", field=f"{prefix}{key}")
    return value


def _iso_date(value: object, path: str) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise RuleInputError("must be a date as YYYY-MM-DD", field=path)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuleInputError(f"{value} is not a real date", field=path) from None
