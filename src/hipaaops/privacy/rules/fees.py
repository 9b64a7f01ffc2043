"""The fee for copies under the right of access: reasonable and cost-based, itemized.

45 CFR 164.524(c)(4) allows only labor for copying, supplies, postage and preparing a summary; no
charge for search and retrieval, or for inspection without a copy. An HHS guidance figure, a flat
fee for electronic copies of electronic records, is offered as an alternative and labelled as
guidance, not regulation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from hipaaops.privacy.rules.errors import RuleInputError
from hipaaops.privacy.rules.facts import (
    ACCESS_FEE_CITATION,
    ACCESS_FEE_ITEMS,
    HHS_FLAT_FEE_ELECTRONIC,
)

CENT = Decimal("0.01")


class FeeMethod(StrEnum):
    COST_BASED = "cost_based"  # 45 CFR 164.524(c)(4): actual or average costs
    HHS_FLAT_FEE = "hhs_flat_fee"  # HHS guidance: flat fee for electronic copies


@dataclass(frozen=True)
class CopyCosts:
    """What producing one copy costs the covered entity, item by item (amounts in dollars)."""

    labor_hours: Decimal = Decimal(0)  # time spent copying, paper or electronic
    labor_rate_per_hour: Decimal = Decimal(0)
    supplies: Decimal = Decimal(0)  # paper, or the portable media the individual asked for
    postage: Decimal = Decimal(0)
    mailed: bool = False  # the individual asked for the copy (or summary) to be mailed
    summary_preparation: Decimal = Decimal(0)
    summary_agreed: bool = False  # the individual agreed in advance to a summary and its fee


@dataclass(frozen=True)
class FeeLine:
    item: str
    description: str
    citation: str
    amount: Decimal


@dataclass(frozen=True)
class Fee:
    """An itemized fee; ``basis`` says whether it rests on the regulation or on guidance."""

    method: FeeMethod
    lines: tuple[FeeLine, ...]
    total: Decimal
    basis: str


def _amount(value: object, field: str) -> Decimal:
    # Money is never a float; booleans are ints to Python, but not amounts.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise RuleInputError(f"{field} must be a whole number or a Decimal", field=field)
    amount = Decimal(value)
    if not amount.is_finite():
        raise RuleInputError(f"{field} must be a finite amount", field=field)
    if amount < 0:
        raise RuleInputError(f"{field} cannot be negative (got {amount})", field=field)
    return amount


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def cost_based_fee(costs: CopyCosts) -> Fee:
    """The reasonable, cost-based fee for a copy, itemized as 45 CFR 164.524(c)(4) allows."""
    amounts = {
        f.name: _amount(getattr(costs, f.name), f.name)
        for f in fields(costs)
        if f.name not in {"mailed", "summary_agreed"}
    }
    # 45 CFR 164.524(c)(4)(iii): postage only when the individual asked for the copy to be mailed.
    if amounts["postage"] and not costs.mailed:
        raise RuleInputError(
            f"postage may be charged only when the individual asked for the copy to be mailed "
            f"({ACCESS_FEE_ITEMS['postage']})",
            field="postage",
        )
    # 45 CFR 164.524(c)(4)(iv), (c)(2)(iii): a summary only if agreed to, with its fee, in advance.
    if amounts["summary_preparation"] and not costs.summary_agreed:
        raise RuleInputError(
            f"preparing a summary may be charged only if the individual agreed to it and to its "
            f"fee in advance ({ACCESS_FEE_ITEMS['summary']})",
            field="summary_preparation",
        )
    lines = (
        FeeLine(
            "labor",
            "Labor for copying",
            ACCESS_FEE_ITEMS["labor"],
            _cents(amounts["labor_hours"] * amounts["labor_rate_per_hour"]),
        ),
        FeeLine(
            "supplies",
            "Supplies for the paper copy or portable electronic media",
            ACCESS_FEE_ITEMS["supplies"],
            _cents(amounts["supplies"]),
        ),
        FeeLine(
            "postage",
            "Postage",
            ACCESS_FEE_ITEMS["postage"],
            _cents(amounts["postage"]),
        ),
        FeeLine(
            "summary",
            "Preparing an explanation or summary",
            ACCESS_FEE_ITEMS["summary"],
            _cents(amounts["summary_preparation"]),
        ),
    )
    return Fee(
        method=FeeMethod.COST_BASED,
        lines=lines,
        total=sum((line.amount for line in lines), Decimal("0.00")),
        basis=ACCESS_FEE_CITATION,
    )


def hhs_flat_fee(*, maintained_electronically: bool, electronic_copy: bool) -> Fee:
    """HHS's optional flat fee for an electronic copy of electronic records (guidance).

    Not regulation: HHS guidance allows this instead of computing costs under 164.524(c)(4),
    only for an electronic copy of protected health information maintained electronically.
    """
    if not maintained_electronically:
        raise RuleInputError(
            "the flat fee applies only to records maintained electronically",
            field="maintained_electronically",
        )
    if not electronic_copy:
        raise RuleInputError(
            "the flat fee applies only to an electronic copy", field="electronic_copy"
        )
    guidance = HHS_FLAT_FEE_ELECTRONIC
    line = FeeLine(
        "flat_fee",
        guidance.description,
        f"Guidance, not regulation: {guidance.source} ({guidance.url})",
        _cents(guidance.amount),
    )
    return Fee(
        method=FeeMethod.HHS_FLAT_FEE,
        lines=(line,),
        total=line.amount,
        basis=f"Guidance, not regulation: {guidance.source}",
    )
