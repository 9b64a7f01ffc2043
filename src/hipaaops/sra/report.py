"""The Security Risk Assessment as a PDF (typst): scope, method, participants, the inventory with
its data-flow map, the threats and vulnerabilities considered, the questionnaire's sign-offs, the
register with each risk's ratings and controls, the remediation plan, acceptances with their
approvers, changes since the last assessment. It is the document OCR asks for first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.utils import timezone

from hipaaops.inventory import maps
from hipaaops.inventory import selectors as inventory
from hipaaops.sra import charts, rules, selectors, services
from hipaaops.sra.models import Assessment, Scenario

TEMPLATE = Path(__file__).with_name("templates") / "sra" / "report.typ"
ASSET_LIST_LIMIT = 300
NAMES_IN_CELL = 6


def _names(names: list[str]) -> str:
    if len(names) <= NAMES_IN_CELL:
        return ", ".join(names)
    return ", ".join(names[:NAMES_IN_CELL]) + f" +{len(names) - NAMES_IN_CELL}"


def _who(user: Any) -> str:
    return (user.get_full_name() or user.email) if user else "—"


def rating(likelihood: int | None, impact: int | None, level: str) -> str:
    if not (likelihood and impact):
        return "not rated"
    return f"{likelihood}x{impact}={likelihood * impact} {level}"


def report_data(assessment: Assessment) -> dict[str, Any]:
    org = assessment.organization
    scale = assessment.risk_scale
    threats = selectors.threat_library(org)
    vulns = selectors.vulnerability_library(org)
    summary = inventory.summary(org)
    asset_rows = list(
        inventory.assets(org)
        .filter(lifecycle="in_use")
        .order_by("-holds_ephi", "name")
        .values_list(
            "name", "asset_type", "holds_ephi", "encrypted_at_rest", "backup", "criticality"
        )[: ASSET_LIST_LIMIT + 1]
    )
    scenarios = list(
        Scenario.objects.filter(assessment=assessment)
        .select_related("owner", "approver")
        .prefetch_related("assets", "controls")
        .order_by("number")
    )
    register = []
    used_threats: set[str] = set()
    used_vulns: set[str] = set()
    for s in scenarios:
        used_threats.add(s.threat)
        used_vulns.add(s.vulnerability)
        t = threats.get(s.threat)
        v = vulns.get(s.vulnerability)

        register.append(
            [
                s.code,
                f"{s.title} ({t.name if t else s.threat} / {v.name if v else s.vulnerability})",
                _names([a.name for a in s.assets.all()]),
                _names(
                    [c.citation for c in s.controls.all()]
                    + ([s.controls_note[:80]] if s.controls_note else [])
                ),
                rating(s.likelihood, s.impact, s.inherent_level),
                rating(s.residual_likelihood, s.residual_impact, s.residual_level),
                _who(s.owner),
                s.treatment_label,
            ]
        )
    plan = [
        [
            i.scenario.code if i.scenario else f"gap: {i.source}",
            i.title,
            _who(i.owner),
            i.due_on.isoformat(),
            i.get_status_display(),
            ", ".join(c.citation for c in i.safeguards.all()),
        ]
        for i in selectors.plan(assessment)
    ]
    acceptances = [
        [
            s.code,
            s.treatment_label + (f" to {s.transfer_to}" if s.transfer_to else ""),
            s.justification,
            _who(s.approver),
            s.decided_on.isoformat() if s.decided_on else "",
        ]
        for s in scenarios
        if s.treatment in ("accept", "transfer")
    ]
    given = selectors.answers(assessment)
    reviews = {r.section: r for r in assessment.reviews.all()}
    sections = []
    for sec in rules.sections():
        p = rules.progress(sec, given)
        r = reviews.get(sec.key)
        sections.append(
            [
                str(sec.number),
                sec.title,
                f"{p.answered} of {p.asked}",
                str(p.best),
                f"{r.reviewer_name}, {r.reviewed_at:%Y-%m-%d %H:%M} UTC" if r else "not reviewed",
            ]
        )
    counts = selectors.level_counts(assessment)
    counts_text = ", ".join(
        f"{counts.get(b.key, 0)} {b.label.lower()}" for b in reversed(scale.bands)
    ) + (f", {counts['unrated']} not rated" if counts.get("unrated") else "")
    comp = selectors.comparison(assessment)

    def listed(items: list[str]) -> str:
        return (
            (", ".join(items[:40]) + (f" and {len(items) - 40} more" if len(items) > 40 else ""))
            if items
            else "none"
        )

    return {
        "organization": org.name,
        "made": timezone.localdate().isoformat(),
        "assessment": {
            "title": assessment.title,
            "assessed_on": assessment.assessed_on.isoformat(),
            "status": assessment.get_status_display(),
            "scope": assessment.scope,
            "method": assessment.method or "Not described.",
            "participants": assessment.participants,
            "completed_at": f"{assessment.completed_at:%Y-%m-%d}"
            if assessment.completed_at
            else "",
            "completed_by": _who(assessment.completed_by),
        },
        "scale": scale.as_data(),
        "inventory": {
            "in_use": summary.in_use,
            "with_ephi": summary.with_ephi,
            "ephi_unknown": summary.ephi_unknown,
            "flows": summary.flows,
            "unencrypted_flows": summary.unencrypted_flows,
            "outside_parties": summary.outside_parties,
            "by_type": [[label, str(n), str(e)] for label, n, e in summary.by_type],
            "assets": [list(map(str, r)) for r in asset_rows[:ASSET_LIST_LIMIT]],
            "more": max(0, summary.in_use - ASSET_LIST_LIMIT),
        },
        "library": {"threats": len(threats), "vulnerabilities": len(vulns)},
        "threats": [
            [threats[k].name, threats[k].description, threats[k].source_label]
            for k in sorted(used_threats)
            if k in threats
        ],
        "vulnerabilities": [
            [vulns[k].name, vulns[k].description, ", ".join(vulns[k].safeguards)]
            for k in sorted(used_vulns)
            if k in vulns
        ],
        "sections": sections,
        "contents": [
            "Scope, method and participants",
            "Inventory of ePHI and the data-flow map",
            "Threats and vulnerabilities considered",
            "Questionnaire and sign-offs",
            "Risk register",
            "Remediation plan",
            "Accepted and transferred risks",
            "Changes since the previous assessment",
            "Completion",
        ],
        "plan_intro": f"{len(plan)} plan items." if plan else "No plan item.",
        "acceptances_intro": f"{len(acceptances)} risks accepted or transferred."
        if acceptances
        else "No risk accepted or transferred.",
        "counts_text": f"{len(scenarios)} risks: {counts_text}.",
        "register": register,
        "plan": plan,
        "acceptances": acceptances,
        "comparison": None
        if comp is None or assessment.previous is None
        else {
            "previous": f"{assessment.previous.title} ({assessment.previous.assessed_on})",
            "new_assets": listed(comp.new_assets),
            "retired_assets": listed(comp.retired_assets),
            "new_risks": listed([r.title for r in comp.new_risks]),
            "rose": listed([f"{a.title} ({b.score}→{a.score})" for b, a in comp.rose]),
            "fell": listed([f"{a.title} ({b.score}→{a.score})" for b, a in comp.fell]),
            "closed": listed(comp.plan_closed),
        },
        "problems": " ".join(services.completion_problems(assessment)[:10]) or "ready to complete.",
    }


SLICE_ROWS = 1500  # rows typeset per part: bounds typst's memory on large registers


def _compile(part: str, data: dict[str, Any], offset: int, pictures: dict[str, str]) -> bytes:
    from hipaaops.sra.typeset import compile_part

    return compile_part(TEMPLATE.read_bytes(), json.dumps(data), part, offset, pictures)


Part = tuple[str, dict[str, Any], dict[str, str]]  # part, its data, its pictures


def parts(assessment: Assessment) -> list[Part]:
    """The report's parts: front matter, the long tables in slices of SLICE_ROWS rows, the end."""
    data = report_data(assessment)
    org = assessment.organization
    blank = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    plain = {"map": blank, "heat": blank}
    pictures = {
        "map": maps.draw(inventory.map_graph(org)).decode("utf-8"),
        "heat": charts.heatmap_svg(
            assessment.risk_scale,
            selectors.heat_counts(assessment, residual=False),
            title="Inherent risk",
        ).decode("utf-8"),
    }
    out: list[Part] = [("front", data, pictures)]
    base = {k: data[k] for k in ("organization", "made", "assessment")}
    for kind, title, intro in (
        ("register", "", ""),
        ("plan", "6. Remediation plan", data["plan_intro"]),
        ("acceptances", "7. Accepted and transferred risks", data["acceptances_intro"]),
    ):
        rows = data[kind]
        for start in range(0, max(len(rows), 1), SLICE_ROWS):
            part_data = {
                **base,
                "kind": kind,
                "title": title if start == 0 else "",
                "intro": intro,
                "rows": rows[start : start + SLICE_ROWS],
            }
            out.append(("rows", part_data, plain))
    out.append(
        ("tail", {**base, "comparison": data["comparison"], "problems": data["problems"]}, plain)
    )
    return out


