"""Business associates, pure rules (no Django): who is a business associate, what its agreement
must contain, where an agreement stands on a given day, and what a vendor's security answers say
about its risk. Each rule cites its paragraph; the regulatory lists are data in ``data/``."""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from hipaaops.incidents.rules.facts import BUSINESS_ASSOCIATE_NOTICE_DAYS

DATA = Path(__file__).resolve().parent / "data"

# 45 CFR 164.410(b): a business associate tells the covered entity of a breach without
# unreasonable delay and no later than 60 calendar days after discovery; an agreement may set less.
# The figure is the incident rules' fact, kept in one place.
RULE_BREACH_NOTICE_DAYS = BUSINESS_ASSOCIATE_NOTICE_DAYS.value
DEFAULT_EXPIRING_WINDOW_DAYS = 60
DEFAULT_REVIEW_MONTHS = 12


class RuleInputError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


# ---------------------------------------------------------------------------- the determination


class Outcome(StrEnum):
    BUSINESS_ASSOCIATE = "business_associate"
    SUBCONTRACTOR = "subcontractor"  # a business associate of a business associate
    NOT_BUSINESS_ASSOCIATE = "not_business_associate"


@dataclass(frozen=True)
class DeterminationFacts:
    """The answers to the guided determination (45 CFR 160.103, "business associate")."""

    handles_phi: bool  # creates, receives, maintains or transmits PHI on our behalf
    only_transmits: bool = False  # carries data without storing it beyond transit
    routine_access: bool = False  # needs access to the PHI on a routine basis
    workforce_member: bool = False  # a member of our workforce, not an outside party
    treatment_provider: bool = False  # a provider receiving PHI to treat the individual
    own_capacity: bool = False  # a covered entity acting for itself in this relationship
    we_are_business_associate: bool = False  # our organization is itself a business associate


@dataclass(frozen=True)
class Determination:
    outcome: Outcome
    reasons: tuple[str, ...]

    @property
    def is_business_associate(self) -> bool:
        return self.outcome != Outcome.NOT_BUSINESS_ASSOCIATE


def determine(facts: DeterminationFacts) -> Determination:
    """Whether a vendor is our business associate, with the reasoning in the rule's terms."""
    # 45 CFR 160.103 (business associate (1)): a workforce member is not a business associate.
    if facts.workforce_member:
        return Determination(
            Outcome.NOT_BUSINESS_ASSOCIATE,
            (
                "A member of the workforce acts under our direct control and is not a business "
                "associate (45 CFR 160.103, 'business associate' (1); 'workforce').",
                "Workforce members are covered by our own policies, training and sanctions.",
            ),
        )
    # 45 CFR 160.103 (business associate (1)): the test is creating, receiving, maintaining or
    # transmitting PHI for a function or activity on our behalf.
    if not facts.handles_phi:
        return Determination(
            Outcome.NOT_BUSINESS_ASSOCIATE,
            (
                "The vendor does not create, receive, maintain or transmit PHI on our behalf "
                "(45 CFR 160.103, 'business associate' (1)(i)).",
                "Review again if the service changes so that it touches PHI.",
            ),
        )
    # 45 CFR 160.103 (business associate (4)(i)): disclosures to a provider for treatment.
    if facts.treatment_provider:
        return Determination(
            Outcome.NOT_BUSINESS_ASSOCIATE,
            (
                "PHI goes to a health care provider for the treatment of the individual, which "
                "does not make the provider a business associate (45 CFR 160.103, 'business "
                "associate' (4)(i); 164.506(c)).",
            ),
        )
    if facts.own_capacity:
        return Determination(
            Outcome.NOT_BUSINESS_ASSOCIATE,
            (
                "The other party is a covered entity acting in its own right in this "
                "relationship, not on our behalf (45 CFR 160.103, 'business associate' (1)).",
            ),
        )
    # The conduit exception: a party that only transports information and has no more than
    # random or infrequent access to it (HHS, 78 FR 5571-5572 (2013)). Storage is not transport
    # (45 CFR 160.103, 'business associate' (3)(i) names transmission services with routine access).
    if facts.only_transmits and not facts.routine_access:
        return Determination(
            Outcome.NOT_BUSINESS_ASSOCIATE,
            (
                "The vendor only carries the information, stores it no longer than transmission "
                "needs and has at most random or infrequent access: a mere conduit (HHS "
                "commentary, 78 FR 5571-5572).",
                "A service that keeps PHI, even encrypted and without the key, is not a conduit.",
            ),
        )
    reasons = [
        "The vendor creates, receives, maintains or transmits PHI on our behalf (45 CFR "
        "160.103, 'business associate' (1)(ii)).",
    ]
    if facts.only_transmits:
        reasons.append(
            "It transmits PHI with routine access to it, like a health information organization "
            "or e-prescribing gateway (45 CFR 160.103, 'business associate' (3)(i)): the conduit "
            "exception does not apply."
        )
    if facts.we_are_business_associate:
        reasons.append(
            "We are ourselves a business associate, so the vendor is a subcontractor and a "
            "business associate in its own right (45 CFR 160.103, 'business associate' (3)(iii), "
            "'subcontractor'); it needs an agreement with us (164.502(e)(1)(ii), 164.504(e)(5))."
        )
        return Determination(Outcome.SUBCONTRACTOR, tuple(reasons))
    reasons.append(
        "A written agreement with the provisions of 45 CFR 164.504(e) and 164.314(a) is needed "
        "before it handles PHI (164.502(e)(2), 164.308(b)(3))."
    )
    return Determination(Outcome.BUSINESS_ASSOCIATE, tuple(reasons))


