"""The breach determination and the notification plan, against dates worked out on a calendar.

Expected dates are written out by hand (counting the days on a calendar), never computed with the
code's own arithmetic. Day 0 is the discovery date.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipaaops.incidents.rules import (
    AcquiredOrViewed,
    Acquisition,
    BreachException,
    BreachFacts,
    BusinessAssociateBreach,
    Conclusion,
    ExceptionClaim,
    Identifier,
    Incident,
    Level,
    Mitigation,
    MitigationExtent,
    NatureAndExtent,
    Obligation,
    OralStatement,
    Recipient,
    Risk,
    RiskAssessment,
    Role,
    RuleInputError,
    SecuredPHI,
    SecuringMethod,
    UnauthorizedPerson,
    WrittenStatement,
    determine,
    obligations_to_json,
    plan,
    plan_from_json,
    rate_factors,
)
from hipaaops.incidents.rules.facts import JURISDICTIONS


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Overrides the project conftest's cache reset: these pure rules touch no Django, so they
    also run with ``-p no:django``."""
    yield


CE = Role.COVERED_ENTITY
BA = Role.BUSINESS_ASSOCIATE


def raw(value: object) -> Any:
    """A value as a form or a client might send it, past the type checker."""
    return value


def ce(
    discovered_on: date = date(2026, 3, 2),
    affected: dict[str, int] | None = None,
    **kwargs: Any,
) -> BreachFacts:
    return BreachFacts(
        role=CE,
        discovered_on=discovered_on,
        affected_by_state={"CA": 100} if affected is None else affected,
        **kwargs,
    )


def by_id(obligations: list[Obligation]) -> dict[str, Obligation]:
    """The obligations keyed by id (and state, for media notices)."""
    return {o.id + (f":{o.state}" if o.state else ""): o for o in obligations}


def assert_field(exc: pytest.ExceptionInfo[RuleInputError], field: str) -> None:
    assert exc.value.field == field
    assert isinstance(exc.value, ValueError)


# --- The plan: deadlines ------------------------------------------------------------------------


def test_the_documented_example() -> None:
    data = {
        "role": "covered_entity",
        "discovered_on": "2026-03-02",
        "affected_by_state": {"CA": 540, "NV": 72},
        "insufficient_contact_info": 0,
        "law_enforcement_delay": None,
        "business_associate": None,
    }
    result = obligations_to_json(plan_from_json(data))
    # March 2 + 60 days: 29 days to March 31, 30 in April, 1 in May.
    assert [(o["id"], o["due"], o["state"]) for o in result["obligations"]] == [
        ("hhs_notice", "2026-05-01", None),  # 612 in total: 500 or more
        ("individual_notice", "2026-05-01", None),
        ("media_notice", "2026-05-01", "CA"),  # 540 Californians; Nevada's 72 are not enough
    ]
    first = result["obligations"][0]
    assert set(first) == {"id", "due", "citation", "state", "form", "notes"}
    assert first["citation"] == "45 CFR 164.408(b)"
    assert first["form"] is None
    assert isinstance(first["notes"], list) and first["notes"]
    citations = {o["id"]: o["citation"] for o in result["obligations"]}
    assert citations["individual_notice"] == "45 CFR 164.404(b)"
    assert citations["media_notice"].startswith("45 CFR 164.406")


@pytest.mark.parametrize(
    ("discovered", "individual_due", "log_due"),
    [
        (date(2026, 3, 2), date(2026, 5, 1), date(2027, 3, 1)),
        # Year end: December 15 + 16 = December 31, + 31 = January 31, + 13 = February 13.
        (date(2026, 12, 15), date(2027, 2, 13), date(2027, 3, 1)),
        (date(2026, 12, 31), date(2027, 3, 1), date(2027, 3, 1)),
        # 2028 is a leap year: December 31, 2027 + 31 = January 31, + 29 = February 29.
        (date(2027, 12, 31), date(2028, 2, 29), date(2028, 2, 29)),
        (date(2028, 1, 1), date(2028, 3, 1), date(2029, 3, 1)),
        (date(2028, 2, 29), date(2028, 4, 29), date(2029, 3, 1)),
        (date(2027, 1, 1), date(2027, 3, 2), date(2028, 2, 29)),
    ],
)
def test_individual_notice_and_annual_log(
    discovered: date, individual_due: date, log_due: date
) -> None:
    obligations = by_id(plan(ce(discovered, {"TX": 120})))
    assert set(obligations) == {"individual_notice", "hhs_annual_log"}
    assert obligations["individual_notice"].due == individual_due
    assert obligations["individual_notice"].citation == "45 CFR 164.404(b)"
    assert obligations["hhs_annual_log"].due == log_due
    assert obligations["hhs_annual_log"].citation == "45 CFR 164.408(c)"


def test_media_notice_needs_more_than_500_in_one_state() -> None:
    assert "media_notice:CA" not in by_id(plan(ce(affected={"CA": 500})))
    media = by_id(plan(ce(affected={"CA": 501})))["media_notice:CA"]
    assert media.state == "CA"
    assert media.due == date(2026, 5, 1)
    assert media.citation == "45 CFR 164.406(a)"


