"""The accounting of disclosures (45 CFR 164.528): which disclosures it lists, and its fee.

Given the disclosures of one individual's protected health information, ``account_for`` lists
those the accounting must include and sets aside the others, each with its citation and reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hipaaops.privacy.rules.dates import add_months
from hipaaops.privacy.rules.errors import RuleInputError
from hipaaops.privacy.rules.facts import (
    ACCOUNTING_FEE_CITATION,
    ACCOUNTING_LOOKBACK_YEARS,
    ACCOUNTING_PERIOD_CITATION,
    FREE_ACCOUNTING_PERIOD_MONTHS,
    PRIVACY_RULE_COMPLIANCE_DATE,
    SHORTER_PERIOD_CITATION,
)


class Exemption(StrEnum):
    """The disclosures 45 CFR 164.528(a)(1)(i)-(ix) leave out of an accounting."""

    TREATMENT_PAYMENT_OPERATIONS = "treatment_payment_operations"
    TO_THE_INDIVIDUAL = "to_the_individual"
    INCIDENTAL = "incidental"
    AUTHORIZATION = "authorization"
    DIRECTORY_OR_INVOLVED_PERSONS = "directory_or_involved_persons"
    NATIONAL_SECURITY = "national_security"
    CORRECTIONAL_INSTITUTION = "correctional_institution"
    LIMITED_DATA_SET = "limited_data_set"
    BEFORE_COMPLIANCE_DATE = "before_compliance_date"


@dataclass(frozen=True)
class ExemptionRule:
    citation: str
    reason: str


EXEMPTIONS: dict[Exemption, ExemptionRule] = {
    Exemption.TREATMENT_PAYMENT_OPERATIONS: ExemptionRule(
        "45 CFR 164.528(a)(1)(i)",
        "to carry out treatment, payment or health care operations (164.506)",
    ),
    Exemption.TO_THE_INDIVIDUAL: ExemptionRule(
        "45 CFR 164.528(a)(1)(ii)",
        "to the individual, of protected health information about them (164.502)",
    ),
    Exemption.INCIDENTAL: ExemptionRule(
        "45 CFR 164.528(a)(1)(iii)",
        "incident to a use or disclosure otherwise permitted or required (164.502)",
    ),
    Exemption.AUTHORIZATION: ExemptionRule(
        "45 CFR 164.528(a)(1)(iv)",
        "pursuant to an authorization (164.508)",
    ),
    Exemption.DIRECTORY_OR_INVOLVED_PERSONS: ExemptionRule(
        "45 CFR 164.528(a)(1)(v)",
        "for the facility's directory, or to persons involved in the individual's care or "
        "other notification purposes (164.510)",
    ),
    Exemption.NATIONAL_SECURITY: ExemptionRule(
        "45 CFR 164.528(a)(1)(vi)",
        "for national security or intelligence purposes (164.512(k)(2))",
    ),
    Exemption.CORRECTIONAL_INSTITUTION: ExemptionRule(
        "45 CFR 164.528(a)(1)(vii)",
        "to correctional institutions or law enforcement officials having custody of an inmate "
        "(164.512(k)(5))",
    ),
    Exemption.LIMITED_DATA_SET: ExemptionRule(
        "45 CFR 164.528(a)(1)(viii)",
        "as part of a limited data set (164.514(e))",
    ),
    Exemption.BEFORE_COMPLIANCE_DATE: ExemptionRule(
        "45 CFR 164.528(a)(1)(ix)",
        "made before the covered entity's compliance date (164.534)",
    ),
}

OUTSIDE_PERIOD = ExemptionRule(
    f"{ACCOUNTING_PERIOD_CITATION}, {SHORTER_PERIOD_CITATION}",
    "outside the period of the accounting",
)
SUSPENDED = ExemptionRule(
    "45 CFR 164.528(a)(2)(i)",
    "withheld while a health oversight agency's or law enforcement official's suspension is "
    "in effect",
)


@dataclass(frozen=True)
class Disclosure:
    """One disclosure, with what 45 CFR 164.528(b)(2) requires an accounting to show of it."""

    disclosed_on: date
    recipient: str  # name, and address if known
    description: str  # of the protected health information disclosed
    purpose: str  # a brief statement, or a copy of the request
    exemption: Exemption | None = None
    suspended_until: date | None = None  # a 164.528(a)(2) suspension, last day in effect


@dataclass(frozen=True)
class Exclusion:
    disclosure: Disclosure
    citation: str
    reason: str


@dataclass(frozen=True)
class Accounting:
    """The disclosures an accounting lists (oldest first), and those it leaves out, with why."""

    requested_on: date
    period_start: date
    period_end: date
    included: tuple[Disclosure, ...]
    excluded: tuple[Exclusion, ...]
    citation: str = ACCOUNTING_PERIOD_CITATION


@dataclass(frozen=True)
class AccountingCharge:
    """Whether this accounting is the free one of its 12-month period."""

    free: bool
    period_began_on: date  # the free accounting that opened the current 12-month period
    citation: str
    reason: str


def accounting_period(
    requested_on: date,
    period_start: date | None = None,
    period_end: date | None = None,
) -> tuple[date, date]:
    """The first and last days covered: six years back from the request, or a shorter period."""
    # 45 CFR 164.528(a)(1): the six years prior to the date on which the accounting is requested.
    earliest = add_months(requested_on, -12 * ACCOUNTING_LOOKBACK_YEARS)
    start = earliest if period_start is None else period_start
    end = requested_on if period_end is None else period_end
    # 45 CFR 164.528(a)(3): the individual may ask for a shorter period, never a longer one.
    if start < earliest:
        raise RuleInputError(
            f"period_start {start} is more than {ACCOUNTING_LOOKBACK_YEARS} years before the "
            f"request ({requested_on}); the accounting covers at most {earliest} onwards "
            f"({ACCOUNTING_PERIOD_CITATION})",
            field="period_start",
        )
    if end > requested_on:
        raise RuleInputError(
            f"period_end {end} is after the request ({requested_on})", field="period_end"
        )
    if start > end:
        raise RuleInputError(
            f"period_start {start} is after period_end {end}", field="period_start"
        )
    return start, end


def _required_content(index: int, disclosure: Disclosure) -> None:
    # 45 CFR 164.528(b)(2)(i)-(iv): date, recipient, description and purpose of each disclosure.
    for name in ("recipient", "description", "purpose"):
        if not getattr(disclosure, name).strip():
            raise RuleInputError(
                f"disclosure {index + 1} ({disclosure.disclosed_on}) lacks its {name}, which an "
                f"accounting must show (45 CFR 164.528(b)(2))",
                field=f"disclosures[{index}].{name}",
            )


def account_for(
    disclosures: Iterable[Disclosure],
    requested_on: date,
    period_start: date | None = None,
    period_end: date | None = None,
    compliance_date: date = PRIVACY_RULE_COMPLIANCE_DATE,
) -> Accounting:
    """Sort ``disclosures`` into those the accounting lists and those it leaves out, with why.

    ``compliance_date`` is the covered entity's (164.534: small health plans complied a year
    later).
    """
    start, end = accounting_period(requested_on, period_start, period_end)
    included: list[Disclosure] = []
    excluded: list[Exclusion] = []
    for index, disclosure in enumerate(disclosures):
        rule: ExemptionRule | None
        if not start <= disclosure.disclosed_on <= end:
            rule = OUTSIDE_PERIOD
        elif disclosure.disclosed_on < compliance_date:
            rule = EXEMPTIONS[Exemption.BEFORE_COMPLIANCE_DATE]
        elif disclosure.exemption is not None:
            rule = EXEMPTIONS[disclosure.exemption]
        elif disclosure.suspended_until is not None and requested_on <= disclosure.suspended_until:
            rule = SUSPENDED
        else:
            rule = None
        if rule is None:
            _required_content(index, disclosure)
            included.append(disclosure)
        else:
            excluded.append(Exclusion(disclosure, rule.citation, rule.reason))
    included.sort(key=lambda d: d.disclosed_on)
    return Accounting(
        requested_on=requested_on,
        period_start=start,
        period_end=end,
        included=tuple(included),
        excluded=tuple(excluded),
    )


def accounting_charge(requested_on: date, earlier_requests: Iterable[date]) -> AccountingCharge:
    """Whether the accounting requested on ``requested_on`` is free, given the earlier ones.

    45 CFR 164.528(c)(2): the first accounting in any 12-month period is free. Read in the
    individual's favour: a free accounting opens a 12-month period, and the first request after
    that period ends is free again, whatever was charged for in between.
    """
    opened: date | None = None
    for earlier in sorted(earlier_requests):
        if earlier > requested_on:
            raise RuleInputError(
                f"an earlier request ({earlier}) is dated after this one ({requested_on})",
                field="earlier_requests",
            )
        if opened is None or earlier >= add_months(opened, FREE_ACCOUNTING_PERIOD_MONTHS):
            opened = earlier
    if opened is None or requested_on >= add_months(opened, FREE_ACCOUNTING_PERIOD_MONTHS):
        return AccountingCharge(
            free=True,
            period_began_on=requested_on,
            citation=ACCOUNTING_FEE_CITATION,
            reason=f"the first accounting in {FREE_ACCOUNTING_PERIOD_MONTHS} months is free",
        )
    return AccountingCharge(
        free=False,
        period_began_on=opened,
        citation=ACCOUNTING_FEE_CITATION,
        reason=(
            f"a free accounting was given on {opened}, within {FREE_ACCOUNTING_PERIOD_MONTHS} "
            f"months: a reasonable, cost-based fee may be charged if the individual is told of it "
            f"in advance and may withdraw or modify the request to avoid or reduce it"
        ),
    )
