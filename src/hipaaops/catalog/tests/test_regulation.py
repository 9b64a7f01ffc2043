"""The regulatory catalog, checked against facts of the regulation (45 CFR Part 164, Appendix A
to Subpart C, NIST SP 800-66r2) rather than against itself. Pure: no database, no Django."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import fields
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipaaops.catalog.regulation import catalog
from hipaaops.catalog.regulation.catalog import (
    CatalogDataError,
    Entry,
    OrgProfile,
    UnknownCitation,
    applicable,
    entry,
    normalize_citation,
    penalty_schedule,
)

REPO = Path(__file__).resolve().parents[4]
SCRIPT = REPO / "scripts" / "import_nist_sp800_66r2.py"
NIST_XML = REPO.parent / "shared" / "reference" / "nist-sp800-66r2-oscal-catalog.xml"
WELL_FORMED = re.compile(r"^16[04]\.\d{3}(\((?:[a-z]+|\d{1,2}|[A-Z])\))*$")

# The regulation's addressable implementation specifications (45 CFR 164.308-164.312; workforce
# clearance is addressable in the regulation even though Appendix A prints no mark).
ADDRESSABLE = {
    "164.308(a)(3)(ii)(A)",
    "164.308(a)(3)(ii)(B)",
    "164.308(a)(3)(ii)(C)",
    "164.308(a)(4)(ii)(B)",
    "164.308(a)(4)(ii)(C)",
    "164.308(a)(5)(ii)(A)",
    "164.308(a)(5)(ii)(B)",
    "164.308(a)(5)(ii)(C)",
    "164.308(a)(5)(ii)(D)",
    "164.308(a)(7)(ii)(D)",
    "164.308(a)(7)(ii)(E)",
    "164.310(a)(2)(i)",
    "164.310(a)(2)(ii)",
    "164.310(a)(2)(iii)",
    "164.310(a)(2)(iv)",
    "164.310(d)(2)(iii)",
    "164.310(d)(2)(iv)",
    "164.312(a)(2)(iii)",
    "164.312(a)(2)(iv)",
    "164.312(c)(2)",
    "164.312(e)(2)(i)",
    "164.312(e)(2)(ii)",
}
# Standards with no separate implementation specification: the standard itself is required.
STANDARDS_WITHOUT_SPECIFICATIONS = {
    "164.308(a)(2)",  # assigned security responsibility
    "164.308(a)(8)",  # evaluation
    "164.310(b)",  # workstation use
    "164.310(c)",  # workstation security
    "164.312(b)",  # audit controls
    "164.312(d)",  # person or entity authentication
    "164.316(a)",  # policies and procedures (outside Appendix A)
}
# NIST SP 800-66r2 key activities per standard (CPRT SP800_66_2_0_0).
NIST_KEY_ACTIVITIES = {
    "164.308(a)(1)": 9,
    "164.308(a)(2)": 2,
    "164.308(a)(3)": 5,
    "164.308(a)(4)": 4,
    "164.308(a)(5)": 7,
    "164.308(a)(6)": 4,
    "164.308(a)(7)": 7,
    "164.308(a)(8)": 5,
    "164.308(b)(1)": 3,
    "164.310(a)": 6,
    "164.310(b)": 3,
    "164.310(c)": 3,
    "164.310(d)": 4,
    "164.312(a)": 9,
    "164.312(b)": 5,
    "164.312(c)": 6,
    "164.312(d)": 3,
    "164.312(e)(1)": 4,
    "164.314(a)": 5,
    "164.314(b)": 4,
    "164.316(a)": 2,
    "164.316(b)": 4,
}
CLEARINGHOUSE_ISOLATION = "164.308(a)(4)(ii)(A)"
GROUP_HEALTH_PLAN = "164.314(b)"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Override the project-wide cache reset: these tests are pure and must also run without
    Django (``-p no:django``)."""
    yield


def section(citation: str) -> str:
    return citation.split("(")[0]


def specs() -> tuple[Entry, ...]:
    return catalog.specifications()


# ---------------------------------------------------------------------------- counts


