"""Reads of the safeguard register, always given the organization. Each list is a fixed number
of queries whatever its length (guarded by tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch
from django.utils import timezone

from hipaaops.organizations.models import Membership, Organization
from hipaaops.safeguards import reference, rules
from hipaaops.safeguards.models import (
    AddressableDecision,
    Document,
    KeyActivityAnswer,
    PostureSnapshot,
    SafeguardItem,
    SafeguardVersion,
    Status,
)

REQUIREMENT_FILTERS = {
    "required": "Required",
    "addressable": "Addressable",
    "standard": "Standard with specifications",
}


@dataclass
class RegisterFilter:
    family: str = ""
    requirement: str = ""  # required, addressable, standard
    status: str = ""
    owner: int | None = None
    citation: str = ""  # a prefix, such as 164.312


@dataclass
class RegisterRow:
    item: SafeguardItem
    entry: Any
    decision: AddressableDecision | None
    document_count: int
    review_overdue: bool
    decision_open: bool

    @property
    def requirement_group(self) -> str:
        return rules.requirement_group(self.entry.requirement)


def _citations(flt: RegisterFilter) -> set[str] | None:
    if not (flt.family or flt.requirement or flt.citation):
        return None
    chosen = set()
    for e in reference.entries():
        if flt.family and e.family != flt.family:
            continue
        if flt.requirement and rules.requirement_group(e.requirement) != flt.requirement:
            continue
        if flt.citation and not e.citation.startswith(flt.citation):
            continue
        chosen.add(e.citation)
    return chosen


def current_decisions(org: Organization) -> dict[int, AddressableDecision]:
    return {
        d.item_id: d
        for d in AddressableDecision.objects.filter(
            organization=org, superseded_by__isnull=True
        ).select_related("approver")
    }


def register_rows(
    org: Organization, flt: RegisterFilter | None = None, *, today: date | None = None
) -> list[RegisterRow]:
    """The register in catalog order, filtered: two queries."""
    flt = flt or RegisterFilter()
    today = today or timezone.localdate()
    qs = (
        SafeguardItem.objects.filter(organization=org)
        .select_related("owner")
        .annotate(document_count=Count("documents"))
    )
    if flt.status:
        qs = qs.filter(status=flt.status)
    if flt.owner:
        qs = qs.filter(owner_id=flt.owner)
    citations = _citations(flt)
    if citations is not None:
        qs = qs.filter(citation__in=citations)
    decisions = current_decisions(org)
    rows = []
    for item in qs:
        e = reference.get(item.citation)
        if e is None:  # an entry a newer catalog removed: kept, but not shown
            continue
        decision = decisions.get(item.pk)
        rows.append(
            RegisterRow(
                item=item,
                entry=e,
                decision=decision,
                document_count=item.document_count,
                review_overdue=rules.review_overdue(item.next_review_on, today)
                or (decision is not None and rules.review_overdue(decision.review_on, today)),
                decision_open=reference.is_addressable(e)
                and item.status != Status.NOT_APPLICABLE
                and decision is None,
            )
        )
    rows.sort(key=lambda r: reference.order(r.item.citation))
    return rows


def status_counts(rows: list[RegisterRow]) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for r in rows:
        counts[r.item.status] += 1
    return counts


def members(org: Organization) -> list[Membership]:
    return list(
        Membership.objects.filter(organization=org).select_related("user").order_by("user__email")
    )


@dataclass
class ItemDetail:
    item: SafeguardItem
    entry: Any
    standard: Any
    specifications: list[Any]
    key_activities: list[Any]
    answers: dict[str, KeyActivityAnswer]
    decision: AddressableDecision | None
    decisions: list[AddressableDecision]
    versions: list[SafeguardVersion]
    documents: list[Document]
    other_documents: list[Document] = field(default_factory=list)
    related: dict[str, int] = field(default_factory=dict)  # citation -> item id, same standard


def item_detail(org: Organization, item: SafeguardItem) -> ItemDetail:
    e = reference.entry(item.citation)
    standard = reference.standard_of(e)
    kas = reference.key_activities_for(standard.citation)
    question_ids = [q.id for ka in kas for q in reference.activity_questions(ka)]
    answers = {
        a.question: a
        for a in KeyActivityAnswer.objects.filter(
            organization=org, question__in=question_ids
        ).prefetch_related(Prefetch("documents", queryset=Document.objects.order_by("title")))
    }
    decisions = list(
        AddressableDecision.objects.filter(organization=org, item=item).select_related(
            "approver", "recorded_by"
        )
    )
    current = next((d for d in decisions if d.superseded_by_id is None), None)
    documents = list(item.documents.select_related("uploaded_by").order_by("-uploaded_at"))
    linked = {d.pk for d in documents}
    others = [
        d for d in Document.objects.filter(organization=org).order_by("title") if d.pk not in linked
    ]
    specifications = [
        s for s in reference.entries() if s.kind != "standard" and s.standard == standard.citation
    ]
    related = dict(
        SafeguardItem.objects.filter(
            organization=org,
            citation__in=[standard.citation, *(s.citation for s in specifications)],
        ).values_list("citation", "pk")
    )
    return ItemDetail(
        item=item,
        entry=e,
        standard=standard,
        specifications=specifications,
        related=related,
        key_activities=kas,
        answers=answers,
        decision=current,
        decisions=decisions,
        versions=list(
            SafeguardVersion.objects.filter(organization=org, item=item).select_related(
                "changed_by"
            )
        ),
        documents=documents,
        other_documents=others,
    )


def _counts(rows: list[RegisterRow]) -> dict[str, Any]:
    counts: dict[str, Any] = rules.posture_counts(
        rules.PostureRow(r.entry.family, r.entry.requirement, r.item.status) for r in rows
    )
    counts["open_decisions"] = sum(1 for r in rows if r.decision_open)
    counts["overdue_reviews"] = sum(1 for r in rows if r.review_overdue)
    return counts


def posture_counts(org: Organization, *, today: date | None = None) -> dict[str, Any]:
    """The counts kept in a snapshot: by status, family and requirement, and the open work."""
    return _counts(register_rows(org, today=today))


@dataclass
class Shortfall:
    requirement: Any
    items: list[RegisterRow]


@dataclass
class Posture:
    counts: dict[str, Any]
    open_decisions: list[RegisterRow]
    overdue_reviews: list[RegisterRow]
    snapshots: list[PostureSnapshot]
    overlay: list[Shortfall] | None


def proposed_shortfalls(rows: list[RegisterRow]) -> list[Shortfall]:
    """With the proposed 2025 rule (90 FR 898): for each proposed requirement, the applicable
    items it would change that are not implemented as specified today."""
    by_citation = {r.item.citation: r for r in rows}
    result = []
    for req in reference.proposed_requirements():
        short = []
        for citation in getattr(req, "affects", ()) or ():
            row = by_citation.get(citation)
            if row is None or row.item.status == Status.NOT_APPLICABLE:
                continue
            as_specified = (
                row.decision is None
                or row.decision.choice == rules.DecisionChoice.IMPLEMENT_AS_SPECIFIED
            )
            if row.item.status != Status.IMPLEMENTED or not as_specified:
                short.append(row)
        result.append(Shortfall(req, short))
    return result


def posture(org: Organization, *, today: date | None = None) -> Posture:
    today = today or timezone.localdate()
    rows = register_rows(org, today=today)
    return Posture(
        counts=_counts(rows),
        open_decisions=[r for r in rows if r.decision_open],
        overdue_reviews=[r for r in rows if r.review_overdue],
        snapshots=list(PostureSnapshot.objects.filter(organization=org).order_by("taken_on")),
        overlay=proposed_shortfalls(rows) if org.proposed_rule_overlay else None,
    )