def test_media_notice_is_per_state_not_per_breach() -> None:
    obligations = by_id(plan(ce(affected={"CA": 300, "NV": 300, "PR": 800, "GU": 501})))
    assert sorted(k for k in obligations if k.startswith("media")) == [
        "media_notice:GU",
        "media_notice:PR",
    ]
    assert "hhs_notice" in obligations  # 1,901 in total


def test_secretary_is_notified_with_individuals_from_500() -> None:
    exactly = by_id(plan(ce(date(2026, 12, 15), {"CA": 250, "OR": 250})))
    assert "hhs_annual_log" not in exactly
    assert exactly["hhs_notice"].due == date(2027, 2, 13) == exactly["individual_notice"].due
    fewer = by_id(plan(ce(date(2026, 12, 15), {"CA": 250, "OR": 249})))
    assert "hhs_notice" not in fewer
    assert fewer["hhs_annual_log"].due == date(2027, 3, 1)


def test_substitute_notice_forms() -> None:
    assert "substitute_notice" not in by_id(plan(ce(insufficient_contact_info=0)))

    nine = by_id(plan(ce(insufficient_contact_info=9)))["substitute_notice"]
    assert nine.form == "alternative_written_or_phone"
    assert nine.citation == "45 CFR 164.404(d)(2)(i)"
    assert nine.due == date(2026, 5, 1)

    ten = by_id(plan(ce(insufficient_contact_info=10)))["substitute_notice"]
    assert ten.form == "web_or_media_and_toll_free"
    assert ten.citation == "45 CFR 164.404(d)(2)(ii)"
    assert ten.due == date(2026, 5, 1)
    notes = " ".join(ten.notes)
    assert "home page" in notes and "90 days" in notes
    assert "toll-free number" in notes and "at least 90 days" in notes


# --- Business associates ------------------------------------------------------------------------


def test_agent_business_associates_discovery_is_the_covered_entitys() -> None:
    breach = ce(
        date(2026, 3, 20),
        business_associate=BusinessAssociateBreach(
            discovered_on=date(2026, 3, 2),
            is_agent=True,
            notified_covered_entity_on=date(2026, 3, 20),
        ),
    )
    individual = by_id(plan(breach))["individual_notice"]
    assert individual.due == date(2026, 5, 1)
    assert any("agent" in n and "2026-03-02" in n for n in individual.notes)


def test_agent_without_a_notification_date() -> None:
    breach = ce(
        date(2026, 4, 1),
        business_associate=BusinessAssociateBreach(date(2026, 3, 2), is_agent=True),
    )
    assert by_id(plan(breach))["individual_notice"].due == date(2026, 5, 1)


def test_non_agent_business_associate_starts_the_clock_when_it_notifies() -> None:
    breach = ce(
        date(2026, 3, 20),
        business_associate=BusinessAssociateBreach(
            discovered_on=date(2026, 3, 2),
            is_agent=False,
            notified_covered_entity_on=date(2026, 3, 20),
        ),
    )
    # March 20 + 11 = March 31, + 30 = April 30, + 19 = May 19.
    assert by_id(plan(breach))["individual_notice"].due == date(2026, 5, 19)


def test_a_covered_entity_that_knew_first_is_held_to_its_own_date() -> None:
    breach = ce(
        date(2026, 3, 10),
        business_associate=BusinessAssociateBreach(
            discovered_on=date(2026, 3, 2),
            is_agent=False,
            notified_covered_entity_on=date(2026, 3, 20),
        ),
    )
    # March 10 + 21 = March 31, + 30 = April 30, + 9 = May 9.
    assert by_id(plan(breach))["individual_notice"].due == date(2026, 5, 9)


def test_non_agent_needs_the_notification_date() -> None:
    breach = ce(business_associate=BusinessAssociateBreach(date(2026, 3, 2), is_agent=False))
    with pytest.raises(RuleInputError) as exc:
        plan(breach)
    assert_field(exc, "business_associate.notified_covered_entity_on")


def test_a_late_business_associate_is_noted() -> None:
    breach = ce(
        date(2026, 3, 20),
        business_associate=BusinessAssociateBreach(
            discovered_on=date(2026, 1, 2),
            is_agent=False,
            notified_covered_entity_on=date(2026, 3, 20),
        ),
    )
    notes = by_id(plan(breach))["individual_notice"].notes
    # January 2 + 29 = January 31, + 28 = February 28, + 3 = March 3.
    assert any("2026-03-03" in n and "164.410(b)" in n for n in notes)


def test_business_associate_notifies_the_covered_entity() -> None:
    breach = BreachFacts(BA, date(2026, 3, 2), {"CA": 5000}, insufficient_contact_info=40)
    obligations = plan(breach)
    assert [(o.id, o.due, o.citation) for o in obligations] == [
        ("covered_entity_notice", date(2026, 5, 1), "45 CFR 164.410(b)")
    ]
    assert any("164.410(c)(1)" in n for n in obligations[0].notes)


@pytest.mark.parametrize(
    ("days", "due"),
    [
        (10, date(2026, 3, 12)),
        (30, date(2026, 4, 1)),
        (59, date(2026, 4, 30)),
        (60, date(2026, 5, 1)),
        (90, date(2026, 5, 1)),  # a longer contractual limit does not extend the regulation's
    ],
)
def test_a_shorter_limit_in_the_business_associate_agreement(days: int, due: date) -> None:
    breach = BreachFacts(BA, date(2026, 3, 2), {"CA": 5}, baa_reporting_days=days)
    [notice] = plan(breach)
    assert notice.due == due


