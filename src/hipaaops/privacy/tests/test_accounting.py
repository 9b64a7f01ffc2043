"""The accounting of disclosures: its period, the exclusions and the free first accounting."""

from __future__ import annotations

from datetime import date

import pytest

from hipaaops.privacy.rules import (
    Disclosure,
    Exemption,
    RuleInputError,
    account_for,
    accounting_charge,
    accounting_period,
)
from hipaaops.privacy.rules.facts import SMALL_HEALTH_PLAN_COMPLIANCE_DATE


def disclosure(on: date, exemption: Exemption | None = None, **extra: object) -> Disclosure:
    values: dict[str, object] = {
        "recipient": "County health department, 1 Main St",
        "description": "Immunization record",
        "purpose": "Public health reporting",
        "exemption": exemption,
    }
    values.update(extra)
    return Disclosure(disclosed_on=on, **values)  # type: ignore[arg-type]


def test_six_years_before_the_request() -> None:
    assert accounting_period(date(2026, 6, 15)) == (date(2020, 6, 15), date(2026, 6, 15))
    # No 29 February in 2026: the look-back reaches 28 February.
    assert accounting_period(date(2032, 2, 29)) == (date(2026, 2, 28), date(2032, 2, 29))


def test_the_window_edges() -> None:
    result = account_for(
        [
            disclosure(date(2020, 6, 14)),
            disclosure(date(2020, 6, 15)),
            disclosure(date(2026, 6, 15)),
            disclosure(date(2026, 6, 16)),
        ],
        requested_on=date(2026, 6, 15),
    )
    assert [d.disclosed_on for d in result.included] == [date(2020, 6, 15), date(2026, 6, 15)]
    assert [(e.disclosure.disclosed_on, e.reason) for e in result.excluded] == [
        (date(2020, 6, 14), "outside the period of the accounting"),
        (date(2026, 6, 16), "outside the period of the accounting"),
    ]
    assert result.citation == "45 CFR 164.528(a)(1)"


def test_a_shorter_period_asked_for() -> None:
    result = account_for(
        [
            disclosure(date(2024, 12, 31)),
            disclosure(date(2025, 1, 1)),
            disclosure(date(2025, 6, 30)),
        ],
        requested_on=date(2026, 6, 15),
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
    )
    assert (result.period_start, result.period_end) == (date(2025, 1, 1), date(2025, 3, 31))
    assert [d.disclosed_on for d in result.included] == [date(2025, 1, 1)]
    assert len(result.excluded) == 2


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2020, 6, 14), None, "period_start"),  # longer than six years
        (None, date(2026, 6, 16), "period_end"),  # after the request
        (date(2025, 3, 1), date(2025, 2, 1), "period_start"),  # backwards
    ],
)
def test_periods_refused(start: date | None, end: date | None, field: str) -> None:
    with pytest.raises(RuleInputError) as error:
        accounting_period(date(2026, 6, 15), start, end)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("exemption", "citation"),
    [
        (Exemption.TREATMENT_PAYMENT_OPERATIONS, "45 CFR 164.528(a)(1)(i)"),
        (Exemption.TO_THE_INDIVIDUAL, "45 CFR 164.528(a)(1)(ii)"),
        (Exemption.INCIDENTAL, "45 CFR 164.528(a)(1)(iii)"),
        (Exemption.AUTHORIZATION, "45 CFR 164.528(a)(1)(iv)"),
        (Exemption.DIRECTORY_OR_INVOLVED_PERSONS, "45 CFR 164.528(a)(1)(v)"),
        (Exemption.NATIONAL_SECURITY, "45 CFR 164.528(a)(1)(vi)"),
        (Exemption.CORRECTIONAL_INSTITUTION, "45 CFR 164.528(a)(1)(vii)"),
        (Exemption.LIMITED_DATA_SET, "45 CFR 164.528(a)(1)(viii)"),
        (Exemption.BEFORE_COMPLIANCE_DATE, "45 CFR 164.528(a)(1)(ix)"),
    ],
)
def test_each_exclusion_has_its_citation_and_reason(exemption: Exemption, citation: str) -> None:
    kept = disclosure(date(2025, 5, 1))
    exempt = disclosure(date(2025, 5, 2), exemption)
    result = account_for([kept, exempt], requested_on=date(2026, 6, 15))
    assert result.included == (kept,)
    (excluded,) = result.excluded
    assert excluded.disclosure == exempt
    assert excluded.citation == citation
    assert excluded.reason


