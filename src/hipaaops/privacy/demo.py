"""The demo practice's rights requests: an access request due soon, an amendment that was
extended, and an access request answered with its fee."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hipaaops.core.demo import SIGN_IN_EMAIL, DemoContext, register


@register(70, "privacy")
def load_requests(ctx: DemoContext) -> None:
    from hipaaops.organizations.access import access_organization
    from hipaaops.privacy import services

    org = ctx.organization
    officer = ctx.people[SIGN_IN_EMAIL]
    access = access_organization(officer, org.slug)
    today = timezone.localdate()
    services.receive_request(
        access,
        right="access",
        received_on=today - timedelta(days=24),
        requester="Marisol Vega",
        contact="marisol.vega@example.net",
        channel="patient portal",
        identity_verification="Signed in to the patient portal with her own account.",
        form_and_format="Electronic copy (PDF) by secure e-mail",
        summary="Visit notes and lab results for 2025.",
        assignee=officer.pk,
    )
    amendment = services.receive_request(
        access,
        right="amendment",
        received_on=today - timedelta(days=50),
        requester="Hector Lindqvist",
        channel="mail",
        identity_verification="Signature matched the one on file.",
        summary="Asks to correct the allergy list (penicillin recorded by mistake).",
        assignee=officer.pk,
    )
    services.extend_request(
        access,
        amendment,
        extended_on=today - timedelta(days=20),
        reason="The prescribing clinician is on leave until next month and must review the entry.",
    )
    answered = services.receive_request(
        access,
        right="access",
        received_on=today - timedelta(days=40),
        requester="Dana Whitlock",
        individual="Leo Whitlock",
        representative_basis="Parent of a minor child",
        channel="in person",
        identity_verification="Driver's licence and birth certificate seen at the front desk.",
        form_and_format="Paper copy by mail",
        assignee=ctx.people["frontdesk@lakeside.example"].pk,
    )
    services.set_fee(
        access,
        answered,
        labor_hours="0.5",
        labor_rate_per_hour="24",
        supplies="3.20",
        postage="1.50",
        mailed=True,
    )
    services.respond(
        access,
        answered,
        status="granted",
        sent_on=today - timedelta(days=31),
        summary="Copy mailed with the itemized fee.",
    )


@register(71, "privacy-disclosures")
def load_disclosures(ctx: DemoContext) -> None:
    from hipaaops.organizations.access import access_organization
    from hipaaops.privacy.disclosures import import_disclosures

    access = access_organization(ctx.people[SIGN_IN_EMAIL], ctx.organization.slug)
    report = import_disclosures(
        access,
        "individual_name,individual_id,disclosed_on,recipient,description,purpose,exemption,suspended_until\n"
        "Marisol Vega,LFM-10442,2026-02-11,Clark County Public Health,Measles test result,Required public health report,,\n"
        "Hector Lindqvist,LFM-20318,2026-05-03,State Workers' Compensation Board,Visit notes for a work injury,Workers' compensation claim,,\n"
        "Marisol Vega,LFM-10442,2026-06-20,Riverside Pediatrics,Immunization history,Care coordination,treatment_payment_operations,\n",
        source="EHR release-of-information log",
    )
    assert report.imported, report.errors


@register(72, "privacy-program")
def load_program(ctx: DemoContext) -> None:
    from hipaaops.organizations.access import access_organization
    from hipaaops.privacy import program

    access = access_organization(ctx.people[SIGN_IN_EMAIL], ctx.organization.slug)
    today = timezone.localdate()
    notice = program.add_notice_version(
        access,
        version="2026-1",
        effective_on=today - timedelta(days=300),
        summary_of_changes="Adds the right to restrict disclosures to a health plan for items paid in full.",
    )
    program.record_posting(
        access, notice, where="Both waiting rooms", posted_on=today - timedelta(days=300)
    )
    program.record_posting(
        access, notice, where="lakeside.example/privacy", posted_on=today - timedelta(days=299)
    )
    program.record_acknowledgement(
        access,
        notice,
        name="Marisol Vega",
        identifier="LFM-10442",
        first_service_on=today - timedelta(days=90),
        obtained=True,
    )
    program.record_acknowledgement(
        access,
        notice,
        name="Walk-in patient",
        identifier="LFM-30977",
        first_service_on=today - timedelta(days=30),
        obtained=False,
        reason_not_obtained="Seen in an emergency; the notice was handed over and the patient declined to sign.",
    )
    complaint = program.receive_complaint(
        access,
        received_on=today - timedelta(days=45),
        summary="A patient heard her diagnosis discussed at the front desk within earshot of the waiting room.",
        handled_by=ctx.people[SIGN_IN_EMAIL].pk,
    )
    program.dispose_complaint(
        access,
        complaint,
        disposed_on=today - timedelta(days=30),
        disposition="Front-desk staff retrained; check-in conversations now move to the side window. Patient informed.",
        sanction_reference="Verbal warning, workforce file W-2026-03",
    )