# --- Law-enforcement delay ----------------------------------------------------------------------


def test_written_delay_past_the_deadline_moves_every_notice_to_its_end() -> None:
    breach = ce(
        affected={"CA": 700},
        insufficient_contact_info=12,
        law_enforcement_delay=WrittenStatement(date(2026, 3, 10), date(2026, 6, 15)),
    )
    obligations = by_id(plan(breach))
    assert set(obligations) == {
        "individual_notice",
        "media_notice:CA",
        "hhs_notice",
        "substitute_notice",
    }
    for obligation in obligations.values():
        assert obligation.due == date(2026, 6, 15)
        notes = " ".join(obligation.notes)
        assert "164.412(a)" in notes
        assert "Interpretation applied" in notes
        assert "Do not give this notice before 2026-06-15" in notes


def test_written_delay_that_ends_before_the_deadline_moves_nothing() -> None:
    breach = ce(law_enforcement_delay=WrittenStatement(date(2026, 3, 10), date(2026, 4, 1)))
    individual = by_id(plan(breach))["individual_notice"]
    assert individual.due == date(2026, 5, 1)
    assert any("Do not give this notice before 2026-04-01" in n for n in individual.notes)


def test_written_delay_reaches_the_annual_log() -> None:
    breach = ce(
        date(2026, 12, 15),
        {"CA": 40},
        law_enforcement_delay=WrittenStatement(date(2026, 12, 20), date(2027, 4, 15)),
    )
    obligations = by_id(plan(breach))
    assert obligations["individual_notice"].due == date(2027, 4, 15)
    assert obligations["hhs_annual_log"].due == date(2027, 4, 15)
    assert any("Interpretation applied" in n for n in obligations["hhs_annual_log"].notes)


def test_a_short_delay_leaves_the_annual_log_alone_but_says_so() -> None:
    breach = ce(law_enforcement_delay=WrittenStatement(date(2026, 3, 10), date(2026, 6, 15)))
    log = by_id(plan(breach))["hhs_annual_log"]
    assert log.due == date(2027, 3, 1)
    assert any("Interpretation applied" in n for n in log.notes)


def test_oral_delay_lasts_at_most_30_days() -> None:
    # Nothing in writing followed: April 25 + 5 = April 30, + 25 = May 25.
    breach = ce(law_enforcement_delay=OralStatement(date(2026, 4, 25)))
    individual = by_id(plan(breach))["individual_notice"]
    assert individual.due == date(2026, 5, 25)
    notes = " ".join(individual.notes)
    assert "164.412(b)" in notes and "official's identity" in notes and "2026-05-25" in notes


def test_oral_delay_across_a_leap_day() -> None:
    # February 10, 2028 + 19 = February 29, + 11 = March 11.
    breach = ce(date(2027, 12, 31), law_enforcement_delay=OralStatement(date(2028, 2, 10)))
    assert by_id(plan(breach))["individual_notice"].due == date(2028, 3, 11)


def test_early_oral_delay_ends_before_the_deadline() -> None:
    breach = ce(law_enforcement_delay=OralStatement(date(2026, 3, 2)))
    assert by_id(plan(breach))["individual_notice"].due == date(2026, 5, 1)


def test_a_statement_after_the_deadline_does_not_revive_it() -> None:
    breach = ce(law_enforcement_delay=OralStatement(date(2026, 5, 5)))
    obligations = by_id(plan(breach))
    assert obligations["individual_notice"].due == date(2026, 5, 1)
    assert any("came after" in n for n in obligations["individual_notice"].notes)
    # The annual log was not yet due; the delay (to June 4) ends long before it is.
    assert obligations["hhs_annual_log"].due == date(2027, 3, 1)


def test_delay_reaches_the_business_associates_notice() -> None:
    breach = BreachFacts(
        BA,
        date(2026, 3, 2),
        {"CA": 5},
        baa_reporting_days=10,
        law_enforcement_delay=WrittenStatement(date(2026, 3, 5), date(2026, 3, 30)),
    )
    [notice] = plan(breach)
    assert notice.due == date(2026, 3, 30)
    assert any("Interpretation applied" in n for n in notice.notes)


