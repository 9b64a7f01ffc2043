"""The audit binder: one ZIP with an index PDF, what each module contributes as of a date, and a
manifest of SHA-256 hashes whose own hash is kept in the audit trail (45 CFR 164.316(b),
164.312(c)(1)).

Streamed: every file is copied into the ZIP in 1 MiB pieces and hashed on the way, so memory does
not grow with the number or the size of the files. Modules add their part with ``section``: a
provider takes the organization and the as-of date and yields ``BinderFile``s.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from hipaaops.accounts.models import User
    from hipaaops.organizations.models import Organization

CHUNK = 1024 * 1024
MANIFEST = "manifest.json"
INDEX = "00-index.pdf"
# The index names at most this many files per section; the manifest lists every one. (A table of
# 10,000 rows would make the index PDF cost more memory than the whole binder.)
INDEX_LIST_LIMIT = 100
INDEX_TEMPLATE = Path(__file__).resolve().parent / "templates" / "readiness" / "binder_index.typ"
# Kinds that are already compressed: stored as they are, not deflated again.
_STORED_SUFFIXES = (
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".zip",
    ".docx",
    ".xlsx",
    ".pptx",
    ".odt",
    ".ods",
)


@dataclass
class BinderFile:
    """One file of the binder: its path in the ZIP, a title for the index, and its bytes as an
    iterator of chunks (opened only when the file is written)."""

    path: str
    title: str
    chunks: Callable[[], Iterable[bytes]]
    section: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    provider: Callable[[Organization, date], Iterable[BinderFile]]
    order: int


_sections: dict[str, Section] = {}


def section(key: str, title: str, order: int) -> Callable[[Any], Any]:
    """Register a module's part of the binder (see the module docstring)."""

    def decorator(provider: Callable[[Organization, date], Iterable[BinderFile]]) -> Any:
        _sections[key] = Section(key, title, provider, order)
        return provider

    return decorator


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def file_chunks(opener: Callable[[], IO[bytes]]) -> Callable[[], Iterator[bytes]]:
    """Chunks of a file opened lazily (from storage or disk), closed when read to the end."""

    def read() -> Iterator[bytes]:
        with opener() as handle:
            while piece := handle.read(CHUNK):
                yield piece

    return read


def bytes_chunks(make: Callable[[], bytes]) -> Callable[[], Iterator[bytes]]:
    def read() -> Iterator[bytes]:
        yield make()

    return read


def text_chunks(make: Callable[[], Iterable[str]]) -> Callable[[], Iterator[bytes]]:
    """Encode text lines (for example CSV rows) as they come."""

    def read() -> Iterator[bytes]:
        buffer: list[bytes] = []
        size = 0
        for line in make():
            piece = line.encode("utf-8")
            buffer.append(piece)
            size += len(piece)
            if size >= CHUNK:
                yield b"".join(buffer)
                buffer, size = [], 0
        if buffer:
            yield b"".join(buffer)

    return read


@dataclass
class ManifestEntry:
    path: str
    size: int
    sha256: str
    section: str


@dataclass
class Written:
    files: int
    total_bytes: int
    manifest_sha256: str
    entries: list[ManifestEntry] = field(default_factory=list)


def safe_name(name: str, extension: str) -> str:
    """A ZIP member name that cannot climb out of its folder or hide."""
    from hipaaops.safeguards.evidence import safe_filename

    return safe_filename(name, extension)


def _index_pdf(org: Organization, as_of: date, files: list[BinderFile], made_at: datetime) -> bytes:
    import typst

    grouped: dict[str, list[dict[str, str]]] = {}
    titles = {s.key: s.title for s in sections()}
    for f in files:
        grouped.setdefault(f.section, []).append({"path": f.path, "title": f.title})
    data = {
        "organization": {"name": org.name, "entity_type": org.get_entity_type_display()},
        "as_of": as_of.isoformat(),
        "made_at": made_at.strftime("%Y-%m-%d %H:%M UTC"),
        "sections": [
            {
                "title": titles.get(key, key),
                "files": items[:INDEX_LIST_LIMIT],
                "more": max(len(items) - INDEX_LIST_LIMIT, 0),
                "total": len(items),
            }
            for key, items in grouped.items()
        ],
        "count": len(files),
    }
    pdf = typst.compile(
        INDEX_TEMPLATE.read_bytes(),
        format="pdf",
        sys_inputs={"data": json.dumps(data)},
        ignore_system_fonts=True,
        timestamp=int(made_at.timestamp()),
    )
    assert isinstance(pdf, bytes)
    return pdf