PARTS_PER_WORKER = 3  # typst's cache grows with each document; the worker is replaced


def render_pdf(assessment: Assessment) -> bytes:
    """The report, typeset in parts (front matter, the long tables in slices, the end) and
    joined into one PDF with continuous page numbers. A large report is typeset in a worker
    process (spawned, replaced every few parts) so that typst's cache, which grows with every
    document it lays out, never holds more than a few parts: memory stays bounded whatever the
    size of the register."""
    import io

    from pypdf import PdfReader, PdfWriter

    org = assessment.organization
    writer = PdfWriter()
    pages = 0
    all_parts = parts(assessment)

    def join(pdf: bytes) -> None:
        nonlocal pages
        reader = PdfReader(io.BytesIO(pdf))
        writer.append(reader)
        pages += len(reader.pages)

    if len(all_parts) <= 5:  # front, one slice of each table, tail: typeset here
        for part, part_data, pictures in all_parts:
            join(_compile(part, part_data, pages, pictures))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from hipaaops.sra.typeset import compile_part

        template = TEMPLATE.read_bytes()
        # spawn, not fork: a forked copy of a process with threads and open connections can hang.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=1, mp_context=spawn, max_tasks_per_child=PARTS_PER_WORKER
        ) as pool:
            # Each part's first page number is the pages before it: one part at a time.
            for part, part_data, pictures in all_parts:
                join(
                    pool.submit(
                        compile_part, template, json.dumps(part_data), part, pages, pictures
                    ).result()
                )
    writer.add_metadata({"/Title": f"Security Risk Assessment: {org.name}", "/Author": org.name})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
