"""Uploaded evidence: size limit, kind from the first bytes, sanitized names, hashes, storage."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hipaaops.core.errors import DomainError
from hipaaops.safeguards.models import Document, KeyActivityAnswer
from hipaaops.safeguards.services import attach_document

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RISK_ANALYSIS = "164.308(a)(1)(ii)(A)"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_document_is_stored_hashed_and_linked_with_a_version(
    cast: Any, register: dict[str, Any], access_of: Any, _media: Path
) -> None:
    item = register[RISK_ANALYSIS]
    document = attach_document(
        access_of(cast.contributor), upload("Risk analysis.pdf", PDF), title="", items=[item]
    )
    assert document.title == "Risk analysis.pdf"
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    stored = Path(document.file.path)
    assert stored.is_relative_to(_media) and stored.read_bytes() == PDF
    assert stored.name != "Risk analysis.pdf" and stored.suffix == ".pdf"
    item.refresh_from_db()
    assert list(item.documents.all()) == [document]
    assert item.versions.get(version=2).data["documents"][0]["sha256"] == document.sha256


def test_the_kind_is_sniffed_not_taken_from_the_name(
    cast: Any, register: dict[str, Any], access_of: Any
) -> None:
    document = attach_document(access_of(cast.officer), upload("../../invoice.exe", PDF))
    assert document.content_type == "application/pdf"
    assert document.original_name == "invoice.pdf"
    assert document.file.name.endswith(".pdf")


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00" + b"\x00" * 100,
        b"PK\x03\x04" + b"\x00" * 26 + b"evil/run.sh",
        b"<html><script>alert(1)</script></html>",
        b"",
    ],
)
def test_refused_kinds_leave_nothing_behind(
    cast: Any, register: dict[str, Any], access_of: Any, _media: Path, content: bytes
) -> None:
    with pytest.raises(DomainError) as exc:
        attach_document(access_of(cast.officer), upload("policy.pdf", content))
    assert exc.value.field == "file"
    assert not Document.objects.exists()
    assert not any(p.is_file() for p in _media.rglob("*")) if _media.exists() else True


def test_the_size_limit(cast: Any, register: dict[str, Any], access_of: Any, settings: Any) -> None:
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(DomainError) as exc:
        attach_document(access_of(cast.officer), upload("big.txt", b"a" * 1025))
    assert exc.value.field == "file" and "limit" in exc.value.message
    attach_document(access_of(cast.officer), upload("small.txt", b"a" * 1024))


def test_the_default_limit_is_25_megabytes(settings: Any) -> None:
    assert settings.EVIDENCE_MAX_BYTES == 25 * 1024 * 1024


def test_a_document_can_back_an_answer(cast: Any, register: dict[str, Any], access_of: Any) -> None:
    from hipaaops.safeguards import reference

    question = next(iter(reference.questions()))
    document = attach_document(
        access_of(cast.officer), upload("inventory.txt", b"laptop 1\n"), question_id=question
    )
    answer = KeyActivityAnswer.objects.get(organization=cast.org, question=question)
    assert list(answer.documents.all()) == [document]
    with pytest.raises(DomainError) as exc:
        attach_document(access_of(cast.officer), upload("x.txt", b"x"), question_id="SQ_nope")
    assert exc.value.field == "question"