# --- The plan: validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("breach", "field"),
    [
        (ce(affected={}), "affected_by_state"),
        (ce(affected={"XX": 3}), "affected_by_state.XX"),
        (ce(affected={"ca": 3}), "affected_by_state.ca"),
        (ce(affected={"CA": 0}), "affected_by_state.CA"),
        (ce(affected={"CA": -4}), "affected_by_state.CA"),
        (ce(affected={"CA": True}), "affected_by_state.CA"),
        (ce(affected={"CA": raw(2.5)}), "affected_by_state.CA"),
        (ce(insufficient_contact_info=-1), "insufficient_contact_info"),
        (ce(insufficient_contact_info=101), "insufficient_contact_info"),
        (ce(discovered_on=datetime(2026, 3, 2, 9, 30)), "discovered_on"),
        (ce(discovered_on=raw("2026-03-02")), "discovered_on"),
        (BreachFacts(raw("hospital"), date(2026, 3, 2), {"CA": 1}), "role"),
        (
            ce(law_enforcement_delay=WrittenStatement(date(2026, 3, 10), date(2026, 3, 10))),
            "law_enforcement_delay.until",
        ),
        (
            ce(law_enforcement_delay=WrittenStatement(date(2026, 3, 10), date(2026, 3, 9))),
            "law_enforcement_delay.until",
        ),
        (
            ce(law_enforcement_delay=OralStatement(date(2026, 3, 1))),
            "law_enforcement_delay.stated_on",
        ),
        (
            ce(
                business_associate=BusinessAssociateBreach(
                    date(2026, 3, 2), is_agent=False, notified_covered_entity_on=date(2026, 3, 1)
                )
            ),
            "business_associate.notified_covered_entity_on",
        ),
        (
            ce(business_associate=BusinessAssociateBreach(date(2026, 3, 2), is_agent=raw("no"))),
            "business_associate.is_agent",
        ),
        (
            BreachFacts(
                BA,
                date(2026, 3, 2),
                {"CA": 1},
                business_associate=BusinessAssociateBreach(date(2026, 3, 2), is_agent=True),
            ),
            "business_associate",
        ),
        (ce(baa_reporting_days=10), "baa_reporting_days"),
        (BreachFacts(BA, date(2026, 3, 2), {"CA": 1}, baa_reporting_days=-1), "baa_reporting_days"),
    ],
)
def test_plan_refuses(breach: BreachFacts, field: str) -> None:
    with pytest.raises(RuleInputError) as exc:
        plan(breach)
    assert_field(exc, field)


def test_a_delay_statement_to_the_business_associate_before_the_entity_knew() -> None:
    # The statement went to the business associate, which knew first: accepted.
    breach = ce(
        date(2026, 3, 20),
        business_associate=BusinessAssociateBreach(
            date(2026, 3, 2), is_agent=False, notified_covered_entity_on=date(2026, 3, 20)
        ),
        law_enforcement_delay=OralStatement(date(2026, 3, 5)),
    )
    # The delay ended on April 4, before the May 19 deadline.
    assert by_id(plan(breach))["individual_notice"].due == date(2026, 5, 19)


def test_all_56_jurisdictions_are_accepted() -> None:
    assert len(JURISDICTIONS) == 56
    for code in ("DC", "PR", "GU", "VI", "AS", "MP", "WY", "AK"):
        plan(ce(affected={code: 1}))


VALID = {
    "role": "covered_entity",
    "discovered_on": "2026-03-02",
    "affected_by_state": {"CA": 540, "NV": 72},
    "insufficient_contact_info": 0,
    "law_enforcement_delay": None,
    "business_associate": None,
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"extra": 1}, "extra"),
        ({"role": "hospital"}, "role"),
        ({"role": None}, "role"),
        ({"discovered_on": "2026-02-30"}, "discovered_on"),
        ({"discovered_on": "20260302"}, "discovered_on"),
        ({"discovered_on": "2026-3-2"}, "discovered_on"),
        ({"discovered_on": "2026-03-02T10:00:00"}, "discovered_on"),
        ({"discovered_on": 20260302}, "discovered_on"),
        ({"affected_by_state": [["CA", 540]]}, "affected_by_state"),
        ({"affected_by_state": {"CA": "540"}}, "affected_by_state.CA"),
        ({"affected_by_state": {"Ontario": 3}}, "affected_by_state.Ontario"),
        ({"insufficient_contact_info": "3"}, "insufficient_contact_info"),
        ({"insufficient_contact_info": None}, "insufficient_contact_info"),
        ({"law_enforcement_delay": "oral"}, "law_enforcement_delay"),
        ({"law_enforcement_delay": {"kind": "email"}}, "law_enforcement_delay.kind"),
        (
            {"law_enforcement_delay": {"kind": "oral", "stated_on": "2026-03-05", "until": "x"}},
            "law_enforcement_delay.until",
        ),
        (
            {"law_enforcement_delay": {"kind": "written", "stated_on": "2026-03-05"}},
            "law_enforcement_delay.until",
        ),
        (
            {
                "law_enforcement_delay": {
                    "kind": "written",
                    "stated_on": "2026-03-05",
                    "until": "2026-04-31",
                }
            },
            "law_enforcement_delay.until",
        ),
        (
            {
                "law_enforcement_delay": {
                    "kind": "written",
                    "stated_on": "2026-03-05",
                    "until": "2026-03-04",
                }
            },
            "law_enforcement_delay.until",
        ),
        ({"business_associate": {"discovered_on": "2026-03-01"}}, "business_associate.is_agent"),
        (
            {"business_associate": {"discovered_on": "2026-03-01", "is_agent": "yes"}},
            "business_associate.is_agent",
        ),
        (
            {"business_associate": {"discovered_on": "2026-03-01", "is_agent": True, "ce": 1}},
            "business_associate.ce",
        ),
        (
            {"business_associate": {"discovered_on": "2026-03-01", "is_agent": False}},
            "business_associate.notified_covered_entity_on",
        ),
        ({"baa_reporting_days": 5}, "baa_reporting_days"),
    ],
)
def test_json_refuses(changes: dict[str, object], field: str) -> None:
    with pytest.raises(RuleInputError) as exc:
        plan_from_json({**VALID, **changes})
    assert_field(exc, field)


@pytest.mark.parametrize("missing", sorted(VALID))
def test_json_requires_every_documented_key(missing: str) -> None:
    data = {k: v for k, v in VALID.items() if k != missing}
    with pytest.raises(RuleInputError) as exc:
        plan_from_json(data)
    assert_field(exc, missing)


