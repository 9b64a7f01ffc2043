"""`hipaaops privacy clock`: due dates with citations, JSON output, exit 2 for bad input."""

from __future__ import annotations

import json

import pytest

from hipaaops.cli import main as cli_main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli_main(["privacy", "clock", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--right", "access", "--received", "2026-01-31")
    assert code == 0
    assert "2026-03-02" in out
    assert "45 CFR 164.524(b)(2)(i)" in out
    assert "45 CFR 164.524(b)(2)(ii)" in out


def test_text_output_with_extension(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--right", "amendment", "--received", "2026-01-01", "--extended-on", "2026-02-01"
    )
    assert code == 0
    assert "Due:          2026-03-02" in out
    assert "Extended due: 2026-04-01" in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--right", "access", "--received", "2028-01-30", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["due"] == "2028-02-29"
    assert data["extended_due"] is None
    assert data["citation"] == "45 CFR 164.524(b)(2)(i)"
    assert {"due", "extended_due", "citation"} <= set(data)


def test_json_output_with_extension(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "--right",
        "accounting",
        "--received",
        "2026-03-31",
        "--extended-on",
        "2026-05-30",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["due"] == "2026-05-30"
    assert data["extended_due"] == "2026-06-29"
    assert data["citation"] == "45 CFR 164.528(c)(1)"
    assert data["extension_citation"] == "45 CFR 164.528(c)(1)(ii)"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--right", "access", "--received", "2026-02-30"], "--received"),
        (["--right", "access", "--received", "31/01/2026"], "--received"),
        (
            ["--right", "access", "--received", "2026-01-31", "--extended-on", "soon"],
            "--extended-on",
        ),
        # Given on day 31: too late.
        (
            ["--right", "access", "--received", "2026-01-31", "--extended-on", "2026-03-03"],
            "--extended-on",
        ),
        (["--right", "erasure", "--received", "2026-01-31"], "--right"),
        (["--received", "2026-01-31"], "--right"),
        (["--right", "access"], "--received"),
    ],
)
def test_bad_input_exits_2_naming_the_option(
    capsys: pytest.CaptureFixture[str], args: list[str], option: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert option in err


def test_the_verb_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--help"]) == 0
    assert "privacy" in capsys.readouterr().out
