"""The audit binder: 'export' one for an organization as of a date, 'verify' one later."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hipaaops.organizations.models import Organization
from hipaaops.readiness import binder


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--as-of: {value!r} is not a date (YYYY-MM-DD).", returncode=2
        ) from None


class Command(BaseCommand):
    help = (
        "The audit binder. 'export --org SLUG [--as-of DATE] --output FILE.zip' writes a ZIP with an "
        "index PDF, the documentation on file as of the date and a manifest of SHA-256 hashes whose "
        "own hash is recorded in the audit trail; 'verify FILE.zip' checks every file against the "
        "manifest and the manifest against that record (exit 1 when anything differs)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export,verify}")
        export = sub.add_parser("export", help="write an organization's audit binder")
        export.add_argument("--org", required=True, help="the organization's slug")
        export.add_argument("--as-of", help="the date the binder shows (default today)")
        export.add_argument("--output", "-o", required=True, help="the ZIP file to write")
        verify = sub.add_parser("verify", help="prove a binder unaltered")
        verify.add_argument("file", help="the binder ZIP")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self._export(options["org"], options.get("as_of"), Path(options["output"]))
        else:
            self._verify(Path(options["file"]))

    def _export(self, slug: str, as_of_text: str | None, output: Path) -> None:
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(f"--org: no organization with the slug {slug!r}.", returncode=2)
        as_of = _date(as_of_text) if as_of_text else timezone.localdate()
        if as_of > timezone.localdate():
            raise CommandError("--as-of: the date cannot be in the future.", returncode=2)
        if not output.parent.is_dir():
            raise CommandError(
                f"--output: the folder {output.parent} does not exist.", returncode=2
            )
        interactive = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if interactive:
                width = 30
                filled = width * done // max(total, 1)
                self.stderr.write(
                    f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files", ending=""
                )

        written = binder.export(org, output, as_of=as_of, actor=None, progress=progress)
        if interactive:
            self.stderr.write("")
        self.stdout.write(
            f"Wrote {output}: {written.files} files, {written.total_bytes:,} bytes, as of "
            f"{as_of.isoformat()}.\nManifest SHA-256 {written.manifest_sha256} (recorded in the "
            "audit trail)."
        )

    def _verify(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file.", returncode=2)
        result = binder.verify_binder(path)
        for problem in result.problems:
            self.stderr.write(f"FAIL {problem}")
        if not result.ok:
            raise CommandError(
                f"{path} does not verify ({len(result.problems)} problems).", returncode=1
            )
        self.stdout.write(
            f"OK {path}: {result.files} files match the manifest; manifest SHA-256 "
            f"{result.manifest_sha256} was {result.recorded}."
        )
