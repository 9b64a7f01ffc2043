"""Requests to restrict uses and disclosures (45 CFR 164.522(a)): the decision and its limits.

A covered entity need not agree to a restriction (164.522(a)(1)(ii)), except one: a disclosure to
a health plan for payment or health care operations, not otherwise required by law, of
information about an item or service paid for in full out of pocket (164.522(a)(1)(vi)).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hipaaops.privacy.rules.errors import RuleInputError

MUST_AGREE_CITATION = "45 CFR 164.522(a)(1)(vi)"
MAY_REFUSE_CITATION = "45 CFR 164.522(a)(1)(ii)"


class Purpose(StrEnum):
    """The purpose of the disclosures the individual asks to restrict."""

    TREATMENT = "treatment"
    PAYMENT = "payment"
    HEALTH_CARE_OPERATIONS = "health_care_operations"
    OTHER = "other"


class Decision(StrEnum):
    AGREE = "agree"
    REFUSE = "refuse"


@dataclass(frozen=True)
class RestrictionRequest:
    """What decides whether a restriction request may be refused."""

    to_health_plan: bool  # the restriction is of disclosures to a health plan
    purpose: Purpose
    required_by_law: bool  # the disclosure is otherwise required by law
    # The information pertains solely to an item or service that the individual, or someone
    # other than the health plan on the individual's behalf, paid the covered entity in full.
    paid_in_full_out_of_pocket: bool


@dataclass(frozen=True)
class RestrictionDecision:
    agreed: bool
    required: bool  # the covered entity had to agree
    citation: str
    reason: str


def must_agree(request: RestrictionRequest) -> bool:
    """True when 45 CFR 164.522(a)(1)(vi) obliges the covered entity to agree."""
    return (
        request.to_health_plan
        and request.purpose in {Purpose.PAYMENT, Purpose.HEALTH_CARE_OPERATIONS}
        and not request.required_by_law
        and request.paid_in_full_out_of_pocket
    )


def decide(request: RestrictionRequest, decision: Decision | str) -> RestrictionDecision:
    """Record the covered entity's decision; refuses to refuse the restriction it must grant."""
    try:
        chosen = Decision(decision)
    except ValueError:
        raise RuleInputError(
            f"unknown decision {decision!r} (agree or refuse)", field="decision"
        ) from None
    required = must_agree(request)
    if required:
        # 45 CFR 164.522(a)(1)(vi): the covered entity must agree to this restriction.
        if chosen is Decision.REFUSE:
            raise RuleInputError(
                "this restriction cannot be refused: a disclosure to a health plan for payment "
                "or health care operations, not required by law, of an item or service paid in "
                f"full out of pocket ({MUST_AGREE_CITATION})",
                field="decision",
            )
        return RestrictionDecision(
            agreed=True,
            required=True,
            citation=MUST_AGREE_CITATION,
            reason="a restriction the covered entity must agree to",
        )
    # 45 CFR 164.522(a)(1)(ii): otherwise the covered entity is not required to agree.
    return RestrictionDecision(
        agreed=chosen is Decision.AGREE,
        required=False,
        citation=MAY_REFUSE_CITATION,
        reason="the covered entity may agree or refuse",
    )
