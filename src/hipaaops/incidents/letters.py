"""Notification letters from the notice content and the affected individuals: one PDF per
letter, print-ready batches of at most 1,000 letters, and a CSV for a mail house. People are
read in pieces, so memory does not grow with the list (45 CFR 164.404(c)-(d))."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from hipaaops.core.spreadsheet import csv_lines
from hipaaops.incidents.models import AffectedIndividual, Incident, NoticeContent
from hipaaops.incidents.rules import letters as rules
from hipaaops.incidents.rules.typeset import compile_letters

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization

TEMPLATE = Path(__file__).resolve().parent / "templates" / "incidents" / "letters.typ"
BATCH = 1000  # letters per print-ready PDF


def content_of(incident: Incident, notice: NoticeContent) -> rules.NoticeContent:
    return rules.NoticeContent(
        what_happened=notice.what_happened,
        breach_date=incident.occurred_on,
        discovery_date=incident.discovered_on,
        information=tuple(notice.information),
        steps=notice.steps,
        what_we_are_doing=notice.what_we_are_doing,
        phone=notice.phone,
        email=notice.email,
        website=notice.website,
        postal_address=notice.postal_address,
        organization=incident.organization.name,
        signer=notice.signer or incident.organization.name,
    )


def recipient_of(person: AffectedIndividual) -> str:
    if person.deceased:
        return rules.Recipient.NEXT_OF_KIN
    if person.minor:
        return rules.Recipient.PARENT_OR_GUARDIAN
    return rules.Recipient.INDIVIDUAL


def mail_name(person: AffectedIndividual) -> str:
    if person.deceased:
        return f"The family of {person.name}"
    if person.minor:
        return f"The parent or guardian of {person.name}"
    return person.name


def sample(incident: Incident, notice: NoticeContent) -> tuple[dict[str, object], float]:
    """A letter to a placeholder person, and its reading grade (the page's preview)."""
    parts = rules.letter(content_of(incident, notice), name="Pat Example")
    return parts, rules.grade_level(rules.letter_text(parts))


def people(incident: Incident, *, mailable_only: bool = True) -> Iterator[AffectedIndividual]:
    qs = AffectedIndividual.objects.filter(
        organization_id=incident.organization_id, incident=incident
    )
    if mailable_only:
        qs = qs.filter(contact_insufficient=False)  # they get the substitute notice, 164.404(d)(2)
    return qs.order_by("line").iterator(chunk_size=2000)


def _address_lines(address: str) -> list[str]:
    """ "1 Main St, Salem, OR 97301" -> ["1 Main St", "Salem, OR 97301"]: street, then the rest."""
    parts = [part.strip() for part in address.split(",") if part.strip()]
    return parts[:1] + ([", ".join(parts[1:])] if len(parts) > 1 else [])


def _letter_data(content: rules.NoticeContent, person: AffectedIndividual) -> dict[str, Any]:
    return {
        "line": person.line,
        "mail_name": mail_name(person),
        "address_lines": _address_lines(person.address),
        "parts": rules.letter(content, name=person.name, recipient=recipient_of(person)),
    }


def _batch_json(
    incident: Incident, batch: list[dict[str, Any]], first_number: int, stamp: datetime
) -> str:
    return json.dumps(
        {
            "organization": incident.organization.name,
            "reference": incident.reference,
            "return_address": "",
            "date": f"{stamp:%B} {stamp.day}, {stamp.year}",
            "first_number": first_number,
            "letters": batch,
        },
        default=str,
    )


def _pdf(
    incident: Incident, batch: list[dict[str, Any]], first_number: int, stamp: datetime
) -> bytes:
    return compile_letters(
        TEMPLATE.read_bytes(),
        _batch_json(incident, batch, first_number, stamp),
        int(stamp.timestamp()),
    )


def _letter_batches(
    incident: Incident, notice: NoticeContent, size: int
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    content = content_of(incident, notice)
    batch: list[dict[str, Any]] = []
    number = 1
    for person in people(incident):
        batch.append(_letter_data(content, person))
        if len(batch) == size:
            yield number, batch
            number += len(batch)
            batch = []
    if batch:
        yield number, batch


# typst keeps what it laid out in a cache for the life of the process, so a process that lays out
# batch after batch grows by hundreds of megabytes each time (5 GB after about ten batches of
# 1,000 letters). Batches are therefore laid out in worker processes that are replaced after
# this many batches; a single batch is laid out in place.
BATCHES_PER_WORKER = 2


def batches(
    incident: Incident,
    notice: NoticeContent,
    *,
    size: int = BATCH,
    on: date | None = None,
    workers: int = 1,
) -> Iterator[tuple[int, bytes]]:
    """Print-ready PDFs of at most ``size`` letters each, numbered from 1, in order: (first
    letter number, PDF). Typst runs in ``workers`` worker processes (spawned, and replaced every
    few batches); at most two batches per worker are in flight, so memory stays bounded."""
    stamp = timezone.make_aware(datetime.combine(on or timezone.localdate(), time(12)))
    count = AffectedIndividual.objects.filter(
        organization_id=incident.organization_id, incident=incident, contact_insufficient=False
    ).count()
    if count <= size:
        for number, batch in _letter_batches(incident, notice, size):
            yield number, _pdf(incident, batch, number, stamp)
        return
    import collections
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    workers = max(workers, 1)
    template = TEMPLATE.read_bytes()
    pending: collections.deque[tuple[int, Future[bytes]]] = collections.deque()
    # spawn, not fork: a forked copy of a process with threads and open connections can hang.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=spawn, max_tasks_per_child=BATCHES_PER_WORKER
    ) as pool:
        for number, batch in _letter_batches(incident, notice, size):
            data = _batch_json(incident, batch, number, stamp)
            pending.append(
                (number, pool.submit(compile_letters, template, data, int(stamp.timestamp())))
            )
            while len(pending) >= 2 * workers:
                first, future = pending.popleft()
                yield first, future.result()
        while pending:
            first, future = pending.popleft()
            yield first, future.result()


def one_letter(incident: Incident, notice: NoticeContent, person: AffectedIndividual) -> bytes:
    stamp = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))
    return _pdf(incident, [_letter_data(content_of(incident, notice), person)], person.line, stamp)


MAILHOUSE_COLUMNS = ["letter", "line", "addressee", "address", "state", "email", "variant"]


def mailhouse_rows(incident: Incident) -> Iterable[list[object]]:
    yield list(MAILHOUSE_COLUMNS)
    for n, person in enumerate(people(incident), start=1):
        yield [
            n,
            person.line,
            mail_name(person),
            person.address,
            person.state,
            person.email,
            recipient_of(person),
        ]


def mailhouse_csv(incident: Incident) -> Iterator[str]:
    return csv_lines(mailhouse_rows(incident))


def organization_of(incident: Incident) -> Organization:
    return incident.organization