def test_the_security_rule_has_22_standards_and_46_specifications() -> None:
    assert len(catalog.standards()) == 22
    assert len(specs()) == 46
    assert len(catalog.security_entries()) == 68
    assert sum(e.requirement == "required" for e in specs()) == 24
    assert sum(e.requirement == "addressable" for e in specs()) == 22


def test_appendix_a_holds_18_standards_and_36_specifications() -> None:
    in_a = [e for e in catalog.security_entries() if e.appendix_a]
    assert sum(e.kind == "standard" for e in in_a) == 18
    a_specs = [e for e in in_a if e.kind == "implementation_specification"]
    assert len(a_specs) == 36
    assert sum(e.requirement == "required" for e in a_specs) == 14
    assert sum(e.requirement == "addressable" for e in a_specs) == 22
    # Appendix A is the matrix of 164.308-164.312 only.
    assert {section(e.citation) for e in in_a} == {"164.308", "164.310", "164.312"}
    assert not any(
        e.appendix_a
        for e in catalog.security_entries()
        if e.family in ("organizational", "documentation")
    )


@pytest.mark.parametrize(
    ("sec", "standards", "required", "addressable"),
    [
        ("164.308", 9, 10, 11),
        ("164.310", 4, 2, 6),
        ("164.312", 5, 2, 5),
        ("164.314", 2, 7, 0),
        ("164.316", 2, 3, 0),
    ],
)
def test_counts_per_section(sec: str, standards: int, required: int, addressable: int) -> None:
    in_sec = [e for e in catalog.security_entries() if section(e.citation) == sec]
    assert sum(e.kind == "standard" for e in in_sec) == standards
    assert sum(e.requirement == "required" for e in in_sec if e.standard) == required
    assert sum(e.requirement == "addressable" for e in in_sec) == addressable


def test_the_addressable_specifications_are_the_regulations() -> None:
    assert {e.citation for e in specs() if e.requirement == "addressable"} == ADDRESSABLE
    assert entry("164.308(a)(3)(ii)(B)").requirement == "addressable"  # workforce clearance


def test_standards_without_specifications_are_required_the_others_carry_none() -> None:
    with_specs = {e.standard for e in specs()}
    for s in catalog.standards():
        if s.citation in with_specs:
            assert s.requirement is None, s.citation
        else:
            assert s.requirement == "required", s.citation
    assert {s.citation for s in catalog.standards()} - with_specs == (
        STANDARDS_WITHOUT_SPECIFICATIONS
    )


# ---------------------------------------------------------------------------- citations


def test_citations_are_unique_and_well_formed() -> None:
    everything = [e.citation for e in catalog.security_entries()]
    assert len(everything) == len(set(everything))
    for e in catalog.security_entries():
        assert WELL_FORMED.match(e.citation), e.citation
        for alias in e.aliases:
            assert WELL_FORMED.match(alias), alias
            assert alias != e.citation
    for provisions in (catalog.breach_provisions(), catalog.privacy_provisions()):
        cites = [p.citation for p in provisions]
        assert len(cites) == len(set(cites))
        assert all(WELL_FORMED.match(c) for c in cites), cites


def test_aliases_resolve_both_ways() -> None:
    canonical = {e.citation for e in catalog.security_entries()}
    owners: dict[str, list[str]] = {}
    for e in catalog.security_entries():
        assert entry(e.citation) is e
        for alias in e.aliases:
            owners.setdefault(alias, []).append(e.citation)
            if alias not in canonical:
                assert entry(alias) is e, alias
    # An alias names one entry only.
    assert all(len(o) == 1 for o in owners.values()), owners
    # The standard is cited with or without its "(i)".
    assert entry("164.308(a)(1)").citation == "164.308(a)(1)(i)"
    assert "164.308(a)(1)" in entry("164.308(a)(1)(i)").aliases
    assert entry("164.314(b)").citation == "164.314(b)(1)"
    assert entry("164.312(a)").citation == "164.312(a)(1)"


