"""The Privacy Rule's numbers, as data: each with the paragraph that sets it.

The rules in this package read their periods, extensions, look-back and fees from here, so a
compliance officer can check every number against the regulation in one place. State law may set
shorter periods; these are the federal maxima.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Right(StrEnum):
    """The individual rights that run on a clock."""

    ACCESS = "access"  # 45 CFR 164.524
    AMENDMENT = "amendment"  # 45 CFR 164.526
    ACCOUNTING = "accounting"  # 45 CFR 164.528


@dataclass(frozen=True)
class ClockFacts:
    """How long a covered entity has to act on a request, and the extension it may take."""

    days: int  # calendar days after receipt
    extension_days: int  # the most one extension may add
    extensions_allowed: int
    citation: str  # the time limit
    extension_citation: str  # the extension and its written statement
    statement_citation: str  # the statement must be given within the initial time limit
    single_extension_citation: str


CLOCKS: dict[Right, ClockFacts] = {
    Right.ACCESS: ClockFacts(
        days=30,
        extension_days=30,
        extensions_allowed=1,
        citation="45 CFR 164.524(b)(2)(i)",
        extension_citation="45 CFR 164.524(b)(2)(ii)",
        statement_citation="45 CFR 164.524(b)(2)(ii)(A)",
        single_extension_citation="45 CFR 164.524(b)(2)(ii)(B)",
    ),
    Right.AMENDMENT: ClockFacts(
        days=60,
        extension_days=30,
        extensions_allowed=1,
        citation="45 CFR 164.526(b)(2)(i)",
        extension_citation="45 CFR 164.526(b)(2)(ii)",
        statement_citation="45 CFR 164.526(b)(2)(ii)(A)",
        single_extension_citation="45 CFR 164.526(b)(2)(ii)(B)",
    ),
    Right.ACCOUNTING: ClockFacts(
        days=60,
        extension_days=30,
        extensions_allowed=1,
        citation="45 CFR 164.528(c)(1)",
        extension_citation="45 CFR 164.528(c)(1)(ii)",
        statement_citation="45 CFR 164.528(c)(1)(ii)(A)",
        single_extension_citation="45 CFR 164.528(c)(1)(ii)(B)",
    ),
}

# 45 CFR 164.528(a)(1): the accounting covers the six years before the date of the request;
# 164.528(a)(3): the individual may ask for a shorter period.
ACCOUNTING_LOOKBACK_YEARS = 6
ACCOUNTING_PERIOD_CITATION = "45 CFR 164.528(a)(1)"
SHORTER_PERIOD_CITATION = "45 CFR 164.528(a)(3)"

# 45 CFR 164.528(c)(2): the first accounting in any 12-month period is free.
FREE_ACCOUNTING_PERIOD_MONTHS = 12
ACCOUNTING_FEE_CITATION = "45 CFR 164.528(c)(2)"

# 45 CFR 164.534(a): compliance date of the Privacy Rule; 164.534(b)(2): small health plans.
PRIVACY_RULE_COMPLIANCE_DATE = date(2003, 4, 14)
SMALL_HEALTH_PLAN_COMPLIANCE_DATE = date(2004, 4, 14)

# 45 CFR 164.524(c)(4): what a reasonable, cost-based fee for access copies may include.
ACCESS_FEE_CITATION = "45 CFR 164.524(c)(4)"
ACCESS_FEE_ITEMS: dict[str, str] = {
    "labor": "45 CFR 164.524(c)(4)(i)",
    "supplies": "45 CFR 164.524(c)(4)(ii)",
    "postage": "45 CFR 164.524(c)(4)(iii)",
    "summary": "45 CFR 164.524(c)(4)(iv)",
}


@dataclass(frozen=True)
class Guidance:
    """A figure from agency guidance: not regulation, and labelled as such wherever it is shown."""

    amount: Decimal
    description: str
    source: str
    url: str


# Guidance, not regulation: HHS lets a covered entity charge a flat fee of up to $6.50 (all
# inclusive) for an electronic copy of records maintained electronically, instead of computing
# actual or average costs under 164.524(c)(4).
HHS_FLAT_FEE_ELECTRONIC = Guidance(
    amount=Decimal("6.50"),
    description=(
        "Optional flat fee, all inclusive, for an electronic copy of protected health "
        "information maintained electronically"
    ),
    source="HHS OCR guidance, Individuals' Right under HIPAA to Access their Health Information",
    url="https://www.hhs.gov/hipaa/for-professionals/privacy/guidance/access/index.html",
)
