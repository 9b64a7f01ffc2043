"""The audit binder's parts from the modules that exist so far: the Security Rule implementation
statement and register, the evidence documents on file by the as-of date, and the latest mock
audit held by then. Other modules add theirs with ``binder.section``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import IO, TYPE_CHECKING

from django.core.files.storage import default_storage
from django.utils import timezone

from hipaaops.readiness.binder import BinderFile, bytes_chunks, file_chunks, section, text_chunks

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization


def end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


@section("safeguards", "Security Rule implementation (45 CFR 164.306(d)(3), 164.316)", 20)
def safeguards_part(org: Organization, as_of: date) -> Iterator[BinderFile]:
    from hipaaops.safeguards import exports
    from hipaaops.safeguards.models import SafeguardItem

    if not SafeguardItem.objects.filter(organization=org).exists():
        return
    yield BinderFile(
        "safeguards/security-rule-implementation-statement.pdf",
        "Security Rule implementation statement, with the addressable decisions",
        bytes_chunks(lambda: exports.statement_pdf(org)),
    )
    yield BinderFile(
        "safeguards/safeguard-register.csv",
        "Safeguard register (CSV)",
        text_chunks(lambda: exports.csv_lines(exports.rows(org))),
    )


@section("evidence", "Evidence on file", 90)
def evidence_part(org: Organization, as_of: date) -> Iterator[BinderFile]:
    from hipaaops.readiness.binder import safe_name
    from hipaaops.safeguards.models import Document

    documents = (
        Document.objects.filter(organization=org, uploaded_at__lte=end_of(as_of))
        .order_by("pk")
        .only("pk", "title", "file", "original_name")
        .iterator(chunk_size=500)
    )
    for document in documents:
        stored = str(document.file.name or "")
        name = document.original_name or stored
        extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
        yield BinderFile(
            f"evidence/{document.pk:06d}-{safe_name(name, extension)}",
            document.title,
            file_chunks(_opener(stored)),
        )


def _opener(stored: str) -> Callable[[], IO[bytes]]:
    def open_file() -> IO[bytes]:
        handle: IO[bytes] = default_storage.open(stored, "rb")
        return handle

    return open_file


@section("readiness", "Mock audit against the OCR audit protocol", 80)
def readiness_part(org: Organization, as_of: date) -> Iterator[BinderFile]:
    from hipaaops.readiness import exports
    from hipaaops.readiness.models import MockAudit

    audit = (
        MockAudit.objects.filter(organization=org, held_on__lte=as_of)
        .order_by("-held_on", "-pk")
        .first()
    )
    if audit is None:
        return
    yield BinderFile(
        f"readiness/mock-audit-{audit.held_on.isoformat()}.csv",
        f"{audit.title}: every inquiry with its status and response",
        text_chunks(lambda: exports.responses_csv(audit)),
    )