def test_164_308_b_1_and_b_3_are_aliases_of_one_another() -> None:
    standard, written = entry("164.308(b)(1)"), entry("164.308(b)(3)")
    assert standard.kind == "standard"
    assert written.kind == "implementation_specification"
    assert written.standard == standard.citation
    assert "164.308(b)(3)" in standard.aliases and "164.308(b)(1)" in written.aliases
    # The pre-2013 number, still cross-referenced by 164.314(a)(2)(iii), finds the specification.
    assert entry("164.308(b)(4)") is written
    # That pair is the only alias that is also some entry's own citation.
    canonical = {e.citation for e in catalog.security_entries()}
    shadowed = {a for e in catalog.security_entries() for a in e.aliases if a in canonical}
    assert shadowed == {"164.308(b)(1)", "164.308(b)(3)"}


def test_every_specification_belongs_to_a_standard_of_its_section() -> None:
    order = [e.citation for e in catalog.security_entries()]
    for e in specs():
        assert e.standard is not None
        parent = entry(e.standard)
        assert parent.citation == e.standard and parent.kind == "standard"
        assert section(parent.citation) == section(e.citation)
        assert parent.family == e.family
        assert order.index(parent.citation) < order.index(e.citation)
        assert e.requirement in ("required", "addressable")
    assert all(s.standard is None for s in catalog.standards())


def test_families_follow_the_sections() -> None:
    expected = {
        "164.308": "administrative",
        "164.310": "physical",
        "164.312": "technical",
        "164.314": "organizational",
        "164.316": "documentation",
    }
    for e in catalog.security_entries():
        assert e.family == expected[section(e.citation)]
    assert entry("164.312(b)").family_label == "Technical safeguards"


def test_unknown_and_malformed_citations_raise_unknown_citation() -> None:
    with pytest.raises(UnknownCitation, match=r"164\.999\(z\)") as exc:
        entry("164.999(z)")
    assert isinstance(exc.value, KeyError)
    assert "not a Security Rule" in str(exc.value)
    with pytest.raises(UnknownCitation, match="Not a CFR citation"):
        entry("risk analysis")
    with pytest.raises(ValueError, match="implementation specification"):
        catalog.specifications("164.312(a)(2)(iv)")
    assert [e.citation for e in catalog.specifications("§ 164.312(e)")] == [
        "164.312(e)(2)(i)",
        "164.312(e)(2)(ii)",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "§ 164.312(a)(2)(iv)",
        "§164.312(a)(2)(iv)",
        "45 CFR 164.312(a)(2)(iv)",
        "45 C.F.R. § 164.312(a)(2)(iv)",
        "164.312 (a)(2)(iv)",
        "164.312(a) (2)(iv)",
        "  164.312(a)(2)(iv)  ",
        "164.312(a)(2)(iv)",
    ],
)
def test_normalize_citation_accepts_the_usual_spellings(text: str) -> None:
    assert normalize_citation(text) == "164.312(a)(2)(iv)"


def test_normalize_citation_accepts_a_bare_section() -> None:
    assert normalize_citation("§ 164.400") == "164.400"
    assert normalize_citation("45 CFR 160.404") == "160.404"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "164.312(a",
        "164.312a)(2)",
        "164.31(a)",
        "1643.312(a)",
        "164. 312(a)",
        "164.312(a)(2)(iv) and (b)",
        "164.312(a)-(b)",
        "164.312(a)(2)(iv).",
        "164.312(AB)",
        "164.312()",
        "risk analysis",
        "CFR 164",
    ],
)
def test_normalize_citation_refuses_malformed_input(text: str) -> None:
    with pytest.raises(ValueError, match="Not a CFR citation"):
        normalize_citation(text)


def test_normalize_citation_is_idempotent_on_every_catalog_citation() -> None:
    cites = [e.citation for e in catalog.security_entries()]
    cites += [a for e in catalog.security_entries() for a in e.aliases]
    cites += [p.citation for p in (*catalog.breach_provisions(), *catalog.privacy_provisions())]
    for c in cites:
        assert normalize_citation(c) == c
        assert normalize_citation(f"45 CFR § {c}") == c


# ---------------------------------------------------------------------------- NIST SP 800-66r2


def test_nist_has_104_key_activities_over_22_standards() -> None:
    activities = catalog.key_activities()
    assert len(activities) == 104
    assert len(catalog.nist_standards()) == 22
    per_standard = {s.nist_citation: len(s.key_activities) for s in catalog.nist_standards()}
    assert per_standard == NIST_KEY_ACTIVITIES
    assert len({ka.id for ka in activities}) == 104


