"""The SRA's pure rules and its data: scales, libraries and the questionnaire hold together."""

from __future__ import annotations

import pytest

from hipaaops.catalog.regulation import UnknownCitation, entry, key_activities
from hipaaops.inventory import rules as inventory_rules
from hipaaops.sra import rules


def test_scales_rate_and_band() -> None:
    five = rules.scale("5x5")
    assert five.levels == 5 and five.band(1, 1).key == "low" and five.band(5, 5).key == "critical"
    assert five.band(3, 3).key == "moderate" and five.band(4, 4).key == "high"
    # Every score from 1 to 25 falls in exactly one band.
    for score in {lk * im for lk in range(1, 6) for im in range(1, 6)}:
        assert sum(b.min <= score <= b.max for b in five.bands) == 1, score
    three = rules.scale("3x3")
    assert [lv.label for lv in three.likelihood] == ["Low", "Moderate", "High"]
    assert three.band(3, 3).key == "high" and three.band(1, 2).key == "low"
    assert five.check("4", "likelihood") == 4 and five.check("", "impact") is None
    with pytest.raises(rules.RiskInputError) as raised:
        three.check(4, "impact")
    assert raised.value.field == "impact" and "1 to 3" in raised.value.message
    with pytest.raises(rules.RiskInputError):
        five.check("high", "likelihood")
    with pytest.raises(rules.RiskInputError):
        rules.scale("10x10")
    assert rules.scale_from(five.as_data()) == five
    edited = rules.edit_definitions(five, {"likelihood": {1: "Once a century"}})
    assert edited.likelihood[0].definition == "Once a century" and edited.bands == five.bands
    with pytest.raises(rules.RiskInputError):
        rules.edit_definitions(five, {"impact": {2: "  "}})
    assert [rules.from_five(n, three) for n in range(1, 6)] == [1, 2, 2, 3, 3]
    assert [rules.from_five(n, five) for n in range(1, 6)] == [1, 2, 3, 4, 5]


def test_libraries_hold_together() -> None:
    threats = rules.threat_index()
    vulns = rules.vulnerability_index()
    assert len(threats) >= 30 and len(vulns) >= 40
    assert set(rules.THREAT_SOURCES) == {t.source for t in threats.values()}
    asset_types = set(inventory_rules.keys("asset_types"))
    for t in threats.values():
        assert set(t.asset_types) <= asset_types, t.key
    for v in vulns.values():
        assert v.threats and set(v.threats) <= set(threats), v.key
        for c in v.safeguards:
            try:
                entry(c)
            except UnknownCitation:
                pytest.fail(f"{v.key}: {c} is not a Security Rule paragraph")
    # Every observation the inventory can make points to a vulnerability of the library.
    for key in (
        "unencrypted_portable", "unencrypted_at_rest", "no_backup", "single_site_backup",
        "ephi_in_secondary_store", "vendor_without_baa", "retired_not_disposed", "ephi_unknown",
        "no_owner", "unencrypted_flow",
    ):  # fmt: skip
        assert rules.observation_vulnerability(key) in vulns, key


def test_questionnaire_holds_together() -> None:
    sections = rules.sections()
    assert [s.number for s in sections] == [1, 2, 3, 4, 5, 6, 7]
    kas = {k.id for k in key_activities()}
    vulns = rules.vulnerability_index()
    seen: set[str] = set()
    for s in sections:
        earlier: set[str] = set()
        for q in s.questions:
            assert q.key not in seen
            seen.add(q.key)
            assert q.citations and set(q.key_activities) <= kas, q.key
            for c in q.citations:
                entry(c)
            assert any(a.best for a in q.answers) and q.answer("unknown") is not None, q.key
            for a in q.answers:
                assert set(a.proposes) <= set(vulns), (q.key, a.key)
                assert not (a.best and a.proposes), (q.key, a.key)
            if q.asks_when:
                parent, answers = q.asks_when
                assert parent in earlier, q.key
                parent_q = rules.question_index()[parent]
                assert all(parent_q.answer(k) for k in answers), q.key
            earlier.add(q.key)


