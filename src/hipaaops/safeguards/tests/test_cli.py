"""`hipaaops catalog`: the JSON list's shape, show, the unknown-citation exit code."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hipaaops.cli import main


def test_list_json_has_one_object_per_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 68
    for row in rows:
        assert {"citation", "kind", "title", "requirement", "family", "standard"} <= set(row)
        assert row["kind"] in {"standard", "implementation_specification"}
        assert row["requirement"] in {"required", "addressable", None}
    by = {r["citation"]: r for r in rows}
    encryption = by["164.312(a)(2)(iv)"]
    assert encryption["requirement"] == "addressable"
    assert encryption["standard"] == "164.312(a)(1)"
    assert by["164.312(a)(1)"]["requirement"] is None


@pytest.mark.parametrize("rule", ["breach", "privacy"])
def test_other_rules_list_too(rule: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "list", "--rule", rule, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "citation,kind,title,requirement,family,standard"
    assert len(lines) > 2


def test_table_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "list"]) == 0
    assert "Automatic logoff" in capsys.readouterr().out
    assert main(["catalog", "show", "164.312(a)(2)(iii)"]) == 0
    out = capsys.readouterr().out
    assert "Automatic logoff" in out and "addressable" in out


def test_an_unknown_citation_exits_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["catalog", "show", "164.999(z)"]) == 2
    assert "Unknown citation '164.999(z)'" in capsys.readouterr().err


def test_oscal_to_a_file(tmp_path: Any) -> None:
    target = tmp_path / "catalog.json"
    assert main(["catalog", "oscal", "-o", str(target)]) == 0
    assert json.loads(target.read_text())["catalog"]["metadata"]["oscal-version"]
