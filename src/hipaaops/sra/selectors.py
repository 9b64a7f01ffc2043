"""Reads of the risk assessment, scoped to one organization: the libraries with the
organization's own entries, the proposals an assessment's answers and inventory raise, the
register with its filters, the heat map, the plan and the comparison of two assessments."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from hipaaops.inventory.models import Asset
from hipaaops.organizations.models import Organization
from hipaaops.sra import rules
from hipaaops.sra.models import (
    Assessment,
    AssessmentStatus,
    LibraryEntry,
    PlanItem,
    PlanStatus,
    Scenario,
)


def threat_library(org: Organization) -> dict[str, rules.Threat]:
    found = dict(rules.threat_index())
    for e in LibraryEntry.objects.filter(organization=org, kind="threat"):
        found[e.key] = rules.Threat(e.key, e.name, e.source, e.description, (), True)
    return found


def vulnerability_library(org: Organization) -> dict[str, rules.Vulnerability]:
    found = dict(rules.vulnerability_index())
    for e in LibraryEntry.objects.filter(organization=org, kind="vulnerability"):
        found[e.key] = rules.Vulnerability(
            e.key, e.name, e.description, tuple(e.safeguards), tuple(e.threats), (), True
        )
    return found


def assessments(org: Organization) -> QuerySet[Assessment]:
    return Assessment.objects.filter(organization=org)


def current_assessment(org: Organization) -> Assessment | None:
    """The assessment the register shows by default: the latest one under way, else the latest
    completed."""
    qs = assessments(org)
    return qs.exclude(status=AssessmentStatus.COMPLETE).first() or qs.first()


def answers(assessment: Assessment) -> dict[str, str]:
    return dict(assessment.answers.values_list("question", "answer"))


def inventory_snapshot(org: Organization) -> list[dict[str, Any]]:
    return [
        {"id": pk, "name": name, "type": t, "ephi": e}
        for pk, name, t, e in Asset.objects.filter(
            organization=org, lifecycle="in_use"
        ).values_list("id", "name", "asset_type", "holds_ephi")
    ]


# ---------------------------------------------------------------------------- proposals


@dataclass
class Proposal:
    key: str
    threat: rules.Threat
    vulnerability: rules.Vulnerability
    origin: str
    reason: str
    assets: list[Asset] = field(default_factory=list)
    suggested_likelihood: int | None = None
    likelihood_basis: str = ""
    citations: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.threat.name} through {self.vulnerability.name[0].lower()}{self.vulnerability.name[1:]}"[
            :300
        ]


def _breach_suggestions(org: Organization) -> dict[str, Any]:
    try:
        from hipaaops.breaches.selectors import likelihood_suggestions
    except ImportError:  # the public breach record is an optional module
        return {}
    entity = org.entity_type if org.entity_type != "hybrid" else "provider"
    return dict(likelihood_suggestions(entity))


def proposals(assessment: Assessment) -> list[Proposal]:
    """Risk scenarios the assessment should consider and does not have yet: one per threat that
    can exploit each vulnerability the questionnaire's answers or the inventory reveal, on the
    assets concerned, with a likelihood suggested by the public breach record where it speaks to
    the threat."""
    org = assessment.organization
    threats = threat_library(org)
    vulns = vulnerability_library(org)
    have = set(assessment.scenarios.values_list("threat", "vulnerability"))
    in_use = list(
        Asset.objects.filter(organization=org, lifecycle="in_use").exclude(holds_ephi="no")
    )
    found: dict[tuple[str, str], Proposal] = {}

    def add(
        vuln_key: str, origin: str, reason: str, assets: list[Asset], cites: tuple[str, ...]
    ) -> None:
        vuln = vulns.get(vuln_key)
        if vuln is None:
            return
        for threat_key in vuln.threats:
            threat = threats.get(threat_key)
            if threat is None or (threat_key, vuln_key) in have:
                continue
            p = found.get((threat_key, vuln_key))
            if p is None:
                p = found[(threat_key, vuln_key)] = Proposal(
                    key=f"{threat_key}:{vuln_key}",
                    threat=threat,
                    vulnerability=vuln,
                    origin=origin,
                    reason=reason,
                    citations=cites or vuln.safeguards,
                )
            elif reason not in p.reason:
                p.reason = f"{p.reason} {reason}"[:2000]
            for a in assets:
                if a not in p.assets:
                    p.assets.append(a)

    for ap in rules.proposals_from_answers(answers(assessment)):
        vuln = vulns.get(ap.vulnerability)
        if vuln is None:
            continue
        wanted = set(vuln.asset_types)
        assets = [a for a in in_use if not wanted or a.asset_type in wanted]
        add(
            ap.vulnerability,
            "questionnaire",
            f"Raised by the answers to {', '.join(ap.questions)}.",
            assets,
            ap.citations,
        )
    from hipaaops.inventory import selectors as inventory

    for obs in inventory.observations(org):
        vuln_key = rules.observation_vulnerability(obs.observation.key)
        if vuln_key is None:
            continue
        assets = [obs.asset] if obs.asset is not None else []
        if obs.flow is not None:
            assets = [obs.flow.source] + ([obs.flow.target] if obs.flow.target else [])
        add(
            vuln_key,
            "inventory",
            f"Inventory: {obs.observation.subject} {obs.observation.message}.",
            assets,
            (obs.observation.citation,),
        )
    suggestions = _breach_suggestions(org)
    scale = assessment.risk_scale
    for p in found.values():
        s = suggestions.get(p.threat.key)
        if s is not None:
            p.suggested_likelihood = rules.from_five(s.level_of_5, scale)
            p.likelihood_basis = f"Public breach record: {s.reason}"
    return sorted(found.values(), key=lambda p: (-(p.suggested_likelihood or 0), p.title))


# ---------------------------------------------------------------------------- register

SORTS = {
    "risk": ("-residual_score", "-inherent_score", "number"),
    "inherent": ("-inherent_score", "number"),
    "number": ("number",),
    "title": ("title", "number"),
    "owner": ("owner__email", "number"),
}


@dataclass
class RegisterFilter:
    level: str = ""
    treatment: str = ""
    owner: int | None = None
    threat: str = ""
    asset: int | None = None
    q: str = ""
    sort: str = "risk"


def register(assessment: Assessment, f: RegisterFilter) -> QuerySet[Scenario]:
    """The register's rows: one query for the page's scenarios (with owner), one for their
    assets, whatever the page size."""
    qs = Scenario.objects.filter(assessment=assessment).select_related("owner")
    if f.level == "unrated":
        qs = qs.filter(inherent_score__isnull=True)
    elif f.level:
        qs = qs.filter(Q(residual_level=f.level) | Q(residual_level="", inherent_level=f.level))
    if f.treatment == "undecided":
        qs = qs.filter(treatment="")
    elif f.treatment:
        qs = qs.filter(treatment=f.treatment)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.threat:
        qs = qs.filter(threat=f.threat)
    if f.asset:
        qs = qs.filter(assets__id=f.asset)
    if f.q:
        qs = qs.filter(title__icontains=f.q)
    from django.db.models import F

    order: list[Any] = []
    for key in SORTS.get(f.sort, SORTS["risk"]):
        name = key.lstrip("-")
        order.append(F(name).desc(nulls_last=True) if key.startswith("-") else F(name).asc())
    return qs.order_by(*order).prefetch_related("assets")


def level_counts(assessment: Assessment) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for residual, inherent in assessment.scenarios.values_list("residual_level", "inherent_level"):
        counts[residual or inherent or "unrated"] += 1
    return dict(counts)


def heat_counts(assessment: Assessment, *, residual: bool = False) -> dict[tuple[int, int], int]:
    fields = ("residual_likelihood", "residual_impact") if residual else ("likelihood", "impact")
    counts: Counter[tuple[int, int]] = Counter()
    for lk, im in (
        assessment.scenarios.exclude(**{f"{fields[0]}__isnull": True})
        .exclude(**{f"{fields[1]}__isnull": True})
        .values_list(*fields)
    ):
        counts[(lk, im)] += 1
    return dict(counts)


# ---------------------------------------------------------------------------- plan


def plan(assessment: Assessment) -> QuerySet[PlanItem]:
    return (
        PlanItem.objects.filter(assessment=assessment)
        .select_related("owner", "scenario")
        .prefetch_related("safeguards")
    )


def overdue(org: Organization, today: date | None = None) -> QuerySet[PlanItem]:
    """Open plan items past their due date, in the organization's assessments."""
    today = today or timezone.localdate()
    return (
        PlanItem.objects.filter(
            organization=org,
            status__in=(PlanStatus.OPEN, PlanStatus.IN_PROGRESS),
            due_on__lt=today,
        )
        .exclude(assessment__next__isnull=False)
        .select_related("owner", "scenario", "assessment")
        .order_by("due_on")
    )


