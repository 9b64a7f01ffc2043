"""The audit binder: streamed ZIP with an index PDF and a manifest of SHA-256 hashes, the
manifest's hash in the audit trail, and `hipaaops binder verify` catching any change."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from hipaaops.audit.models import AuditEntry
from hipaaops.organizations.access import access_organization
from hipaaops.readiness import binder, services
from hipaaops.readiness.models import Binder

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(cast: Any, settings: Any, tmp_path: Path) -> Any:
    """Acme with a register, two evidence documents and a mock audit."""
    from hipaaops.safeguards.models import Document, SafeguardItem
    from hipaaops.safeguards.services import attach_document, ensure_register

    settings.MEDIA_ROOT = str(tmp_path / "media")
    access = access_organization(cast.officer, cast.org.slug)
    ensure_register(cast.org, actor=cast.officer)
    item = SafeguardItem.objects.get(organization=cast.org, citation="164.308(a)(7)(ii)(A)")
    for name, body in (
        ("restore-test.txt", b"Restore test passed.\n"),
        ("backup-log.txt", b"nightly ok\n"),
    ):
        attach_document(
            access,
            SimpleUploadedFile(name, body, content_type="text/plain"),
            title=name,
            items=[item],
        )
    # The second document arrived later than the as-of date used below.
    later = Document.objects.get(organization=cast.org, original_name="backup-log.txt")
    later.uploaded_at = timezone.now() + timedelta(days=2)
    later.save(update_fields=["uploaded_at"])
    services.start_mock_audit(
        access, title="Desk", held_on=timezone.localdate(), scope="phase2_desk"
    )
    return cast


def export(org: Any, path: Path, **kwargs: Any) -> binder.Written:
    return binder.export(
        org, path, as_of=kwargs.pop("as_of", timezone.localdate()), actor=None, **kwargs
    )


def test_the_binder_holds_index_parts_evidence_and_a_manifest(filled: Any, tmp_path: Path) -> None:
    path = tmp_path / "binder.zip"
    written = export(filled.org, path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest_bytes = archive.read("manifest.json")
        manifest = json.loads(manifest_bytes)
        assert archive.read("00-index.pdf").startswith(b"%PDF")
        assert archive.read("safeguards/security-rule-implementation-statement.pdf").startswith(
            b"%PDF"
        )
        register = archive.read("safeguards/safeguard-register.csv").decode()
        assert "164.308(a)(7)(ii)(A)" in register
        mock = [n for n in names if n.startswith("readiness/mock-audit-")]
        assert mock and b"S004" in archive.read(mock[0])
        evidence = [n for n in names if n.startswith("evidence/")]
        # Only the document on file by the as-of date.
        assert len(evidence) == 1 and evidence[0].endswith("restore-test.txt")
        assert archive.read(evidence[0]) == b"Restore test passed.\n"
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    assert {e["path"] for e in manifest["files"]} == set(names) - {"manifest.json"}
    assert written.manifest_sha256 == hashlib.sha256(manifest_bytes).hexdigest()
    # The manifest's hash is kept: in the binder table and in the audit trail.
    assert Binder.objects.get(organization=filled.org).manifest_sha256 == written.manifest_sha256
    entry = AuditEntry.objects.filter(object_type="readiness.binder").get()
    assert written.manifest_sha256 in entry.changes
    assert binder.verify_binder(path).ok


def test_a_later_as_of_includes_the_later_document(filled: Any, tmp_path: Path) -> None:
    path = tmp_path / "later.zip"
    export(filled.org, path, as_of=timezone.localdate() + timedelta(days=3))
    with zipfile.ZipFile(path) as archive:
        assert len([n for n in archive.namelist() if n.startswith("evidence/")]) == 2


def _rewrite(source: Path, target: Path, change: Any) -> None:
    """Copy a ZIP member by member, letting ``change`` alter, drop or add members."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        members = {n: old.read(n) for n in old.namelist()}
        for name, data in change(members).items():
            new.writestr(name, data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: {**m, "safeguards/safeguard-register.csv": b"edited"}, "changed"),
        (lambda m: {k: v for k, v in m.items() if not k.startswith("evidence/")}, "removed"),
        (lambda m: {**m, "evidence/999999-extra.txt": b"slipped in"}, "added"),
    ],
)
def test_verify_catches_a_changed_removed_or_added_file(
    filled: Any, tmp_path: Path, change: Any, expected: str
) -> None:
    good = tmp_path / "good.zip"
    export(filled.org, good)
    bad = tmp_path / "bad.zip"
    _rewrite(good, bad, change)
    result = binder.verify_binder(bad)
    assert not result.ok
    assert any(f"({expected})" in p for p in result.problems)


def test_verify_catches_a_manifest_rewritten_to_match(filled: Any, tmp_path: Path) -> None:
    """Changing a file and its manifest line still fails: that manifest was never recorded."""
    good = tmp_path / "good.zip"
    export(filled.org, good)

    def forge(members: dict[str, bytes]) -> dict[str, bytes]:
        members["safeguards/safeguard-register.csv"] = b"forged"
        manifest = json.loads(members["manifest.json"])
        for entry in manifest["files"]:
            if entry["path"] == "safeguards/safeguard-register.csv":
                entry["sha256"] = hashlib.sha256(b"forged").hexdigest()
                entry["size"] = 6
        members["manifest.json"] = json.dumps(manifest).encode()
        return members

    forged = tmp_path / "forged.zip"
    _rewrite(good, forged, forge)
    result = binder.verify_binder(forged)
    assert not result.ok
    assert result.problems == [
        "The manifest's SHA-256 was never recorded by this hipaaops: the manifest was changed, "
        "or the binder comes from elsewhere"
    ]