def test_nist_has_473_sample_questions_plus_28_nested() -> None:
    top = [q for ka in catalog.key_activities() for q in ka.questions]
    nested = [n for q in top for n in q.questions]
    assert len(top) == 473
    assert len(nested) == 28
    assert not any(n.questions for n in nested)  # one level of nesting
    ids = [q.id for q in top] + [n.id for n in nested]
    assert len(ids) == len(set(ids))
    who = next(q for q in top if q.id == "SQ_164.308.a.2.1.01")
    assert who.text == "Who in the organization:" and len(who.questions) == 6


def test_every_key_activity_links_to_a_standard_of_the_catalog() -> None:
    standard_citations = {s.citation for s in catalog.standards()}
    for ka in catalog.key_activities():
        assert ka.standard in standard_citations, ka.id
        assert entry(ka.standard).kind == "standard"
    for s in catalog.nist_standards():
        assert entry(s.nist_citation).citation == s.citation  # NIST's citation is an alias
    assert {ka.standard for ka in catalog.key_activities()} == standard_citations


def test_key_activities_cover_every_specification_and_agree_on_required_addressable() -> None:
    covered = set()
    for ka in catalog.key_activities():
        for cite in ka.implementation_specifications:
            spec = entry(cite)
            assert spec.standard == ka.standard
            if ka.nist_requirement:
                assert spec.requirement == ka.nist_requirement, (ka.id, cite)
            covered.add(cite)
        if ka.nist_requirement:
            assert ka.implementation_specifications, ka.id
    assert covered == {e.citation for e in specs()}


def test_key_activities_by_standard_alias_or_specification() -> None:
    by_alias = catalog.key_activities("164.308(a)(1)")
    assert len(by_alias) == 9
    assert by_alias == catalog.key_activities("164.308(a)(1)(i)")
    encryption = catalog.key_activities("164.312(a)(2)(iv)")
    assert [ka.id for ka in encryption] == ["KA_164.312.a.8"]


def test_nist_quotes_the_same_standard_text() -> None:
    def plain(text: str) -> str:
        text = text.lower().replace("ephi", "electronic protected health information")
        return re.sub(r"[^a-z0-9]+", " ", text).strip()

    for s in catalog.nist_standards():
        ours = plain(entry(s.citation).text)
        if s.citation == "164.314(a)(1)":
            continue  # NIST runs (a)(1), (a)(2)(ii) and (a)(2)(iii) together
        assert plain(s.text) in ours, s.citation


# ---------------------------------------------------------------------------- applicability

profiles = st.builds(
    OrgProfile,
    entity_type=st.sampled_from(catalog.ENTITY_TYPES),
    is_clearinghouse_in_larger_org=st.booleans(),
    is_group_health_plan=st.booleans(),
    is_business_associate=st.booleans(),
    has_business_associates=st.booleans(),
)


@given(profiles)
def test_clearinghouse_isolation_applies_only_to_a_clearinghouse_in_a_larger_org(
    profile: OrgProfile,
) -> None:
    ok, reason = applicable(entry(CLEARINGHOUSE_ISOLATION), profile)
    assert ok is profile.is_clearinghouse_in_larger_org
    assert "clearinghouse" in reason.lower() and "164.308(a)(4)(ii)(A)" in reason


@given(profiles)
def test_group_health_plan_items_apply_only_to_group_health_plans(profile: OrgProfile) -> None:
    items = [entry(GROUP_HEALTH_PLAN), *catalog.specifications(GROUP_HEALTH_PLAN)]
    assert len(items) == 5
    for item in items:
        ok, reason = applicable(item, profile)
        assert ok is profile.is_group_health_plan
        assert "group health plan" in reason.lower() and "164.314(b)" in reason


@given(profiles)
def test_business_associate_contract_items(profile: OrgProfile) -> None:
    is_ba = profile.entity_type == "business_associate" or profile.is_business_associate
    for cite in ("164.308(b)(1)", "164.308(b)(3)", "164.314(a)(1)", "164.314(a)(2)(i)"):
        ok, _ = applicable(cite, profile)
        assert ok is (is_ba or profile.has_business_associates), cite
    ok, reason = applicable("164.314(a)(2)(iii)", profile)
    assert ok is (is_ba and profile.has_business_associates)
    assert "164.314(a)(2)(iii)" in reason


