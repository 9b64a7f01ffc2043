"""The pure rules: the determination, agreement status over time, the provision checklist and
the risk tier."""

from __future__ import annotations

from datetime import date

import pytest

from hipaaops.vendors import rules

A = rules.AgreementStatus


def test_the_determination_follows_the_definition() -> None:
    d = rules.determine(rules.DeterminationFacts(handles_phi=True))
    assert d.outcome == rules.Outcome.BUSINESS_ASSOCIATE and d.is_business_associate
    assert any("160.103" in r for r in d.reasons)
    # The conduit exception: transport only, no routine access.
    conduit = rules.determine(rules.DeterminationFacts(handles_phi=True, only_transmits=True))
    assert conduit.outcome == rules.Outcome.NOT_BUSINESS_ASSOCIATE
    assert "conduit" in " ".join(conduit.reasons)
    # Transmission with routine access (an HIO, an e-prescribing gateway) is not a conduit.
    hio = rules.determine(
        rules.DeterminationFacts(handles_phi=True, only_transmits=True, routine_access=True)
    )
    assert hio.is_business_associate and "(3)(i)" in " ".join(hio.reasons)
    for facts in (
        rules.DeterminationFacts(handles_phi=False),
        rules.DeterminationFacts(handles_phi=True, workforce_member=True),
        rules.DeterminationFacts(handles_phi=True, treatment_provider=True),
        rules.DeterminationFacts(handles_phi=True, own_capacity=True),
    ):
        assert not rules.determine(facts).is_business_associate
    sub = rules.determine(
        rules.DeterminationFacts(handles_phi=True, we_are_business_associate=True)
    )
    assert sub.outcome == rules.Outcome.SUBCONTRACTOR and "164.504(e)(5)" in " ".join(sub.reasons)


def test_status_moves_with_the_dates() -> None:
    terms = rules.AgreementTerms(A.SIGNED, date(2024, 1, 1), date(2026, 12, 31))
    assert rules.status_on(terms, date(2026, 10, 1), 60) == A.SIGNED
    assert rules.status_on(terms, date(2026, 11, 1), 60) == A.EXPIRING  # 60 days before
    assert rules.status_on(terms, date(2026, 11, 1), 30) == A.SIGNED  # a narrower window
    assert rules.status_on(terms, date(2026, 12, 31), 60) == A.EXPIRING
    assert rules.status_on(terms, date(2027, 1, 1), 60) == A.EXPIRED
    # An agreement without an end date stays signed; stages before signing are what they are.
    assert (
        rules.status_on(rules.AgreementTerms(A.SIGNED, date(2024, 1, 1)), date(2040, 1, 1), 60)
        == A.SIGNED
    )
    assert rules.status_on(rules.AgreementTerms(A.REQUESTED), date(2026, 1, 1), 60) == A.REQUESTED


def test_an_agreement_that_renews_rolls_its_term_forward() -> None:
    terms = rules.AgreementTerms(A.SIGNED, date(2024, 3, 31), date(2025, 3, 31), True, 12)
    assert rules.term_end(terms, date(2026, 11, 23)) == date(2027, 3, 31)
    assert rules.status_on(terms, date(2026, 11, 23), 60) == A.SIGNED
    assert rules.status_on(terms, date(2027, 2, 1), 60) == A.EXPIRING
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_terms_are_checked() -> None:
    with pytest.raises(rules.RuleInputError) as raised:
        rules.check_terms(rules.AgreementTerms(A.SIGNED, date(2026, 5, 1), date(2026, 4, 1)))
    assert raised.value.field == "expires_on"
    with pytest.raises(rules.RuleInputError) as raised:
        rules.check_terms(rules.AgreementTerms(A.SIGNED))
    assert raised.value.field == "effective_on"
    with pytest.raises(rules.RuleInputError) as raised:
        rules.check_terms(rules.AgreementTerms(A.SIGNED, date(2026, 1, 1), date(2027, 1, 1), True))
    assert raised.value.field == "renewal_months"
    with pytest.raises(rules.RuleInputError):
        rules.check_terms(rules.AgreementTerms(A.EXPIRED, date(2026, 1, 1)))
    rules.check_terms(rules.AgreementTerms(A.NEEDED))