def test_verify_refuses_what_is_not_a_binder(filled: Any, tmp_path: Path) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("not a zip")
    assert "not a readable ZIP" in binder.verify_binder(text).problems[0]
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("a.txt", "a")
    assert "no manifest.json" in binder.verify_binder(plain).problems[0]


def test_memory_stays_flat_while_writing_a_large_file(cast: Any, tmp_path: Path) -> None:
    """A 64 MiB part is copied in 1 MiB pieces: the writer never holds it whole."""
    import tracemalloc

    size = 64 * 1024 * 1024

    def chunks() -> Any:
        piece = b"x" * binder.CHUNK
        for _ in range(size // binder.CHUNK):
            yield piece

    def part(org: Any, as_of: Any) -> Any:
        yield binder.BinderFile("big/file.bin", "Big", chunks)

    binder._sections["test_big"] = binder.Section("test_big", "Big", part, 999)
    try:
        tracemalloc.start()
        with (tmp_path / "big.zip").open("wb") as handle:
            written = binder.write_binder(cast.org, handle, as_of=timezone.localdate())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        del binder._sections["test_big"]
    assert written.total_bytes >= size
    assert peak < 16 * 1024 * 1024


# ---------------------------------------------------------------------------- CLI and page


def test_cli_export_and_verify(filled: Any, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "cli.zip"
    call_command("binder", "export", "--org", filled.org.slug, "--output", str(path))
    assert "Manifest SHA-256" in capsys.readouterr().out
    call_command("binder", "verify", str(path))
    assert "files match the manifest" in capsys.readouterr().out
    bad = tmp_path / "bad.zip"
    _rewrite(path, bad, lambda m: {**m, "00-index.pdf": b"%PDF-fake"})
    with pytest.raises(CommandError) as raised:
        call_command("binder", "verify", str(bad))
    assert raised.value.returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--org", "nobody", "--output", "x.zip"], "--org"),
        (["export", "--org", "acme", "--as-of", "2026-13-40", "--output", "x.zip"], "--as-of"),
        (["export", "--org", "acme", "--as-of", "2999-01-01", "--output", "x.zip"], "--as-of"),
        (["export", "--org", "acme", "--output", "/no/such/folder/x.zip"], "--output"),
        (["verify", "/no/such/binder.zip"], "no such file"),
    ],
)
def test_cli_bad_arguments_are_exit_2(cast: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("binder", *args)
    assert raised.value.returncode == 2
    assert message in str(raised.value)


def test_the_export_button(filled: Any, client_for: Any) -> None:
    client = client_for(filled.officer)
    response = client.post(
        f"/o/{filled.org.slug}/readiness/binder/", {"as_of": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "manifest.json" in archive.namelist()
    # Contributors cannot export; the date cannot be in the future.
    assert (
        client_for(filled.contributor)
        .post(f"/o/{filled.org.slug}/readiness/binder/", {})
        .status_code
        == 403
    )
    later = client.post(f"/o/{filled.org.slug}/readiness/binder/", {"as_of": "2999-01-01"})
    assert later.status_code == 302
    assert Binder.objects.filter(organization=filled.org).count() == 1


def test_the_index_names_a_hundred_files_per_section_and_points_to_the_manifest(
    cast: Any, tmp_path: Path
) -> None:
    def part(org: Any, as_of: Any) -> Any:
        for n in range(binder.INDEX_LIST_LIMIT + 5):
            yield binder.BinderFile(
                f"many/{n:04d}.txt", f"File {n}", binder.bytes_chunks(lambda: b"x")
            )

    binder._sections["test_many"] = binder.Section("test_many", "Many", part, 999)
    captured: dict[str, Any] = {}
    real = binder._index_pdf

    def spy(org: Any, as_of: Any, files: Any, made_at: Any) -> bytes:
        captured["files"] = len(files)
        return real(org, as_of, files, made_at)

    try:
        binder._index_pdf = spy  # type: ignore[assignment]
        with (tmp_path / "many.zip").open("wb") as handle:
            written = binder.write_binder(cast.org, handle, as_of=timezone.localdate())
    finally:
        binder._index_pdf = real  # type: ignore[assignment]
        del binder._sections["test_many"]
    assert captured["files"] == binder.INDEX_LIST_LIMIT + 5
    with zipfile.ZipFile(tmp_path / "many.zip") as archive:
        index = archive.read("00-index.pdf")
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(index)).pages)
    text = " ".join(text.split())
    assert "File 0" in text and f"File {binder.INDEX_LIST_LIMIT - 1}" in text
    assert f"File {binder.INDEX_LIST_LIMIT}" not in text
    assert "5 more of the section" in text and "manifest.json" in text
    assert written.files == binder.INDEX_LIST_LIMIT + 5 + 1  # every file and the index