@given(profiles)
def test_everything_else_applies_to_everyone(profile: OrgProfile) -> None:
    for e in catalog.security_entries():
        ok, reason = applicable(e, profile)
        assert reason and "45 CFR" in reason
        if e.applicability is None:
            assert ok


def test_the_applicability_vocabulary_is_small_and_used_where_the_regulation_says() -> None:
    used = {e.citation: e.applicability for e in catalog.security_entries() if e.applicability}
    assert set(used.values()) == set(catalog.APPLICABILITY)
    assert used[CLEARINGHOUSE_ISOLATION] == "clearinghouse_in_larger_org"
    assert {c for c, a in used.items() if a == "group_health_plan"} == {
        "164.314(b)(1)",
        "164.314(b)(2)(i)",
        "164.314(b)(2)(ii)",
        "164.314(b)(2)(iii)",
        "164.314(b)(2)(iv)",
    }
    assert all(section(c) in ("164.308", "164.314") for c in used)


def test_a_profile_needs_a_known_entity_type() -> None:
    with pytest.raises(ValueError, match="Unknown entity type"):
        OrgProfile(entity_type="pharmacy")


# ---------------------------------------------------------------------------- penalties

ADJUSTMENTS = [date(2023, 10, 6), date(2024, 8, 8), date(2026, 1, 28)]


@pytest.mark.parametrize(
    ("on", "effective"),
    [
        (date(2023, 10, 6), date(2023, 10, 6)),
        (date(2024, 8, 7), date(2023, 10, 6)),
        (date(2024, 8, 8), date(2024, 8, 8)),
        (date(2025, 12, 31), date(2024, 8, 8)),
        (date(2026, 1, 27), date(2024, 8, 8)),
        (date(2026, 1, 28), date(2026, 1, 28)),
        (date(2030, 1, 1), date(2026, 1, 28)),
    ],
)
def test_penalty_schedule_picks_the_adjustment_in_force(on: date, effective: date) -> None:
    assert penalty_schedule(on).effective_date == effective


def test_penalty_schedule_takes_a_datetime_too() -> None:
    moment = datetime(2026, 1, 28, 0, 0, tzinfo=UTC)
    assert penalty_schedule(moment).effective_date == date(2026, 1, 28)


def test_penalty_schedule_refuses_dates_before_the_earliest() -> None:
    with pytest.raises(ValueError, match="2023-10-06"):
        penalty_schedule(date(2023, 10, 5))


def test_penalty_amounts_match_the_published_adjustments() -> None:
    s2024, s2026 = penalty_schedule(date(2024, 8, 8)), penalty_schedule(date(2026, 1, 28))
    assert [(t.minimum, t.maximum) for t in s2024.tiers] == [
        (141, 71162),
        (1424, 71162),
        (14232, 71162),
        (71162, 2134831),
    ]
    assert s2024.calendar_year_cap == 2134831
    assert [t.enforcement_discretion_annual_cap for t in s2024.tiers] == [
        35581,
        142355,
        355808,
        2134831,
    ]
    assert [(t.minimum, t.maximum) for t in s2026.tiers] == [
        (145, 73011),
        (1461, 73011),
        (14602, 73011),
        (73011, 2190294),
    ]
    assert s2026.calendar_year_cap == 2190294
    assert [t.enforcement_discretion_annual_cap for t in s2026.tiers] == [
        36505,
        146053,
        365052,
        2190294,
    ]
    assert "91 FR 3665" in s2026.source
    assert s2026.tier(1).description.startswith("Did not know")


def test_penalty_tiers_are_ordered_and_within_the_cap() -> None:
    for s in catalog.penalty_schedules():
        assert [t.tier for t in s.tiers] == [1, 2, 3, 4]
        assert list(catalog.CULPABILITY) == [t.culpability for t in s.tiers]
        assert [t.minimum for t in s.tiers] == sorted(t.minimum for t in s.tiers)
        for t in s.tiers:
            assert 0 < t.minimum <= t.maximum <= s.calendar_year_cap
        assert s.tiers[-1].maximum == s.calendar_year_cap
        assert s.source
    assert [s.effective_date for s in catalog.penalty_schedules()] == ADJUSTMENTS


