"""The fee for access copies: itemized, cost-based, and the HHS flat-fee alternative."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hipaaops.privacy.rules import (
    CopyCosts,
    FeeMethod,
    RuleInputError,
    cost_based_fee,
    hhs_flat_fee,
)


def test_itemized_cost_based_fee() -> None:
    fee = cost_based_fee(
        CopyCosts(
            labor_hours=Decimal("0.25"),
            labor_rate_per_hour=Decimal("22.00"),
            supplies=Decimal("1.20"),
            postage=Decimal("2.75"),
            mailed=True,
            summary_preparation=Decimal("15"),
            summary_agreed=True,
        )
    )
    assert fee.method is FeeMethod.COST_BASED
    assert fee.basis == "45 CFR 164.524(c)(4)"
    assert [(line.item, line.amount, line.citation) for line in fee.lines] == [
        ("labor", Decimal("5.50"), "45 CFR 164.524(c)(4)(i)"),
        ("supplies", Decimal("1.20"), "45 CFR 164.524(c)(4)(ii)"),
        ("postage", Decimal("2.75"), "45 CFR 164.524(c)(4)(iii)"),
        ("summary", Decimal("15.00"), "45 CFR 164.524(c)(4)(iv)"),
    ]
    assert fee.total == Decimal("24.45")


def test_labor_is_rounded_to_the_cent() -> None:
    # 10 minutes at $25/hour is $4.1666..., charged as $4.17.
    fee = cost_based_fee(CopyCosts(labor_hours=Decimal(10) / 60, labor_rate_per_hour=25))
    assert fee.lines[0].amount == Decimal("4.17")
    assert fee.total == Decimal("4.17")


def test_no_costs_no_fee() -> None:
    fee = cost_based_fee(CopyCosts())
    assert fee.total == Decimal("0.00")
    assert len(fee.lines) == 4


@pytest.mark.parametrize(
    "field",
    ["labor_hours", "labor_rate_per_hour", "supplies", "postage", "summary_preparation"],
)
def test_negative_amounts_are_refused(field: str) -> None:
    costs = CopyCosts(mailed=True, summary_agreed=True, **{field: Decimal("-0.01")})
    with pytest.raises(RuleInputError) as error:
        cost_based_fee(costs)
    assert error.value.field == field


@pytest.mark.parametrize("value", [1.5, Decimal("NaN"), Decimal("Infinity"), True, "3"])
def test_amounts_that_are_not_money_are_refused(value: object) -> None:
    with pytest.raises(RuleInputError) as error:
        cost_based_fee(CopyCosts(supplies=value))  # type: ignore[arg-type]
    assert error.value.field == "supplies"


def test_postage_only_when_mailed() -> None:
    with pytest.raises(RuleInputError) as error:
        cost_based_fee(CopyCosts(postage=Decimal("2.75")))
    assert error.value.field == "postage"


def test_summary_only_when_agreed() -> None:
    with pytest.raises(RuleInputError) as error:
        cost_based_fee(CopyCosts(summary_preparation=Decimal(10)))
    assert error.value.field == "summary_preparation"


def test_hhs_flat_fee_is_guidance() -> None:
    fee = hhs_flat_fee(maintained_electronically=True, electronic_copy=True)
    assert fee.method is FeeMethod.HHS_FLAT_FEE
    assert fee.total == Decimal("6.50")
    assert [line.amount for line in fee.lines] == [Decimal("6.50")]
    assert fee.basis.startswith("Guidance, not regulation")
    assert "hhs.gov" in fee.lines[0].citation


@pytest.mark.parametrize(
    ("maintained_electronically", "electronic_copy", "field"),
    [(False, True, "maintained_electronically"), (True, False, "electronic_copy")],
)
def test_hhs_flat_fee_only_for_electronic_copies_of_electronic_records(
    maintained_electronically: bool, electronic_copy: bool, field: str
) -> None:
    with pytest.raises(RuleInputError) as error:
        hhs_flat_fee(
            maintained_electronically=maintained_electronically, electronic_copy=electronic_copy
        )
    assert error.value.field == field
