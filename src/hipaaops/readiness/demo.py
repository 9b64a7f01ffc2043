"""The demo practice's mock audits: a Phase 2 desk-audit rehearsal four months ago and this
year's full mock audit under way, so the comparison, the score and a remediation item show.
Loaded last, so that every module's documents are there to be proposed."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hipaaops.core.demo import SIGN_IN_EMAIL, DemoContext, register

REHEARSAL = {
    "S004": (
        "partly",
        "The 2025 analysis used the HHS SRA Tool questionnaire only; it does not "
        "list the systems holding ePHI one by one.",
    ),
    "S005": ("not_satisfied", ""),
    "P057": (
        "satisfied",
        "Notice of privacy practices posted in both waiting rooms and on the "
        "website; copies at the front desk.",
    ),
    "B012": (
        "satisfied",
        "Breach notification procedure sets the 60-day limit; no breach in the period.",
    ),
}
ANNUAL = {
    "S004": (
        "satisfied",
        "Asset-level risk analysis in hipaaops: every system holding ePHI, its "
        "threats and vulnerabilities, rated and owned; reviewed by the owner.",
    ),
    "S005": (
        "partly",
        "Risk management plan drafted with owners; two items still without a due date.",
    ),
    "S006": (
        "satisfied",
        "Sanction policy in the workforce handbook; two sanctions recorded last year.",
    ),
    "S008": ("satisfied", "Jordan Reyes is the designated security official (board minutes)."),
    "S046": (
        "satisfied",
        "Unique EHR and workstation accounts for every person; shared logins "
        "forbidden and checked in the access review.",
    ),
    "S048": (
        "satisfied",
        "Workstations lock after 10 minutes; the EHR and hipaaops sign users "
        "out after 15 minutes idle.",
    ),
    "S049": (
        "satisfied",
        "BitLocker on every workstation and laptop; encrypted file server "
        "volume; the EHR vendor encrypts its database (BAA section 4).",
    ),
    "S026": ("not_satisfied", ""),
    "P057": (
        "satisfied",
        "Notice of privacy practices posted in both waiting rooms and on the "
        "website; copies at the front desk.",
    ),
    "B012": ("satisfied", "Breach notification procedure sets the 60-day limit."),
}


@register(900, "readiness")
def load_readiness(ctx: DemoContext) -> None:
    from hipaaops.organizations.access import access_organization
    from hipaaops.readiness.models import InquiryResponse, MockAudit
    from hipaaops.readiness.services import add_remediation, start_mock_audit, update_response

    org = ctx.organization
    officer = ctx.people[SIGN_IN_EMAIL]
    access = access_organization(officer, org.slug)
    today = timezone.localdate()

    def answer(audit: MockAudit, answers: dict[str, tuple[str, str]]) -> None:
        for inquiry_id, (status, narrative) in answers.items():
            response = InquiryResponse.objects.get(mock_audit=audit, inquiry_id=inquiry_id)
            update_response(access, response, status=status, narrative=narrative)

    rehearsal = start_mock_audit(
        access,
        title="Phase 2 desk audit rehearsal",
        held_on=today - timedelta(days=120),
        scope="phase2_desk",
    )
    answer(rehearsal, REHEARSAL)
    annual = start_mock_audit(
        access, title="Annual mock audit", held_on=today - timedelta(days=7), scope="all"
    )
    answer(annual, ANNUAL)
    gap = InquiryResponse.objects.get(mock_audit=annual, inquiry_id="S026")
    add_remediation(
        access,
        gap,
        title="Write and test the contingency plan's restore order with the EHR vendor",
        owner=ctx.people["it@lakeside.example"],
        due_on=today + timedelta(days=45),
    )
    partly = InquiryResponse.objects.get(mock_audit=annual, inquiry_id="S005")
    add_remediation(
        access,
        partly,
        title="Give every open risk management item a due date and an owner",
        owner=officer,
        due_on=today + timedelta(days=21),
    )