@given(st.dates(min_value=date(2023, 10, 6), max_value=date(2100, 1, 1)))
def test_the_schedule_in_force_is_the_latest_one_started(on: date) -> None:
    chosen = penalty_schedule(on)
    assert chosen.effective_date <= on
    assert not [d for d in ADJUSTMENTS if chosen.effective_date < d <= on]


@given(st.dates(max_value=date(2023, 10, 5)))
def test_no_schedule_before_the_earliest(on: date) -> None:
    with pytest.raises(ValueError):
        penalty_schedule(on)


# ---------------------------------------------------------------------------- Breach, Privacy

BREACH_CITATIONS = {
    "164.400",
    "164.402",
    "164.402(1)(i)",
    "164.402(1)(ii)",
    "164.402(1)(iii)",
    "164.402(2)(i)",
    "164.402(2)(ii)",
    "164.402(2)(iii)",
    "164.402(2)(iv)",
    "164.404(a)(1)",
    "164.404(a)(2)",
    "164.404(b)",
    "164.404(c)(1)(A)",
    "164.404(c)(1)(B)",
    "164.404(c)(1)(C)",
    "164.404(c)(1)(D)",
    "164.404(c)(1)(E)",
    "164.404(c)(2)",
    "164.404(d)(1)",
    "164.404(d)(2)",
    "164.404(d)(3)",
    "164.406(a)",
    "164.406(b)",
    "164.406(c)",
    "164.408(a)",
    "164.408(b)",
    "164.408(c)",
    "164.410(a)(1)",
    "164.410(b)",
    "164.410(c)(1)",
    "164.412(a)",
    "164.412(b)",
    "164.414(a)",
    "164.414(b)",
}
PRIVACY_CITATIONS = {
    "164.502(e)(1)",
    "164.504(e)(1)",
    "164.504(e)(2)(ii)(C)",
    "164.508(c)(1)",
    "164.514(b)(2)",
    "164.514(h)(1)",
    "164.520(b)(1)",
    "164.522(a)(1)",
    "164.522(b)(1)",
    "164.524(b)(2)",
    "164.526(b)(2)",
    "164.528(c)",
    "164.530(b)(1)",
    "164.530(c)(1)",
    "164.530(d)(1)",
    "164.530(e)(1)",
    "164.530(j)(2)",
}


def test_breach_provisions_cover_the_paragraphs_other_modules_need() -> None:
    cites = {p.citation for p in catalog.breach_provisions()}
    assert cites >= BREACH_CITATIONS
    assert all(c.startswith("164.4") for c in cites)


def test_privacy_provisions_cover_the_paragraphs_other_modules_need() -> None:
    cites = {p.citation for p in catalog.privacy_provisions()}
    assert cites >= PRIVACY_CITATIONS
    assert {f"164.504(e)(2)(ii)({x})" for x in "ABCDEFGHIJ"} <= cites  # BAA clauses
    assert all(
        section(c)
        in {
            "164.502",
            "164.504",
            "164.506",
            "164.508",
            "164.510",
            "164.512",
            "164.514",
            "164.520",
            "164.522",
            "164.524",
            "164.526",
            "164.528",
            "164.530",
        }
        for c in cites
    )


@pytest.mark.parametrize(
    ("cite", "kind", "days", "event"),
    [
        ("164.404(b)", "no_later_than", 60, "discovery"),
        ("164.406(b)", "no_later_than", 60, "discovery"),
        ("164.410(b)", "no_later_than", 60, "discovery"),
        ("164.408(b)", "contemporaneous", 60, "discovery"),
        ("164.408(c)", "no_later_than", 60, "end_of_calendar_year"),
        ("164.412(b)", "maximum_delay", 30, "oral_statement"),
        ("164.404(d)(2)", "minimum_period", 90, "posting"),
        ("164.524(b)(2)", "no_later_than", 30, "receipt_of_request"),
        ("164.526(b)(2)", "no_later_than", 60, "receipt_of_request"),
        ("164.528(c)", "no_later_than", 60, "receipt_of_request"),
    ],
)
def test_deadlines_are_structured(cite: str, kind: str, days: int, event: str) -> None:
    deadline = catalog.provision(cite).deadline
    assert deadline is not None
    assert (deadline.kind, deadline.days, deadline.from_event) == (kind, days, event)
    assert deadline.calendar_days


