"""Accepting uploaded evidence: the kind of file is read from its first bytes, never from its
name, and only kinds on a short list are accepted. Plain Python, no Django.

Files are stored and handed back as they came: never unpacked, opened or executed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

HEAD_BYTES = 8192  # enough for the signatures below, including an Office file's first entries


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str
    label: str


PDF = Kind("application/pdf", "pdf", "PDF document")
PNG = Kind("image/png", "png", "PNG image")
JPEG = Kind("image/jpeg", "jpg", "JPEG image")
GIF = Kind("image/gif", "gif", "GIF image")
WEBP = Kind("image/webp", "webp", "WebP image")
TIFF = Kind("image/tiff", "tif", "TIFF image")
DOCX = Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    "Word document",
)
XLSX = Kind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel workbook"
)
PPTX = Kind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptx",
    "PowerPoint presentation",
)
ODT = Kind("application/vnd.oasis.opendocument.text", "odt", "OpenDocument text")
ODS = Kind("application/vnd.oasis.opendocument.spreadsheet", "ods", "OpenDocument spreadsheet")
OLE = Kind("application/vnd.ms-office", "bin", "Legacy Microsoft Office document")
TEXT = Kind("text/plain", "txt", "Plain text")

ACCEPTED = (PDF, PNG, JPEG, GIF, WEBP, TIFF, DOCX, XLSX, PPTX, ODT, ODS, OLE, TEXT)


class Refused(ValueError):
    """The file is not a kind we accept; the message says why, for the person uploading."""


_EXECUTABLE = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|svg|script|\?xml)", re.IGNORECASE)


def _office(head: bytes) -> Kind:
    # A ZIP container: name the Office format from the entry names in the first local headers,
    # without unpacking anything.
    if head[30:38] == b"mimetype":
        if b"opendocument.text" in head[:200]:
            return ODT
        if b"opendocument.spreadsheet" in head[:200]:
            return ODS
    if b"word/" in head:
        return DOCX
    if b"xl/" in head:
        return XLSX
    if b"ppt/" in head:
        return PPTX
    raise Refused("Archives are not accepted; upload the documents themselves.")


def _text(head: bytes) -> Kind:
    if b"\x00" in head:
        raise Refused("This kind of file is not accepted.")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is fine; anything else is not text.
        if exc.start < len(head) - 3:
            raise Refused("This kind of file is not accepted.") from None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"#!") or _MARKUP.match(stripped):
        raise Refused("Web pages, SVG, XML and scripts are not accepted; save them as PDF.")
    return TEXT


def sniff(head: bytes) -> Kind:
    """The kind of a file from its first bytes (``HEAD_BYTES``), or ``Refused``."""
    if not head:
        raise Refused("The file is empty.")
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head.startswith(b"PK\x03\x04"):
        return _office(head)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head.startswith(_EXECUTABLE):
        raise Refused("Programs are not accepted.")
    return _text(head)


_UNSAFE = re.compile(r"[^A-Za-z0-9._() -]+")


def safe_filename(name: str, extension: str, *, max_length: int = 120) -> str:
    """A file name safe to show and to offer for download: no folders, no control or special
    characters, and the extension of the kind actually found (``report.exe`` holding a PDF
    becomes ``report.pdf``)."""
    name = unicodedata.normalize("NFKD", name or "")
    name = name.encode("ascii", "ignore").decode("ascii")
    name = re.split(r"[\\/]", name)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    stem = _UNSAFE.sub("_", stem)
    stem = re.sub(r"[_ ]{2,}", "_", stem).strip(" ._-")
    stem = stem[: max_length - len(extension) - 1] or "document"
    return f"{stem}.{extension}"