def test_branching_and_proposals() -> None:
    follow = next(q for q in rules.question_index().values() if q.asks_when)
    parent, opening = follow.asks_when  # type: ignore[misc]
    parent_q = rules.question_index()[parent]
    closing = next(a.key for a in parent_q.answers if a.key not in opening)
    assert not rules.applies(follow, {})
    assert not rules.applies(follow, {parent: closing})
    assert rules.applies(follow, {parent: opening[0]})
    with pytest.raises(rules.RiskInputError) as raised:
        rules.check_answer(follow.key, follow.answers[0].key, {parent: closing})
    assert raised.value.field == "question"
    with pytest.raises(rules.RiskInputError) as raised:
        rules.check_answer(parent, "perhaps", {})
    assert raised.value.field == "answer"
    # A non-best answer proposes its vulnerabilities; the same answer on a question that is not
    # asked proposes nothing.
    worst = next(a for a in follow.answers if a.proposes)
    raised_by = rules.proposals_from_answers({parent: opening[0], follow.key: worst.key})
    assert {p.vulnerability for p in raised_by} >= set(worst.proposes)
    assert all(follow.key in p.questions for p in raised_by if p.vulnerability in worst.proposes)
    assert not [
        p
        for p in rules.proposals_from_answers({parent: closing, follow.key: worst.key})
        if follow.key in p.questions
    ]
    sec = rules.section(follow.section)
    before = rules.progress(sec, {parent: closing})
    after = rules.progress(sec, {parent: opening[0]})
    assert after.asked == before.asked + sum(
        1 for q in sec.questions if q.asks_when and q.asks_when[0] == parent
    )


def test_treatment_rules() -> None:
    with pytest.raises(rules.RiskInputError) as raised:
        rules.check_treatment("ignore", justification="", approver_can_approve=None, transfer_to="")
    assert raised.value.field == "treatment"
    with pytest.raises(rules.RiskInputError) as raised:
        rules.check_treatment(
            "accept", justification="fine", approver_can_approve=True, transfer_to=""
        )
    assert raised.value.field == "justification"
    long = "The residual risk is low and the fix costs more than the harm."
    with pytest.raises(rules.RiskInputError) as raised:
        rules.check_treatment(
            "accept", justification=long, approver_can_approve=None, transfer_to=""
        )
    assert raised.value.field == "approver"
    with pytest.raises(rules.RiskInputError) as raised:
        rules.check_treatment(
            "accept", justification=long, approver_can_approve=False, transfer_to=""
        )
    assert raised.value.field == "approver"
    rules.check_treatment("accept", justification=long, approver_can_approve=True, transfer_to="")
    with pytest.raises(rules.RiskInputError) as raised:
        rules.check_treatment(
            "transfer", justification=long, approver_can_approve=None, transfer_to=""
        )
    assert raised.value.field == "transfer_to"
    rules.check_treatment("mitigate", justification="", approver_can_approve=None, transfer_to="")


def test_compare() -> None:
    p = rules.RiskPoint
    c = rules.compare(
        assets_before={"1": "EHR", "2": "Old server"},
        assets_after={"1": "EHR", "3": "New laptop"},
        risks_before=[
            p("a", "R-1", 12, "high"),
            p("b", "R-2", 6, "moderate"),
            p("c", "R-3", 4, "low"),
        ],
        risks_after=[
            p("a", "R-1", 16, "high"),
            p("b", "R-2", 3, "low"),
            p("d", "R-4", None, "unrated"),
        ],
        plan_before={"x": ("Encrypt laptops", "open"), "y": ("Train staff", "done")},
        plan_after={"x": ("Encrypt laptops", "done"), "z": ("New item", "open")},
    )
    assert c.new_assets == ["New laptop"] and c.retired_assets == ["Old server"]
    assert [r.title for r in c.new_risks] == ["R-4"] and [r.title for r in c.gone_risks] == ["R-3"]
    assert [(b.score, a.score) for b, a in c.rose] == [(12, 16)]
    assert [(b.score, a.score) for b, a in c.fell] == [(6, 3)]
    assert c.plan_closed == ["Encrypt laptops"]


def test_the_public_breach_record_speaks_of_threats_in_the_library() -> None:
    from hipaaops.breaches import rules as breach_rules

    assert set(breach_rules.THREAT_KEYS) <= set(rules.threat_index())