def test_disclosures_before_the_compliance_date() -> None:
    result = account_for(
        [disclosure(date(2003, 4, 13)), disclosure(date(2003, 4, 14))],
        requested_on=date(2009, 1, 1),
    )
    assert [d.disclosed_on for d in result.included] == [date(2003, 4, 14)]
    assert [e.citation for e in result.excluded] == ["45 CFR 164.528(a)(1)(ix)"]
    # A small health plan complied a year later.
    small_plan = account_for(
        [disclosure(date(2004, 4, 13)), disclosure(date(2004, 4, 14))],
        requested_on=date(2009, 1, 1),
        compliance_date=SMALL_HEALTH_PLAN_COMPLIANCE_DATE,
    )
    assert [d.disclosed_on for d in small_plan.included] == [date(2004, 4, 14)]


def test_a_suspended_disclosure_is_withheld_while_the_suspension_lasts() -> None:
    suspended = disclosure(date(2026, 1, 10), suspended_until=date(2026, 7, 1))
    during = account_for([suspended], requested_on=date(2026, 7, 1))
    assert during.included == ()
    assert during.excluded[0].citation == "45 CFR 164.528(a)(2)(i)"
    after = account_for([suspended], requested_on=date(2026, 7, 2))
    assert after.included == (suspended,)


def test_included_disclosures_are_listed_oldest_first() -> None:
    later, earlier = disclosure(date(2025, 9, 1)), disclosure(date(2024, 2, 1))
    result = account_for([later, earlier], requested_on=date(2026, 6, 15))
    assert result.included == (earlier, later)


@pytest.mark.parametrize("missing", ["recipient", "description", "purpose"])
def test_an_included_disclosure_needs_what_the_accounting_shows(missing: str) -> None:
    entries = [disclosure(date(2025, 1, 1)), disclosure(date(2025, 2, 1), **{missing: " "})]
    with pytest.raises(RuleInputError) as error:
        account_for(entries, requested_on=date(2026, 6, 15))
    assert error.value.field == f"disclosures[1].{missing}"


def test_an_excluded_disclosure_needs_no_purpose() -> None:
    entry = disclosure(date(2025, 2, 1), Exemption.TREATMENT_PAYMENT_OPERATIONS, purpose="")
    assert account_for([entry], requested_on=date(2026, 6, 15)).included == ()


def test_the_first_accounting_is_free() -> None:
    charge = accounting_charge(date(2026, 3, 1), [])
    assert charge.free
    assert charge.citation == "45 CFR 164.528(c)(2)"


def test_a_second_accounting_within_12_months_may_carry_a_fee() -> None:
    charge = accounting_charge(date(2026, 2, 28), [date(2025, 3, 1)])
    assert not charge.free
    assert charge.period_began_on == date(2025, 3, 1)
    assert "cost-based" in charge.reason


def test_an_accounting_12_months_later_is_free_again() -> None:
    assert accounting_charge(date(2026, 3, 1), [date(2025, 3, 1)]).free


def test_a_charged_accounting_does_not_open_a_new_period() -> None:
    # Free on 2025-01-10; charged on 2025-06-01; 2026-01-10 opens a new period, so it is free.
    earlier = [date(2025, 1, 10), date(2025, 6, 1)]
    assert not accounting_charge(date(2026, 1, 9), earlier).free
    assert accounting_charge(date(2026, 1, 10), earlier).free


def test_a_period_opened_on_29_february() -> None:
    assert not accounting_charge(date(2029, 2, 27), [date(2028, 2, 29)]).free
    assert accounting_charge(date(2029, 2, 28), [date(2028, 2, 29)]).free


def test_an_earlier_request_dated_later_is_refused() -> None:
    with pytest.raises(RuleInputError) as error:
        accounting_charge(date(2026, 1, 1), [date(2026, 1, 2)])
    assert error.value.field == "earlier_requests"
