"""Audit trail: 'verify' checks the hash chain of the whole trail."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hipaaops.audit.models import AuditEntry
from hipaaops.audit.services import verify


class Command(BaseCommand):
    help = "Audit trail operations. 'verify' exits 0 when the chain is intact, 1 when it is not."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        v = sub.add_parser(
            "verify",
            help="recompute every entry's hash and link; name the first entry that fails",
        )
        v.add_argument(
            "--expect-head",
            metavar="SEQ:HASH",
            help="also require the chain to reach this head (a value recorded earlier, elsewhere), "
            "which catches entries cut off the end",
        )
        v.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        expected: tuple[int, str] | None = None
        if options.get("expect_head"):
            seq, sep, digest = options["expect_head"].partition(":")
            if not sep or not seq.isdigit() or len(digest) != 64:
                raise CommandError(
                    "--expect-head must look like SEQ:HASH (a 64-hex-digit hash)", returncode=2
                )
            expected = (int(seq), digest)
        started = time.perf_counter()
        result = verify()
        elapsed = time.perf_counter() - started
        fault = result.fault
        problem = None
        if fault is not None:
            problem = f"entry {fault.seq}: {fault.reason}"
        elif expected is not None:
            seq, digest = expected
            if result.head_seq < seq:
                problem = f"entry {result.head_seq + 1}: the chain ends at {result.head_seq}, expected at least {seq} (entries were removed from the end)"
            else:
                # The chain may have grown since the head was recorded: the entry at that
                # position must still carry the recorded hash, or the chain was rewritten.
                stored = AuditEntry.objects.filter(seq=seq).values_list("entry_hash", flat=True)
                if seq > 0 and stored.first() != digest:
                    problem = f"entry {seq}: its hash differs from the recorded head"
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "ok": problem is None,
                        "checked": result.checked,
                        "head": {"seq": result.head_seq, "hash": result.head_hash},
                        "first_failure": fault.seq if fault else None,
                        "problem": problem,
                        "seconds": round(elapsed, 3),
                    }
                )
            )
        elif problem is None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {result.checked} entries checked in {elapsed:.2f} s. "
                    f"Head {result.head_seq}:{result.head_hash}"
                )
            )
        if problem is not None:
            if options["format"] != "json":
                self.stderr.write(
                    f"Audit chain BROKEN at {problem}. {result.checked} entries before it are intact."
                )
            raise SystemExit(1)
