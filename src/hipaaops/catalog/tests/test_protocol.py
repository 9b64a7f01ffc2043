"""The OCR HIPAA Audit Protocol as catalog data: 180 inquiries (89 Privacy, 72 Security, 19
Breach), each linked to a catalog entry, the published quirks handled and said, the import script
reproducible, and `hipaaops protocol` on the command line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hipaaops.catalog.regulation import catalog

REPO = Path(__file__).resolve().parents[4]
SCRIPT = REPO / "scripts" / "import_ocr_audit_protocol.py"
SOURCE = REPO.parent / "shared" / "reference" / "ocr-audit-protocol.csv"
needs_source = pytest.mark.skipif(not SOURCE.is_file(), reason="../shared not checked out")

sys.path.insert(0, str(REPO / "scripts"))
import import_ocr_audit_protocol as importer  # noqa: E402


def by_id(inquiry_id: str) -> catalog.ProtocolInquiry:
    return catalog.protocol_inquiry(inquiry_id)


# ---------------------------------------------------------------------------- the data


def test_180_inquiries_89_privacy_72_security_19_breach() -> None:
    inquiries = catalog.audit_protocol()
    assert len(inquiries) == 180
    assert Counter(i.audit_type for i in inquiries) == {"privacy": 89, "security": 72, "breach": 19}
    assert len(catalog.protocol_inquiries("security")) == 72
    with pytest.raises(ValueError, match="Unknown audit type"):
        catalog.protocol_inquiries("hipaa")


def test_ids_are_unique_and_numbered_in_published_order() -> None:
    for audit_type, prefix in (("privacy", "P"), ("security", "S"), ("breach", "B")):
        ids = [i.id for i in catalog.protocol_inquiries(audit_type)]
        assert ids == [f"{prefix}{n:03d}" for n in range(1, len(ids) + 1)]
    assert by_id("s012").id == "S012"  # ids are found whatever their case
    with pytest.raises(catalog.UnknownCitation):
        by_id("S999")


def test_every_row_links_to_catalog_entries_that_exist() -> None:
    for inquiry in catalog.audit_protocol():
        assert inquiry.catalog, inquiry.id
        for citation in inquiry.catalog:
            item = catalog.linked_item(citation)  # raises for a dangling link
            assert item.citation == citation


def test_every_security_row_links_to_the_security_rule() -> None:
    security = {e.citation for e in catalog.security_entries()}
    general = {p.citation for p in catalog.general_provisions()}
    for inquiry in catalog.protocol_inquiries("security"):
        assert set(inquiry.catalog) <= security | general, inquiry.id
    # Only the two general-rule rows (164.306(a) and (b)) sit outside 164.308-164.316.
    outside = [i.id for i in catalog.protocol_inquiries("security") if set(i.catalog) <= general]
    assert outside == ["S001", "S002"]


def test_required_and_addressable_agree_with_the_catalog() -> None:
    for inquiry in catalog.protocol_inquiries("security"):
        for citation in inquiry.catalog:
            item = catalog.linked_item(citation)
            if isinstance(item, catalog.Entry) and item.kind == "implementation_specification":
                assert inquiry.requirement == item.requirement, (inquiry.id, citation)
    addressable = [i for i in catalog.protocol_inquiries("security") if i.requirement]
    assert Counter(i.requirement for i in addressable) == {"required": 48, "addressable": 22}


def test_the_criticality_analysis_row_belongs_to_a_7_ii_e() -> None:
    row = by_id("S029")
    assert row.section == "§164.308(a)(7)(ii)(A)"  # as published
    assert row.catalog == ("164.308(a)(7)(ii)(E)",)
    assert row.requirement == "addressable"
    assert any("164.308(a)(7)(ii)(E)" in note for note in row.notes)
    # The backup plan row keeps the (A) it was published with.
    backup = by_id("S025")
    assert "Backup" in backup.key_activity
    assert backup.catalog == ("164.308(a)(7)(ii)(A)",)


def test_other_published_quirks_are_handled_and_said() -> None:
    assert by_id("S003").catalog == ("164.308(a)(1)(i)",)  # published as 164.308(a)
    assert by_id("S003").notes
    no_sign = [i for i in catalog.audit_protocol() if "§" not in i.section]
    assert len(no_sign) == 11
    assert all("without the section sign" in " ".join(i.notes) for i in no_sign)
    evaluation = next(i for i in catalog.audit_protocol() if i.section == "§164.308(a) (8)")
    assert evaluation.citations == ("164.308(a)(8)",)
    burden = next(i for i in catalog.audit_protocol() if i.citations == ("164.414(b)",))
    assert not burden.has_questions
    assert burden.notes
    assert not by_id("S001").has_questions  # "not a part of an audit inquiry"
    assert sum(not i.has_questions for i in catalog.audit_protocol()) == 3


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("§164.524(d) (2)", ["164.524(d)(2)"]),
        ("164.314(a)(2)(i)(A)", ["164.314(a)(2)(i)(A)"]),
        (
            "§164.506(b); (b)(1); and (b)(2)",
            ["164.506(b)", "164.506(b)(1)", "164.506(b)(2)"],
        ),
        (
            "§164.508(a)(1-3) and §164.508(b)(1-2)",
            ["164.508(a)(1)", "164.508(a)(2)", "164.508(a)(3)", "164.508(b)(1)", "164.508(b)(2)"],
        ),
        ("§164.514(d)(1)-§164.514(d)(2)", ["164.514(d)(1)", "164.514(d)(2)"]),
        ("§164.520(a)(1) & (b)(1)", ["164.520(a)(1)", "164.520(b)(1)"]),
    ],
)
def test_sections_naming_several_paragraphs_are_parsed(section: str, expected: list[str]) -> None:
    assert importer.parse_section(section) == expected


@pytest.mark.parametrize("section", ["§ see above", "§164.524(a)(1), (b", "(a)(1)"])
def test_a_section_that_is_not_a_citation_is_refused(section: str) -> None:
    with pytest.raises(ValueError):
        importer.parse_section(section)


def test_links_go_beneath_or_above_when_the_paragraph_itself_is_not_an_entry() -> None:
    citations, aliases = importer.load_catalog(importer.DATA)
    assert importer.link("164.404(a)", citations, aliases) == ["164.404(a)(1)", "164.404(a)(2)"]
    assert importer.link("164.314(a)(2)(i)(B)", citations, aliases) == ["164.314(a)(2)(i)"]
    assert importer.link("164.308(a)(1)", citations, aliases) == ["164.308(a)(1)(i)"]
    assert importer.link("164.999(a)", citations, aliases) == []


def test_the_provisions_added_for_the_protocol_carry_text_and_our_summary() -> None:
    for citation in ("164.502(g)", "164.512(f)(1)", "164.514(d)(5)", "164.530(i)", "164.306(d)"):
        item = catalog.provision(citation)
        assert item.text and item.summary
        assert item.summary not in item.text
    assert [p.citation for p in catalog.general_provisions()] == [f"164.306({x})" for x in "abcde"]


# ---------------------------------------------------------------------------- the import script


@needs_source
def test_the_committed_protocol_json_is_what_the_script_generates(tmp_path: Path) -> None:
    out = tmp_path / "protocol.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "180 inquiries" in run.stdout
    committed = resources.files("hipaaops.catalog.regulation.data").joinpath(
        "ocr_audit_protocol.json"
    )
    assert out.read_text("utf-8") == committed.read_text("utf-8")
    check = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr


def _rewrite(tmp_path: Path, change: dict[int, dict[str, str]], drop: int | None = None) -> Path:
    with SOURCE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for index, values in change.items():
        rows[index].update(values)
    if drop is not None:
        del rows[drop]
    target = tmp_path / "protocol.csv"
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=importer.COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return target


@needs_source
def test_the_script_names_the_line_of_a_row_that_links_nowhere(tmp_path: Path) -> None:
    source = _rewrite(tmp_path, {3: {"section": "§164.999(z)"}})
    out = tmp_path / "o.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(source), "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "line 5" in run.stderr  # the header is line 1, the fourth row line 5
    assert "links to no catalog entry" in run.stderr
    assert not out.exists()


@needs_source
def test_the_script_refuses_a_table_with_a_row_missing(tmp_path: Path) -> None:
    source = _rewrite(tmp_path, {}, drop=100)
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(source), "--output", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "found privacy 89, security 71, breach 19" in run.stderr


def test_the_script_reports_a_missing_source(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "cannot read the protocol table" in run.stderr


# ---------------------------------------------------------------------------- hipaaops protocol


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("protocol", *args, stdout=out)
    return out.getvalue()


def test_protocol_list_json_and_the_type_filter() -> None:
    rows = json.loads(run("list", "--format", "json"))
    assert len(rows) == 180
    assert set(rows[0]) == {
        "id",
        "audit_type",
        "section",
        "citation",
        "catalog",
        "key_activity",
        "requirement",
        "has_questions",
    }
    breach = json.loads(run("list", "--type", "breach", "--format", "json"))
    assert len(breach) == 19
    assert {r["audit_type"] for r in breach} == {"breach"}


def test_protocol_list_csv_and_table() -> None:
    rows = list(csv.DictReader(io.StringIO(run("list", "--type", "privacy", "--format", "csv"))))
    assert len(rows) == 89
    assert rows[0]["id"] == "P001"
    table = run("list", "--type", "security")
    assert table.splitlines()[0].startswith("S001")
    assert "72 inquiries" in table


def test_protocol_show_by_id_and_by_citation() -> None:
    text = run("show", "S029")
    assert "Application and Data Criticality Analysis" in text
    assert "Catalog: 164.308(a)(7)(ii)(E)" in text
    assert "Note:" in text
    both = json.loads(run("show", "164.402", "--format", "json"))
    assert [r["id"] for r in both] == ["B009", "B010"]  # two published rows share 164.402


def test_protocol_show_unknown_is_exit_2() -> None:
    with pytest.raises(CommandError) as raised:
        run("show", "164.999(z)")
    assert raised.value.returncode == 2
    assert "hipaaops protocol list" in str(raised.value)
