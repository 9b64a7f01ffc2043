"""The pure rules of the public breach record: the three export formats, the de-duplication key,
the mapping to threats, the counts and the suggested likelihoods."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipaaops.breaches import rules

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def parsed(name: str) -> rules.ParseResult:
    return rules.parse(rules.decode((FIXTURES / name).read_bytes()))


def errors_by_line(result: rules.ParseResult) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for error in result.errors:
        found.setdefault(error.line, []).append(error.field)
    return found


# ---------------------------------------------------------------------------- the three formats


def test_the_portals_own_export() -> None:
    result = parsed("portal.csv")
    assert result.format.key == rules.Format.PORTAL
    assert result.rows == 10
    assert [line for line, _ in result.records] == [2, 3, 4, 5, 6, 7]
    by_line = dict(result.records)
    partners = by_line[2]
    assert partners == rules.BreachRecord(
        entity_name="Healthcare Administrative Partners",
        state="PA",
        entity_type="business_associate",
        individuals_affected=17693,
        submitted_on=date(2019, 12, 3),
        breach_types=("Hacking/IT Incident",),
        locations=("Email",),
        business_associate_present=True,
        description="",
    )
    assert by_line[4].entity_name == "Katherine Shaw Bethea Hospital"  # trailing space gone
    assert by_line[5].locations == ("Paper/Films", "Other")  # "Other, Paper/Films" as a list
    assert by_line[3].business_associate_present is False
    assert errors_by_line(result) == {
        8: ["Covered Entity Type"],
        9: ["Breach Submission Date"],
        10: ["Individuals Affected", "Type of Breach", "Business Associate Present"],
        11: ["(row)"],
    }
    messages = {str(e) for e in result.errors}
    assert (
        "line 9, field Breach Submission Date: '11/31/2019' is not a date in the form MM/DD/YYYY"
        in messages
    )
    assert "line 10, field Individuals Affected: 'n/a' is not a whole number" in messages
    assert "line 11, field (row): 7 columns where the portal's own export has 9" in messages
    assert result.skipped_lines == [8, 9, 10, 11]


def test_the_under_investigation_list_with_its_year_column() -> None:
    result = parsed("under-investigation.csv")
    assert result.format.key == rules.Format.UNDER_INVESTIGATION
    assert result.rows == 8
    by_line = dict(result.records)
    assert sorted(by_line) == [2, 3, 4, 5, 8, 9]
    assert by_line[2].submitted_on == date(2024, 12, 3)
    assert by_line[2].business_associate_present is True
    assert by_line[4].entity_name == "Jefferson Dental Center, Inc."
    assert by_line[8].locations == ("Network Server", "Email")
    assert errors_by_line(result) == {6: ["Year"], 7: ["Location of Breached Information"]}
    assert str(result.errors[0]) == (
        "line 6, field Year: '2023' is not the year of the submission date 2024-11-20"
    )


def test_the_archive_with_its_escapes_and_malformed_rows() -> None:
    result = parsed("archive.csv")
    assert result.format.key == rules.Format.ARCHIVE
    assert result.rows == 13
    by_line = dict(result.records)
    assert sorted(by_line) == [2, 3, 4, 5, 6, 8, 9, 11]
    assert by_line[3].description == ""  # \N
    assert by_line[3].locations == ("Other Portable Electronic Device", "Other")
    # The description's closing backslash (an escaped line break) is not text.
    assert by_line[4].description.endswith("received additional security training.")
    # A description left unquoted with bare CRs inside stays one row with its own text.
    penn = by_line[8]
    assert penn.entity_name == "Penn Treaty Network America Insurance Company"
    assert penn.description.endswith("updated its policies and procedures.")
    assert "\\" not in penn.description and "\r" not in penn.description
    assert by_line[9].breach_types == ("Unknown",)
    assert by_line[11].description == "This case has been consolidated into an existing review."
    assert by_line[5].key == by_line[6].key  # one report listed twice, as published
    assert errors_by_line(result) == {
        7: ["type_of_breach"],
        10: [
            "covered_entity_type",
            "individuals_affected",
            "type_of_breach",
            "location_of_breached_information",
        ],
        12: ["breach_submission_date"],
        13: ["(row)"],
        14: ["individuals_affected", "location_of_breached_information"],
    }
    assert "line 12, field breach_submission_date: '2011-02-30' is not a date in the form " in (
        "\n".join(str(e) for e in result.errors)
    )


def test_line_numbers_count_line_feeds_in_every_format() -> None:
    header = ",".join(rules.FORMATS[2].columns)
    good = "Acme,TX,Healthcare Provider,900,2020-01-02,Theft,Laptop,false,\\N"
    # A quoted description with a real line break moves the next row's line on by one.
    text = (
        f"{header}\r\n{good}\r\n"
        'Beta,TX,Healthcare Provider,900,2020-01-03,Theft,Laptop,false,"two\r\nlines"\r\n'
        "Gamma,TX,Healthcare Provider,x,2020-01-04,Theft,Laptop,false,\\N\r\n"
    )
    result = rules.parse(text)
    assert [line for line, _ in result.records] == [2, 3]
    assert [e.line for e in result.errors] == [5]


def test_an_unknown_header_or_a_binary_file_is_refused() -> None:
    with pytest.raises(rules.FormatError, match="not an OCR breach portal export"):
        rules.parse("name,state\nAcme,TX\n")
    with pytest.raises(rules.FormatError, match="header empty"):
        rules.parse("")
    with pytest.raises(rules.FormatError, match="NUL"):
        rules.decode(b"\x89PNG\r\n\x1a\n\x00\x00")
    # A spreadsheet's Windows-1252 is read, not refused.
    header = ",".join(rules.FORMATS[0].columns)
    text = rules.decode(f"{header}\n".encode() + "Caf\xe9 Clinic".encode("cp1252"))
    assert "Café Clinic" in text


def test_the_same_report_has_the_same_key_however_it_is_spelled() -> None:
    day = date(2019, 11, 30)
    assert rules.dedup_key("Katherine Shaw Bethea Hospital ", "IL", day) == rules.dedup_key(
        "KATHERINE SHAW  BETHEA HOSPITAL", "il", day
    )
    assert rules.dedup_key("Acme", "IL", day) != rules.dedup_key("Acme", "", day)
    assert rules.dedup_key("Acme", "IL", day) != rules.dedup_key("Acme", "IL", date(2019, 12, 1))


@given(
    name=st.text(alphabet=st.characters(codec="ascii", categories=["L", "Zs"]), max_size=30),
    pad=st.text(alphabet=" \t", max_size=3),
)
def test_spacing_and_case_never_change_the_key(name: str, pad: str) -> None:
    day = date(2020, 1, 1)
    assert rules.dedup_key(pad + name.upper() + pad, "tx", day) == rules.dedup_key(
        " ".join(name.split()).lower(), "TX", day
    )


# ---------------------------------------------------------------------------- threats


def facts(
    types: tuple[str, ...],
    locations: tuple[str, ...],
    *,
    on: date = date(2023, 6, 1),
    individuals: int = 1000,
    ba: bool = False,
    entity_type: str = "provider",
) -> rules.BreachFacts:
    return rules.BreachFacts(entity_type, individuals, on, types, locations, ba)


@pytest.mark.parametrize(
    ("kind", "location", "threats"),
    [
        ("Hacking/IT Incident", "Email", {"phishing_email"}),
        ("Hacking/IT Incident", "Network Server", {"hacking_server", "ransomware"}),
        ("Hacking/IT Incident", "Electronic Medical Record", {"credential_compromise"}),
        ("Hacking/IT Incident", "Desktop Computer", {"malware"}),
        ("Hacking/IT Incident", "Laptop", {"malware"}),
        ("Unauthorized Access/Disclosure", "Email", {"misdirected_disclosure"}),
        ("Unauthorized Access/Disclosure", "Electronic Medical Record", {"insider_snooping"}),
        ("Unauthorized Access/Disclosure", "Network Server", {"misconfiguration"}),
        ("Theft", "Laptop", {"theft_device"}),
        ("Theft", "Other Portable Electronic Device", {"theft_device"}),
        ("Theft", "Desktop Computer", {"theft_device", "physical_intrusion"}),
        ("Loss", "Other Portable Electronic Device", {"loss_device"}),
        ("Loss", "Laptop", {"loss_device"}),
        ("Improper Disposal", "Laptop", {"improper_disposal"}),
        ("Improper Disposal", "Paper/Films", set()),
        ("Theft", "Paper/Films", set()),
        ("Other", "Other", set()),
        ("Unknown", "Email", set()),
    ],
)
def test_type_and_location_point_at_threats(kind: str, location: str, threats: set[str]) -> None:
    assert rules.threats_of(facts((kind,), (location,))) == threats


def test_a_report_stands_for_the_threats_of_all_its_pairs_and_its_business_associate() -> None:
    report = facts(("Hacking/IT Incident", "Theft"), ("Email", "Laptop"), ba=True)
    assert rules.threats_of(report) == {
        "phishing_email",
        "malware",
        "theft_device",
        "vendor_compromise",
    }
    paper = facts(("Theft",), ("Paper/Films",), ba=True)
    assert rules.threats_of(paper) == {"vendor_compromise"}
    assert rules.only_paper(paper) and not rules.only_paper(report)


def test_the_threat_map_uses_exactly_the_library_and_the_portals_terms() -> None:
    raw = json.loads((rules.DATA / "threat_map.json").read_text(encoding="utf-8"))
    assert set(raw["threats"]) == set(rules.THREAT_KEYS)
    used = set(raw["business_associate_present"])
    for entry in raw["pairs"]:
        assert set(entry["types"]) <= set(rules.BREACH_TYPES), entry
        assert set(entry["locations"]) <= set(rules.LOCATIONS), entry
        assert "Paper/Films" not in entry["locations"], entry
        used.update(entry["threats"])
    assert used == set(rules.THREAT_KEYS)  # every threat can be suggested


# ---------------------------------------------------------------------------- counts


TODAY = date(2024, 6, 30)


def constructed() -> list[rules.BreachFacts]:
    hack = ("Hacking/IT Incident",)
    return [
        facts(hack, ("Network Server",), on=date(2023, 1, 1), individuals=1000),
        facts(hack, ("Network Server",), on=date(2024, 1, 1), individuals=2000, ba=True),
        facts(hack, ("Email",), on=date(2023, 5, 5), individuals=500),
        facts(("Theft",), ("Paper/Films",), on=date(2023, 7, 7), individuals=700),
        facts(("Other",), ("Other",), on=date(2022, 7, 1), individuals=600),
        facts(hack, ("Email", "Network Server"), on=TODAY, individuals=800),
        facts(
            ("Unauthorized Access/Disclosure",),
            ("Electronic Medical Record",),
            on=date(2023, 2, 2),
            individuals=900,
        ),
        # Outside the window or of another kind of entity: never counted.
        facts(hack, ("Email",), on=date(2022, 6, 29)),
        facts(hack, ("Email",), on=date(2024, 7, 1)),
        facts(hack, ("Email",), entity_type="health_plan"),
    ]


def test_summary_counts_by_type_location_and_year() -> None:
    found = rules.summary(constructed(), "provider", 2, TODAY)
    assert found.since == date(2022, 6, 30)
    assert found.breaches == 7
    assert found.individuals == 6500
    assert found.by_type == {
        "Hacking/IT Incident": 4,
        "Unauthorized Access/Disclosure": 1,
        "Theft": 1,
        "Other": 1,
    }
    assert list(found.by_location.items())[:2] == [("Network Server", 3), ("Email", 2)]
    assert found.by_location["Paper/Films"] == 1
    assert found.by_year == {2022: 1, 2023: 4, 2024: 2}
    assert found.only_paper == 1
    assert found.unmapped == 1
    # A hybrid entity reads the providers' record.
    assert rules.summary(constructed(), "hybrid", 2, TODAY) == found


def test_suggestions_are_shares_of_the_entity_types_reports_in_the_window() -> None:
    found = {s.threat_key: s for s in rules.suggest(constructed(), "provider", 2, TODAY)}
    assert set(found) == set(rules.THREAT_KEYS)
    server = found["hacking_server"]
    assert (server.breaches, server.individuals) == (3, 3800)
    assert server.share == pytest.approx(3 / 7)
    assert (server.level_of_5, server.level_label) == (5, "almost certain")
    assert server.reason == (
        "3 of 7 breaches reported by health care providers since June 2022 (43%) were hacking "
        "of network servers."
    )
    assert found["ransomware"].breaches == 3
    phishing = found["phishing_email"]
    assert (phishing.breaches, phishing.level_of_5) == (2, 5)  # 2/7 = 29% >= 25%
    vendor = found["vendor_compromise"]
    assert (vendor.breaches, vendor.individuals, vendor.level_of_5) == (1, 2000, 4)  # 14%
    assert vendor.reason.endswith("(14%) involved a business associate.")
    assert found["insider_snooping"].level_of_5 == 4
    theft = found["theft_device"]  # the paper theft is no device theft
    assert (theft.breaches, theft.share, theft.level_of_5, theft.level_label) == (
        0,
        0.0,
        1,
        "rare",
    )
    assert theft.reason.startswith("None of the 7 breaches reported by health care providers")
    ordered = [s.threat_key for s in rules.suggest(constructed(), "provider", 2, TODAY)]
    assert ordered[:5] == [
        "hacking_server",
        "ransomware",
        "phishing_email",
        "insider_snooping",
        "vendor_compromise",
    ]


def test_a_share_near_a_band_edge_is_shown_without_rounding_across_it() -> None:
    records = [facts(("Hacking/IT Incident",), ("Email",))] + [
        facts(("Theft",), ("Paper/Films",)) for _ in range(39)
    ]
    phishing = next(
        s for s in rules.suggest(records, "provider", 5, TODAY) if s.threat_key == "phishing_email"
    )
    assert phishing.share == 0.025
    assert (phishing.level_of_5, phishing.level_label) == (2, "unlikely")
    assert "(2.5%)" in phishing.reason and phishing.percent == "2.5%"


@pytest.mark.parametrize(
    ("share", "level"),
    [
        (1.0, 5),
        (0.25, 5),
        (0.2499, 4),
        (0.10, 4),
        (0.0999, 3),
        (0.03, 3),
        (0.0299, 2),
        (0.005, 2),
        (0.0049, 1),
        (0.0, 1),
    ],
)
def test_likelihood_bands(share: float, level: int) -> None:
    assert rules.band_for(share).level == level


def test_nothing_is_suggested_without_reports_and_bad_input_is_named() -> None:
    assert rules.suggest(constructed(), "clearinghouse", 5, TODAY) == []
    with pytest.raises(rules.RuleInputError) as raised:
        rules.suggest(constructed(), "pharmacy", 5, TODAY)
    assert raised.value.field == "entity_type"
    for bad in (0, 21, "five", None):
        with pytest.raises(rules.RuleInputError) as raised:
            rules.summary(constructed(), "provider", bad, TODAY)  # type: ignore[arg-type]
        assert raised.value.field == "years"


def test_the_window_reaches_back_whole_years() -> None:
    assert rules.window_start(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert rules.window_start(date(2024, 6, 30), 5) == date(2019, 6, 30)


@given(
    st.lists(
        st.builds(
            facts,
            st.lists(st.sampled_from(rules.BREACH_TYPES), min_size=1, max_size=3, unique=True).map(
                tuple
            ),
            st.lists(st.sampled_from(rules.LOCATIONS), min_size=1, max_size=3, unique=True).map(
                tuple
            ),
            on=st.dates(date(2015, 1, 1), date(2025, 1, 1)),
            individuals=st.integers(500, 10**6),
            ba=st.booleans(),
        ),
        max_size=40,
    ),
    st.integers(1, 10),
)
def test_suggestions_agree_with_their_own_numbers(
    records: list[rules.BreachFacts], years: int
) -> None:
    found = rules.suggest(records, "provider", years, TODAY)
    total = rules.summary(records, "provider", years, TODAY).breaches
    assert (found == []) == (total == 0)
    for s in found:
        assert 0 <= s.breaches <= total
        assert s.share == s.breaches / total
        assert s.level_of_5 == rules.band_for(s.share).level
        assert f"{s.breaches} of {total}" in s.reason or s.breaches == 0
    assert [s.breaches for s in found] == sorted((s.breaches for s in found), reverse=True)