# ---------------------------------------------------------------------------- required provisions


@dataclass(frozen=True)
class Provision:
    key: str
    citations: tuple[str, ...]
    title: str
    hint: str


class ProvisionState(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"
    UNCHECKED = "unchecked"


@cache
def provisions() -> tuple[Provision, ...]:
    """The provisions an agreement must contain (45 CFR 164.504(e)(2), 164.314(a)(2)(i))."""
    raw = json.loads((DATA / "baa_provisions.json").read_text(encoding="utf-8"))
    return tuple(
        Provision(p["key"], tuple(p["citations"]), p["title"], p["hint"]) for p in raw["provisions"]
    )


def provision_keys() -> tuple[str, ...]:
    return tuple(p.key for p in provisions())


def checklist_gaps(checklist: dict[str, Any]) -> list[Provision]:
    """Provisions marked missing or not checked yet. 'Not applicable' is a recorded choice; every
    provision of 164.504(e)(2) applies to an ordinary agreement, so it needs its note."""
    gaps = []
    for p in provisions():
        state = (checklist.get(p.key) or {}).get("state", ProvisionState.UNCHECKED)
        if state in (ProvisionState.MISSING, ProvisionState.UNCHECKED):
            gaps.append(p)
    return gaps


def check_checklist(checklist: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A checklist as stored: known keys, known states, 'where' text for a present provision."""
    known = set(provision_keys())
    clean: dict[str, dict[str, str]] = {}
    for key, value in checklist.items():
        if key not in known:
            raise RuleInputError(f"Unknown provision {key}.", f"provisions.{key}")
        value = value if isinstance(value, dict) else {"state": value}
        state = str(value.get("state") or ProvisionState.UNCHECKED)
        if state not in ProvisionState.__members__.values():
            raise RuleInputError(
                f"State must be one of {', '.join(ProvisionState)}.", f"provisions.{key}"
            )
        where = str(value.get("where") or "").strip()[:200]
        note = str(value.get("note") or "").strip()[:1000]
        if state == ProvisionState.NOT_APPLICABLE and not note:
            raise RuleInputError(
                "Say why the provision does not apply to this agreement.", f"provisions.{key}"
            )
        clean[key] = {"state": state, "where": where, "note": note}
    return clean


# ---------------------------------------------------------------------------- agreement status


class AgreementStatus(StrEnum):
    NEEDED = "needed"
    REQUESTED = "requested"
    IN_REVIEW = "in_review"
    SIGNED = "signed"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    TERMINATED = "terminated"


STATUS_LABELS = {
    AgreementStatus.NEEDED: "Needed",
    AgreementStatus.REQUESTED: "Requested",
    AgreementStatus.IN_REVIEW: "In review",
    AgreementStatus.SIGNED: "Signed",
    AgreementStatus.EXPIRING: "Expiring",
    AgreementStatus.EXPIRED: "Expired",
    AgreementStatus.TERMINATED: "Terminated",
}
# The stages a person moves an agreement through; expiring and expired follow from the dates.
STAGES = (
    AgreementStatus.NEEDED,
    AgreementStatus.REQUESTED,
    AgreementStatus.IN_REVIEW,
    AgreementStatus.SIGNED,
    AgreementStatus.TERMINATED,
)
NEXT_STAGES = {
    AgreementStatus.NEEDED: (AgreementStatus.REQUESTED, AgreementStatus.IN_REVIEW),
    AgreementStatus.REQUESTED: (AgreementStatus.IN_REVIEW, AgreementStatus.NEEDED),
    AgreementStatus.IN_REVIEW: (AgreementStatus.SIGNED, AgreementStatus.REQUESTED),
    AgreementStatus.SIGNED: (AgreementStatus.TERMINATED,),
    AgreementStatus.TERMINATED: (),
}


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class AgreementTerms:
    stage: AgreementStatus
    effective_on: date | None = None
    expires_on: date | None = None  # end of the first term; None for an agreement without end
    auto_renews: bool = False
    renewal_months: int | None = None


def check_terms(terms: AgreementTerms) -> None:
    if terms.stage not in STAGES:
        raise RuleInputError("Expiring and expired follow from the dates.", "status")
    if terms.effective_on and terms.expires_on and terms.expires_on <= terms.effective_on:
        raise RuleInputError("The expiry date must come after the effective date.", "expires_on")
    if terms.stage == AgreementStatus.SIGNED and terms.effective_on is None:
        raise RuleInputError("A signed agreement needs its effective date.", "effective_on")
    if terms.auto_renews and not terms.renewal_months:
        raise RuleInputError("Give the length of a renewal term in months.", "renewal_months")
    if terms.auto_renews and terms.expires_on is None:
        raise RuleInputError("An agreement that renews needs the end of its term.", "expires_on")
    if terms.renewal_months is not None and not 1 <= terms.renewal_months <= 120:
        raise RuleInputError("A renewal term is 1 to 120 months.", "renewal_months")


def term_end(terms: AgreementTerms, today: date) -> date | None:
    """The end of the term running on ``today``: an agreement that renews by itself rolls on."""
    end = terms.expires_on
    if end is None or not terms.auto_renews or not terms.renewal_months:
        return end
    while end < today:
        end = add_months(end, terms.renewal_months)
    return end


def status_on(terms: AgreementTerms, today: date, window_days: int) -> AgreementStatus:
    """Where an agreement stands on a day: the stage someone set, then the dates decide whether
    a signed agreement is expiring (within the window) or expired."""
    if terms.stage != AgreementStatus.SIGNED:
        return terms.stage
    end = term_end(terms, today)
    if end is None:
        return AgreementStatus.SIGNED
    if end < today:
        return AgreementStatus.EXPIRED
    if (end - today).days <= window_days:
        return AgreementStatus.EXPIRING
    return AgreementStatus.SIGNED


def in_force(status: AgreementStatus) -> bool:
    """An agreement that gives the satisfactory assurances of 164.502(e)(1) today."""
    return status in (AgreementStatus.SIGNED, AgreementStatus.EXPIRING)


def reporting_calendar_days(days: int | None, kind: str) -> int | None:
    """An agreed breach-reporting limit in calendar days, checked against the rule: no agreement
    may allow more than 60 calendar days after discovery (45 CFR 164.410(b)). Business days are
    counted as calendar days, which is never later than the agreement."""
    if kind not in ("calendar", "business"):
        raise RuleInputError("Days are calendar or business days.", "breach_report_day_kind")
    if days is None:
        return None
    if days < 0:
        raise RuleInputError("The reporting limit cannot be negative.", "breach_report_days")
    if days > RULE_BREACH_NOTICE_DAYS:
        raise RuleInputError(
            f"A business associate must report a breach within {RULE_BREACH_NOTICE_DAYS} calendar "
            f"days of discovery at the latest ({BUSINESS_ASSOCIATE_NOTICE_DAYS.citation}); an "
            "agreement cannot allow more.",
            "breach_report_days",
        )
    return days


# ---------------------------------------------------------------------------- security reviews


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    text: str
    points: int
    critical: bool
    citation: str


@dataclass(frozen=True)
class Tier:
    key: str
    label: str
    max_points: int | None


@dataclass(frozen=True)
class Questionnaire:
    questions: tuple[Question, ...]
    tiers: tuple[Tier, ...]
    report_types: dict[str, str]
    report_credit_points: int
    note: str


@cache
def questionnaire() -> Questionnaire:
    raw = json.loads((DATA / "questionnaire.json").read_text(encoding="utf-8"))
    return Questionnaire(
        tuple(Question(**q) for q in raw["questions"]),
        tuple(Tier(**t) for t in raw["tiers"]),
        {r["key"]: r["label"] for r in raw["audit_report_types"]},
        int(raw["report_credit_points"]),
        raw["note"],
    )


ANSWERS = ("yes", "partly", "no", "not_applicable")


@dataclass(frozen=True)
class AuditReport:
    kind: str
    expires_on: date | None


@dataclass(frozen=True)
class TierResult:
    tier: str
    label: str
    points: int
    reasons: tuple[str, ...] = field(default=())


def check_answers(answers: dict[str, Any]) -> dict[str, str]:
    clean = {}
    for q in questionnaire().questions:
        value = str(answers.get(q.id) or "")
        if value not in ANSWERS:
            raise RuleInputError(f"Answer '{q.text}' with yes, partly, no or n/a.", q.id)
        clean[q.id] = value
    return clean


def tier_for(
    answers: dict[str, str],
    reports: list[AuditReport],
    today: date,
    *,
    phi_access: str = "full",
    offshore: bool = False,
) -> TierResult:
    """A vendor's risk tier from its answers, its current audit reports, what PHI it touches and
    where it processes it; each point of the score comes with its reason."""
    qn = questionnaire()
    points = 0
    reasons: list[str] = []
    critical_gap = False
    for q in qn.questions:
        answer = answers.get(q.id, "no")
        cite = f" ({q.citation})" if q.citation else ""
        if answer == "no":
            points += q.points
            reasons.append(f"No: {q.text}{cite} +{q.points}")
            critical_gap = critical_gap or q.critical
        elif answer == "partly":
            half = (q.points + 1) // 2
            points += half
            reasons.append(f"Partly: {q.text}{cite} +{half}")
    current = [r for r in reports if r.expires_on is None or r.expires_on >= today]
    expired = [r for r in reports if r.expires_on is not None and r.expires_on < today]
    for r in expired:
        reasons.append(
            f"The {qn.report_types.get(r.kind, r.kind)} expired on {r.expires_on}: no credit."
        )
    independent = [r for r in current if r.kind not in ("other", "pen_test_letter")]
    if independent:
        points = max(0, points - qn.report_credit_points)
        names = ", ".join(sorted({qn.report_types.get(r.kind, r.kind) for r in independent}))
        reasons.append(f"A current independent audit report ({names}) -{qn.report_credit_points}")
    if offshore:
        points += 2
        reasons.append("PHI is processed outside the United States +2")
    if phi_access == "limited":
        points = points // 2
        reasons.append("The vendor touches a limited set of PHI: the score is halved")
    tier = next(t for t in qn.tiers if t.max_points is None or points <= t.max_points)
    if critical_gap and _rank(tier.key) < _rank("high"):
        tier = next(t for t in qn.tiers if t.key == "high")
        reasons.append("A 'no' to a critical question puts the vendor in the high tier at least")
    return TierResult(tier.key, tier.label, points, tuple(reasons))


def _rank(key: str) -> int:
    return [t.key for t in questionnaire().tiers].index(key)


def tier_rank(key: str) -> int:
    """Order of a tier, lowest risk first (-1 for a vendor not reviewed)."""
    try:
        return _rank(key)
    except ValueError:
        return -1


# ---------------------------------------------------------------------------- reminders


class ReminderKind(StrEnum):
    BAA_EXPIRING = "baa_expiring"
    BAA_EXPIRED = "baa_expired"
    BAA_MISSING = "baa_missing"
    REVIEW_DUE = "review_due"
    QUESTIONNAIRE_OVERDUE = "questionnaire_overdue"
    REPORT_EXPIRED = "report_expired"
    VERIFICATION_MISSING = "verification_missing"


# Days before a date on which a reminder goes out, once each.
EXPIRY_REMINDER_DAYS = (60, 30, 14, 7, 1)
REVIEW_REMINDER_DAYS = (30, 7, 0)


def reminder_due(target: date, today: date, days_before: tuple[int, ...]) -> int | None:
    """The reminder step due today for a date, or None."""
    left = (target - today).days
    return left if left in days_before else None


def verification_due(last_received: date | None, since: date, today: date, months: int) -> date:
    """When the next written verification is due (proposed 164.308(b)(1), 90 FR 898): 12 months
    after the last one, or after the agreement took effect when none has come yet."""
    base = last_received or since
    due = add_months(base, months)
    return due if due > base else base + timedelta(days=1)