def test_json_with_a_business_associate_and_a_delay() -> None:
    data = {
        **VALID,
        "discovered_on": "2026-03-20",
        "affected_by_state": {"NY": 30},
        "insufficient_contact_info": 10,
        "law_enforcement_delay": {
            "kind": "written",
            "stated_on": "2026-03-25",
            "until": "2026-07-01",
        },
        "business_associate": {
            "discovered_on": "2026-03-02",
            "notified_covered_entity_on": "2026-03-20",
            "is_agent": False,
        },
    }
    result = obligations_to_json(plan_from_json(data))["obligations"]
    assert [(o["id"], o["due"], o["form"]) for o in result] == [
        ("individual_notice", "2026-07-01", None),
        ("substitute_notice", "2026-07-01", "web_or_media_and_toll_free"),
        ("hhs_annual_log", "2027-03-01", None),
    ]


def test_json_for_a_business_associate() -> None:
    data = {**VALID, "role": "business_associate", "baa_reporting_days": 5}
    result = obligations_to_json(plan_from_json(data))["obligations"]
    assert [(o["id"], o["due"]) for o in result] == [("covered_entity_notice", "2026-03-07")]


# --- Properties ---------------------------------------------------------------------------------

codes = st.sampled_from(sorted(JURISDICTIONS))
days = st.dates(min_value=date(2009, 9, 23), max_value=date(2099, 12, 31))


@st.composite
def breaches(draw: st.DrawFn, delay: bool = False) -> BreachFacts:
    role = draw(st.sampled_from([CE, BA]))
    discovered = draw(days)
    affected = draw(st.dictionaries(codes, st.integers(1, 1200), min_size=1, max_size=6))
    unreachable = draw(st.integers(0, sum(affected.values())))
    ba = None
    baa_days = None
    if role is CE and draw(st.booleans()):
        ba_discovered = draw(st.dates(min_value=date(2009, 9, 23), max_value=discovered))
        notified = draw(st.dates(min_value=ba_discovered, max_value=date(2100, 12, 31)))
        ba = BusinessAssociateBreach(ba_discovered, draw(st.booleans()), notified)
    if role is BA:
        baa_days = draw(st.none() | st.integers(0, 120))
    statement: WrittenStatement | OralStatement | None = None
    if delay:
        earliest = discovered if ba is None else min(discovered, ba.discovered_on)
        stated = draw(st.dates(min_value=earliest, max_value=date(2100, 12, 31)))
        if draw(st.booleans()):
            until = draw(st.dates(min_value=date.fromordinal(stated.toordinal() + 1)))
            statement = WrittenStatement(stated, until)
        else:
            statement = OralStatement(stated)
    return BreachFacts(
        role,
        discovered,
        affected,
        insufficient_contact_info=unreachable,
        law_enforcement_delay=statement,
        business_associate=ba,
        baa_reporting_days=baa_days,
    )


def clock_start(breach: BreachFacts) -> date:
    """The discovery date of 164.404(a)(2) for the breach's role, as the regulation reads."""
    ba = breach.business_associate
    if ba is None:
        return breach.discovered_on
    imputed = ba.discovered_on if ba.is_agent else ba.notified_covered_entity_on
    assert imputed is not None
    return min(breach.discovered_on, imputed)


@given(breaches())
def test_without_a_delay_nothing_is_due_later_than_60_days(breach: BreachFacts) -> None:
    start = clock_start(breach)
    for obligation in plan(breach):
        if obligation.id == "hhs_annual_log":
            continue
        assert start <= obligation.due
        assert (obligation.due - start).days <= 60


def annual_log_due(year: int) -> date:
    # The 60th day after December 31: January has 31 days, February 28 or 29.
    return date(year + 1, 2, 29) if calendar.isleap(year + 1) else date(year + 1, 3, 1)


@given(breaches())
def test_the_annual_log_falls_on_the_60th_day_after_december_31(breach: BreachFacts) -> None:
    for obligation in plan(breach):
        if obligation.id == "hhs_annual_log":
            assert obligation.due == annual_log_due(clock_start(breach).year)
            assert breach.total_affected < 500


def audience(obligation: Obligation) -> tuple[str, str | None]:
    # The annual log and the immediate notice both reach the Secretary.
    kind = "secretary" if obligation.id in ("hhs_notice", "hhs_annual_log") else obligation.id
    return kind, obligation.state


@given(
    breaches(delay=True),
    st.dictionaries(codes, st.integers(1, 1200), max_size=6),
    st.integers(0, 50),
)
def test_adding_affected_people_never_removes_an_obligation(
    breach: BreachFacts, more: dict[str, int], more_unreachable: int
) -> None:
    affected = dict(breach.affected_by_state)
    for code, count in more.items():
        affected[code] = affected.get(code, 0) + count
    bigger = BreachFacts(
        breach.role,
        breach.discovered_on,
        affected,
        insufficient_contact_info=breach.insufficient_contact_info + more_unreachable,
        law_enforcement_delay=breach.law_enforcement_delay,
        business_associate=breach.business_associate,
        baa_reporting_days=breach.baa_reporting_days,
    )
    if bigger.insufficient_contact_info > bigger.total_affected:
        return
    after = {audience(o): o.due for o in plan(bigger)}
    for obligation in plan(breach):
        assert audience(obligation) in after
        assert after[audience(obligation)] <= obligation.due


