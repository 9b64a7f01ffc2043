"""Calendar arithmetic in months, for the periods the Privacy Rule states in months and years."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (negative to go back); a day the month lacks becomes its last.

    So 29 February less a year is 28 February: a look-back reaches one day further, and a period
    that began on 29 February ends one day sooner, both in the individual's favour.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