def test_the_checklist_lists_every_required_provision_and_its_gaps() -> None:
    keys = rules.provision_keys()
    assert len(keys) == 14 and len(set(keys)) == 14
    cited = {c for p in rules.provisions() for c in p.citations}
    for letter in "ABCDEFGHIJ":  # every term of 164.504(e)(2)(ii)
        assert f"164.504(e)(2)(ii)({letter})" in cited
    assert {"164.504(e)(2)(i)", "164.504(e)(2)(iii)", "164.314(a)(2)(i)(C)"} <= cited
    assert len(rules.checklist_gaps({})) == 14
    checklist = {k: {"state": "present", "where": "s. 3"} for k in keys}
    checklist["books_records"] = {"state": "missing"}
    assert [p.key for p in rules.checklist_gaps(checklist)] == ["books_records"]
    with pytest.raises(rules.RuleInputError) as raised:
        rules.check_checklist({"access": {"state": "not_applicable"}})
    assert raised.value.field == "provisions.access"
    with pytest.raises(rules.RuleInputError):
        rules.check_checklist({"nonsense": {"state": "present"}})
    with pytest.raises(rules.RuleInputError):
        rules.check_checklist({"access": {"state": "maybe"}})


def test_reporting_limits_never_exceed_the_rule() -> None:
    assert rules.reporting_calendar_days(5, "business") == 5
    assert rules.reporting_calendar_days(60, "calendar") == rules.RULE_BREACH_NOTICE_DAYS
    for too_many in (61, 90):
        with pytest.raises(rules.RuleInputError) as raised:
            rules.reporting_calendar_days(too_many, "calendar")
        assert raised.value.field == "breach_report_days" and "164.410(b)" in raised.value.message
    with pytest.raises(rules.RuleInputError):
        rules.reporting_calendar_days(-1, "calendar")
    assert rules.reporting_calendar_days(None, "calendar") is None
    with pytest.raises(rules.RuleInputError):
        rules.reporting_calendar_days(3, "fortnights")


def test_the_tier_shows_its_reasons() -> None:
    qn = rules.questionnaire()
    all_yes = {q.id: "yes" for q in qn.questions}
    today = date(2026, 11, 23)
    low = rules.tier_for(all_yes, [], today)
    assert low.tier == "low" and low.points == 0
    no_mfa = dict(all_yes, mfa="no")
    high = rules.tier_for(no_mfa, [], today)
    assert high.tier == "high"  # a critical 'no' alone
    assert any("multi-factor" in r for r in high.reasons)
    many = {q.id: "no" for q in qn.questions}
    assert rules.tier_for(many, [], today).tier == "critical"
    gaps = dict(all_yes, pen_test="no", training="no", logging="partly")
    plain = rules.tier_for(gaps, [], today)
    credited = rules.tier_for(gaps, [rules.AuditReport("soc2_type2", date(2027, 1, 1))], today)
    expired = rules.tier_for(gaps, [rules.AuditReport("soc2_type2", date(2026, 1, 1))], today)
    assert credited.points == plain.points - qn.report_credit_points
    assert expired.points == plain.points and any("expired" in r for r in expired.reasons)
    offshore = rules.tier_for(gaps, [], today, offshore=True)
    assert offshore.points == plain.points + 2
    with pytest.raises(rules.RuleInputError) as raised:
        rules.check_answers({"mfa": "yes"})
    assert raised.value.field in {q.id for q in qn.questions}


def test_reminder_steps_and_verification_due() -> None:
    assert rules.reminder_due(date(2026, 12, 23), date(2026, 11, 23), (30, 7)) == 30
    assert rules.reminder_due(date(2026, 12, 24), date(2026, 11, 23), (30, 7)) is None
    assert rules.verification_due(None, date(2026, 1, 15), date(2026, 11, 23), 12) == date(
        2027, 1, 15
    )
    assert rules.verification_due(
        date(2026, 6, 1), date(2026, 1, 15), date(2026, 11, 23), 12
    ) == date(2027, 6, 1)
