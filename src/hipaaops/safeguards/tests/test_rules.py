"""The pure rules: addressable decisions, item changes, posture counts, evidence sniffing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipaaops.safeguards import evidence, rules

TODAY = date(2026, 6, 1)


def decision(**overrides: object) -> list[rules.Problem]:
    values: dict[str, object] = {
        "choice": "implement_as_specified",
        "rationale": "Laptops leave the building.",
        "factors": ["cost"],
        "decided_on": TODAY,
        "review_on": TODAY + timedelta(days=365),
        "today": TODAY,
    }
    values.update(overrides)
    return rules.decision_problems(**values)  # type: ignore[arg-type]


def fields(problems: list[rules.Problem]) -> list[str]:
    return [p.field for p in problems]


def test_a_sound_decision_has_no_problem() -> None:
    assert decision() == []


@pytest.mark.parametrize("rationale", ["", "   ", "\n"])
def test_a_decision_needs_a_rationale(rationale: str) -> None:
    assert fields(decision(rationale=rationale)) == ["rationale"]


def test_a_decision_names_at_least_one_known_factor() -> None:
    assert fields(decision(factors=[])) == ["factors"]
    assert fields(decision(factors=["vibes"])) == ["factors"]


def test_an_equivalent_alternative_is_described() -> None:
    assert fields(decision(choice="equivalent_alternative")) == ["alternative"]
    assert decision(choice="equivalent_alternative", alternative="Visitor log") == []


def test_not_reasonable_says_what_is_done_instead() -> None:
    assert fields(decision(choice="not_reasonable_and_appropriate")) == ["instead"]
    assert decision(choice="not_reasonable_and_appropriate", instead="Paper log") == []


def test_review_comes_after_the_decision_which_is_not_in_the_future() -> None:
    assert fields(decision(review_on=TODAY)) == ["review_on"]
    assert fields(decision(review_on=TODAY - timedelta(days=1))) == ["review_on"]
    assert fields(decision(decided_on=TODAY + timedelta(days=1))) == ["decided_on"]
    assert fields(decision(review_on=None)) == ["review_on"]


def test_an_unknown_choice_is_refused() -> None:
    assert fields(decision(choice="maybe")) == ["choice"]


def item(**overrides: object) -> list[rules.Problem]:
    values: dict[str, object] = {
        "status": "in_progress",
        "not_applicable_reason": "",
        "target_date": TODAY,
        "target_date_changed": True,
        "last_reviewed_on": None,
        "next_review_on": None,
        "implementation": "",
        "today": TODAY,
    }
    values.update(overrides)
    return rules.item_problems(**values)  # type: ignore[arg-type]


def test_item_rules() -> None:
    assert item() == []
    assert fields(item(status="done")) == ["status"]
    assert fields(item(status="not_applicable")) == ["not_applicable_reason"]
    assert fields(item(target_date=TODAY - timedelta(days=1))) == ["target_date"]
    # An old target date kept while other fields change is not refused.
    assert item(target_date=TODAY - timedelta(days=9), target_date_changed=False) == []
    assert fields(item(last_reviewed_on=TODAY, next_review_on=TODAY)) == ["next_review_on"]
    assert fields(item(implementation="x" * (rules.MAX_TEXT + 1))) == ["implementation"]


def test_posture_counts_by_family_requirement_and_status() -> None:
    rows = [
        rules.PostureRow("Technical safeguards", "required", "implemented"),
        rules.PostureRow("Technical safeguards", "addressable", "in_progress"),
        rules.PostureRow("Technical safeguards", None, "not_started"),
        rules.PostureRow("Administrative safeguards", "required", "not_applicable"),
    ]
    counts = rules.posture_counts(rows)
    assert counts["total"] == 4
    assert counts["applicable"] == 3
    assert counts["implemented"] == 1
    assert counts["by_family"]["Technical safeguards"]["implemented"] == 1  # type: ignore[index]
    assert counts["by_requirement"]["standard"]["not_started"] == 1  # type: ignore[index]
    assert rules.share_implemented({"implemented": 1, "not_started": 1, "not_applicable": 5}) == 0.5
    assert rules.share_implemented({"not_applicable": 2}) == 0.0


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        (
            b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml....word/document.xml",
            evidence.DOCX.content_type,
        ),
        (
            b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml....xl/workbook.xml",
            evidence.XLSX.content_type,
        ),
        ("Policy reviewed on 2026-03-01 — café".encode(), "text/plain"),
    ],
)
def test_the_kind_comes_from_the_first_bytes(head: bytes, content_type: str) -> None:
    assert evidence.sniff(head).content_type == content_type


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"MZ\x90\x00\x03",  # a Windows program
        b"\x7fELF\x02\x01",
        b"PK\x03\x04" + b"\x00" * 26 + b"payload/evil.sh",  # an archive
        b"<!DOCTYPE html><script>alert(1)</script>",
        b"<svg onload=alert(1)>",
        b"#!/bin/sh\nrm -rf /",
        b"\x00\x01\x02binary",
    ],
)
def test_programs_archives_markup_and_binaries_are_refused(head: bytes) -> None:
    with pytest.raises(evidence.Refused):
        evidence.sniff(head)


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("Risk analysis 2026.pdf", "pdf", "Risk analysis 2026.pdf"),
        ("../../etc/passwd", "txt", "passwd.txt"),
        ("C:\\Users\\x\\report.exe", "pdf", "report.pdf"),
        ("<script>.pdf", "pdf", "script.pdf"),
        ("", "png", "document.png"),
        ("....", "pdf", "document.pdf"),
        ("Ünïcödé résumé.docx", "docx", "Unicode resume.docx"),
        ("a\x00b\r\nc.pdf", "pdf", "a_b_c.pdf"),
    ],
)
def test_file_names_are_sanitized(name: str, extension: str, expected: str) -> None:
    assert evidence.safe_filename(name, extension) == expected


@given(st.text(max_size=300))
def test_any_name_becomes_a_safe_one(name: str) -> None:
    safe = evidence.safe_filename(name, "pdf")
    assert safe.endswith(".pdf")
    assert len(safe) <= 120
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert all(c.isalnum() or c in "._() -" for c in safe)