@given(breaches(delay=True))
def test_a_delay_never_brings_a_notice_forward(breach: BreachFacts) -> None:
    undelayed = BreachFacts(
        breach.role,
        breach.discovered_on,
        breach.affected_by_state,
        insufficient_contact_info=breach.insufficient_contact_info,
        business_associate=breach.business_associate,
        baa_reporting_days=breach.baa_reporting_days,
    )
    before = {(o.id, o.state): o.due for o in plan(undelayed)}
    statement = breach.law_enforcement_delay
    assert statement is not None
    for obligation in plan(breach):
        normal = before[(obligation.id, obligation.state)]
        assert obligation.due >= normal
        if obligation.due != normal:
            # Moved only to the end of a delay stated before the deadline.
            assert statement.stated_on <= normal
            assert any("Interpretation applied" in n for n in obligation.notes)


# --- The determination --------------------------------------------------------------------------

FAX_NATURE = NatureAndExtent(
    frozenset({Identifier.NAME, Identifier.DIAGNOSIS}),
    Level.MODERATE,
    Level.HIGH,
    "Name and one diagnosis of one patient.",
)
FAX_PERSON = UnauthorizedPerson(Recipient.HIPAA_BOUND_ENTITY, "Another physician practice.")
FAX_VIEWED = AcquiredOrViewed(Acquisition.YES, "The receiving physician read the cover page.")
FAX_DESTROYED = Mitigation(
    MitigationExtent.RETURNED_OR_DESTROYED,
    "The practice shredded the fax the same day.",
    attestation="Signed attestation of destruction, 2026-03-03.",
)
FAX = RiskAssessment(FAX_NATURE, FAX_PERSON, FAX_VIEWED, FAX_DESTROYED)


def assess(assessment: RiskAssessment | None) -> Conclusion:
    return determine(Incident(phi_involved=True, assessment=assessment)).conclusion


def test_no_phi_is_no_breach() -> None:
    result = determine(Incident(phi_involved=False))
    assert result.conclusion == "not_a_breach_no_phi"
    assert not result.notification_required
    assert result.reasons[0].citation == "45 CFR 164.402"


def test_secured_phi_needs_no_notification() -> None:
    result = determine(
        Incident(
            phi_involved=True,
            secured=SecuredPHI(SecuringMethod.ENCRYPTION, "AES-256 full-disk, key held apart."),
        )
    )
    assert result.conclusion == "secured_no_notification"
    assert not result.notification_required
    assert "AES-256" in result.reasons[0].text


def test_secured_needs_its_evidence() -> None:
    with pytest.raises(RuleInputError) as exc:
        determine(Incident(True, secured=SecuredPHI(SecuringMethod.DESTRUCTION, "  ")))
    assert_field(exc, "secured.evidence")


def test_encryption_with_a_compromised_key_secures_nothing() -> None:
    result = determine(
        Incident(
            True,
            secured=SecuredPHI(SecuringMethod.ENCRYPTION, "AES-256", key_compromised=True),
        )
    )
    assert result.conclusion == "breach"
    assert any("key" in r.text for r in result.reasons)


@pytest.mark.parametrize(
    ("kind", "citation"),
    [
        (BreachException.UNINTENTIONAL_WORKFORCE_ACCESS, "45 CFR 164.402(1)(i)"),
        (BreachException.INADVERTENT_AUTHORIZED_DISCLOSURE, "45 CFR 164.402(1)(ii)"),
        (BreachException.RECIPIENT_COULD_NOT_RETAIN, "45 CFR 164.402(1)(iii)"),
    ],
)
def test_exceptions(kind: BreachException, citation: str) -> None:
    result = determine(Incident(True, exception=ExceptionClaim(kind, "Written reason.")))
    assert result.conclusion == "exception_applies"
    assert result.reasons[0].citation == citation


def test_an_exception_needs_its_written_reason() -> None:
    with pytest.raises(RuleInputError) as exc:
        determine(
            Incident(True, exception=ExceptionClaim(BreachException.RECIPIENT_COULD_NOT_RETAIN, ""))
        )
    assert_field(exc, "exception.reason")
    with pytest.raises(RuleInputError) as exc:
        determine(Incident(True, exception=ExceptionClaim(raw("curiosity"), "Why not.")))
    assert_field(exc, "exception.kind")


def test_no_assessment_is_a_presumed_breach() -> None:
    result = determine(Incident(phi_involved=True))
    assert result.conclusion == "breach"
    assert result.notification_required
    assert {r.citation for r in result.reasons} >= {"45 CFR 164.402(2)", "45 CFR 164.414(b)"}


def test_misdirected_fax_destroyed_by_another_provider_is_low_probability() -> None:
    result = determine(Incident(True, assessment=FAX))
    assert result.conclusion == "low_probability_of_compromise"
    assert [f.risk for f in result.factors] == ["moderate", "low", "moderate", "low"]
    assert [r.citation for r in result.reasons[:4]] == [
        "45 CFR 164.402(2)(i)",
        "45 CFR 164.402(2)(ii)",
        "45 CFR 164.402(2)(iii)",
        "45 CFR 164.402(2)(iv)",
    ]


