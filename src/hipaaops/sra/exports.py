"""The risk register and the remediation plan as tables (CSV, XLSX, PDF)."""

from __future__ import annotations

from hipaaops.sra import selectors
from hipaaops.sra.models import Assessment, Scenario

REGISTER_COLUMNS = (
    "id",
    "title",
    "threat",
    "vulnerability",
    "assets",
    "controls",
    "likelihood",
    "impact",
    "inherent_score",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_level",
    "owner",
    "treatment",
    "justification",
    "approver",
    "decided_on",
)
PLAN_COLUMNS = ("risk", "step", "owner", "due_on", "status", "done_on", "safeguards", "notes")


def register_table(a: Assessment) -> tuple[str, tuple[str, ...], list[list[object]]]:
    rows: list[list[object]] = []
    for s in (
        Scenario.objects.filter(assessment=a)
        .select_related("owner", "approver")
        .prefetch_related("assets", "controls")
        .order_by("number")
    ):
        rows.append(
            [
                s.code,
                s.title,
                s.threat,
                s.vulnerability,
                "; ".join(x.name for x in s.assets.all()),
                "; ".join(c.citation for c in s.controls.all()),
                s.likelihood or "",
                s.impact or "",
                s.inherent_score or "",
                s.inherent_level,
                s.residual_likelihood or "",
                s.residual_impact or "",
                s.residual_score or "",
                s.residual_level,
                s.owner.email if s.owner else "",
                s.treatment,
                s.justification,
                s.approver.email if s.approver else "",
                s.decided_on or "",
            ]
        )
    return f"Risk register: {a.title}", REGISTER_COLUMNS, rows


def plan_table(a: Assessment) -> tuple[str, tuple[str, ...], list[list[object]]]:
    rows: list[list[object]] = [
        [
            i.scenario.code if i.scenario else f"gap: {i.source}",
            i.title,
            i.owner.email if i.owner else "",
            i.due_on,
            i.status,
            i.done_on or "",
            "; ".join(c.citation for c in i.safeguards.all()),
            i.notes,
        ]
        for i in selectors.plan(a)
    ]
    return f"Remediation plan: {a.title}", PLAN_COLUMNS, rows