def test_extensions_and_retention() -> None:
    for cite in ("164.524(b)(2)", "164.526(b)(2)", "164.528(c)"):
        deadline = catalog.provision(cite).deadline
        assert deadline is not None and deadline.extension_days == 30
    retention = catalog.provision("164.530(j)(2)").deadline
    assert retention is not None
    assert (retention.kind, retention.years) == ("retention", 6)
    contemporaneous = catalog.provision("164.408(b)").deadline
    assert contemporaneous is not None and contemporaneous.alongside == "164.404(a)"


def test_provisions_flag_excerpts_and_their_deadlines_match_the_text() -> None:
    for p in (*catalog.breach_provisions(), *catalog.privacy_provisions()):
        assert p.text and p.summary and p.title
        if "[...]" in p.text or "[paragraph" in p.text.lower():
            assert p.text_is_excerpt, p.citation
        d = p.deadline
        if d is None:
            continue
        if d.days is not None:
            assert re.search(rf"\b{d.days}\b", f"{p.text} {d.note or ''}"), p.citation
        else:
            assert d.years == 6
            retained_by_530j = "164.530(j)" in p.text or (
                section(p.citation) == "164.530" and "paragraph (j)" in p.text
            )
            assert "six years" in p.text or retained_by_530j, p.citation


def test_unknown_provision() -> None:
    with pytest.raises(UnknownCitation):
        catalog.provision("164.999")


# ---------------------------------------------------------------------------- proposed 2025


def test_the_proposed_rule_is_an_overlay_marked_proposed() -> None:
    reqs = catalog.proposed_requirements()
    assert reqs
    assert {r.status for r in reqs} == {"proposed"}
    assert {r.published for r in reqs} == {date(2025, 1, 6)}
    assert len({r.id for r in reqs}) == len(reqs)
    for r in reqs:
        for change in r.changes:
            assert entry(change.citation).citation == change.citation, (r.id, change.citation)
        assert r.affects == tuple(dict.fromkeys(c.citation for c in r.changes))


def test_the_proposal_makes_every_addressable_specification_required() -> None:
    turned = {
        c.citation
        for r in catalog.proposed_requirements()
        for c in r.changes
        if c.effect == "addressable_to_required"
    }
    assert turned == ADDRESSABLE
    assert entry("164.312(a)(2)(iv)").requirement == "addressable"  # the overlay changes nothing


@pytest.mark.parametrize(
    ("affects", "value", "unit"),
    [
        ("164.308(a)(7)(ii)(B)", 72, "hours"),
        ("164.308(a)(3)(ii)(C)", 1, "hours"),
        ("164.308(a)(3)(ii)(C)", 24, "hours"),
        ("164.308(a)(8)", 6, "months"),
        ("164.308(a)(8)", 12, "months"),
        ("164.308(b)(1)", 12, "months"),
        ("164.314(a)(2)(i)", 24, "hours"),
        ("164.308(a)(1)(ii)(A)", 12, "months"),
        ("164.308(a)(1)(ii)(B)", 15, "days"),
    ],
)
def test_proposed_time_periods(affects: str, value: int, unit: str) -> None:
    periods = {
        (p.value, p.unit)
        for r in catalog.proposed_requirements()
        if affects in r.affects
        for p in r.periods
    }
    assert (value, unit) in periods


def test_proposed_mfa_and_encryption() -> None:
    titles = {r.title.lower(): r for r in catalog.proposed_requirements()}
    mfa = next(r for t, r in titles.items() if "multi-factor" in t)
    assert mfa.affects == ("164.312(d)",)
    encryption = next(r for t, r in titles.items() if "encryption" in t)
    assert set(encryption.affects) == {"164.312(a)(2)(iv)", "164.312(e)(2)(ii)"}


