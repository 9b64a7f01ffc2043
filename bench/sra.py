#!/usr/bin/env python3
"""Benchmark of the risk register and the SRA report: an organization with 2,000 assets, 5,000
data flows and 10,000 risk scenarios (each on one to three assets, with an owner, some with
controls and plan items).

    .venv/bin/python bench/sra.py [--assets 2000] [--flows 5000] [--scenarios 10000] [--keep]

Printed beside each figure is the floor from the same run: the raw SQL the page needs (one
SELECT of the page's rows with their owner and one of their assets, no Django) for the register
page and its API list, and, for the PDF, typst alone typesetting the same data (no database
work, no pictures). Server time is the Django test client's request time (the view, its
queries, the template; no network). The query count is measured at two page sizes to show it
does not grow with the page. Memory is the report's peak resident memory above the process's
level before it. A missed target is reported, not an error.

It works in a temporary data folder (its own SQLite database), with HIPAAOPS_ENV=development,
and deletes it at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PAGE_TARGET_MS = 300.0
PDF_TARGET_S = 30.0
PDF_TARGET_MIB = 1024.0
MiB = 1024 * 1024


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the risk register and SRA report.")
    parser.add_argument("--assets", type=int, default=2_000)
    parser.add_argument("--flows", type=int, default=5_000)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    return parser.parse_args(argv)


def _setup(data_dir: Path) -> None:
    os.environ["HIPAAOPS_ENV"] = "development"
    os.environ["HIPAAOPS_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hipaaops.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def _fill(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The organization, written in bulk (fixture set-up: not timed, no audit entries)."""
    import random

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from hipaaops.inventory import rules as inventory_rules
    from hipaaops.inventory.models import Asset, DataFlow
    from hipaaops.organizations.models import Membership
    from hipaaops.organizations.services import create_organization
    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.safeguards.services import ensure_register
    from hipaaops.sra import rules
    from hipaaops.sra.models import Assessment, PlanItem, Scenario

    rng = random.Random(66)
    User = get_user_model()
    owner = User.objects.create_user(email="owner@bench.test", password="bench-password-not-used")
    org = create_organization(
        actor=None, name="Bench Health System", slug="bench", entity_type="provider", owner=owner
    )
    people = [owner]
    for i in range(20):
        u = User.objects.create_user(
            email=f"staff{i}@bench.test", password="bench-password-not-used"
        )
        Membership.objects.create(user=u, organization=org, role="contributor")
        people.append(u)
    ensure_register(org)
    controls = list(SafeguardItem.objects.filter(organization=org))
    types = inventory_rules.keys("asset_types")
    hosting = inventory_rules.keys("hosting")
    kinds = inventory_rules.keys("ephi_kinds")
    Asset.objects.bulk_create(
        Asset(
            organization=org,
            name=f"Asset {i:05d}",
            asset_type=types[i % len(types)],
            hosting=hosting[i % len(hosting)],
            holds_ephi=("yes", "no", "unknown")[i % 3],
            ephi_kinds=[kinds[i % len(kinds)]] if i % 3 == 0 else [],
            records=rng.randint(10, 100_000),
            encrypted_at_rest=("yes", "no", "partial", "unknown")[i % 4],
            owner=people[i % len(people)],
        )
        for i in range(args.assets)
    )
    assets = list(Asset.objects.filter(organization=org))
    DataFlow.objects.bulk_create(
        DataFlow(
            organization=org,
            source=assets[i % len(assets)],
            target=assets[(i * 7 + 1) % len(assets)] if i % 10 else None,
            outside_party="" if i % 10 else f"Partner {i % 40}",
            ephi_kinds=[kinds[i % len(kinds)]] if i % 2 else [],
            encrypted=("yes", "no", "unknown")[i % 3],
        )
        for i in range(args.flows)
    )
    scale = rules.scale("5x5")
    a = Assessment.objects.create(
        organization=org,
        title="Bench SRA",
        assessed_on=timezone.localdate(),
        scope="Everything",
        scale=scale.as_data(),
        created_by=owner,
    )
    threats = list(rules.threat_index())
    vulns = list(rules.vulnerability_index())
    rows = []
    for n in range(1, args.scenarios + 1):
        lk, im = rng.randint(1, 5), rng.randint(1, 5)
        rl = max(1, lk - rng.randint(0, 2))
        rows.append(
            Scenario(
                organization=org,
                assessment=a,
                number=n,
                title=f"Risk {n}: {threats[n % len(threats)]} through {vulns[n % len(vulns)]}",
                threat=threats[n % len(threats)],
                vulnerability=vulns[n % len(vulns)],
                likelihood=lk,
                impact=im,
                inherent_score=lk * im,
                inherent_level=scale.band(lk, im).key,
                residual_likelihood=rl,
                residual_impact=im,
                residual_score=rl * im,
                residual_level=scale.band(rl, im).key,
                owner=people[n % len(people)],
                treatment=("mitigate", "accept", "transfer", "")[n % 4],
                ref=str(n),
            )
        )
    Scenario.objects.bulk_create(rows, batch_size=2000)
    scenarios = list(Scenario.objects.filter(assessment=a).only("id"))
    through = Scenario.assets.through
    through.objects.bulk_create(
        (
            through(scenario_id=s.pk, asset_id=assets[(i * 13 + k) % len(assets)].pk)
            for i, s in enumerate(scenarios)
            for k in range(1 + i % 3)
        ),
        batch_size=5000,
    )
    cthrough = Scenario.controls.through
    cthrough.objects.bulk_create(
        (
            cthrough(scenario_id=s.pk, safeguarditem_id=controls[i % len(controls)].pk)
            for i, s in enumerate(scenarios)
            if i % 2
        ),
        batch_size=5000,
    )
    today = timezone.localdate()
    PlanItem.objects.bulk_create(
        (
            PlanItem(
                organization=org,
                scenario=s,
                assessment=a,
                title=f"Step for risk {i}",
                owner=people[i % len(people)],
                due_on=today,
                ref=str(i),
            )
            for i, s in enumerate(scenarios)
            if i % 4 == 0
        ),
        batch_size=2000,
    )
    return org, owner, a


