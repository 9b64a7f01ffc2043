"""The stored public breach record: imports with their report of skipped rows, de-duplication
across files, the audit entry, the CLI, the page and its picture, the API, the suggestions other
modules read, and the demo's bundled files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import Client

from hipaaops.audit.models import AuditEntry
from hipaaops.breaches import demo, rules, selectors, services
from hipaaops.breaches.models import PublicBreach
from hipaaops.cli import main as cli_main
from hipaaops.core.errors import DomainError

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PORTAL = FIXTURES / "portal.csv"
UNDER = FIXTURES / "under-investigation.csv"
ARCHIVE = FIXTURES / "archive.csv"
# The fixtures' newest report is of 2024-12-03: the page is read as of the end of that year.
TODAY = date(2024, 12, 31)


def imports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="breaches.publicbreach").order_by("seq"))


@pytest.fixture
def loaded(db: Any) -> None:
    services.import_file(PORTAL)
    services.import_file(UNDER)


@pytest.fixture
def on_today() -> Any:
    with time_machine.travel(datetime(2024, 12, 31, 15, tzinfo=UTC), tick=False):
        yield


# ---------------------------------------------------------------------------- imports


def test_an_import_loads_the_good_rows_and_reports_every_skipped_line() -> None:
    result = services.import_file(PORTAL)
    assert (result.source, result.format) == ("portal.csv", "portal")
    assert (result.read, result.added, result.updated, result.duplicates, result.skipped) == (
        10,
        5,
        0,
        1,
        4,
    )
    assert result.repeats == [(7, 6)]  # Kroger's two reports of the same day: the first is kept
    assert result.skipped_lines == [8, 9, 10, 11]
    assert [(e.line, e.field) for e in result.errors] == [
        (8, "Covered Entity Type"),
        (9, "Breach Submission Date"),
        (10, "Individuals Affected"),
        (10, "Type of Breach"),
        (10, "Business Associate Present"),
        (11, "(row)"),
    ]
    assert PublicBreach.objects.count() == 5
    kroger = PublicBreach.objects.get(state="OH")
    assert kroger.individuals_affected == 4812 and kroger.business_associate_present
    katherine = PublicBreach.objects.get(state="IL")
    assert katherine.entity_name == "Katherine Shaw Bethea Hospital"
    assert katherine.source == "portal.csv"
    assert not PublicBreach.objects.filter(entity_name__in=["Summit Health", "Lakeview Clinic"])
    (entry,) = imports()
    assert entry.organization_id is None and entry.action == "create"
    changes = entry.changes
    assert '"added":5' in changes and '"skipped_lines":[8,9,10,11]' in changes
    assert '"format":"portal"' in changes and '"sha256":' in changes


def test_a_later_export_updates_a_known_report_instead_of_adding_it() -> None:
    services.import_file(PORTAL)
    result = services.import_file(UNDER)
    assert (result.read, result.added, result.updated, result.duplicates, result.skipped) == (
        8,
        4,
        1,
        1,
        2,
    )
    assert result.skipped_lines == [6, 7]
    assert PublicBreach.objects.count() == 9
    # One row for the hospital, whatever the spacing and case of its name in each export.
    (katherine,) = PublicBreach.objects.filter(state="IL")
    assert katherine.individuals_affected == 1620
    assert katherine.locations == ["Network Server", "Email"]
    assert katherine.source == "under-investigation.csv"
    riverkids = PublicBreach.objects.get(state="TX")
    assert riverkids.source == "portal.csv"  # unchanged: not rewritten
    second = imports()[-1]
    assert '"updated":1' in second.changes and '"individuals_affected":[1486,1620]' in (
        second.changes
    )
    again = services.import_file(UNDER)
    assert (again.added, again.updated, again.duplicates) == (0, 0, 6)
    assert PublicBreach.objects.count() == 9
    assert len(imports()) == 3  # one entry per import, even one that changed nothing


def test_an_export_without_narratives_keeps_the_archives_description(tmp_path: Path) -> None:
    result = services.import_file(ARCHIVE)
    assert (result.read, result.added, result.duplicates, result.skipped) == (13, 7, 1, 5)
    assert result.repeats == [(6, 5)]
    brooke = PublicBreach.objects.get(name_key="brooke army medical center")
    assert brooke.description.startswith("A binder containing")
    later = tmp_path / "later.csv"
    later.write_text(
        ",".join(f'"{c}"' for c in rules.FORMATS[0].columns)
        + '\n"Brooke Army Medical Center","TX","Healthcare Provider","1272","10/21/2009",'
        '"Theft","Paper/Films","No",""\n',
        encoding="utf-8",
    )
    update = services.import_file(later)
    assert (update.added, update.updated) == (0, 1)
    brooke.refresh_from_db()
    assert brooke.individuals_affected == 1272
    assert brooke.description.startswith("A binder containing")


def test_an_unreadable_or_foreign_file_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    foreign = tmp_path / "vendors.csv"
    foreign.write_text("name,services\nAcme,Billing\n", encoding="utf-8")
    with pytest.raises(DomainError) as raised:
        services.import_file(foreign)
    assert raised.value.field == "file"
    assert raised.value.message.startswith("vendors.csv: line 1: not an OCR breach portal export")
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\x00\x01")
    with pytest.raises(DomainError, match="not a text file"):
        services.import_file(binary)
    with pytest.raises(DomainError, match="cannot be read"):
        services.import_file(tmp_path / "missing.csv")
    assert PublicBreach.objects.count() == 0 and not imports()


# ---------------------------------------------------------------------------- the CLI


@pytest.fixture
def keep_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI closes every connection when it ends; inside a test that would end the test's."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_cli_import_prints_each_files_counts_and_bad_lines() -> None:
    out = io.StringIO()
    call_command("breaches", "import", str(PORTAL), str(UNDER), stdout=out)
    text = out.getvalue()
    assert "portal.csv (portal): read 10, added 5, updated 0, duplicates 1, skipped 4" in text
    assert (
        "under-investigation.csv (under_investigation): read 8, added 4, updated 1, "
        "duplicates 1, skipped 2"
    ) in text
    assert "  line 7: the same report as line 6; not loaded" in text
    assert (
        "  line 9, field Breach Submission Date: '11/31/2019' is not a date in the form MM/DD/YYYY"
    ) in text
    assert "  line 11, field (row): 7 columns where the portal's own export has 9" in text
    assert "  line 7, field Location of Breached Information: unknown location 'Cloud Drive'" in (
        text
    )
    assert PublicBreach.objects.count() == 9


def test_cli_bad_arguments_exit_2_before_anything_is_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], keep_connection: None
) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("breaches", "import", str(PORTAL), str(tmp_path / "nowhere.csv"))
    assert raised.value.returncode == 2
    assert "nowhere.csv does not exist" in str(raised.value)
    assert PublicBreach.objects.count() == 0
    assert cli_main(["breaches", "import", str(tmp_path / "nowhere.csv")]) == 2
    assert "nowhere.csv does not exist" in capsys.readouterr().err
    assert cli_main(["breaches", "summary", "--entity-type", "provider", "--years", "0"]) == 2
    assert "--years: Years must be 1 to 20." in capsys.readouterr().err
    assert cli_main(["breaches", "summary", "--entity-type", "pharmacy"]) == 2
    assert "invalid choice: 'pharmacy'" in capsys.readouterr().err
    assert cli_main(["breaches"]) == 2


def test_cli_a_foreign_file_is_exit_1_and_the_others_are_still_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], keep_connection: None
) -> None:
    foreign = tmp_path / "notes.csv"
    foreign.write_text("hello\n", encoding="utf-8")
    code = cli_main(["breaches", "import", str(foreign), str(PORTAL)])
    captured = capsys.readouterr()
    assert code == 1
    assert "notes.csv: line 1: not an OCR breach portal export" in captured.err
    assert "not imported: notes.csv." in captured.err
    assert "portal.csv (portal): read 10, added 5" in captured.out
    assert PublicBreach.objects.count() == 5


def test_cli_summary_prints_counts_and_suggestions(loaded: None) -> None:
    out = io.StringIO()
    call_command(
        "breaches",
        "summary",
        "--entity-type",
        "hybrid",
        "--years",
        "5",
        "--date",
        TODAY.isoformat(),
        stdout=out,
    )
    text = out.getvalue()
    assert "4 breaches reported by health care providers from 2019-12-31 to 2024-12-31" in text
    assert "Network Server" in text and "2024" in text
    assert (
        "hacking_server           5 almost certain  3 of 4 breaches reported by health care "
        "providers since December 2019 (75%) were hacking of network servers."
    ) in text


# ---------------------------------------------------------------------------- reads


def test_likelihood_suggestions_for_other_modules(
    loaded: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):  # one query, the needed columns only
        found = selectors.likelihood_suggestions("provider", 5, today=TODAY)
    assert set(found) == set(rules.THREAT_KEYS)
    server = found["hacking_server"]
    assert isinstance(server, selectors.Suggestion)
    assert (server.breaches, server.share, server.level_of_5) == (3, 0.75, 5)
    assert server.individuals == 2302 + 12340 + 29930
    assert found["misconfiguration"].breaches == 1  # Atrium: unauthorized access, server
    assert found["vendor_compromise"].breaches == 1  # the VA's business associate
    assert found["phishing_email"].level_of_5 == 1
    assert selectors.likelihood_suggestions("hybrid", 5, today=TODAY) == found
    # Ten years reach the 2019 reports too.
    assert selectors.likelihood_suggestions("provider", 10, today=TODAY)["phishing_email"].breaches
    assert selectors.likelihood_suggestions("clearinghouse", 5, today=TODAY) == {}
    with pytest.raises(rules.RuleInputError):
        selectors.likelihood_suggestions("provider", 25, today=TODAY)
    covered = selectors.coverage()
    assert covered.reports == 9 and covered.years == {2019, 2024}
    assert covered.sources == ("portal.csv", "under-investigation.csv")


# ---------------------------------------------------------------------------- the page


def test_the_page_shows_the_record_for_the_organizations_kind(
    cast: Any, client_for: Any, loaded: None, on_today: None
) -> None:
    client = client_for(cast.contributor)
    page = client.get("/o/acme/breaches/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "What organizations like yours suffer" in html
    assert (
        "3 of 4 breaches reported by health care providers since December 2019 (75%) were "
        "hacking of network servers."
    ) in html
    assert "/o/acme/breaches/record.svg?years=5" in html
    assert "too few for steady shares" in html  # 4 reports
    assert "not in the imported files" in html  # 2020-2023 have no report at all
    assert 'href="/o/acme/breaches/"' in html  # the navigation entry
    longer = client.get("/o/acme/breaches/?years=10").content.decode()
    assert "of 8 breaches reported by health care providers since December 2014" in longer
    picture = client.get("/o/acme/breaches/record.svg?years=5")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/svg+xml"
    svg = picture.content.decode()
    assert svg.lstrip().startswith("<?xml") and "Hacking/IT Incident" in svg
    assert "Network Server" in svg and "(4 reports)" in svg
    assert "style-src 'unsafe-inline'" in picture["Content-Security-Policy"]


def test_a_health_plan_sees_health_plans(
    cast: Any, client_for: Any, loaded: None, on_today: None
) -> None:
    html = client_for(cast.outsider).get("/o/globex/breaches/").content.decode()
    assert "health plans" in html
    assert "No report by health plans in this window" in html  # Northgate's row was malformed
    assert "too few for steady shares" not in html  # none at all is said as such


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("years=0", "greater than or equal to 1"),
        ("years=21", "less than or equal to 20"),
        ("years=five", "Enter a whole number."),
    ],
)
def test_a_bad_window_is_a_400_with_the_message_on_the_field(
    cast: Any, client_for: Any, query: str, message: str
) -> None:
    client = client_for(cast.contributor)
    page = client.get(f"/o/acme/breaches/?{query}")
    assert page.status_code == 400
    assert message in page.content.decode()
    assert client.get(f"/o/acme/breaches/record.svg?{query}").status_code == 400


def test_other_organizations_and_roles_without_records_are_refused(
    cast: Any, client_for: Any
) -> None:
    outsider = client_for(cast.outsider)
    assert outsider.get("/o/acme/breaches/").status_code == 404
    assert outsider.get("/o/acme/breaches/record.svg").status_code == 404
    assert Client().get("/o/acme/breaches/").status_code == 302  # to sign in
    assert client_for(cast.workforce).get("/o/acme/breaches/").status_code == 403


def test_api(cast: Any, loaded: None, on_today: None) -> None:
    from hipaaops.api.services import create_token

    issued = create_token(actor=cast.officer, user=cast.officer, organization=cast.org, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    client = Client()
    body = client.get("/api/v1/orgs/acme/breaches", {"years": 5}, **headers)
    assert body.status_code == 200, body.content
    data = body.json()
    assert (data["entity_type"], data["breaches"], data["since"]) == ("provider", 4, "2019-12-31")
    assert data["by_location"] == {"Network Server": 4}
    first = data["suggestions"][0]
    assert (first["threat_key"], first["breaches"], first["level_of_5"]) == (
        "hacking_server",
        3,
        5,
    )
    bad = client.get("/api/v1/orgs/acme/breaches", {"years": 0}, **headers)
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "years"
    assert client.get("/api/v1/orgs/globex/breaches", **headers).status_code in (403, 404)


# ---------------------------------------------------------------------------- the demo


def test_the_demo_imports_the_bundled_exports_once() -> None:
    names = [p.name for p in demo.bundled_files()]
    assert names == [
        "archive-2009-onward.csv",
        "portal-export-2019-12-03.csv",
        "under-investigation-2024-12-03.csv",
    ]
    demo.load_breaches(None)  # type: ignore[arg-type]
    stored = PublicBreach.objects.count()
    assert stored > 3000
    assert set(PublicBreach.objects.values_list("source", flat=True)) == set(names)
    assert len(imports()) == 3
    demo.load_breaches(None)  # type: ignore[arg-type]
    assert PublicBreach.objects.count() == stored and len(imports()) == 3