# ---------------------------------------------------------------------------- data files


def _raw(name: str) -> dict[str, Any]:
    text = resources.files("hipaaops.catalog.regulation.data").joinpath(name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _names(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}


def test_json_records_have_exactly_the_dataclass_fields() -> None:
    for rec in _raw("security_rule.json")["entries"]:
        assert set(rec) == _names(catalog.Entry)
    for name in ("breach_rule.json", "privacy_rule.json"):
        for rec in _raw(name)["provisions"]:
            assert _names(catalog.Provision) - {"deadline"} <= set(rec) <= _names(catalog.Provision)
            if "deadline" in rec:
                keys = {"from_event" if k == "from" else k for k in rec["deadline"]}
                assert keys <= _names(catalog.Deadline)
    for std in _raw("nist_sp800_66r2.json")["standards"]:
        assert set(std) == _names(catalog.NistStandard)
        for ka in std["key_activities"]:
            assert set(ka) == _names(catalog.KeyActivity)
            for q in ka["questions"]:
                assert set(q) == _names(catalog.SampleQuestion)
    for rec in _raw("proposed_2025.json")["requirements"]:
        assert set(rec) == _names(catalog.ProposedRequirement) - {"status", "published"}
        for change in rec["changes"]:
            assert set(change) == _names(catalog.ProposedChange)
        for period in rec["periods"]:
            assert set(period) == _names(catalog.Period)
    for schedule in _raw("penalties.json")["schedules"]:
        assert set(schedule) == _names(catalog.PenaltySchedule) - {"enforcement_discretion_source"}
        for tier in schedule["tiers"]:
            assert set(tier) == _names(catalog.PenaltyTier)


def test_an_unknown_key_is_refused() -> None:
    good = _raw("security_rule.json")["entries"][0]
    assert catalog._entry(good, "test").citation == "164.308(a)(1)(i)"
    with pytest.raises(CatalogDataError, match="unknown keys \\['comment'\\]"):
        catalog._entry({**good, "comment": "x"}, "test")
    with pytest.raises(CatalogDataError, match="missing keys \\['summary'\\]"):
        catalog._entry({k: v for k, v in good.items() if k != "summary"}, "test")
    with pytest.raises(CatalogDataError, match="not one of"):
        catalog._entry({**good, "family": "clinical"}, "test")


def test_the_catalog_imports_no_django() -> None:
    code = (
        "import sys; import hipaaops.catalog.regulation as r; r.security_entries(); "
        "r.key_activities(); r.proposed_requirements(); r.breach_provisions(); "
        "r.privacy_provisions(); r.penalty_schedules(); "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO / "src")


# ---------------------------------------------------------------------------- the import script


needs_source = pytest.mark.skipif(not NIST_XML.is_file(), reason="../shared not checked out")


@needs_source
def test_the_committed_nist_json_is_what_the_script_generates(tmp_path: Path) -> None:
    out = tmp_path / "nist.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "22 standards, 104 key activities, 473 sample questions (+28 nested)" in run.stdout
    committed = resources.files("hipaaops.catalog.regulation.data").joinpath("nist_sp800_66r2.json")
    assert out.read_text("utf-8") == committed.read_text("utf-8")


@needs_source
def test_the_script_fails_clearly_when_the_counts_differ(tmp_path: Path) -> None:
    ns = "http://csrc.nist.gov/ns/oscal/1.0"
    ET.register_namespace("", ns)
    tree = ET.parse(NIST_XML)  # noqa: S314 - NIST's file from ../shared
    root = tree.getroot()
    for parent in root.iter(f"{{{ns}}}group"):
        victim = next(
            (g for g in parent.findall(f"{{{ns}}}group") if g.get("class") == "standard"), None
        )
        if victim is not None:
            parent.remove(victim)
            break
    source = tmp_path / "short.xml"
    tree.write(source, encoding="utf-8", xml_declaration=True)
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(source), "--output", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "Expected 22 standards and 104 key activities, found 21" in run.stderr
    assert not (tmp_path / "o").exists()


def test_the_script_reports_a_missing_source(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(tmp_path / "nope.xml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "source not found" in run.stderr