# ---------------------------------------------------------------------------- comparison


def _points(assessment: Assessment) -> list[rules.RiskPoint]:
    return [
        rules.RiskPoint(
            ref or str(pk),
            f"R-{n} {title}",
            residual if residual is not None else inherent,
            rl or il or "unrated",
        )
        for pk, ref, n, title, inherent, residual, il, rl in assessment.scenarios.values_list(
            "pk",
            "ref",
            "number",
            "title",
            "inherent_score",
            "residual_score",
            "inherent_level",
            "residual_level",
        )
    ]


def _plan_points(assessment: Assessment) -> dict[str, tuple[str, str]]:
    return {
        ref or str(pk): (title, status)
        for pk, ref, title, status in assessment.plan_items.values_list(
            "pk", "ref", "title", "status"
        )
    }


def _assets_of(assessment: Assessment) -> dict[str, str]:
    snap = assessment.inventory_snapshot
    if snap is None:
        snap = inventory_snapshot(assessment.organization)
    return {str(a["id"]): a["name"] for a in snap}


def comparison(assessment: Assessment) -> rules.Comparison | None:
    previous = assessment.previous
    if previous is None:
        return None
    # Items done in the previous assessment were not carried over; they count as closed there.
    return rules.compare(
        assets_before=_assets_of(previous),
        assets_after=_assets_of(assessment),
        risks_before=_points(previous),
        risks_after=_points(assessment),
        plan_before=_plan_points(previous),
        plan_after=_plan_points(assessment),
    )