@pytest.mark.parametrize(
    "assessment",
    [
        # Unknown answers.
        RiskAssessment(
            FAX_NATURE,
            UnauthorizedPerson(Recipient.UNKNOWN, "Lost in the post."),
            FAX_VIEWED,
            FAX_DESTROYED,
        ),
        RiskAssessment(
            FAX_NATURE, FAX_PERSON, AcquiredOrViewed(Acquisition.UNKNOWN, "No logs."), FAX_DESTROYED
        ),
        # "Not viewed" without forensic evidence.
        RiskAssessment(
            FAX_NATURE,
            FAX_PERSON,
            AcquiredOrViewed(Acquisition.NO, "They say they did not look."),
            FAX_DESTROYED,
        ),
        # Destroyed without an attestation.
        RiskAssessment(
            FAX_NATURE,
            FAX_PERSON,
            FAX_VIEWED,
            Mitigation(MitigationExtent.RETURNED_OR_DESTROYED, "Shredded."),
        ),
        # Missing rationale, one factor at a time.
        RiskAssessment(
            NatureAndExtent(FAX_NATURE.identifiers, Level.MODERATE, Level.HIGH, " "),
            FAX_PERSON,
            FAX_VIEWED,
            FAX_DESTROYED,
        ),
        RiskAssessment(
            FAX_NATURE,
            UnauthorizedPerson(Recipient.HIPAA_BOUND_ENTITY, ""),
            FAX_VIEWED,
            FAX_DESTROYED,
        ),
        RiskAssessment(
            FAX_NATURE, FAX_PERSON, AcquiredOrViewed(Acquisition.YES, ""), FAX_DESTROYED
        ),
        RiskAssessment(
            FAX_NATURE,
            FAX_PERSON,
            FAX_VIEWED,
            Mitigation(MitigationExtent.RETURNED_OR_DESTROYED, "", "Signed."),
        ),
        # Identifier types not recorded.
        RiskAssessment(
            NatureAndExtent(frozenset(), Level.LOW, Level.LOW, "Unsure."),
            FAX_PERSON,
            FAX_VIEWED,
            FAX_DESTROYED,
        ),
        # A factor not assessed at all.
        RiskAssessment(None, FAX_PERSON, FAX_VIEWED, FAX_DESTROYED),
        RiskAssessment(FAX_NATURE, None, FAX_VIEWED, FAX_DESTROYED),
        RiskAssessment(FAX_NATURE, FAX_PERSON, None, FAX_DESTROYED),
        RiskAssessment(FAX_NATURE, FAX_PERSON, FAX_VIEWED, None),
    ],
)
def test_what_the_record_does_not_show_is_presumed_a_breach(assessment: RiskAssessment) -> None:
    result = determine(Incident(True, assessment=assessment))
    assert result.conclusion == "breach"
    assert "undocumented" in [f.risk for f in result.factors]
    assert any(r.citation == "45 CFR 164.414(b)" for r in result.reasons)


@pytest.mark.parametrize(
    "assessment",
    [
        # (i) high: an SSN, whatever else.
        RiskAssessment(
            NatureAndExtent(frozenset({Identifier.SSN}), Level.LOW, Level.LOW, "One SSN."),
            FAX_PERSON,
            FAX_VIEWED,
            FAX_DESTROYED,
        ),
        # (i) high: highly sensitive and identifiable.
        RiskAssessment(
            NatureAndExtent(
                frozenset({Identifier.NAME, Identifier.DIAGNOSIS}),
                Level.HIGH,
                Level.MODERATE,
                "HIV status.",
            ),
            FAX_PERSON,
            FAX_VIEWED,
            FAX_DESTROYED,
        ),
        # (ii) high: a thief, even when forensics show nothing was opened.
        RiskAssessment(
            FAX_NATURE,
            UnauthorizedPerson(Recipient.MALICIOUS_ACTOR, "Laptop stolen from a car."),
            AcquiredOrViewed(Acquisition.NO, "Recovered.", "Disk image: no access after theft."),
            FAX_DESTROYED,
        ),
        # (iv) high: nothing done.
        RiskAssessment(
            FAX_NATURE,
            FAX_PERSON,
            AcquiredOrViewed(Acquisition.NO, "Unopened.", "Mail server: never opened."),
            Mitigation(MitigationExtent.NONE, "Nothing to do."),
        ),
    ],
)
def test_any_high_risk_factor_is_a_breach(assessment: RiskAssessment) -> None:
    result = determine(Incident(True, assessment=assessment))
    assert result.conclusion == "breach"
    assert "high" in [f.risk for f in result.factors]


def test_a_known_person_not_bound_by_hipaa() -> None:
    stranger = UnauthorizedPerson(
        Recipient.KNOWN_PERSON_NOT_BOUND, "E-mailed to the wrong patient."
    )
    unopened = AcquiredOrViewed(Acquisition.NO, "Recalled.", "Mail log: recalled before opening.")
    # Never opened: the PHI did not leave HIPAA's protection in fact.
    assert assess(RiskAssessment(FAX_NATURE, stranger, unopened, FAX_DESTROYED)) == (
        "low_probability_of_compromise"
    )
    # Opened by someone HIPAA does not bind: a breach, even though deleted with an attestation.
    assert assess(RiskAssessment(FAX_NATURE, stranger, FAX_VIEWED, FAX_DESTROYED)) == "breach"


