"""The clocks of the individual rights: when a covered entity must act, and the one extension.

Periods are calendar days after receipt (the day of receipt is day 0), counted with date
arithmetic, so month ends and leap years need no special case. The numbers are in ``facts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from hipaaops.privacy.rules.errors import RuleInputError
from hipaaops.privacy.rules.facts import CLOCKS, ClockFacts, Right


@dataclass(frozen=True)
class Clock:
    """The due dates of one request: the initial one and, after an extension, the extended one."""

    right: Right
    received: date
    due: date
    extended_due: date | None
    citation: str
    extension_citation: str
    extended_on: date | None = None
    extension_reason: str | None = None

    @property
    def final_due(self) -> date:
        """The date that binds now: the extended due date if there is one."""
        return self.extended_due or self.due

    def days_left(self, on: date) -> int:
        """Calendar days from ``on`` to the binding due date; negative once overdue."""
        return (self.final_due - on).days


def parse_right(value: Right | str) -> Right:
    """The right named by ``value``; refuses anything but access, amendment or accounting."""
    try:
        return Right(value)
    except ValueError:
        names = ", ".join(r.value for r in Right)
        raise RuleInputError(f"unknown right {value!r} (one of {names})", field="right") from None


def _require_date(value: object, field: str) -> None:
    # A datetime is a date too, but would carry a time of day into the due dates.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise RuleInputError(f"{field} must be a calendar date", field=field)


def due_dates(
    right: Right | str,
    received: date,
    extended_on: date | None = None,
    extension_reason: str | None = None,
    expected_date: date | None = None,
) -> Clock:
    """The clock of a request received on ``received``, extended on ``extended_on`` if given.

    ``extended_on`` is the day the individual was given the written statement of the reasons for
    the delay and the date by which action will be taken; ``expected_date`` is that date (the
    longest extension allowed when omitted).
    """
    parsed = parse_right(right)
    facts = CLOCKS[parsed]
    _require_date(received, "received")
    # 45 CFR 164.524(b)(2)(i), 164.526(b)(2)(i), 164.528(c)(1): act no later than N days after
    # receipt.
    clock = Clock(
        right=parsed,
        received=received,
        due=received + timedelta(days=facts.days),
        extended_due=None,
        citation=facts.citation,
        extension_citation=facts.extension_citation,
    )
    if extended_on is None:
        if extension_reason is not None or expected_date is not None:
            raise RuleInputError(
                "an extension needs the date its written statement was given",
                field="extended_on",
            )
        return clock
    return extend(clock, extended_on, extension_reason, expected_date)


def extend(
    clock: Clock,
    extended_on: date,
    extension_reason: str | None = None,
    expected_date: date | None = None,
) -> Clock:
    """The clock after its one extension, given by written statement on ``extended_on``.

    Refuses a statement given after the initial due date, and a second extension.
    """
    facts: ClockFacts = CLOCKS[clock.right]
    _require_date(extended_on, "extended_on")
    # 45 CFR 164.524(b)(2)(ii)(B), 164.526(b)(2)(ii)(B), 164.528(c)(1)(ii)(B): one extension only.
    if clock.extended_due is not None:
        raise RuleInputError(
            f"the clock was already extended on {clock.extended_on}; only one extension is "
            f"allowed ({facts.single_extension_citation})",
            field="extended_on",
        )
    if extended_on < clock.received:
        raise RuleInputError(
            f"extended_on {extended_on} is before the request was received ({clock.received})",
            field="extended_on",
        )
    # 45 CFR 164.524(b)(2)(ii)(A), 164.526(b)(2)(ii)(A), 164.528(c)(1)(ii)(A): the written
    # statement must be given within the initial time limit.
    if extended_on > clock.due:
        raise RuleInputError(
            f"extended_on {extended_on} is after the initial due date {clock.due}: the written "
            f"statement extending the time must be given within the first {facts.days} days "
            f"({facts.statement_citation})",
            field="extended_on",
        )
    if extension_reason is not None and not extension_reason.strip():
        raise RuleInputError(
            f"the written statement must give the reasons for the delay "
            f"({facts.statement_citation})",
            field="extension_reason",
        )
    # 45 CFR 164.524(b)(2)(ii), 164.526(b)(2)(ii), 164.528(c)(1)(ii): by no more than 30 days.
    longest = clock.due + timedelta(days=facts.extension_days)
    extended_due = longest if expected_date is None else expected_date
    if expected_date is not None:
        _require_date(expected_date, "expected_date")
        if expected_date <= clock.due:
            raise RuleInputError(
                f"expected_date {expected_date} is not after the initial due date {clock.due}",
                field="expected_date",
            )
        if expected_date > longest:
            raise RuleInputError(
                f"expected_date {expected_date} is more than {facts.extension_days} days after "
                f"the initial due date {clock.due} ({facts.extension_citation})",
                field="expected_date",
            )
    return replace(
        clock,
        extended_due=extended_due,
        extended_on=extended_on,
        extension_reason=extension_reason,
    )
