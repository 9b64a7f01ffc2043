#!/usr/bin/env python3
"""Benchmark of breach notification at scale: import 1,000,000 affected individuals from CSV
(names, addresses, e-mail and phone encrypted at rest) and produce the print-ready letters for
100,000 of them (numbered PDFs of at most 1,000 letters each), beside the floors for the same
work (Fernet alone on the same values; typst alone on the same letters).

    .venv/bin/python bench/breach_letters.py [--import-rows 1000000] [--letters 100000] [--workers N]

Targets (issue 6): the import under 2 minutes, the letters under 5 minutes, memory that does not
grow with the count: each step is also run at a fifth of its size and the peak resident memory
above the process's level before it is compared. It works in a temporary data folder and deletes
it at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

IMPORT_TARGET = 120.0
LETTERS_TARGET = 300.0
MiB = 1024 * 1024
STATES = ["WA", "OR", "CA", "NV", "ID", "MT", "TX", "NY", "FL", "IL"]


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark breach notification at scale.")
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true")
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


def _kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def _measure(fn: Any) -> tuple[Any, float, float]:
    """(result, wall seconds, MiB of peak resident memory above the level before)."""
    base = _kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start, max(_kib("VmHWM") - base, 0) / 1024


def _write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "name",
                "address",
                "state",
                "email",
                "phone",
                "deceased",
                "minor",
                "contact_insufficient",
            ]
        )
        for n in range(rows):
            state = STATES[n % len(STATES)]
            writer.writerow(
                [
                    f"Person{n} Example{n % 977}",
                    f"{n % 9999 + 1} Cedar Avenue, Springfield, {state} {97000 + n % 900:05d}",
                    state,
                    f"person{n}@example.net",
                    f"555-{n % 10_000:04d}",
                    "yes" if n % 500 == 0 else "no",
                    "yes" if n % 40 == 0 else "no",
                    "no",
                ]
            )


def _fernet_floor(path: Path) -> float:
    """Read the rows and encrypt each one's contact document with the same keys, nothing else:
    the least an import that keeps them encrypted at rest can do."""
    import json

    from hipaaops.core.crypto import encrypt_str

    start = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            contact = {c: row[c] for c in ("name", "address", "email", "phone")}
            encrypt_str(json.dumps(contact, sort_keys=True))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="hipaaops-bench-breach-"))
    try:
        _setup(data_dir)
        from django.contrib.auth import get_user_model

        from hipaaops.incidents import letters, services
        from hipaaops.organizations.access import access_organization
        from hipaaops.organizations.services import create_organization

        owner = get_user_model().objects.create_user(
            email="officer@bench.test", password="bench-password-unused"
        )
        org = create_organization(
            actor=None, name="Bench Health", slug="bench", entity_type="provider", owner=owner
        )
        access = access_organization(owner, org.slug)
        from django.utils import timezone

        def incident(title: str) -> Any:
            return services.report_incident(
                access, title=title, category="hacking", discovered_on=timezone.localdate()
            )

        figures: dict[str, Any] = {}
        for label, rows in (("small", args.import_rows // 5), ("large", args.import_rows)):
            path = data_dir / f"{label}.csv"
            _write_csv(path, rows)
            target = incident(f"Import {label}")
            with path.open("rb") as handle:
                report, wall, peak = _measure(
                    lambda t=target, h=handle: services.import_individuals(access, t, h)
                )
            assert report.imported, report.errors[:3]
            figures[f"import_{label}"] = (rows, wall, peak)
            print(f"imported {rows:,} rows in {wall:.1f} s", file=sys.stderr)
        floor_rows = args.import_rows // 5
        fernet = _fernet_floor(data_dir / "small.csv") * (args.import_rows / floor_rows)

        notice_fields = {
            "what_happened": "Someone broke into our billing server.",
            "information": ["name", "address", "ssn"],
            "what_we_are_doing": "We rebuilt the server and added monitoring.",
            "phone": "1-800-555-0100",
            "email": "privacy@bench.test",
        }
        for label, count in (("small", args.letters // 5), ("large", args.letters)):
            path = data_dir / f"letters-{label}.csv"
            _write_csv(path, count)
            target = incident(f"Letters {label}")
            with path.open("rb") as handle:
                services.import_individuals(access, target, handle)
            notice = services.set_notice_content(access, target, **notice_fields)
            out = data_dir / f"letters-{label}"
            out.mkdir()

            def make(t: Any = target, n: Any = notice, o: Path = out) -> int:
                files = 0
                for first, pdf in letters.batches(t, n, workers=args.workers):
                    (o / f"letters-{first:07d}.pdf").write_bytes(pdf)
                    files += 1
                return files

            files, wall, peak = _measure(make)
            figures[f"letters_{label}"] = (count, wall, peak, files)
            print(f"{count:,} letters in {wall:.1f} s ({files} PDFs)", file=sys.stderr)

        # typst alone on one batch of the same letters, scaled: the floor of the layout work.
        from hipaaops.incidents.letters import TEMPLATE, _batch_json, _letter_batches
        from hipaaops.incidents.models import Incident
        from hipaaops.incidents.rules.typeset import compile_letters

        big = Incident.objects.get(title="Letters large")
        number, batch = next(_letter_batches(big, big.notice, letters.BATCH))
        stamp = timezone.now()
        data = _batch_json(big, batch, number, stamp)
        start = time.perf_counter()
        compile_letters(TEMPLATE.read_bytes(), data, int(stamp.timestamp()))
        typst_floor = (
            (time.perf_counter() - start) * args.letters / len(batch) / max(args.workers, 1)
        )

        ir_s, iw_s, ip_s = figures["import_small"]
        ir, iw, ip = figures["import_large"]
        lc_s, lw_s, lp_s, _ = figures["letters_small"]
        lc, lw, lp, lf = figures["letters_large"]
        print()
        print(
            f"Breach notification at scale (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.workers} letter workers)"
        )
        print(f"{'':40}{'count':>11}{'wall':>9}{'per s':>10}{'peak RSS +':>12}")
        print(
            f"{'import, a fifth':40}{ir_s:>11,}{iw_s:>8.1f}s{ir_s / iw_s:>10,.0f}{ip_s:>9.1f} MiB"
        )
        print(f"{'import, all':40}{ir:>11,}{iw:>8.1f}s{ir / iw:>10,.0f}{ip:>9.1f} MiB")
        print(
            f"{'floor: read + encrypt, no database':40}{ir:>11,}{fernet:>8.1f}s{ir / fernet:>10,.0f}"
        )
        print(
            f"{'letters, a fifth':40}{lc_s:>11,}{lw_s:>8.1f}s{lc_s / lw_s:>10,.0f}{lp_s:>9.1f} MiB"
        )
        print(f"{'letters, all':40}{lc:>11,}{lw:>8.1f}s{lc / lw:>10,.0f}{lp:>9.1f} MiB")
        print(
            f"{'floor: typst alone, same letters':40}{lc:>11,}{typst_floor:>8.1f}s{lc / typst_floor:>10,.0f}"
        )
        import resource

        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{'largest worker process (peak RSS)':40}{'':11}{'':9}{'':10}{child_peak:>9.1f} MiB")
        print()
        flat_import = ip <= ip_s * 1.25 + 16
        flat_letters = lp <= lp_s * 1.25 + 16
        print(
            f"Import target, {ir:,} rows under {IMPORT_TARGET:.0f} s: {'met' if iw < IMPORT_TARGET else 'MISSED'} ({iw:.1f} s); "
            f"memory flat: {'yes' if flat_import else 'NO'} ({ip_s:.1f} MiB at {ir_s:,}, {ip:.1f} MiB at {ir:,})."
        )
        print(
            f"Letters target, {lc:,} letters under {LETTERS_TARGET:.0f} s: {'met' if lw < LETTERS_TARGET else 'MISSED'} ({lw:.1f} s, {lf} PDFs of at most 1,000); "
            f"memory flat: {'yes' if flat_letters else 'NO'} ({lp_s:.1f} MiB at {lc_s:,}, {lp:.1f} MiB at {lc:,})."
        )
        return 0
    finally:
        if args.keep:
            print(f"Kept {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
