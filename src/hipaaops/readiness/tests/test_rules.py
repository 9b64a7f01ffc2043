"""Audit readiness rules without a database: scopes, the score, the comparison and the penalty
estimate (45 CFR 160.404(b)(2) at the dated amounts)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipaaops.catalog.regulation import catalog
from hipaaops.readiness import rules
from hipaaops.readiness.rules import Answer, ResponseStatus

S = ResponseStatus


def ids(preset_key: str) -> list[str]:
    return [i.id for i in rules.preset(preset_key).inquiries()]


def test_the_whole_protocol_and_the_per_rule_scopes() -> None:
    assert len(ids("all")) == 180
    assert len(ids("security")) == 72
    assert len(ids("privacy")) == 89
    assert len(ids("breach")) == 19
    with pytest.raises(ValueError, match="Unknown scope"):
        rules.preset("phase3")


def test_the_phase_2_desk_audit_scope() -> None:
    chosen = {catalog.protocol_inquiry(i) for i in ids("phase2_desk")}
    cited = {c for i in chosen for c in i.citations}
    # Risk analysis and risk management.
    assert {"164.308(a)(1)(ii)(A)", "164.308(a)(1)(ii)(B)"} <= cited
    # The notice of privacy practices (164.520) and the right of access (164.524), all rows.
    for section in ("164.520", "164.524"):
        rows = [i for i in catalog.audit_protocol() if i.citation.startswith(section + "(")]
        assert rows and set(rows) <= chosen
    # Timeliness and content of breach notification, and nothing else of 164.404.
    breach = sorted(i.citation for i in chosen if i.audit_type == "breach")
    assert breach == ["164.404(b)", "164.404(c)(1)"]
    assert all(i.audit_type != "security" or i.citation.startswith("164.308(a)(1)") for i in chosen)


def test_the_business_associate_desk_audit_scope() -> None:
    chosen = [catalog.protocol_inquiry(i) for i in ids("phase2_desk_business_associate")]
    assert {i.citation for i in chosen} == {
        "164.308(a)(1)(ii)(A)",
        "164.308(a)(1)(ii)(B)",
        "164.410",
    }


def test_score_credits_satisfied_fully_partly_half_and_leaves_out_not_applicable() -> None:
    result = rules.score(
        [
            Answer("S004", S.SATISFIED),
            Answer("S005", S.PARTLY),
            Answer("S006", S.NOT_SATISFIED),
            Answer("S007", S.NOT_REVIEWED),
            Answer("S008", S.NOT_APPLICABLE),
            Answer("P001", S.SATISFIED),
        ]
    )
    assert result.overall.applicable == 5
    assert result.overall.earned == 2.5
    assert result.overall.percent == 50
    assert result.overall.reviewed == 5  # all but the one not reviewed
    assert result.by_rule["security"].percent == round(100 * 1.5 / 4)
    assert result.by_rule["privacy"].percent == 100
    assert list(result.by_rule) == ["privacy", "security"]
    assert list(result.by_section) == ["164.308", "164.502"]


def test_a_group_where_nothing_applies_has_no_percentage() -> None:
    result = rules.score([Answer("S001", S.NOT_APPLICABLE)])
    assert result.overall.percent is None
    assert rules.score([]).overall.percent is None


@given(st.lists(st.sampled_from(list(ResponseStatus)), min_size=1, max_size=60))
def test_the_score_stays_between_0_and_100(statuses: list[ResponseStatus]) -> None:
    protocol = catalog.audit_protocol()
    answers = [Answer(protocol[n].id, s) for n, s in enumerate(statuses)]
    result = rules.score(answers)
    percent = result.overall.percent
    if all(s is S.NOT_APPLICABLE for s in statuses):
        assert percent is None
    else:
        assert percent is not None and 0 <= percent <= 100
    assert sum(result.overall.counts.values()) == len(statuses)


def test_comparison_lists_what_moved_and_which_way() -> None:
    earlier = {"S004": S.PARTLY, "S005": S.SATISFIED, "S006": S.NOT_SATISFIED, "P001": S.SATISFIED}
    later = {
        "S004": S.SATISFIED,
        "S005": S.NOT_SATISFIED,
        "S006": S.NOT_SATISFIED,
        "B012": S.PARTLY,
    }
    changes = {c.inquiry_id: c.direction for c in rules.compare(earlier, later)}
    assert changes == {"S004": "better", "S005": "worse", "P001": "dropped", "B012": "added"}
    order = [c.inquiry_id for c in rules.compare(earlier, later)]
    assert order == ["P001", "S004", "S005", "B012"]  # protocol order
    assert rules.Change("S004", S.NOT_REVIEWED, S.NOT_APPLICABLE).direction == "changed"


# ---------------------------------------------------------------------------- penalties


def test_penalty_estimate_uses_the_schedule_in_force_on_the_date() -> None:
    later = rules.estimate_penalty(tier=2, violations=30, on=date(2026, 11, 1))
    schedule = catalog.penalty_schedule(date(2026, 11, 1))
    tier = schedule.tier(2)
    assert later.per_violation_minimum == tier.minimum
    assert later.low == min(tier.minimum * 30, schedule.calendar_year_cap)
    assert later.high == min(tier.maximum * 30, schedule.calendar_year_cap)
    assert later.regulation_cap == schedule.calendar_year_cap
    earlier = rules.estimate_penalty(tier=2, violations=30, on=date(2024, 9, 1))
    assert (
        earlier.per_violation_minimum == catalog.penalty_schedule(date(2024, 9, 1)).tier(2).minimum
    )
    assert earlier.per_violation_minimum < later.per_violation_minimum
    assert "not legal advice" in later.disclaimer
    assert any("160.404" in s for s in later.sources)


def test_the_calendar_year_cap_and_ocr_discretion_bound_the_total() -> None:
    on = date(2026, 11, 1)
    schedule = catalog.penalty_schedule(on)
    many = rules.estimate_penalty(tier=4, violations=10_000, on=on)
    assert many.high == schedule.calendar_year_cap
    tier1 = rules.estimate_penalty(tier=1, violations=10_000, on=on)
    cap = schedule.tier(1).enforcement_discretion_annual_cap
    assert cap is not None
    assert tier1.high_under_discretion == cap
    assert tier1.low <= cap


def test_a_schedule_without_published_discretion_caps_says_so() -> None:
    estimate = rules.estimate_penalty(tier=1, violations=3, on=date(2023, 11, 1))
    assert estimate.discretion_cap is None
    assert estimate.high_under_discretion is None


@pytest.mark.parametrize(
    ("tier", "violations", "on", "message"),
    [
        (0, 1, date(2026, 1, 30), "tier must be"),
        (5, 1, date(2026, 1, 30), "tier must be"),
        (2, 0, date(2026, 1, 30), "violations must be"),
        (2, -3, date(2026, 1, 30), "violations must be"),
        (2, 1, date(2001, 1, 1), "No penalty schedule"),
    ],
)
def test_bad_penalty_input_is_refused(tier: int, violations: int, on: date, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rules.estimate_penalty(tier=tier, violations=violations, on=on)


def test_the_rules_import_no_django() -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; import hipaaops.readiness.rules as r; r.preset('all').inquiries(); "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[3])
