"""Assessments end to end: the questionnaire with sign-offs, proposals from answers and the
inventory, scenarios rated on the scale, treatment with approvers, the plan, completion, the copy
and its comparison, pages, the report, exports, the API, and other organizations refused."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import DomainError
from hipaaops.inventory import services as inventory
from hipaaops.organizations.access import access_organization
from hipaaops.safeguards.models import SafeguardItem
from hipaaops.sra import rules, selectors, services
from hipaaops.sra.models import Assessment, Scenario, ScenarioVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(cast: Any) -> Any:
    return access_organization(cast.officer, cast.org.slug)


@pytest.fixture
def owner(cast: Any) -> Any:
    return access_organization(cast.owner, cast.org.slug)


@pytest.fixture
def assessment(officer: Any) -> Assessment:
    return services.create_assessment(
        officer,
        title="SRA 2026",
        assessed_on=timezone.localdate(),
        scope="All ePHI of the clinic",
        participants="Bob Officer, security official\nCarol, IT",
    )


def _threat_vuln() -> tuple[str, str]:
    v = rules.vulnerability_index()["no_encryption_at_rest_portable"]
    return v.threats[0], v.key


def _answer_everything(access: Any, a: Assessment, pick: str = "best") -> None:
    for sec in rules.sections():
        for q in sec.questions:
            given = selectors.answers(a)
            if not rules.applies(q, given):
                continue
            chosen = next(x for x in q.answers if x.best) if pick == "best" else q.answer("unknown")
            services.record_answer(access, a, question=q.key, answer=chosen.key)


def test_assessment_input_is_checked(cast: Any, officer: Any, assessment: Assessment) -> None:
    assert assessment.participants[1] == {"name": "Carol", "role": "IT"}
    assert assessment.scale["key"] == "5x5"
    for values, field in (
        ({"title": "", "assessed_on": "2026-01-01", "scope": "x"}, "title"),
        ({"title": "T", "assessed_on": "someday", "scope": "x"}, "assessed_on"),
        ({"title": "T", "assessed_on": "2026-01-01", "scope": " "}, "scope"),
        ({"title": "T", "assessed_on": "2026-01-01", "scope": "x", "scale": "7x7"}, "scale"),
        (
            {"title": "T", "assessed_on": "2026-01-01", "scope": "x", "copy_from": 999999},
            "copy_from",
        ),
    ):
        with pytest.raises(DomainError) as raised:
            services.create_assessment(officer, **values)
        assert raised.value.field == field, values
    assert Assessment.objects.count() == 1
    with pytest.raises(DomainError) as raised:
        services.update_assessment(officer, assessment, status="complete")
    assert raised.value.field == "status"


def test_scenarios_rate_on_the_scale_and_refuse_bad_input(
    cast: Any, officer: Any, assessment: Assessment
) -> None:
    threat, vuln = _threat_vuln()
    laptop = inventory.create_asset(officer, name="Laptop", asset_type="endpoint", holds_ephi="yes")
    theirs = inventory.create_asset(
        access_organization(cast.outsider, cast.other_org.slug), name="Theirs", asset_type="server"
    )
    base = {"title": "Stolen laptop", "threat": threat, "vulnerability": vuln}
    for extra, field in (
        ({"likelihood": 6}, "likelihood"),
        ({"impact": 0}, "impact"),
        ({"likelihood": "high"}, "likelihood"),
        ({"threat": "dragons"}, "threat"),
        ({"vulnerability": "bad_luck"}, "vulnerability"),
        ({"owner": cast.outsider.pk}, "owner"),
        ({"assets": [theirs.pk]}, "assets"),
        ({"controls": [10**9]}, "controls"),
        (
            {"likelihood": 2, "impact": 2, "residual_likelihood": 3, "residual_impact": 3},
            "residual_likelihood",
        ),
    ):
        with pytest.raises(DomainError) as raised:
            services.create_scenario(officer, assessment, **{**base, **extra})
        assert raised.value.field == field, extra
    assert not Scenario.objects.exists()
    from hipaaops.safeguards.services import ensure_register

    ensure_register(cast.org)
    control = SafeguardItem.objects.filter(organization=cast.org).first()
    s = services.create_scenario(
        officer,
        assessment,
        **base,
        assets=[laptop.pk],
        controls=[control.pk],
        likelihood=4,
        impact=4,
        residual_likelihood=2,
        residual_impact=4,
        owner=cast.officer.pk,
    )
    assert (s.inherent_score, s.inherent_level) == (16, "high")
    assert (s.residual_score, s.residual_level) == (8, "moderate")
    assert s.code == "R-1" and list(s.assets.all()) == [laptop]
    assessment.refresh_from_db()
    assert assessment.status == "in_progress"
    s = services.update_scenario(officer, s, likelihood=5, impact=5, expected_version=1)
    assert s.inherent_level == "critical"
    with pytest.raises(DomainError) as raised:
        services.update_scenario(officer, s, likelihood=1, expected_version=1)
    assert raised.value.field == "version"
    assert [v.change for v in s.versions.order_by("version")] == ["created", "rated"]
    # A three-level scale refuses a 4.
    three = services.create_assessment(
        officer, title="3", assessed_on="2026-01-02", scope="x", scale="3x3"
    )
    with pytest.raises(DomainError) as raised:
        services.create_scenario(officer, three, **base, likelihood=4)
    assert raised.value.field == "likelihood"


def test_treatment_needs_reasons_and_an_approver(
    cast: Any, officer: Any, assessment: Assessment
) -> None:
    threat, vuln = _threat_vuln()
    s = services.create_scenario(officer, assessment, title="R", threat=threat, vulnerability=vuln)
    why = "The remaining risk is low and the fix costs more than the harm it prevents."
    with pytest.raises(DomainError) as raised:
        services.decide_treatment(officer, s, treatment="accept", approver=cast.owner.pk)
    assert raised.value.field == "justification"
    with pytest.raises(DomainError) as raised:
        services.decide_treatment(officer, s, treatment="accept", justification=why)
    assert raised.value.field == "approver"
    with pytest.raises(DomainError) as raised:  # a contributor cannot accept risk
        services.decide_treatment(
            officer, s, treatment="accept", justification=why, approver=cast.contributor.pk
        )
    assert raised.value.field == "approver"
    with pytest.raises(DomainError) as raised:  # nor someone from another organization
        services.decide_treatment(
            officer, s, treatment="accept", justification=why, approver=cast.outsider.pk
        )
    assert raised.value.field == "approver"
    s.refresh_from_db()
    assert s.treatment == "" and s.version == 1
    done = services.decide_treatment(
        officer, s, treatment="accept", justification=why, approver=cast.owner.pk
    )
    assert done.approver == cast.owner and done.decided_on == timezone.localdate()
    done = services.decide_treatment(officer, done, treatment="mitigate")
    assert done.approver is None
    changes = list(
        ScenarioVersion.objects.filter(scenario=s)
        .order_by("version")
        .values_list("change", "data__treatment")
    )
    assert changes == [("created", ""), ("treatment", "accept"), ("treatment", "mitigate")]
    with pytest.raises(DomainError) as raised:
        services.add_plan_item(
            officer, s, title="Encrypt", owner=cast.outsider.pk, due_on="2026-12-01"
        )
    assert raised.value.field == "owner"
    with pytest.raises(DomainError) as raised:
        services.add_plan_item(officer, s, title="Encrypt", owner=cast.officer.pk, due_on="soon")
    assert raised.value.field == "due_on"
    item = services.add_plan_item(
        officer,
        s,
        title="Encrypt",
        owner=cast.officer.pk,
        due_on=timezone.localdate() - timedelta(days=3),
    )
    assert list(selectors.overdue(cast.org)) == [item]
    item = services.update_plan_item(officer, item, status="done")
    assert item.done_on == timezone.localdate() and not selectors.overdue(cast.org).exists()


def test_questionnaire_sign_off_and_proposals(
    cast: Any, officer: Any, owner: Any, assessment: Assessment
) -> None:
    sec = rules.sections()[0]
    with pytest.raises(DomainError) as raised:
        services.sign_off_section(officer, assessment, section=sec.key)
    assert raised.value.field == "section"
    with pytest.raises(DomainError) as raised:
        services.record_answer(officer, assessment, question=sec.questions[0].key, answer="perhaps")
    assert raised.value.field == "answer"
    _answer_everything(officer, assessment, pick="unknown")
    review = services.sign_off_section(officer, assessment, section=sec.key)
    assert review.reviewer == cast.officer and review.reviewer_name == "Bob Officer"
    # Changing an answer reopens the section's sign-off.
    q = next(q for q in sec.questions if q.asks_when is None)
    services.record_answer(
        officer, assessment, question=q.key, answer=next(a.key for a in q.answers if a.best)
    )
    assert not assessment.reviews.filter(section=sec.key).exists()
    laptop = inventory.create_asset(
        officer,
        name="Laptop",
        asset_type="endpoint",
        holds_ephi="yes",
        encrypted_at_rest="no",
        owner=cast.officer.pk,
    )
    found = selectors.proposals(assessment)
    assert found, "unknown answers raise vulnerabilities"
    from_inventory = [
        p
        for p in found
        if laptop in p.assets and p.vulnerability.key == "no_encryption_at_rest_portable"
    ]
    assert from_inventory and "Laptop" in from_inventory[0].reason
    created = services.adopt_proposals(officer, assessment, [from_inventory[0].key])
    assert created[0].origin in ("inventory", "questionnaire") and list(
        created[0].assets.all()
    ) == [laptop]
    assert from_inventory[0].key not in {p.key for p in selectors.proposals(assessment)}
    with pytest.raises(DomainError) as raised:
        services.adopt_proposals(officer, assessment, ["dragons:bad_luck"])
    assert raised.value.field == "keys"


def test_completion_copy_and_comparison(
    cast: Any, officer: Any, owner: Any, assessment: Assessment
) -> None:
    threat, vuln = _threat_vuln()
    old = inventory.create_asset(officer, name="Old PC", asset_type="endpoint", holds_ephi="yes")
    s1 = services.create_scenario(
        officer, assessment, title="One", threat=threat, vulnerability=vuln, assets=[old.pk]
    )
    problems = services.completion_problems(assessment)
    assert any("not rated" in p for p in problems) and any("sign-off" in p for p in problems)
    with pytest.raises(DomainError):
        services.complete_assessment(owner, assessment)
    _answer_everything(officer, assessment)
    for sec in rules.sections():
        services.sign_off_section(officer, assessment, section=sec.key)
    services.update_scenario(officer, s1, likelihood=3, impact=4, owner=cast.officer.pk)
    services.decide_treatment(officer, s1, treatment="mitigate")
    assert services.completion_problems(assessment) == [
        "R-1 is to be mitigated but has no plan item."
    ]
    item = services.add_plan_item(
        officer, s1, title="Encrypt the PC", owner=cast.officer.pk, due_on="2026-12-31"
    )
    with pytest.raises(PermissionDenied):  # the contributor cannot complete; the officer can
        services.complete_assessment(
            access_organization(cast.contributor, cast.org.slug), assessment
        )
    done = services.complete_assessment(officer, assessment)
    assert done.status == "complete" and {a["name"] for a in done.inventory_snapshot} == {"Old PC"}
    with pytest.raises(DomainError) as raised:
        services.create_scenario(officer, done, title="Late", threat=threat, vulnerability=vuln)
    assert raised.value.status_code == 409
    # Next year's assessment starts as a copy.
    new_pc = inventory.create_asset(officer, name="New PC", asset_type="endpoint", holds_ephi="yes")
    inventory.update_asset(officer, old, lifecycle="retired")
    with pytest.raises(DomainError) as raised:
        services.create_assessment(
            officer, title="N", assessed_on="2027-01-01", scope="x", copy_from=done.pk, scale="3x3"
        )
    assert raised.value.field == "scale"
    nxt = services.create_assessment(
        officer, title="SRA 2027", assessed_on="2027-01-01", scope="x", copy_from=done.pk
    )
    assert nxt.previous == done and nxt.answers.count() == done.answers.count()
    copied = nxt.scenarios.get()
    assert copied.copied_from == s1 and copied.ref == s1.ref and copied.likelihood == 3
    assert nxt.plan_items.get().ref == item.ref and not nxt.reviews.exists()
    services.update_scenario(officer, copied, likelihood=5)
    services.update_plan_item(officer, nxt.plan_items.get(), status="done")
    services.create_scenario(
        officer, nxt, title="Two", threat=threat, vulnerability=vuln, assets=[new_pc.pk]
    )
    c = selectors.comparison(nxt)
    assert c is not None
    assert c.new_assets == ["New PC"] and c.retired_assets == ["Old PC"]
    assert [(b.score, a.score) for b, a in c.rose] == [(12, 20)]
    assert [r.title for r in c.new_risks] == ["R-2 Two"] and c.plan_closed == ["Encrypt the PC"]


def test_pages_report_exports(
    cast: Any, officer: Any, client_for: Any, assessment: Assessment
) -> None:
    threat, vuln = _threat_vuln()
    inventory.create_asset(
        officer, name="Laptop", asset_type="endpoint", holds_ephi="yes", encrypted_at_rest="no"
    )
    s = services.create_scenario(
        officer,
        assessment,
        title="Stolen laptop",
        threat=threat,
        vulnerability=vuln,
        likelihood=4,
        impact=3,
        owner=cast.officer.pk,
    )
    services.add_plan_item(
        officer, s, title="Encrypt laptops", owner=cast.officer.pk, due_on="2026-12-01"
    )
    client = client_for(cast.officer)
    base = f"/o/{cast.org.slug}/sra/"
    a = f"{base}{assessment.pk}/"
    assert b"SRA 2026" in client.get(base).content
    page = client.get(a)
    assert page.status_code == 200 and b"not reviewed" in page.content
    assert client.get(f"{base}register/").status_code == 302
    reg = client.get(f"{a}register/?level=high&sort=title")
    assert b"Stolen laptop" in reg.content
    assert b"Stolen laptop" not in client.get(f"{a}register/?level=critical").content
    assert client.get(f"{a}questions/basics/").status_code == 200
    assert client.get(f"{a}questions/nowhere/").status_code == 404
    q = rules.sections()[0].questions[0]
    saved = client.post(f"{a}questions/basics/", {f"q_{q.key}": q.answers[0].key})
    assert saved.status_code == 302 and selectors.answers(assessment)[q.key] == q.answers[0].key
    assert client.post(f"{a}questions/basics/", {f"q_{q.key}": "perhaps"}).status_code == 400
    assert client.get(f"{a}proposals/").status_code == 200
    risk = client.get(f"{base}risks/{s.pk}/")
    assert b"Encrypt laptops" in risk.content
    bad = client.post(
        f"{base}risks/{s.pk}/", {"form": "treatment", "treatment": "accept", "justification": "ok"}
    )
    assert bad.status_code == 400
    bad = client.post(
        f"{base}risks/{s.pk}/",
        {
            "form": "scenario",
            "title": "X",
            "threat": threat,
            "vulnerability": vuln,
            "likelihood": "9",
        },
    )
    assert bad.status_code == 400
    assert client.get(f"{a}plan/?status=overdue").status_code == 200
    assert client.get(f"{a}heatmap.svg").content.startswith(b"<?xml")
    assert client.get(f"{a}compare/").status_code == 200
    assert client.get(f"{base}library/").status_code == 200
    made = client.post(
        f"{base}library/",
        {
            "kind": "threat",
            "name": "Rogue drone",
            "description": "A drone films the screens.",
            "source": "human_intentional",
        },
    )
    assert made.status_code == 302
    assert (
        client.post(
            f"{base}library/",
            {
                "kind": "threat",
                "name": "Rogue drone",
                "description": "Again",
                "source": "human_intentional",
            },
        ).status_code
        == 400
    )
    assert "rogue_drone" in selectors.threat_library(cast.org)
    pdf = client.get(f"{a}report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in (
        "Security Risk Assessment",
        "Stolen laptop",
        "Encrypt laptops",
        "Laptop",
        "Data-flow map",
    ):
        assert expected in text, expected
    assert AuditEntry.objects.filter(action="export", object_type="sra.assessment").exists()
    csv = client.get(f"{a}register.csv")
    body = b"".join(csv.streaming_content) if csv.streaming else csv.content
    assert b"R-1,Stolen laptop" in body
    assert client.get(f"{a}plan.xlsx").status_code == 200
    # Other organizations and roles.
    assert client_for(cast.outsider).get(a).status_code == 404
    assert client_for(cast.outsider).get(f"{base}risks/{s.pk}/").status_code == 404
    assert (
        client_for(cast.auditor).post(f"{base}risks/{s.pk}/", {"form": "plan"}).status_code == 403
    )


def test_api(cast: Any, officer: Any) -> None:
    from hipaaops.api.services import create_token

    issued = create_token(actor=cast.officer, user=cast.officer, organization=cast.org, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    client = Client()
    base = f"/api/v1/orgs/{cast.org.slug}/sra"
    made = client.post(
        f"{base}/assessments",
        {"title": "API SRA", "assessed_on": "2026-11-01", "scope": "All", "scale": "3x3"},
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201, made.content
    aid = made.json()["id"]
    threat, vuln = _threat_vuln()
    bad = client.post(
        f"{base}/assessments/{aid}/scenarios",
        {"title": "R", "threat": threat, "vulnerability": vuln, "likelihood": 5},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "likelihood"
    s = client.post(
        f"{base}/assessments/{aid}/scenarios",
        {"title": "R", "threat": threat, "vulnerability": vuln, "likelihood": 3, "impact": 2},
        content_type="application/json",
        **headers,
    )
    assert s.status_code == 201 and s.json()["inherent_level"] == "high"
    sid = s.json()["id"]
    listed = client.get(f"{base}/assessments/{aid}/scenarios?level=high", **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["code"] == "R-1"
    assert (
        client.get(f"{base}/assessments/{aid}/scenarios?sort=colour", **headers).status_code == 400
    )
    t = client.post(
        f"{base}/scenarios/{sid}/treatment",
        {"treatment": "accept", "justification": "short"},
        content_type="application/json",
        **headers,
    )
    assert t.status_code == 400
    p = client.post(
        f"{base}/scenarios/{sid}/plan",
        {"title": "Fix", "owner": cast.officer.pk, "due_on": "2026-12-01"},
        content_type="application/json",
        **headers,
    )
    assert p.status_code == 201
    assert client.patch(
        f"{base}/plan/{p.json()['id']}",
        {"status": "done"},
        content_type="application/json",
        **headers,
    ).json()["done_on"]
    q = rules.sections()[0].questions[0]
    assert (
        client.put(
            f"{base}/assessments/{aid}/answers",
            {"question": q.key, "answer": "unknown"},
            content_type="application/json",
            **headers,
        ).status_code
        == 200
    )
    assert client.get(f"{base}/assessments/{aid}/proposals", **headers).status_code == 200
    assert client.post(f"{base}/assessments/{aid}/complete", **headers).status_code == 400
    assert client.get(
        f"/api/v1/orgs/{cast.other_org.slug}/sra/assessments", **headers
    ).status_code in (403, 404)


def test_command_line(cast: Any, officer: Any, assessment: Assessment, tmp_path: Any) -> None:
    from django.core.management import CommandError, call_command

    threat, vuln = _threat_vuln()
    services.create_scenario(
        officer, assessment, title="Stolen laptop", threat=threat, vulnerability=vuln
    )
    out = tmp_path / "sra.pdf"
    stdout = io.StringIO()
    call_command(
        "sra",
        "report",
        "--org",
        cast.org.slug,
        "--assessment",
        str(assessment.pk),
        "--output",
        str(out),
        stdout=stdout,
    )
    assert out.read_bytes().startswith(b"%PDF") and "1 risks" in stdout.getvalue()
    for argv, message in (
        (["--org", "nowhere", "--output", str(out)], "--org"),
        (["--org", cast.org.slug, "--assessment", "999999", "--output", str(out)], "--assessment"),
        (
            [
                "--org",
                cast.other_org.slug,
                "--assessment",
                str(assessment.pk),
                "--output",
                str(out),
            ],
            "--assessment",
        ),
        (["--org", cast.org.slug, "--output", str(tmp_path / "sra.txt")], "--output"),
        (["--org", cast.org.slug, "--output", str(tmp_path / "missing" / "sra.pdf")], "--output"),
    ):
        with pytest.raises(CommandError) as raised:
            call_command("sra", "report", *argv)
        assert raised.value.returncode == 2 and message in str(raised.value), argv
    listing = io.StringIO()
    call_command("sra", "list", "--org", cast.org.slug, stdout=listing)
    assert "SRA 2026" in listing.getvalue()
    csv = tmp_path / "assets.csv"
    csv.write_text("name,asset_type,holds_ephi\nEHR,application,yes\nPC,toaster,yes\n")
    errors = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "inventory",
            "import",
            str(csv),
            "--org",
            cast.org.slug,
            "--user",
            cast.officer.email,
            stderr=errors,
        )
    assert raised.value.returncode == 1 and "line 3, asset_type" in errors.getvalue()
    with pytest.raises(CommandError) as raised:
        call_command(
            "inventory", "import", str(csv), "--org", cast.org.slug, "--user", cast.outsider.email
        )
    assert raised.value.returncode == 2
    with pytest.raises(CommandError) as raised:
        call_command(
            "inventory", "import", str(csv), "--org", cast.org.slug, "--user", cast.auditor.email
        )
    assert raised.value.returncode == 2
    csv.write_text("name,asset_type,holds_ephi\nEHR,application,yes\n")
    done = io.StringIO()
    call_command(
        "inventory",
        "import",
        str(csv),
        "--org",
        cast.org.slug,
        "--user",
        cast.officer.email,
        stdout=done,
    )
    assert "1 assets imported" in done.getvalue()
    exported = io.StringIO()
    call_command("inventory", "export", "--org", cast.org.slug, stdout=exported)
    assert "EHR,application" in exported.getvalue()


def test_a_large_report_is_typeset_in_parts_with_continuous_pages(
    cast: Any, officer: Any, assessment: Assessment, monkeypatch: Any
) -> None:
    from pypdf import PdfReader

    from hipaaops.sra import report

    threat, vuln = _threat_vuln()
    for n in range(7):
        services.create_scenario(
            officer,
            assessment,
            title=f"Risk number {n}",
            threat=threat,
            vulnerability=vuln,
            likelihood=2,
            impact=3,
            owner=cast.officer.pk,
        )
    monkeypatch.setattr(report, "SLICE_ROWS", 2)  # 4 register slices: typeset in the worker
    parts = report.parts(assessment)
    assert [p for p, _, _ in parts].count("rows") == 4 + 1 + 1
    pdf = PdfReader(io.BytesIO(report.render_pdf(assessment)))
    text = [page.extract_text() for page in pdf.pages]
    assert all(f"Risk number {n}" in "".join(text) for n in range(7))
    numbers = [int(t.rsplit("Page ", 1)[1].split()[0]) for t in text]
    assert numbers == list(range(1, len(pdf.pages) + 1))
