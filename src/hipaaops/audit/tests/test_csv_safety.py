import csv
import io
from datetime import UTC, datetime
from typing import Any

from django.urls import reverse

from hipaaops.audit.models import Action
from hipaaops.audit.services import record
from hipaaops.core.spreadsheet import safe_cell as spreadsheet_safe


def test_formula_like_text_is_defused() -> None:
    assert spreadsheet_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for start in ("+", "-", "@", "\t", "\r"):
        assert spreadsheet_safe(start + "1") == "'" + start + "1"
    assert spreadsheet_safe("plain text") == "plain text"
    assert spreadsheet_safe(42) == 42
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert spreadsheet_safe(moment) == moment.isoformat()


def test_exported_trail_carries_no_live_formula(cast: Any, client_for: Any) -> None:
    record(
        Action.SYSTEM,
        actor=cast.owner,
        organization=cast.org,
        object_type="core.note",
        object_repr='=cmd|" /C calc"!A0',
    )
    response = client_for(cast.owner).get(reverse("audit:export", args=["acme"]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    reprs = [row["object_repr"] for row in csv.DictReader(io.StringIO(text))]
    assert '\'=cmd|" /C calc"!A0' in reprs
    assert not any(r.startswith("=") for r in reprs)
