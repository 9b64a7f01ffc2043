"""The clocks of the rights requests, against dates worked out by hand on a calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipaaops.privacy.rules import Right, RuleInputError, due_dates, extend


@pytest.mark.parametrize(
    ("right", "received", "due"),
    [
        # Access: 30 days. February 2026 has 28 days.
        ("access", date(2026, 1, 31), date(2026, 3, 2)),
        # Leap year: January 30 + 30 days is February 29, 2028.
        ("access", date(2028, 1, 30), date(2028, 2, 29)),
        ("access", date(2028, 1, 31), date(2028, 3, 1)),
        # Month ends and a year end.
        ("access", date(2026, 4, 30), date(2026, 5, 30)),
        ("access", date(2026, 12, 15), date(2027, 1, 14)),
        ("access", date(2026, 12, 31), date(2027, 1, 30)),
        # Amendment and accounting: 60 days.
        ("amendment", date(2026, 1, 1), date(2026, 3, 2)),
        ("amendment", date(2028, 1, 1), date(2028, 3, 1)),
        ("amendment", date(2026, 11, 30), date(2027, 1, 29)),
        ("accounting", date(2026, 3, 31), date(2026, 5, 30)),
        ("accounting", date(2027, 12, 31), date(2028, 2, 29)),
    ],
)
def test_due_date(right: str, received: date, due: date) -> None:
    clock = due_dates(right, received)
    assert clock.due == due
    assert clock.extended_due is None
    assert clock.final_due == due


def test_citations() -> None:
    access = due_dates(Right.ACCESS, date(2026, 1, 1))
    assert access.citation == "45 CFR 164.524(b)(2)(i)"
    assert access.extension_citation == "45 CFR 164.524(b)(2)(ii)"
    amendment = due_dates(Right.AMENDMENT, date(2026, 1, 1))
    assert amendment.citation == "45 CFR 164.526(b)(2)(i)"
    assert amendment.extension_citation == "45 CFR 164.526(b)(2)(ii)"
    accounting = due_dates(Right.ACCOUNTING, date(2026, 1, 1))
    assert accounting.citation == "45 CFR 164.528(c)(1)"
    assert accounting.extension_citation == "45 CFR 164.528(c)(1)(ii)"


def test_extension_given_on_day_30_is_accepted() -> None:
    clock = due_dates("access", date(2026, 1, 31), extended_on=date(2026, 3, 2))
    assert clock.due == date(2026, 3, 2)
    assert clock.extended_due == date(2026, 4, 1)
    assert clock.extended_on == date(2026, 3, 2)
    assert clock.final_due == date(2026, 4, 1)


def test_extension_given_on_day_31_is_refused() -> None:
    with pytest.raises(RuleInputError) as error:
        due_dates("access", date(2026, 1, 31), extended_on=date(2026, 3, 3))
    assert error.value.field == "extended_on"
    assert "extended_on" in str(error.value)
    assert "164.524(b)(2)(ii)(A)" in str(error.value)


def test_extension_given_on_day_of_receipt_is_accepted() -> None:
    clock = due_dates("access", date(2026, 5, 1), extended_on=date(2026, 5, 1))
    assert clock.extended_due == date(2026, 6, 30)


def test_extension_before_receipt_is_refused() -> None:
    with pytest.raises(RuleInputError) as error:
        due_dates("access", date(2026, 5, 1), extended_on=date(2026, 4, 30))
    assert error.value.field == "extended_on"


def test_amendment_extension() -> None:
    # Received 2026-01-01, due 2026-03-02; the statement on day 60 extends to 2026-04-01.
    clock = due_dates("amendment", date(2026, 1, 1), extended_on=date(2026, 3, 2))
    assert clock.extended_due == date(2026, 4, 1)
    with pytest.raises(RuleInputError) as error:
        due_dates("amendment", date(2026, 1, 1), extended_on=date(2026, 3, 3))
    assert error.value.field == "extended_on"


def test_accounting_extension() -> None:
    clock = due_dates(
        "accounting",
        date(2027, 12, 31),
        extended_on=date(2028, 1, 15),
        extension_reason="Records held by a business associate",
    )
    assert clock.due == date(2028, 2, 29)
    assert clock.extended_due == date(2028, 3, 30)
    assert clock.extension_reason == "Records held by a business associate"


def test_second_extension_is_refused() -> None:
    clock = due_dates("access", date(2026, 1, 31), extended_on=date(2026, 2, 10))
    with pytest.raises(RuleInputError) as error:
        extend(clock, date(2026, 2, 20))
    assert error.value.field == "extended_on"
    assert "164.524(b)(2)(ii)(B)" in str(error.value)


def test_extension_to_a_stated_date() -> None:
    clock = due_dates(
        "access", date(2026, 1, 31), extended_on=date(2026, 2, 10), expected_date=date(2026, 3, 16)
    )
    assert clock.extended_due == date(2026, 3, 16)


@pytest.mark.parametrize(
    "expected",
    [date(2026, 4, 2), date(2026, 3, 2), date(2026, 2, 20)],
    ids=["more than 30 days", "the due date itself", "before the due date"],
)
def test_stated_date_outside_the_extension_is_refused(expected: date) -> None:
    with pytest.raises(RuleInputError) as error:
        due_dates(
            "access", date(2026, 1, 31), extended_on=date(2026, 2, 10), expected_date=expected
        )
    assert error.value.field == "expected_date"


def test_blank_reason_is_refused() -> None:
    with pytest.raises(RuleInputError) as error:
        due_dates("access", date(2026, 1, 31), extended_on=date(2026, 2, 10), extension_reason=" ")
    assert error.value.field == "extension_reason"


def test_reason_without_extension_date_is_refused() -> None:
    with pytest.raises(RuleInputError) as error:
        due_dates("access", date(2026, 1, 31), extension_reason="Backlog")
    assert error.value.field == "extended_on"


def test_unknown_right_is_refused() -> None:
    with pytest.raises(RuleInputError) as error:
        due_dates("erasure", date(2026, 1, 31))
    assert error.value.field == "right"
    assert isinstance(error.value, ValueError)


def test_a_datetime_is_not_a_date_of_receipt() -> None:
    with pytest.raises(RuleInputError) as error:
        due_dates("access", datetime(2026, 1, 31, 9, 30))
    assert error.value.field == "received"


def test_days_left() -> None:
    clock = due_dates("access", date(2026, 1, 31))
    assert clock.days_left(date(2026, 1, 31)) == 30
    assert clock.days_left(date(2026, 3, 1)) == 1
    assert clock.days_left(date(2026, 3, 2)) == 0
    assert clock.days_left(date(2026, 3, 5)) == -3
    extended = extend(clock, date(2026, 2, 1))
    assert extended.days_left(date(2026, 3, 5)) == 27


PERIODS = {"access": 30, "amendment": 60, "accounting": 60}
dates = st.dates(min_value=date(2003, 4, 14), max_value=date(2100, 12, 31))
rights = st.sampled_from(sorted(PERIODS))


@given(rights, dates)
def test_due_is_received_plus_the_period(right: str, received: date) -> None:
    clock = due_dates(right, received)
    assert clock.due.toordinal() - received.toordinal() == PERIODS[right]


@given(rights, dates, st.integers(min_value=0, max_value=60))
def test_extension_in_time_adds_30_days(right: str, received: date, day: int) -> None:
    extended_on = received + timedelta(days=day)
    if day <= PERIODS[right]:
        clock = due_dates(right, received, extended_on=extended_on)
        assert clock.extended_due is not None
        assert clock.extended_due.toordinal() - clock.due.toordinal() == 30
        assert clock.extended_due.toordinal() - received.toordinal() == PERIODS[right] + 30
    else:
        with pytest.raises(RuleInputError) as error:
            due_dates(right, received, extended_on=extended_on)
        assert error.value.field == "extended_on"
