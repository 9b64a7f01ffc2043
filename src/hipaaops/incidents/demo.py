"""The demo practice's incidents: a misdirected fax judged a low probability of compromise and
closed, and a phished mailbox that is a breach with its notices under way (individuals loaded,
deadlines on the dashboard)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hipaaops.core.demo import SIGN_IN_EMAIL, DemoContext, register

FIRST = [
    "Avery",
    "Jordan",
    "Riley",
    "Casey",
    "Morgan",
    "Quinn",
    "Rowan",
    "Emerson",
    "Hayden",
    "Parker",
    "Sawyer",
    "Reese",
]
LAST = [
    "Lindqvist",
    "Okafor",
    "Marsh",
    "Delgado",
    "Nakamura",
    "Brennan",
    "Haddad",
    "Ferreira",
    "Kowalski",
    "Abernathy",
    "Osei",
    "Whitlock",
]


def _individuals_csv(count_wa: int, count_or: int, unreachable: int) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["name", "address", "state", "email", "phone", "deceased", "minor", "contact_insufficient"]
    )
    n = 0
    for state, count in (("WA", count_wa), ("OR", count_or)):
        for _ in range(count):
            first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
            no_contact = n < unreachable
            address = "" if no_contact else f"{100 + n} Alder Street, Vancouver, {state}"
            email = "" if no_contact else f"{first.lower()}.{last.lower()}{n}@example.net"
            minor = "yes" if n % 97 == 5 else "no"
            writer.writerow(
                [
                    f"{first} {last}",
                    address,
                    state,
                    email,
                    "",
                    "no",
                    minor,
                    "yes" if no_contact else "no",
                ]
            )
            n += 1
    return buffer.getvalue()


@register(60, "incidents")
def load_incidents(ctx: DemoContext) -> None:
    from hipaaops.incidents import services
    from hipaaops.organizations.access import access_organization

    org = ctx.organization
    officer = ctx.people[SIGN_IN_EMAIL]
    owner = ctx.people["owner@lakeside.example"]
    access = access_organization(officer, org.slug)
    owner_access = access_organization(owner, org.slug)
    today = timezone.localdate()

    fax = services.report_incident(
        access,
        title="Lab results faxed to the wrong clinic",
        category="misdirected",
        severity="low",
        occurred_on=today - timedelta(days=64),
        discovered_on=today - timedelta(days=63),
        discovered_by="Front desk (call from the receiving clinic)",
        reported_on=today - timedelta(days=63),
        handler=officer.pk,
        description="One page of lab results for one patient went to Riverside Pediatrics, whose "
        "office manager called us the same morning.",
    )
    services.add_timeline_entry(
        access,
        fax,
        kind="action",
        text="Riverside Pediatrics shredded the page and signed an attestation.",
    )
    services.record_determination(
        access,
        fax,
        inputs={
            "phi_involved": True,
            "assessment": {
                "nature": {
                    "identifiers": ["name", "clinical"],
                    "sensitivity": "moderate",
                    "reidentification": "low",
                    "rationale": "One page: name, date of birth and a routine lipid panel.",
                },
                "unauthorized_person": {
                    "recipient": "hipaa_bound_entity",
                    "rationale": "Another covered entity, bound by HIPAA to protect the page.",
                },
                "acquired_or_viewed": {
                    "answer": "yes",
                    "rationale": "Their office manager read it to identify the sender.",
                },
                "mitigation": {
                    "extent": "returned_or_destroyed",
                    "rationale": "Shredded the same day.",
                    "attestation": "Signed attestation of destruction from Riverside Pediatrics.",
                },
            },
        },
        summary="A single page seen only by a HIPAA-bound provider and destroyed with an attestation: low probability of compromise.",
    )
    from hipaaops.incidents.services import current_determination

    services.finalize_determination(owner_access, current_determination(fax))  # type: ignore[arg-type]
    services.change_status(
        access,
        fax,
        "closed",
        note="No notification owed; the fax cover sheet now repeats the number.",
    )

    phish = services.report_incident(
        access,
        title="Front-desk mailbox taken over through a phishing e-mail",
        category="phishing",
        severity="high",
        occurred_on=today - timedelta(days=22),
        discovered_on=today - timedelta(days=20),
        discovered_by="IT coordinator (impossible-travel alert)",
        reported_on=today - timedelta(days=20),
        handler=officer.pk,
        description="A fake voicemail notice captured the front desk's password; the mailbox "
        "held appointment reminders with names, dates of birth and visit reasons for 614 "
        "patients. Multi-factor authentication was not yet on for that shared mailbox.",
        affected_systems="Microsoft 365 mailbox frontdesk@lakeside.example",
    )
    services.change_status(
        access, phish, "contained", note="Password reset, sessions revoked, MFA enforced."
    )
    services.add_task(
        access,
        phish,
        title="Draft the notification letter and the web notice",
        assignee=officer.pk,
        due_on=today + timedelta(days=10),
    )
    services.add_task(
        access,
        phish,
        title="Confirm with the mail house",
        assignee=ctx.people["it@lakeside.example"].pk,
        due_on=today + timedelta(days=20),
    )
    services.record_determination(
        access,
        phish,
        inputs={
            "phi_involved": True,
            "assessment": {
                "nature": {
                    "identifiers": ["name", "dob", "clinical"],
                    "sensitivity": "moderate",
                    "reidentification": "high",
                    "rationale": "Names with dates of birth and visit reasons.",
                },
                "unauthorized_person": {
                    "recipient": "malicious_actor",
                    "rationale": "An unknown attacker.",
                },
                "acquired_or_viewed": {
                    "answer": "unknown",
                    "rationale": "Mailbox sign-in logs show access; we cannot tell which messages were read.",
                },
                "mitigation": {"extent": "none", "rationale": "The attacker cannot be reached."},
            },
        },
        summary="Presumed breach: a malicious actor had the mailbox for two days.",
    )
    services.finalize_determination(owner_access, current_determination(phish))  # type: ignore[arg-type]
    report = services.import_individuals(access, phish, _individuals_csv(560, 54, 12))
    assert report.imported, report.errors
    services.set_notice_content(
        access,
        phish,
        what_happened="Someone tricked a member of our front-desk staff into giving away the password "
        "to a shared e-mail box. For two days they could read the messages in it, which included "
        "appointment reminders.",
        information=["name", "dob", "clinical"],
        steps="You do not need to change anything about your care.",
        what_we_are_doing="We locked the mailbox, changed the password and turned on two-step sign-in "
        "for every mailbox. We are training our staff to spot fake e-mails, and we reported this to "
        "the Department of Health and Human Services.",
        phone="1-800-555-0142",
        email="privacy@lakeside.example",
        website="lakeside.example/notice",
        postal_address="Privacy Officer, Lakeside Family Medicine, 210 Harbor Way, Vancouver, WA 98660",
        signer="Jordan Reyes, Privacy and Security Official",
    )
    services.change_status(access, phish, "notifying")
