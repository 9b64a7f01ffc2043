"""Notification letters: every element of 164.404(c)(1), the variants of 164.404(d)(1), the
reading grade, the print-ready PDF, the mail-house file, and refusals while an element is missing."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import DomainError
from hipaaops.incidents import letters, services
from hipaaops.incidents.rules import RuleInputError
from hipaaops.incidents.rules import letters as rules
from hipaaops.organizations.access import access_organization

CONTENT = rules.NoticeContent(
    what_happened="A laptop was stolen from a locked car.",
    breach_date=date(2026, 3, 1),
    discovery_date=date(2026, 3, 2),
    information=("name", "ssn", "clinical"),
    steps="",
    what_we_are_doing="We are encrypting every laptop and we told the police.",
    phone="1-800-555-0100",
    email="privacy@acme.test",
    website="",
    postal_address="",
    organization="Acme Clinic",
    signer="Bob Officer",
)


def test_a_letter_holds_every_element_of_164_404_c_1() -> None:
    parts = rules.letter(CONTENT, name="Ada Quill")
    text = rules.letter_text(parts)
    assert parts["salutation"] == "Dear Ada Quill:"
    # (A) what happened, with the date of the breach and of its discovery
    assert "stolen" in text and "March 1, 2026" in text and "March 2, 2026" in text
    # (B) the types of PHI
    assert "your Social Security number" in text and "information about your care" in text
    # (C) steps, fitted to an SSN
    assert any("credit freeze" in s for s in parts["steps"])  # type: ignore[union-attr]
    # (D) what the entity is doing
    assert "encrypting every laptop" in text
    # (E) contact procedures with a toll-free number
    assert "toll-free at 1-800-555-0100" in text and "privacy@acme.test" in text


def test_the_variants_for_next_of_kin_and_parents() -> None:
    kin = rules.letter(CONTENT, name="Ada Quill", recipient=rules.Recipient.NEXT_OF_KIN)
    assert kin["salutation"] == "To the family of Ada Quill:"
    assert "Ada Quill's Social Security number" in str(kin["what_involved"])
    parent = rules.letter(CONTENT, name="Sam Quill", recipient=rules.Recipient.PARENT_OR_GUARDIAN)
    assert parent["salutation"] == "To the parent or guardian of Sam Quill:"
    assert "your child Sam Quill's" in str(parent["opening"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"what_happened": " "}, "what_happened"),
        ({"information": ()}, "information"),
        ({"what_we_are_doing": ""}, "what_we_are_doing"),
        ({"phone": ""}, "phone"),
        ({"email": "", "website": "", "postal_address": ""}, "email"),
        ({"information": ("dna",)}, "information"),
    ],
)
def test_a_letter_is_refused_while_an_element_is_missing(
    change: dict[str, Any], field: str
) -> None:
    from dataclasses import replace

    with pytest.raises(RuleInputError) as raised:
        rules.letter(replace(CONTENT, **change), name="Ada")
    assert raised.value.field == field


def test_the_reading_grade() -> None:
    assert rules.grade_level("") == 0.0
    simple = rules.grade_level("We lost a box. It had your name. Call us. We are sorry.")
    hard = rules.grade_level(
        "Notwithstanding the aforementioned circumstances, unauthorized individuals potentially "
        "exfiltrated comprehensive demographic and diagnostic documentation."
    )
    assert simple < rules.PLAIN_LANGUAGE_GRADE < hard
    assert rules.syllables("care") == 1 and rules.syllables("information") >= 4


# ---------------------------------------------------------------------------- with the database

PEOPLE = (
    "name,address,state,email,phone,deceased,minor,contact_insufficient\n"
    'Ada Quill,"1 Main St, Salem, OR 97301",OR,ada@example.net,,no,no,no\n'
    'Ben Stroud,"2 Elm, Tacoma, WA",WA,,,yes,no,no\n'
    'Cy Marr,"3 Oak, Spokane, WA",WA,,,no,yes,no\n'
    "Dee Holt,,WA,,,no,no,yes\n"
)


@pytest.fixture
def ready(cast: Any) -> Any:
    access = access_organization(cast.officer, cast.org.slug)
    incident = services.report_incident(
        access,
        title="Stolen laptop",
        category="lost_or_stolen_device",
        occurred_on=timezone.localdate() - timedelta(days=3),
        discovered_on=timezone.localdate() - timedelta(days=2),
    )
    services.import_individuals(access, incident, PEOPLE)
    notice = services.set_notice_content(
        access,
        incident,
        what_happened="A laptop was stolen.",
        information=["name", "dob"],
        what_we_are_doing="We encrypt every laptop now.",
        phone="1-800-555-0100",
        email="privacy@acme.test",
    )
    return access, incident, notice


@pytest.mark.django_db
def test_the_print_ready_pdf_has_one_letter_per_reachable_person(ready: Any) -> None:
    _, incident, notice = ready
    [(first, pdf)] = list(letters.batches(incident, notice))
    assert first == 1
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Dear Ada Quill:" in text and "Salem, OR 97301" in text
    assert "To the family of Ben Stroud:" in text
    assert "To the parent or guardian of Cy Marr:" in text
    assert "Dee Holt" not in text  # no contact information: the substitute notice covers her
    assert text.count("What information was involved.") == 3


@pytest.mark.django_db
def test_batches_hold_at_most_the_batch_size(ready: Any) -> None:
    _, incident, notice = ready
    numbered = [first for first, _ in letters.batches(incident, notice, size=2)]
    assert numbered == [1, 3]


@pytest.mark.django_db
def test_notice_content_is_validated(ready: Any) -> None:
    access, incident, _ = ready
    with pytest.raises(DomainError) as raised:
        services.set_notice_content(access, incident, information=["dna"])
    assert raised.value.field == "information"
    with pytest.raises(DomainError) as raised:
        services.set_notice_content(access, incident, email="nope")
    assert raised.value.field == "email"


@pytest.mark.django_db
def test_pages_give_letters_and_the_mailhouse_file_and_audit_them(
    cast: Any, client_for: Any, ready: Any
) -> None:
    _, incident, _ = ready
    client = client_for(cast.officer)
    base = f"/o/{cast.org.slug}/incidents/{incident.pk}/"
    page = client.get(base)
    assert b"Reading level" in page.content
    exports = AuditEntry.objects.filter(action="export", object_id=str(incident.pk)).count()
    pdf = client.get(f"{base}letters.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    mail = b"".join(client.get(f"{base}mailhouse.csv").streaming_content).decode()
    assert mail.splitlines()[0] == "letter,line,addressee,address,state,email,variant"
    assert "The family of Ben Stroud" in mail and "Dee Holt" not in mail
    person = incident.individuals.get(line=2)
    one = client.get(f"{base}letters/{person.pk}.pdf")
    assert one.status_code == 200
    assert (
        AuditEntry.objects.filter(action="export", object_id=str(incident.pk)).count()
        == exports + 3
    )
    assert client_for(cast.contributor).get(f"{base}letters.pdf").status_code == 403
    assert client_for(cast.outsider).get(f"{base}mailhouse.csv").status_code == 404


@pytest.mark.django_db
def test_parallel_batches_come_back_in_order_and_match(ready: Any) -> None:
    _, incident, notice = ready
    on = date(2026, 11, 2)
    alone = list(letters.batches(incident, notice, size=2, on=on))
    parallel = list(letters.batches(incident, notice, size=2, on=on, workers=2))
    assert [n for n, _ in parallel] == [1, 3]
    for (_, a), (_, b) in zip(alone, parallel, strict=True):
        text_a = "".join(p.extract_text() for p in PdfReader(io.BytesIO(a)).pages)
        text_b = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b)).pages)
        assert text_a == text_b