def _write_member(archive: zipfile.ZipFile, path: str, chunks: Iterable[bytes]) -> tuple[int, str]:
    compress = (
        zipfile.ZIP_STORED if path.lower().endswith(_STORED_SUFFIXES) else zipfile.ZIP_DEFLATED
    )
    info = zipfile.ZipInfo(path, date_time=timezone.now().timetuple()[:6])
    info.compress_type = compress
    digest = hashlib.sha256()
    size = 0
    with archive.open(info, "w", force_zip64=True) as member:
        for piece in chunks:
            digest.update(piece)
            member.write(piece)
            size += len(piece)
    return size, digest.hexdigest()


def write_binder(
    org: Organization,
    target: IO[bytes],
    *,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
) -> Written:
    """Write the binder ZIP to ``target`` (a file opened for binary writing) and return what
    was written, with the manifest's SHA-256."""
    made_at = timezone.now()
    files: list[BinderFile] = []
    for s in sections():
        for f in s.provider(org, as_of):
            f.section = f.section or s.key
            files.append(f)
    seen: set[str] = {INDEX, MANIFEST}
    for f in files:
        if f.path in seen:
            raise ValueError(f"Two binder files share the path {f.path}")
        seen.add(f.path)
    entries: list[ManifestEntry] = []
    total = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        index = _index_pdf(org, as_of, files, made_at)
        size, digest = _write_member(archive, INDEX, [index])
        entries.append(ManifestEntry(INDEX, size, digest, "index"))
        total += size
        for n, f in enumerate(files, start=1):
            size, digest = _write_member(archive, f.path, f.chunks())
            entries.append(ManifestEntry(f.path, size, digest, f.section))
            total += size
            if progress is not None:
                progress(n, len(files))
        manifest = {
            "organization": org.slug,
            "as_of": as_of.isoformat(),
            "made_at": made_at.isoformat(),
            "files": [e.__dict__ for e in entries],
        }
        manifest_bytes = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")
        _write_member(archive, MANIFEST, [manifest_bytes])
    return Written(len(entries), total, hashlib.sha256(manifest_bytes).hexdigest(), entries)


def export(
    org: Organization,
    path: Path,
    *,
    as_of: date,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> Written:
    """Write the binder to ``path`` and record its manifest hash (table and audit trail)."""
    from hipaaops.readiness.services import record_binder

    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as handle:
            written = write_binder(org, handle, as_of=as_of, progress=progress)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    record_binder(
        org,
        actor=actor,
        as_of=as_of,
        file_name=path.name,
        manifest_sha256=written.manifest_sha256,
        files=written.files,
        total_bytes=written.total_bytes,
    )
    return written


# ---------------------------------------------------------------------------- verify


@dataclass
class Verification:
    ok: bool
    problems: list[str]
    manifest_sha256: str = ""
    files: int = 0
    recorded: str = ""  # who exported it and when, from the binder record


def verify_binder(path: Path) -> Verification:
    """Check every file against the manifest, that nothing was added or removed, and that the
    manifest's hash was recorded when hipaaops exported the binder."""
    from hipaaops.readiness.models import Binder

    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return Verification(False, [f"{path} is not a readable ZIP file: {exc}"])
    with archive:
        try:
            manifest_bytes = archive.read(MANIFEST)
        except KeyError:
            return Verification(False, [f"{path} has no {MANIFEST}: not a hipaaops audit binder"])
        manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
        try:
            manifest = json.loads(manifest_bytes)
            listed = {e["path"]: e for e in manifest["files"]}
        except (ValueError, KeyError, TypeError):
            return Verification(False, [f"{MANIFEST} cannot be read"], manifest_sha256)
        present = {n for n in archive.namelist() if n != MANIFEST and not n.endswith("/")}
        for name in sorted(present - set(listed)):
            problems.append(f"{name} is in the ZIP but not in the manifest (added)")
        for name in sorted(set(listed) - present):
            problems.append(f"{name} is in the manifest but missing from the ZIP (removed)")
        for name in sorted(present & set(listed)):
            digest = hashlib.sha256()
            size = 0
            try:
                with archive.open(name) as member:
                    while piece := member.read(CHUNK):
                        digest.update(piece)
                        size += len(piece)
            except (zipfile.BadZipFile, OSError) as exc:
                problems.append(f"{name} cannot be read: {exc}")
                continue
            if digest.hexdigest() != listed[name]["sha256"] or size != listed[name]["size"]:
                problems.append(f"{name} differs from the manifest (changed)")
    record = (
        Binder.objects.filter(manifest_sha256=manifest_sha256)
        .select_related("organization", "created_by")
        .first()
    )
    recorded = ""
    if record is None:
        problems.append(
            "The manifest's SHA-256 was never recorded by this hipaaops: the manifest was changed, "
            "or the binder comes from elsewhere"
        )
    else:
        who = record.created_by.email if record.created_by else "the command line"
        recorded = f"exported for {record.organization.name} on {record.created_at:%Y-%m-%d %H:%M} UTC by {who}"
    return Verification(not problems, problems, manifest_sha256, len(listed), recorded)
