"""`hipaaops breach plan FILE [--format json|text]`: the plan's JSON exactly as documented, a
readable text form, and bad input named by field with exit code 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

HIPAAOPS = str(Path(sys.executable).with_name("hipaaops"))
FACTS = {
    "role": "covered_entity",
    "discovered_on": "2026-03-02",
    "affected_by_state": {"CA": 540, "NV": 72},
    "insufficient_contact_info": 0,
    "law_enforcement_delay": None,
    "business_associate": None,
}


def plan(tmp_path: Path, facts: Any, *args: str) -> str:
    path = tmp_path / "breach.json"
    path.write_text(json.dumps(facts) if not isinstance(facts, str) else facts)
    out = io.StringIO()
    call_command("breach", "plan", str(path), *args, stdout=out)
    return out.getvalue()


def test_the_json_plan_for_the_documented_example(tmp_path: Path) -> None:
    result = json.loads(plan(tmp_path, FACTS))
    obligations = result["obligations"]
    assert set(result) == {"obligations"}
    by_id: dict[str, list[dict[str, Any]]] = {}
    for o in obligations:
        assert set(o) == {"id", "due", "citation", "state", "form", "notes"}
        by_id.setdefault(o["id"], []).append(o)
    # 60 calendar days after 2 March 2026 is 1 May 2026 (45 CFR 164.404(b)).
    assert by_id["individual_notice"][0]["due"] == "2026-05-01"
    assert "164.404(b)" in by_id["individual_notice"][0]["citation"]
    # 612 in all: the Secretary at the same time (164.408(b)); media only where more than 500.
    assert by_id["hhs_notice"][0]["due"] == "2026-05-01"
    assert [m["state"] for m in by_id["media_notice"]] == ["CA"]
    assert "hhs_annual_log" not in by_id and "substitute_notice" not in by_id


def test_a_small_breach_goes_to_the_annual_log_and_substitute_notice_by_form(
    tmp_path: Path,
) -> None:
    facts = {**FACTS, "affected_by_state": {"OR": 40}, "insufficient_contact_info": 12}
    obligations = json.loads(plan(tmp_path, facts))["obligations"]
    ids = {o["id"]: o for o in obligations}
    assert ids["hhs_annual_log"]["due"] == "2027-03-01"  # 60 days after 31 December 2026
    assert ids["substitute_notice"]["form"] == "web_or_media_and_toll_free"
    assert "media_notice" not in ids and "hhs_notice" not in ids


def test_the_text_format(tmp_path: Path) -> None:
    text = plan(tmp_path, FACTS, "--format", "text")
    assert text.startswith("Breach discovered on 2026-03-02")
    assert "2026-05-01  Notice to individuals  [45 CFR 164.404(b)]" in text
    assert "Notice to prominent media for CA" in text


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({**FACTS, "role": "vendor"}, "role"),
        ({**FACTS, "discovered_on": "03/02/2026"}, "discovered_on"),
        ({**FACTS, "affected_by_state": {"CA": -1}}, "affected_by_state"),
        (
            {**FACTS, "law_enforcement_delay": {"kind": "written", "stated_on": "2026-03-05"}},
            "law_enforcement_delay",
        ),
        ({k: v for k, v in FACTS.items() if k != "role"}, "role"),
        ({**FACTS, "surprise": 1}, "surprise"),
    ],
)
def test_bad_input_names_the_field_and_exits_2(tmp_path: Path, facts: Any, field: str) -> None:
    with pytest.raises(CommandError) as raised:
        plan(tmp_path, facts)
    assert raised.value.returncode == 2
    assert field in str(raised.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as raised:
        plan(tmp_path, "{not json")
    assert raised.value.returncode == 2 and "not valid JSON at line 1" in str(raised.value)
    with pytest.raises(CommandError) as raised:
        call_command("breach", "plan", str(tmp_path / "missing.json"))
    assert raised.value.returncode == 2 and "does not exist" in str(raised.value)


def test_the_real_command_reads_stdin_and_exits_2_on_bad_input(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HIPAAOPS_ENV": "development",
        "HIPAAOPS_DATA_DIR": str(tmp_path),
    }
    ok = subprocess.run(
        [HIPAAOPS, "breach", "plan", "-"],
        input=json.dumps(FACTS),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["obligations"]
    bad = subprocess.run(
        [HIPAAOPS, "breach", "plan", "-"],
        input=json.dumps({**FACTS, "role": "x"}),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "role" in bad.stderr and "Traceback" not in bad.stderr
