"""Vendors, agreements, provisions, uploads, termination, imports, questionnaires through their
links, reminders, exports, the API and the refusal of other organizations' records."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import DomainError
from hipaaops.organizations.access import access_organization
from hipaaops.vendors import rules, selectors, services, tasks
from hipaaops.vendors.models import Agreement, SecurityReview, Vendor

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def officer(cast: Any) -> Any:
    return access_organization(cast.officer, cast.org.slug)


@pytest.fixture
def owner(cast: Any) -> Any:
    return access_organization(cast.owner, cast.org.slug)


def _signed(officer: Any, vendor: Vendor, **kw: Any) -> Agreement:
    today = timezone.localdate()
    values = {
        "title": f"BAA {vendor.name}",
        "stage": "signed",
        "effective_on": today - timedelta(days=100),
        "expires_on": today + timedelta(days=300),
    }
    values.update(kw)
    return services.create_agreement(officer, vendor, **values)


def test_vendors_are_checked_and_determined(cast: Any, officer: Any) -> None:
    with pytest.raises(DomainError) as raised:
        services.create_vendor(officer, name=" ")
    assert raised.value.field == "name"
    ehr = services.create_vendor(officer, name="Cloud EHR", phi_access="full")
    with pytest.raises(DomainError) as raised:
        services.create_vendor(officer, name="cloud ehr")
    assert raised.value.field == "name"
    with pytest.raises(DomainError) as raised:  # only a business associate serves upstream
        services.create_vendor(officer, name="Hospital", relationship="upstream")
    assert raised.value.field == "relationship"
    with pytest.raises(DomainError) as raised:
        services.create_vendor(officer, name="X", phi_access="some")
    assert raised.value.field == "phi_access"
    sub = services.create_vendor(officer, name="Backup Co", parent=ehr)
    with pytest.raises(DomainError) as raised:  # no cycles in the chain
        services.update_vendor(officer, ehr, parent=sub)
    assert raised.value.field == "parent"
    with pytest.raises(DomainError) as raised:
        services.record_determination(officer, ehr)
    assert raised.value.field == "handles_phi"
    done = services.record_determination(officer, ehr, handles_phi=True, note="Hosts the EHR")
    assert done.outcome == "business_associate" and done.determination["by"] == cast.officer.email
    gaps = {(g.kind, g.vendor.name) for g in selectors.gaps(cast.org)}
    assert ("no_agreement", "Cloud EHR") in gaps
    assert (
        AuditEntry.objects.filter(organization=cast.org, object_type="vendors.vendor").count() >= 3
    )


def test_agreement_status_dates_and_gaps(cast: Any, officer: Any, owner: Any) -> None:
    vendor = services.create_vendor(officer, name="Billing", phi_access="full")
    services.record_determination(officer, vendor, handles_phi=True)
    today = timezone.localdate()
    with pytest.raises(DomainError) as raised:  # expiry before effective
        services.create_agreement(
            officer,
            vendor,
            title="BAA",
            stage="signed",
            effective_on=today,
            expires_on=today - timedelta(days=1),
        )
    assert raised.value.field == "expires_on"
    with pytest.raises(DomainError) as raised:  # more than the rule's 60 days
        _signed(officer, vendor, breach_report_days=90)
    assert raised.value.field == "breach_report_days"
    agreement = services.create_agreement(officer, vendor, title="BAA Billing")
    assert selectors.agreement_rows(cast.org)[0].status == rules.AgreementStatus.NEEDED
    with pytest.raises(DomainError) as raised:  # needed cannot jump to signed
        services.move_agreement(officer, agreement, stage="signed")
    assert raised.value.field == "stage"
    services.move_agreement(officer, agreement, stage="in_review")
    with pytest.raises(DomainError) as raised:  # signing needs the effective date
        services.move_agreement(officer, agreement, stage="signed")
    assert raised.value.field == "effective_on"
    services.update_agreement(
        officer,
        agreement,
        effective_on=today - timedelta(days=10),
        expires_on=today + timedelta(days=50),
    )
    services.move_agreement(officer, agreement, stage="signed")
    row = selectors.agreement_rows(cast.org)[0]
    assert row.status == rules.AgreementStatus.EXPIRING  # within the default 60 days
    services.update_settings(owner, expiring_window_days=30, link_days=14)
    assert selectors.agreement_rows(cast.org)[0].status == rules.AgreementStatus.SIGNED
    with time_machine.travel(today + timedelta(days=51)):
        assert selectors.agreement_rows(cast.org)[0].status == rules.AgreementStatus.EXPIRED
        assert any(g.kind == "no_agreement" for g in selectors.gaps(cast.org))
    # Provisions: all unchecked at first, a gap until each is accounted for.
    assert len(row.gaps) == 14
    kinds = {g.kind for g in selectors.gaps(cast.org)}
    assert "provisions" in kinds
    checklist = {k: {"state": "present", "where": "s. 4"} for k in rules.provision_keys()}
    checklist["books_records"] = {"state": "missing"}
    services.set_provisions(officer, agreement, checklist)
    gap = next(g for g in selectors.gaps(cast.org) if g.kind == "provisions")
    assert "1 provision" in gap.text and "books and records" in gap.text
    with pytest.raises(DomainError) as raised:
        services.set_provisions(officer, agreement, {"access": {"state": "not_applicable"}})
    assert raised.value.field == "provisions.access"


def test_documents_are_versioned_and_checked(cast: Any, officer: Any, settings: Any) -> None:
    vendor = services.create_vendor(officer, name="Host")
    agreement = _signed(officer, vendor)
    first = services.add_agreement_document(officer, agreement, ContentFile(PDF, name="baa.pdf"))
    second = services.add_agreement_document(
        officer, agreement, ContentFile(PDF + b"v2", name="../../baa v2.pdf"), note="amended"
    )
    assert (first.number, second.number) == (1, 2)
    assert second.document.original_name == "baa v2.pdf" and len(second.document.sha256) == 64
    for content, name in ((PNG, "scan.pdf"), (b"MZ\x90\x00" + b"\x00" * 60, "baa.pdf")):
        with pytest.raises(DomainError) as raised:
            services.add_agreement_document(officer, agreement, ContentFile(content, name=name))
        assert raised.value.field == "file"
    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(DomainError) as raised:
        services.add_agreement_document(officer, agreement, ContentFile(PDF, name="big.pdf"))
    assert "limit" in raised.value.message
    assert agreement.versions.count() == 2


def test_termination_is_tracked_to_a_certificate(cast: Any, officer: Any) -> None:
    vendor = services.create_vendor(officer, name="Shredder", phi_access="full")
    services.record_determination(officer, vendor, handles_phi=True)
    agreement = _signed(officer, vendor)
    with pytest.raises(DomainError) as raised:  # in force: terminate first
        services.offboard_vendor(officer, vendor, reason="done")
    assert "Terminate" in raised.value.message
    with pytest.raises(DomainError) as raised:
        services.terminate_agreement(
            officer, agreement, terminated_on=timezone.localdate() + timedelta(days=2), reason="x"
        )
    assert raised.value.field == "terminated_on"
    services.terminate_agreement(
        officer, agreement, terminated_on=timezone.localdate(), reason="Ended"
    )
    assert any(g.kind == "disposition" for g in selectors.gaps(cast.org))
    with pytest.raises(DomainError) as raised:
        services.record_disposition(
            officer, agreement, method="destroyed", confirmed_on=timezone.localdate()
        )
    assert raised.value.field == "certificate"
    with pytest.raises(DomainError) as raised:
        services.record_disposition(
            officer, agreement, method="infeasible", confirmed_on=timezone.localdate()
        )
    assert raised.value.field == "note"
    done = services.record_disposition(
        officer,
        agreement,
        method="destroyed",
        confirmed_on=timezone.localdate(),
        certificate=ContentFile(PDF, name="certificate.pdf"),
    )
    assert done.certificate is not None and done.disposition["method"] == "destroyed"
    assert not any(g.kind == "disposition" for g in selectors.gaps(cast.org))
    services.offboard_vendor(officer, vendor, reason="Contract over")
    with pytest.raises(DomainError):
        services.update_agreement(officer, agreement, title="changed")


def test_import_dry_run_lists_every_bad_row_and_loads_nothing(cast: Any, officer: Any) -> None:
    services.create_vendor(officer, name="Existing")
    bad = (
        b"name,phi_access,offshore,parent,contact_email\n"
        b"Good One,full,no,,a@b.example\n"
        b",full,no,,\n"
        b"Existing,none,no,,\n"
        b"Odd,some,maybe,Nobody,not-an-email\n"
        b"Child,limited,yes,Good One,\n"
    )
    report = services.import_vendors(officer, bad, filename="v.csv", dry_run=True)
    assert not report.imported
    text = "\n".join(report.errors)
    for expected in (
        "line 3, name",
        "line 4, name: Existing is already a vendor",
        "line 5, phi_access",
        "line 5, offshore",
        "line 5, contact_email",
        "line 5, parent",
    ):
        assert expected in text
    assert services.import_vendors(officer, bad, filename="v.csv").imported is False
    assert Vendor.objects.filter(organization=cast.org).count() == 1
    with pytest.raises(DomainError) as raised:
        services.import_vendors(officer, b"title\nx\n", filename="v.csv")
    assert "line 1" in raised.value.message
    good = b"name,phi_access,parent\nGood One,full,\nChild,limited,Good One\n"
    assert services.import_vendors(officer, good, dry_run=True).rows == 2
    assert Vendor.objects.filter(organization=cast.org).count() == 1
    assert services.import_vendors(officer, good).imported
    assert Vendor.objects.get(organization=cast.org, name="Child").parent.name == "Good One"


def test_xlsx_import(cast: Any, officer: Any) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["name", "phi_access", "offshore"])
    ws.append(["Sheet Vendor", "limited", "yes"])
    ws.append(["Bad", "lots", "no"])
    out = io.BytesIO()
    wb.save(out)
    report = services.import_vendors(officer, out.getvalue(), filename="v.xlsx")
    assert report.errors == ["line 3, phi_access: must be one of none, limited, full"]
    ws.delete_rows(3)
    out = io.BytesIO()
    wb.save(out)
    assert services.import_vendors(officer, out.getvalue(), filename="v.xlsx").imported
    assert Vendor.objects.get(organization=cast.org, name="Sheet Vendor").offshore


def _answers(**overrides: str) -> dict[str, Any]:
    data = {"respondent_name": "Pat Vendor", "respondent_email": "pat@vendor.example"}
    for q in rules.questionnaire().questions:
        data[f"q_{q.id}"] = overrides.get(q.id, "yes")
    return data


def test_the_questionnaire_link_is_single_use_and_expires(
    cast: Any, officer: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    vendor = services.create_vendor(officer, name="Host", phi_access="full")
    with pytest.raises(DomainError) as raised:
        services.send_questionnaire(officer, vendor, sent_to="nobody")
    assert raised.value.field == "sent_to"
    with django_capture_on_commit_callbacks(execute=True):
        review, token = services.send_questionnaire(officer, vendor, sent_to="sec@host.example")
    assert token in mail.outbox[-1].body and "expires" in mail.outbox[-1].body
    assert token not in review.token_hash and len(review.token_hash) == 64
    url = f"/vendor-review/{token}/"
    client = Client()
    assert client.get("/vendor-review/not-a-token/").status_code == 410
    page = client.get(url)
    assert page.status_code == 200 and "Host" in page.content.decode()
    missing = client.post(url, {"respondent_name": "Pat"})
    assert missing.status_code == 400
    data = _answers(mfa="no")
    data.update(
        {
            "report_0_kind": "soc2_type2",
            "report_0_expires_on": "2099-01-01",
            "report_0_file": ContentFile(PNG, name="soc2.pdf"),
        }
    )
    refused = client.post(url, data)
    assert refused.status_code == 400 and "PDF" in refused.content.decode()
    assert SecurityReview.objects.get(pk=review.pk).used_at is None
    data["report_0_file"] = ContentFile(PDF, name="soc2.pdf")
    done = client.post(url, data)
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    review.refresh_from_db()
    assert review.status == "submitted" and review.tier == "high"
    assert review.documents.count() == 1 and review.reports[0]["kind"] == "soc2_type2"
    again = client.get(url)
    assert again.status_code == 410 and "used already" in again.content.decode()
    assert client.post(url, _answers()).status_code == 410
    # The organization accepts; the vendor takes the tier and its next review falls due.
    with pytest.raises(DomainError):
        services.decide_review(owner, review, accept=False)
    services.decide_review(owner, review, accept=True)
    vendor.refresh_from_db()
    assert vendor.risk_tier == "high"
    assert vendor.review_due_on == rules.add_months(timezone.localdate(), 12)
    # An expired link gets its page, and the refusal is in the audit trail.
    _, late = services.send_questionnaire(officer, vendor, sent_to="sec@host.example")
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        expired = client.get(f"/vendor-review/{late}/")
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert AuditEntry.objects.filter(
        organization=cast.org, changes__contains="link_refused"
    ).exists()
    assert any("security review questionnaire" in m.subject for m in mail.outbox)


def test_reminders_go_once_each(cast: Any, officer: Any) -> None:
    vendor = services.create_vendor(officer, name="Host", phi_access="full")
    services.record_determination(officer, vendor, handles_phi=True)
    today = timezone.localdate()
    _signed(officer, vendor, expires_on=today + timedelta(days=30))
    services.send_questionnaire(officer, vendor, sent_to="s@h.example", due_on=today)
    mail.outbox.clear()
    assert tasks.send_vendor_reminders(today) == 1  # expiring in 30 days
    assert tasks.send_vendor_reminders(today) == 0  # not twice
    assert "ends in 30 days" in mail.outbox[0].subject
    assert tasks.send_vendor_reminders(today + timedelta(days=1)) == 1  # questionnaire overdue
    assert tasks.send_vendor_reminders(today + timedelta(days=23)) == 1  # 7 days before
    kinds = {t.kind for t in tasks.due_reminders(cast.org, today + timedelta(days=31))}
    assert rules.ReminderKind.BAA_EXPIRED in kinds


def test_proposed_rule_verification_is_tracked_when_the_overlay_is_on(
    cast: Any, officer: Any
) -> None:
    vendor = services.create_vendor(officer, name="Host", phi_access="full")
    services.record_determination(officer, vendor, handles_phi=True)
    agreement = _signed(officer, vendor, effective_on=timezone.localdate() - timedelta(days=400))
    assert selectors.agreement_rows(cast.org)[0].verification_due is None
    cast.org.proposed_rule_overlay = True
    cast.org.save()
    row = selectors.agreement_rows(cast.org)[0]
    assert row.verification_due is not None and row.verification_due < timezone.localdate()
    assert any(g.kind == "verification" for g in selectors.gaps(cast.org))
    services.record_verification(officer, agreement, received_on=timezone.localdate())
    assert not any(g.kind == "verification" for g in selectors.gaps(cast.org))


def test_pages_exports_and_cross_organization_refusal(
    cast: Any, officer: Any, client_for: Any
) -> None:
    vendor = services.create_vendor(officer, name="Host", phi_access="full")
    services.record_determination(officer, vendor, handles_phi=True)
    agreement = _signed(officer, vendor)
    client = client_for(cast.officer)
    base = f"/o/{cast.org.slug}/vendors/"
    for url in (
        base,
        f"{base}{vendor.pk}/",
        f"{base}agreements/",
        f"{base}agreements/{agreement.pk}/",
        f"{base}gaps/",
        f"{base}chain/",
    ):
        assert client.get(url).status_code == 200, url
    svg = client.get(f"{base}chain.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    csv_text = b"".join(client.get(f"{base}agreements/register.csv").streaming_content).decode()
    assert "Host" in csv_text and "breach_report_days" in csv_text
    assert client.get(f"{base}agreements/register.pdf").content.startswith(b"%PDF")
    assert client.get(f"{base}agreements/register.xlsx").status_code == 200
    assert client.get(f"{base}agreements/register.doc").status_code == 404
    bad = client.post(
        f"{base}{vendor.pk}/agreements/",
        {
            "title": "X",
            "stage": "signed",
            "effective_on": "2026-05-01",
            "expires_on": "2026-04-01",
            "breach_report_day_kind": "calendar",
        },
    )
    assert bad.status_code == 400 and "after the effective date" in bad.content.decode()
    upload = client.post(
        f"{base}agreements/{agreement.pk}/documents/", {"file": ContentFile(PNG, name="x.pdf")}
    )
    assert upload.status_code == 400
    # Another organization's records are not found, in pages and in the API.
    outsider = client_for(cast.outsider)
    assert outsider.get(f"/o/{cast.org.slug}/vendors/{vendor.pk}/").status_code == 404
    other_access = access_organization(cast.outsider, cast.other_org.slug)
    with pytest.raises(DomainError):
        services.create_agreement(other_access, vendor, title="Mine")
    assert (
        client_for(cast.outsider).get(f"/o/{cast.other_org.slug}/vendors/{vendor.pk}/").status_code
        == 404
    )
    # An auditor reads but does not write.
    auditor = client_for(cast.auditor)
    assert auditor.get(base).status_code == 200
    assert (
        auditor.post(
            base,
            {
                "form": "vendor",
                "name": "Nope",
                "relationship": "vendor",
                "phi_access": "none",
                "review_months": 12,
            },
        ).status_code
        == 403
    )


def test_api(cast: Any, officer: Any) -> None:
    from hipaaops.api.services import create_token

    issued = create_token(actor=cast.officer, user=cast.officer, organization=cast.org, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    client = Client()
    base = f"/api/v1/orgs/{cast.org.slug}/vendors"
    created = client.post(
        base,
        {"name": "Api Vendor", "phi_access": "full"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    vid = created.json()["id"]
    bad = client.post(base, {"name": "Api Vendor"}, content_type="application/json", **headers)
    assert bad.status_code == 400 and bad.json()["error"]["fields"]
    det = client.post(
        f"{base}/{vid}/determination",
        {"handles_phi": True},
        content_type="application/json",
        **headers,
    )
    assert det.json()["business_associate"] is True
    today = timezone.localdate()
    agr = client.post(
        f"{base}/{vid}/agreements",
        {
            "title": "BAA",
            "stage": "signed",
            "effective_on": str(today - timedelta(days=5)),
            "expires_on": str(today + timedelta(days=400)),
            "breach_report_days": 10,
        },
        content_type="application/json",
        **headers,
    )
    assert agr.status_code == 201 and agr.json()["status"] == "signed"
    aid = agr.json()["id"]
    assert len(agr.json()["missing_provisions"]) == 14
    put = client.put(
        f"{base}/agreements/{aid}/provisions",
        {"provisions": {"access": {"state": "present", "where": "s. 7"}}},
        content_type="application/json",
        **headers,
    )
    assert put.status_code == 200 and "access" not in put.json()["missing_provisions"]
    doc = client.post(
        f"{base}/agreements/{aid}/documents", {"file": ContentFile(PDF, name="baa.pdf")}, **headers
    )
    assert doc.status_code == 201 and doc.json()["documents"][0]["sha256"]
    sent = client.post(
        f"{base}/{vid}/reviews",
        {"sent_to": "sec@v.example"},
        content_type="application/json",
        **headers,
    )
    assert sent.status_code == 201 and "/vendor-review/" in sent.json()["link"]
    imported = client.post(
        f"{base}/import",
        {"file": ContentFile(b"name,phi_access\nA,bogus\n", name="v.csv")},
        **headers,
    )
    assert imported.status_code == 400 and "line 2" in imported.json()["error"]["message"]
    assert client.get(f"{base}/gaps", **headers).status_code == 200
    assert client.get(f"{base}/agreements?status=nonsense", **headers).status_code == 400
    ended = client.post(
        f"{base}/agreements/{aid}/termination",
        {"terminated_on": str(today), "reason": "Service ended"},
        content_type="application/json",
        **headers,
    )
    assert ended.json()["status"] == "terminated"
    no_cert = client.post(
        f"{base}/agreements/{aid}/disposition",
        {"method": "destroyed", "confirmed_on": str(today)},
        **headers,
    )
    assert no_cert.status_code == 400
    assert no_cert.json()["error"]["fields"][0]["field"] == "certificate"
    disposed = client.post(
        f"{base}/agreements/{aid}/disposition",
        {
            "method": "destroyed",
            "confirmed_on": str(today),
            "certificate": ContentFile(PDF, name="cert.pdf"),
        },
        **headers,
    )
    assert disposed.status_code == 200 and disposed.json()["disposition"]["method"] == "destroyed"
    other = f"/api/v1/orgs/{cast.other_org.slug}/vendors"
    assert client.get(other, **headers).status_code in (403, 404)


def test_a_business_associate_uses_its_agreed_reporting_limit(cast: Any) -> None:
    from hipaaops.organizations.models import Organization

    org = Organization.objects.get(pk=cast.org.pk)
    org.entity_type = "business_associate"
    org.save()
    access = access_organization(cast.officer, org.slug)
    practice = services.create_vendor(access, name="Clinic", relationship="upstream")
    assert selectors.breach_reporting_days(org) is None
    _signed(access, practice, breach_report_days=5, breach_report_day_kind="business")
    _signed(access, practice, title="Second", breach_report_days=20)
    assert selectors.breach_reporting_days(org) == 5
    tree = selectors.chain(org)
    assert tree[0].name == "Clinic" and tree[0].children[0].kind == "us"


def test_the_demo_program_is_lived_in(db: Any) -> None:
    from hipaaops.core import demo

    ctx = demo.load()
    org = ctx.organization
    rows = {r.vendor.name: r for r in selectors.vendor_rows(org)}
    assert rows["Cloudway EHR Hosting"].in_force is not None
    assert rows["Cloudway EHR Hosting"].vendor.risk_tier
    assert rows["BrightLine Answering Service"].needs_agreement
    assert not rows["Metro Fiber"].vendor.is_business_associate
    kinds = {g.kind for g in selectors.gaps(org)}
    assert {"no_agreement", "provisions"} <= kinds
    assert selectors.breach_reporting_days(ctx.partner) == 5


def test_the_command_line(cast: Any, tmp_path: Any) -> None:
    from django.core.management import CommandError, call_command

    bad = tmp_path / "bad.csv"
    bad.write_text("name,phi_access\nA,bogus\n")
    good = tmp_path / "good.csv"
    good.write_text("name,phi_access\nCli Vendor,full\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "vendors",
            "import",
            str(bad),
            "--org",
            "acme",
            "--user",
            cast.officer.email,
            stdout=out,
            stderr=err,
        )
    assert raised.value.returncode == 1 and "line 2, phi_access" in err.getvalue()
    with pytest.raises(CommandError) as raised:
        call_command("vendors", "import", str(good), "--org", "nope", "--user", cast.officer.email)
    assert raised.value.returncode == 2 and "--org" in str(raised.value)
    with pytest.raises(CommandError) as raised:
        call_command("vendors", "import", str(good), "--org", "acme", "--user", cast.outsider.email)
    assert raised.value.returncode == 2 and "not a member" in str(raised.value)
    call_command(
        "vendors",
        "import",
        str(good),
        "--org",
        "acme",
        "--user",
        cast.officer.email,
        "--dry-run",
        stdout=out,
    )
    assert not Vendor.objects.filter(name="Cli Vendor").exists()
    call_command(
        "vendors", "import", str(good), "--org", "acme", "--user", cast.officer.email, stdout=out
    )
    assert Vendor.objects.filter(organization=cast.org, name="Cli Vendor").exists()
    csv_out = io.StringIO()
    call_command("vendors", "register", "--org", "acme", "--format", "csv", stdout=csv_out)
    assert (
        csv_out.getvalue().startswith("vendor,relationship") and "Cli Vendor" in csv_out.getvalue()
    )
    with pytest.raises(CommandError) as raised:
        call_command("vendors", "reminders", "--date", "23/11/2026")
    assert raised.value.returncode == 2


def test_an_incident_names_the_vendors_involved(cast: Any, officer: Any, client_for: Any) -> None:
    from hipaaops.incidents import services as incident_services

    vendor = services.create_vendor(officer, name="Host", phi_access="full")
    services.record_determination(officer, vendor, handles_phi=True)
    _signed(officer, vendor, breach_report_days=5, breach_report_day_kind="business")
    incident = incident_services.report_incident(
        officer, title="Host reports a breach", category="other", discovered_on=timezone.localdate()
    )
    other = access_organization(cast.outsider, cast.other_org.slug)
    stranger = services.create_vendor(other, name="Not Yours")
    with pytest.raises(DomainError) as raised:
        incident_services.link_vendors(officer, incident, [vendor.pk, stranger.pk])
    assert raised.value.field == "vendors" and incident.vendors.count() == 0
    client = client_for(cast.officer)
    url = f"/o/{cast.org.slug}/incidents/{incident.pk}/"
    assert client.post(f"{url}vendors/", {"vendors": [stranger.pk]}).status_code == 400
    assert client.post(f"{url}vendors/", {"vendors": [vendor.pk]}).status_code == 302
    page = client.get(url).content.decode()
    assert "within 5 business days of its discovery" in page
    assert incident.timeline.filter(text__contains="Vendors involved: Host").exists()
    vendor_page = client.get(f"/o/{cast.org.slug}/vendors/{vendor.pk}/").content.decode()
    assert incident.reference in vendor_page
