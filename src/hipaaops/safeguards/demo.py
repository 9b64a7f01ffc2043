"""The demo practice's safeguard register, partly filled in, through the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hipaaops.core.demo import SIGN_IN_EMAIL, DemoContext, register

IMPLEMENTED = [
    (
        "164.308(a)(1)(ii)(A)",
        SIGN_IN_EMAIL,
        "Annual risk analysis with the HHS SRA Tool, last done in March; covers the cloud EHR, "
        "the file server, the patient portal and the billing service's connection.",
    ),
    (
        "164.308(a)(2)",
        "owner@lakeside.example",
        "Jordan Reyes is the designated security official (board minutes, January).",
    ),
    (
        "164.312(a)(2)(i)",
        "it@lakeside.example",
        "Every person has their own EHR and workstation account; shared logins are forbidden "
        "by the **access policy** and checked in the quarterly access review.",
    ),
    (
        "164.312(a)(2)(iii)",
        "it@lakeside.example",
        "- Workstations lock after 10 minutes (group policy)\n"
        "- The EHR and hipaaops sign users out after 15 minutes idle",
    ),
    (
        "164.312(a)(2)(iv)",
        "it@lakeside.example",
        "Encryption at rest: BitLocker (XTS-AES 256) on every workstation and laptop, an "
        "encrypted volume on the file server; the EHR vendor encrypts its database "
        "(BAA, section 4).",
    ),
    (
        "164.308(a)(7)(ii)(A)",
        "it@lakeside.example",
        "Nightly encrypted backups of the file server to a second site; monthly restore test.",
    ),
    (
        "164.308(a)(5)(ii)(B)",
        "it@lakeside.example",
        "Managed endpoint protection on every workstation; alerts go to the IT coordinator.",
    ),
    (
        "164.310(a)(2)(iii)",
        "it@lakeside.example",
        "Visitors sign in at the front desk and are escorted; the server closet is locked and "
        "its two keys are logged.",
    ),
]

IN_PROGRESS = [
    ("164.308(a)(1)(ii)(B)", SIGN_IN_EMAIL, 60, "Risk management plan drafted; owners assigned."),
    (
        "164.308(a)(7)(ii)(B)",
        "it@lakeside.example",
        90,
        "Restore order agreed with the EHR vendor.",
    ),
    ("164.310(d)(2)(i)", "it@lakeside.example", 45, "Choosing a certified disposal vendor."),
    ("164.308(a)(5)(ii)(A)", SIGN_IN_EMAIL, 30, "Monthly reminder e-mails start next quarter."),
]


@register(20, "safeguards")
def load_safeguards(ctx: DemoContext) -> None:
    from hipaaops.organizations.access import access_organization
    from hipaaops.safeguards import reference
    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.safeguards.services import (
        answer_question,
        ensure_register,
        record_decision,
        take_snapshot,
        update_item,
    )

    org = ctx.organization
    officer = ctx.people[SIGN_IN_EMAIL]
    access = access_organization(officer, org.slug)
    today = timezone.localdate()
    ensure_register(org, actor=officer)
    # The trend's first point: where the practice stood a month ago, before this round of work.
    take_snapshot(org, actor=officer, trigger="demo", on=today - timedelta(days=30))
    items = {i.citation: i for i in SafeguardItem.objects.filter(organization=org)}

    for citation, email, text in IMPLEMENTED:
        update_item(
            access,
            items[citation],
            status="implemented",
            owner=ctx.people[email],
            implementation=text,
            last_reviewed_on=today - timedelta(days=20),
            next_review_on=today + timedelta(days=345),
        )
    for citation, email, days, text in IN_PROGRESS:
        update_item(
            access,
            items[citation],
            status="in_progress",
            owner=ctx.people[email],
            target_date=today + timedelta(days=days),
            implementation=text,
        )
    owner = ctx.people["owner@lakeside.example"]
    record_decision(
        access,
        items["164.312(a)(2)(iv)"],
        choice="implement_as_specified",
        rationale="Laptops leave the building and the file server holds scanned records: loss "
        "or theft is likely and the harm high, while full-disk encryption is built into the "
        "operating systems we already run.",
        factors=["probability_and_criticality_of_risks", "cost", "technical_infrastructure"],
        approver=owner,
        decided_on=today - timedelta(days=25),
        review_on=today + timedelta(days=340),
    )
    record_decision(
        access,
        items["164.312(a)(2)(iii)"],
        choice="implement_as_specified",
        rationale="Exam-room workstations are left unattended between patients; automatic "
        "logoff costs nothing with the tools we have.",
        factors=["probability_and_criticality_of_risks", "cost"],
        approver=owner,
        decided_on=today - timedelta(days=25),
        review_on=today + timedelta(days=340),
    )
    record_decision(
        access,
        items["164.310(a)(2)(iii)"],
        choice="equivalent_alternative",
        rationale="An electronic badge system for two small offices would cost more than the "
        "risk warrants; staff know every visitor and ePHI sits in one locked closet.",
        alternative="Front-desk visitor log with escort, a locked server closet with a key log, "
        "and a quarterly check of the log by the security official.",
        factors=["size_and_complexity", "cost", "probability_and_criticality_of_risks"],
        approver=owner,
        decided_on=today - timedelta(days=20),
        review_on=today + timedelta(days=345),
    )
    answers = [
        "All ePHI is in the cloud EHR, the file server (scans) and the billing exchange; the "
        "data-flow diagram was updated in March.",
        "Yes: the IT coordinator keeps the hardware and software inventory in the shared drive.",
        "Quarterly, and whenever a device is bought or retired.",
    ]
    standard = reference.standard_of(reference.entry("164.308(a)(1)(ii)(A)"))
    questions = [q for ka in reference.key_activities_for(standard.citation) for q in ka.questions]
    for q, text in zip(questions, answers, strict=False):
        answer_question(access, question_id=q.id, answer=text)
    from django.core.files.base import ContentFile

    from hipaaops.safeguards.services import attach_document

    log = ContentFile(
        (
            "Restore test, file server backup\n"
            f"Date: {today - timedelta(days=12):%Y-%m-%d}\n"
            "Restored: /scans/2026 (1,204 files) to a test volume; checksums matched.\n"
            "Time to restore: 38 minutes. Tested by: Sam Patel.\n"
        ).encode(),
        name="restore-test.txt",
    )
    attach_document(
        access,
        log,
        title="Monthly restore test log",
        items=[items["164.308(a)(7)(ii)(A)"], items["164.308(a)(7)(ii)(D)"]],
    )
    take_snapshot(org, actor=officer, trigger="demo")
