"""The one date parser every service uses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hipaaops.core.errors import DomainError
from hipaaops.core.inputs import input_date


def test_dates_are_read_or_refused_naming_the_field() -> None:
    assert input_date(date(2026, 3, 1), "held_on") == date(2026, 3, 1)
    assert input_date(datetime(2026, 3, 1, 15, 30), "held_on") == date(2026, 3, 1)
    assert input_date(" 2026-03-01 ", "held_on") == date(2026, 3, 1)
    assert input_date("", "due_on", required=False) is None
    with pytest.raises(DomainError) as raised:
        input_date(None, "received_on")
    assert raised.value.field == "received_on" and raised.value.message == "Give the received on."
    for bad in ("01/03/2026", "2026-02-30", 20260301):
        with pytest.raises(DomainError) as raised:
            input_date(bad, "posted_on")
        assert raised.value.field == "posted_on" and "YYYY-MM-DD" in raised.value.message