def test_assurances_suffice_only_for_low_risk_information() -> None:
    assurances = Mitigation(MitigationExtent.ASSURANCES_OBTAINED, "Written promise not to use.")
    low = NatureAndExtent(frozenset({Identifier.NAME}), Level.LOW, Level.MODERATE, "Name only.")
    assert assess(RiskAssessment(low, FAX_PERSON, FAX_VIEWED, assurances)) == (
        "low_probability_of_compromise"
    )
    assert assess(RiskAssessment(FAX_NATURE, FAX_PERSON, FAX_VIEWED, assurances)) == "breach"


@pytest.mark.parametrize(
    ("identifiers", "sensitivity", "reidentification", "risk"),
    [
        ({Identifier.NAME}, Level.LOW, Level.LOW, "low"),
        ({Identifier.NAME}, Level.LOW, Level.HIGH, "moderate"),
        ({Identifier.NAME}, Level.MODERATE, Level.LOW, "low"),
        ({Identifier.NAME}, Level.MODERATE, Level.MODERATE, "moderate"),
        ({Identifier.NAME}, Level.HIGH, Level.LOW, "moderate"),
        ({Identifier.NAME}, Level.HIGH, Level.MODERATE, "high"),
        # Clinical information is at least moderately sensitive, whatever the form says.
        ({Identifier.MEDICATION}, Level.LOW, Level.MODERATE, "moderate"),
        ({Identifier.OTHER}, Level.LOW, Level.MODERATE, "moderate"),
        ({Identifier.FINANCIAL, Identifier.EMAIL}, Level.LOW, Level.LOW, "high"),
    ],
)
def test_nature_and_extent_ratings(
    identifiers: set[Identifier], sensitivity: Level, reidentification: Level, risk: str
) -> None:
    nature = NatureAndExtent(frozenset(identifiers), sensitivity, reidentification, "Why.")
    assert rate_factors(RiskAssessment(nature=nature))[0].risk == risk


def test_determination_refuses_malformed_input() -> None:
    with pytest.raises(RuleInputError) as exc:
        determine(Incident(phi_involved=raw("yes")))
    assert_field(exc, "phi_involved")
    bad = NatureAndExtent(raw(frozenset({"dna"})), Level.LOW, Level.LOW, "x")
    with pytest.raises(RuleInputError) as exc:
        determine(Incident(True, assessment=RiskAssessment(nature=bad)))
    assert_field(exc, "assessment.nature.identifiers")
    with pytest.raises(RuleInputError) as exc:
        determine(
            Incident(True, assessment=RiskAssessment(mitigation=Mitigation(raw("plenty"), "x")))
        )
    assert_field(exc, "assessment.mitigation.extent")
    with pytest.raises(RuleInputError) as exc:
        determine(
            Incident(
                True,
                secured=SecuredPHI(SecuringMethod.DESTRUCTION, "Shredded.", key_compromised=True),
            )
        )
    assert_field(exc, "secured.key_compromised")


def test_strings_from_a_form_are_accepted() -> None:
    assessment = RiskAssessment(
        NatureAndExtent(raw(frozenset({"name"})), raw("low"), raw("low"), "Name only."),
        UnauthorizedPerson(raw("covered_entity_workforce"), "A nurse on another ward."),
        AcquiredOrViewed(raw("no"), "Closed at once.", "Audit log: record open 2 seconds."),
        Mitigation(raw("assurances_obtained"), "Signed statement."),
    )
    assert assess(assessment) == "low_probability_of_compromise"


answers = st.builds(
    RiskAssessment,
    st.none()
    | st.builds(
        NatureAndExtent,
        st.frozensets(st.sampled_from(Identifier)),
        st.sampled_from(Level),
        st.sampled_from(Level),
        st.sampled_from(["", "Rationale."]),
    ),
    st.none()
    | st.builds(UnauthorizedPerson, st.sampled_from(Recipient), st.sampled_from(["", "Why."])),
    st.none()
    | st.builds(
        AcquiredOrViewed,
        st.sampled_from(Acquisition),
        st.sampled_from(["", "Why."]),
        st.sampled_from(["", "Forensic report."]),
    ),
    st.none()
    | st.builds(
        Mitigation,
        st.sampled_from(MitigationExtent),
        st.sampled_from(["", "Why."]),
        st.sampled_from(["", "Attestation."]),
    ),
)


@given(answers)
def test_low_probability_only_when_every_factor_is_documented_and_none_is_high(
    assessment: RiskAssessment,
) -> None:
    result = determine(Incident(True, assessment=assessment))
    unknown = (
        (
            assessment.unauthorized_person is not None
            and assessment.unauthorized_person.recipient is Recipient.UNKNOWN
        )
        or (
            assessment.acquired_or_viewed is not None
            and assessment.acquired_or_viewed.answer is Acquisition.UNKNOWN
        )
        or None
        in (
            assessment.nature,
            assessment.unauthorized_person,
            assessment.acquired_or_viewed,
            assessment.mitigation,
        )
    )
    if unknown:
        assert result.conclusion == "breach"
    if result.conclusion == "low_probability_of_compromise":
        assert all(f.risk in (Risk.LOW, Risk.MODERATE) for f in result.factors)
        assert all(r.citation.startswith("45 CFR") for r in result.reasons)
    else:
        assert result.conclusion == "breach"