def _timed_get(client: Any, url: str, repeat: int = 5) -> tuple[float, int, int]:
    """Median server time (ms), query count and status of GET url."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    status = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        queries = len(captured.captured_queries)
        if os.environ.get("BENCH_SHOW_QUERIES"):
            print(url, [q["sql"][:90] for q in captured.captured_queries], file=sys.stderr)
        status = response.status_code
    times.sort()
    return times[len(times) // 2], queries, status


def _raw_page_ms(assessment_id: int, size: int) -> float:
    from django.db import connection

    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT s.id, s.number, s.title, s.inherent_score, s.residual_score, u.email "
                "FROM sra_scenario s LEFT JOIN accounts_user u ON u.id = s.owner_id "
                "WHERE s.assessment_id = %s ORDER BY s.residual_score DESC, s.number LIMIT %s",
                [assessment_id, size],
            )
            ids = [r[0] for r in cur.fetchall()]
            marks = ",".join(["%s"] * len(ids))
            sql = (
                "SELECT t.scenario_id, a.name FROM sra_scenario_assets t JOIN inventory_asset a "
                "ON a.id = t.asset_id WHERE t.scenario_id IN (" + marks + ")"
            )
            cur.execute(sql, ids)
            cur.fetchall()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    data_dir = Path(tempfile.mkdtemp(prefix="hipaaops-bench-sra-"))
    try:
        _setup(data_dir)
        from django.test import Client

        start = time.perf_counter()
        org, owner, a = _fill(args)
        print(
            f"Filled {args.assets:,} assets, {args.flows:,} flows, {args.scenarios:,} scenarios "
            f"in {time.perf_counter() - start:.1f} s (bulk, not timed below)."
        )
        from allauth.mfa.totp.internal.auth import TOTP

        from hipaaops.api.services import create_token

        # Owners must use MFA; an enrolled authenticator lets the signed-in session through.
        TOTP.activate(owner, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        client = Client()
        client.force_login(owner)
        token = create_token(actor=owner, user=owner, organization=org, name="bench")
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
        base = f"/o/{org.slug}/sra/{a.pk}/register/"
        api_base = f"/api/v1/orgs/{org.slug}/sra/assessments/{a.pk}/scenarios"
        rows = []
        for label, cl, url, size in (
            ("register page, 50 rows", client, f"{base}?per_page=50", 50),
            ("register page, 200 rows", client, f"{base}?per_page=200", 200),
            (
                "register page 100, filtered high",
                client,
                f"{base}?per_page=50&level=high&page=40",
                50,
            ),
            ("API list, 50 per page", api, f"{api_base}?page_size=50", 50),
            (
                "API list, 100 per page",
                api,
                f"{api_base}?page_size=100&page={max(1, args.scenarios // 200)}",
                100,
            ),
        ):
            ms, queries, status = _timed_get(cl, url)
            if status != 200:
                print(f"{label}: HTTP {status}", file=sys.stderr)
                return 1
            rows.append((label, ms, queries, _raw_page_ms(a.pk, size)))
        print()
        print(f"{'request':<36} {'server ms':>10} {'queries':>8} {'raw SQL ms':>11} {'met':>5}")
        for label, ms, queries, raw in rows:
            met = "yes" if ms < PAGE_TARGET_MS else "NO"
            print(f"{label:<36} {ms:>10.1f} {queries:>8} {raw:>11.1f} {met:>5}")
        page_queries = {q for label, _, q, _ in rows if label.startswith("register page,")}
        api_queries = {q for label, _, q, _ in rows if label.startswith("API")}
        print(
            f"query count constant across page sizes: register {sorted(page_queries)}, "
            f"API {sorted(api_queries)}"
            + ("" if len(page_queries) == 1 and len(api_queries) == 1 else "  TARGET MISSED")
        )

        import resource

        from hipaaops.sra import report

        before = _status_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")
        start = time.perf_counter()
        pdf = report.render_pdf(a)
        pdf_s = time.perf_counter() - start
        peak_mib = (_status_kib("VmHWM") - before) / 1024
        # The typst worker's own peak (the largest child that has ended).
        worker_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        # The floor: typst alone typesetting the same parts (no queries, no pictures, no join).
        all_parts = report.parts(a)
        blank = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
        start = time.perf_counter()
        for part, part_data, _pictures in all_parts:
            report._compile(part, part_data, 0, {"map": blank, "heat": blank})
        floor_s = time.perf_counter() - start
        import io

        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print()
        print(f"{'SRA report PDF':<36} {'ours':>10} {'floor':>10} {'target':>10} {'met':>5}")
        print(
            f"{'seconds':<36} {pdf_s:>10.1f} {floor_s:>10.1f} {PDF_TARGET_S:>10.0f} {'yes' if pdf_s < PDF_TARGET_S else 'NO':>5}"
        )
        print(
            f"{'peak memory above start, MiB':<36} {peak_mib:>10.0f} {'':>10} {PDF_TARGET_MIB:>10.0f} {'yes' if peak_mib < PDF_TARGET_MIB else 'NO':>5}"
        )
        print(
            f"{'typst worker process peak, MiB':<36} {worker_mib:>10.0f} {'':>10} "
            f"{PDF_TARGET_MIB:>10.0f} {'yes' if worker_mib < PDF_TARGET_MIB else 'NO':>5}"
        )
        print(
            f"{len(pdf) / MiB:.1f} MiB, {pages:,} pages; the map drawn grouped ({args.assets:,} assets)."
        )
        print("floor: typst typesetting the same data alone (no queries, no pictures)")
    finally:
        if args.keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
