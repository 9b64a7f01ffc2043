"""The demo practice's business associates: an EHR host with a full agreement that ends soon and
an accepted security review, the billing company (the partner organization) with its own
clearinghouse subcontractor, a shredding company whose agreement ended with a certificate, an
answering service still without an agreement, and the internet provider (a mere conduit). The
billing company, a business associate itself, records the practice upstream with a five-business-
day breach-reporting limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from hipaaops.core.demo import SIGN_IN_EMAIL, DemoContext, register


def _pdf(title: str, body: str) -> Any:
    """A real PDF made by typst, for the demo's documents."""
    import json

    import typst
    from django.core.files.base import ContentFile

    source = (
        b'#let d = json(bytes(sys.inputs.d))\n#set text(font: "Libertinus Serif")\n'
        b"= #d.title\n#d.body\n"
    )
    pdf = typst.compile(
        source,
        format="pdf",
        sys_inputs={"d": json.dumps({"title": title, "body": body})},
        ignore_system_fonts=True,
    )
    name = title.lower().replace(" ", "-")[:60] + ".pdf"
    return ContentFile(pdf, name=name)


@register(40, "vendors")
def load_vendors(ctx: DemoContext) -> None:
    from hipaaops.organizations.access import access_organization
    from hipaaops.vendors import rules, services

    org = ctx.organization
    officer = ctx.people[SIGN_IN_EMAIL]
    access = access_organization(officer, org.slug)
    today = timezone.localdate()
    all_present = {
        p.key: {"state": "present", "where": f"section {i + 2}"}
        for i, p in enumerate(rules.provisions())
    }

    ehr = services.create_vendor(
        access,
        name="Cloudway EHR Hosting",
        services="Hosts the practice's electronic health record and its backups.",
        phi_access="full",
        phi_kinds=["demographics", "clinical notes", "lab results", "insurance"],
        locations="AWS us-east-1 and us-west-2",
        operates="EHR application servers, database, nightly backups",
        contacts=[{"name": "Priya Natarajan", "email": "security@cloudway.example"}],
    )
    services.record_determination(access, ehr, handles_phi=True, note="Stores the whole record.")
    baa = services.create_agreement(
        access,
        ehr,
        title="Business associate agreement with Cloudway EHR Hosting",
        stage="signed",
        parties="Lakeside Family Practice and Cloudway Health Systems, Inc.",
        signatories=[
            {
                "name": "Dr. Maya Chen",
                "title": "Managing physician",
                "signed_on": today - timedelta(days=1050),
            }
        ],
        effective_on=today - timedelta(days=1050),
        expires_on=today + timedelta(days=45),
        breach_report_days=10,
        breach_report_day_kind="calendar",
    )
    services.set_provisions(access, baa, all_present)
    services.add_agreement_document(
        access,
        baa,
        _pdf("Business associate agreement", "Cloudway EHR Hosting and Lakeside Family Practice."),
        note="Signed copy",
    )
    review, token = services.send_questionnaire(access, ehr, sent_to="security@cloudway.example")
    answers = {q.id: "yes" for q in rules.questionnaire().questions}
    answers["pen_test"] = "partly"
    services.submit_answers(
        token,
        respondent={
            "name": "Priya Natarajan",
            "title": "Security lead",
            "email": "security@cloudway.example",
        },
        answers=answers,
        comments={"pen_test": "Last external test in March; two medium findings still open."},
        reports=[
            {
                "kind": "soc2_type2",
                "expires_on": today + timedelta(days=200),
                "upload": _pdf(
                    "SOC 2 Type II report summary",
                    "Cloudway Health Systems, period ending last June.",
                ),
            }
        ],
    )
    services.decide_review(
        access, review, accept=True, note="Open pen-test findings tracked with the vendor."
    )

    billing = services.create_vendor(
        access,
        name="Northwind Billing Services",
        services="Claims submission and patient statements.",
        phi_access="full",
        phi_kinds=["demographics", "insurance", "diagnosis and procedure codes"],
        locations="United States",
        contacts=[{"name": "Tom Alvarez", "email": "privacy@northwind.example"}],
    )
    services.record_determination(access, billing, handles_phi=True)
    billing_baa = services.create_agreement(
        access,
        billing,
        title="Business associate agreement with Northwind Billing Services",
        stage="signed",
        effective_on=today - timedelta(days=400),
        expires_on=today - timedelta(days=35),
        auto_renews=True,
        renewal_months=12,
        breach_report_days=5,
        breach_report_day_kind="business",
    )
    checklist = dict(all_present)
    checklist["books_records"] = {"state": "missing", "where": "", "note": "Ask for an amendment."}
    services.set_provisions(access, billing_baa, checklist)
    services.create_vendor(
        access,
        name="ClearPath Clearinghouse",
        parent=billing,
        services="Forwards Northwind's claims to payers.",
        phi_access="full",
        phi_kinds=["insurance", "diagnosis and procedure codes"],
    )

    shred = services.create_vendor(
        access,
        name="ScanRight Shredding",
        services="Paper records destruction (contract ended when the practice went paperless).",
        phi_access="full",
    )
    services.record_determination(access, shred, handles_phi=True)
    old = services.create_agreement(
        access,
        shred,
        title="Business associate agreement with ScanRight Shredding",
        stage="signed",
        effective_on=today - timedelta(days=1500),
    )
    services.set_provisions(access, old, all_present)
    services.terminate_agreement(
        access, old, terminated_on=today - timedelta(days=90), reason="Practice went paperless."
    )
    services.record_disposition(
        access,
        old,
        method="destroyed",
        confirmed_on=today - timedelta(days=80),
        certificate=_pdf(
            "Certificate of destruction", "All remaining paper records were cross-cut shredded."
        ),
    )
    services.offboard_vendor(
        access, shred, reason="Contract ended; certificate of destruction on file."
    )

    phones = services.create_vendor(
        access,
        name="BrightLine Answering Service",
        services="After-hours calls; takes messages with patient names and symptoms.",
        phi_access="limited",
        phi_kinds=["names", "phone numbers", "symptoms"],
    )
    services.record_determination(access, phones, handles_phi=True)
    services.create_agreement(
        access,
        phones,
        title="Business associate agreement with BrightLine Answering Service",
        stage="requested",
    )
    isp = services.create_vendor(
        access, name="Metro Fiber", services="Internet access for the clinic.", phi_access="none"
    )
    services.record_determination(
        access, isp, handles_phi=True, only_transmits=True, note="Carries encrypted traffic only."
    )

    # The partner is a billing company, a business associate: the practice is upstream.
    partner = ctx.partner
    partner_access = access_organization(officer, partner.slug)
    practice = services.create_vendor(
        partner_access,
        name=org.name,
        relationship="upstream",
        services="Claims and statements for the practice.",
        phi_access="full",
    )
    upstream = services.create_agreement(
        partner_access,
        practice,
        title=f"Business associate agreement with {org.name}",
        stage="signed",
        effective_on=today - timedelta(days=400),
        expires_on=today + timedelta(days=330),
        breach_report_days=5,
        breach_report_day_kind="business",
    )
    services.set_provisions(partner_access, upstream, all_present)
    clearing = services.create_vendor(
        partner_access,
        name="ClearPath Clearinghouse",
        services="Forwards claims to payers.",
        phi_access="full",
    )
    services.record_determination(partner_access, clearing, handles_phi=True)
