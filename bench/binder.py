#!/usr/bin/env python3
"""Benchmark of the audit binder: an organization with 10,000 evidence files (1 GB in all),
exported as one ZIP with its manifest, beside the machine's floor for the same bytes (reading
every file and hashing it with SHA-256, with no ZIP and no database).

    .venv/bin/python bench/binder.py [--files 10000] [--total-mb 1024] [--keep]

It works in a temporary data folder (its own SQLite database and files, never the developer's),
with HIPAAOPS_ENV=development, and deletes it at the end unless --keep is given. Memory is the
export's peak resident memory above the process's level before it, measured twice, at a fifth of
the files and at all of them: "flat" means the full export used no more than the small one plus
25 % (and 8 MiB). A missed target is reported, not an error.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_SECONDS = 60.0
MiB = 1024 * 1024
# Evidence is mostly PDFs and scans (stored as they are in the ZIP); a fifth is text (deflated).
TEXT_SHARE = 5


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the audit binder export.")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--total-mb", type=int, default=1024)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    return parser.parse_args(argv)


def _setup(data_dir: Path) -> None:
    os.environ["HIPAAOPS_ENV"] = "development"
    os.environ["HIPAAOPS_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hipaaops.settings"
    os.environ["DEBUG"] = "0"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _organization(slug: str) -> Any:
    from django.contrib.auth import get_user_model

    from hipaaops.organizations.services import create_organization

    owner = get_user_model().objects.create_user(
        email=f"owner@{slug}.bench.test", password="bench-password-not-used"
    )
    return create_organization(
        actor=None, name=f"Bench {slug}", slug=slug, entity_type="provider", owner=owner
    )


def _evidence(org: Any, files: int, total: int, media: Path) -> list[Path]:
    """Files on disk and their Document rows (fixture set-up: written directly, not timed)."""
    from django.utils import timezone

    from hipaaops.safeguards.models import Document

    size = total // files
    folder = media / "evidence" / str(org.pk)
    folder.mkdir(parents=True, exist_ok=True)
    block = os.urandom(size)
    text = (
        b"2026-03-01 restore test of the file server: 1,204 files, all read back.\n"
        * (size // 72 + 1)
    )[:size]
    rows, paths = [], []
    now = timezone.now()
    for n in range(files):
        is_text = n % TEXT_SHARE == 0
        extension = "txt" if is_text else "pdf"
        path = folder / f"{n:06d}.{extension}"
        # Each file differs in its first bytes, so no two hash alike.
        path.write_bytes(n.to_bytes(8, "big") + (text if is_text else block)[8:])
        paths.append(path)
        rows.append(
            Document(
                organization=org,
                title=f"Evidence {n}",
                file=str(path.relative_to(media)),
                original_name=f"evidence-{n}.{extension}",
                content_type="text/plain" if is_text else "application/pdf",
                size=size,
                sha256="0" * 64,
                uploaded_at=now,
            )
        )
    Document.objects.bulk_create(rows, batch_size=2000)
    return paths


def _export(org: Any, target: Path) -> dict[str, Any]:
    from django.utils import timezone

    from hipaaops.readiness import binder

    base = _status_kib("VmRSS")
    _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    written = binder.export(org, target, as_of=timezone.localdate(), actor=None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _status_kib("VmHWM")
    verify_wall = time.perf_counter()
    result = binder.verify_binder(target)
    verify_wall = time.perf_counter() - verify_wall
    assert result.ok, result.problems
    return {
        "files": written.files,
        "bytes": written.total_bytes,
        "zip_bytes": target.stat().st_size,
        "wall": wall,
        "cpu": cpu,
        "peak_above_start_mib": max(peak - base, 0) / 1024,
        "verify_wall": verify_wall,
    }


def _floor(paths: list[Path]) -> float:
    """Read and SHA-256 every evidence file: the least any binder must do with the same bytes."""
    start = time.perf_counter()
    for path in paths:
        with path.open("rb") as handle:
            digest = hashlib.sha256()
            while piece := handle.read(MiB):
                digest.update(piece)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="hipaaops-bench-binder-"))
    try:
        _setup(data_dir)
        from django.conf import settings

        media = Path(settings.MEDIA_ROOT)
        total = args.total_mb * MiB
        small_files, small_total = max(args.files // 5, 1), total // 5
        print(
            f"Setting up: {small_files:,} and {args.files:,} evidence files "
            f"({small_total / MiB:,.0f} MiB and {total / MiB:,.0f} MiB) in {data_dir}",
            file=sys.stderr,
        )
        small_org, large_org = _organization("small"), _organization("large")
        _evidence(small_org, small_files, small_total, media)
        paths = _evidence(large_org, args.files, total, media)
        small = _export(small_org, data_dir / "small.zip")
        large = _export(large_org, data_dir / "large.zip")
        floor = _floor(paths)
        flat = large["peak_above_start_mib"] <= small["peak_above_start_mib"] * 1.25 + 8
        met = large["wall"] < TARGET_SECONDS
        rate = large["bytes"] / MiB / large["wall"]
        print()
        print(f"Audit binder export (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
        print(
            f"{'':34}{'files':>10}{'data':>12}{'wall':>9}{'CPU':>9}{'MiB/s':>9}{'peak RSS +':>12}"
        )
        for label, r in (("export, a fifth", small), ("export, all", large)):
            print(
                f"{label:34}{r['files']:>10,}{r['bytes'] / MiB:>9,.0f} MiB{r['wall']:>8.1f}s"
                f"{r['cpu']:>8.1f}s{r['bytes'] / MiB / r['wall']:>9,.0f}{r['peak_above_start_mib']:>9.1f} MiB"
            )
        print(
            f"{'floor: read + SHA-256 only':34}{len(paths):>10,}{total / MiB:>9,.0f} MiB{floor:>8.1f}s{'':9}{total / MiB / floor:>9,.0f}"
        )
        print(f"{'verify the large binder':34}{'':31}{large['verify_wall']:>8.1f}s")
        print()
        print(
            f"Target: {args.files:,} files, {total / MiB:,.0f} MiB under {TARGET_SECONDS:.0f} s: "
            f"{'met' if met else 'MISSED'} ({large['wall']:.1f} s, {rate:,.0f} MiB/s; "
            f"the floor alone takes {floor:.1f} s)."
        )
        print(
            f"Memory flat with the number and size of files: {'yes' if flat else 'NO'} "
            f"({small['peak_above_start_mib']:.1f} MiB at {small['files']:,} files, "
            f"{large['peak_above_start_mib']:.1f} MiB at {large['files']:,})."
        )
        return 0
    finally:
        if args.keep:
            print(f"Kept {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
