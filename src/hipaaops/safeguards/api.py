"""The safeguard register through /api/v1/orgs/{org}/safeguards/ (django-ninja): the same
services and selectors as the pages, the same error format."""

import io
import json
from datetime import date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from ninja import Field, File, Form, Path, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from hipaaops.api.auth import api_access
from hipaaops.api.schemas import ErrorOut
from hipaaops.core.roles import Capability
from hipaaops.core.tenancy import get_for_organization
from hipaaops.organizations.access import OrgAccess
from hipaaops.safeguards import exports, reference, rules, selectors, services
from hipaaops.safeguards.models import (
    AddressableDecision,
    Document,
    KeyActivityAnswer,
    SafeguardItem,
    SafeguardVersion,
)

# Mounted at /orgs/{org}/safeguards: ``org`` comes from the mount's path, so it is declared
# ``Path[str]`` (ninja reads undeclared names from the operation's own path only).
router = Router(tags=["safeguards"])

ERRORS: dict[int | tuple[int, ...], type] = {(400, 401, 403, 404, 409, 413, 422): ErrorOut}


class DocumentOut(Schema):
    id: int
    title: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str | None


class DecisionOut(Schema):
    id: int
    choice: str
    rationale: str
    alternative: str
    instead: str
    factors: list[str]
    approver: str | None
    decided_on: date
    review_on: date
    recorded_by: str | None
    recorded_at: datetime
    current: bool


class ItemOut(Schema):
    id: int
    citation: str
    kind: str
    title: str
    family: str
    family_label: str
    standard: str | None
    requirement: str | None
    status: str
    not_applicable_reason: str
    excluded_by_profile: bool
    owner: str | None = Field(description="The owner's e-mail address")
    owner_id: int | None
    target_date: date | None
    implementation: str
    last_reviewed_on: date | None
    next_review_on: date | None
    version: int
    updated_at: datetime
    decision: DecisionOut | None
    decision_open: bool
    review_overdue: bool
    document_count: int


class ItemDetailOut(ItemOut):
    text: str
    summary: str
    documents: list[DocumentOut]


class ItemQuery(Schema):
    family: str = ""
    requirement: str = Field("", description="required, addressable or standard")
    status: str = ""
    owner: int | None = Field(None, description="the owner's user id")
    citation: str = Field("", description="a citation prefix, such as 164.312")


class ItemPatch(Schema):
    status: str | None = None
    not_applicable_reason: str | None = Field(None, max_length=rules.MAX_TEXT)
    owner: int | None = Field(None, description="a member's user id; null for nobody")
    target_date: date | None = None
    implementation: str | None = Field(None, max_length=rules.MAX_TEXT)
    last_reviewed_on: date | None = None
    next_review_on: date | None = None
    version: int | None = Field(
        None, description="the version you changed; a newer one on the server is a 409"
    )


class DecisionIn(Schema):
    choice: str
    rationale: str = Field("", max_length=rules.MAX_TEXT)
    alternative: str = Field("", max_length=rules.MAX_TEXT)
    instead: str = Field("", max_length=rules.MAX_TEXT)
    factors: list[str] = Field(default_factory=list)
    approver: int = Field(description="the approving member's user id")
    decided_on: date
    review_on: date


class VersionOut(Schema):
    version: int
    change: str
    changed_by: str | None
    changed_at: datetime
    data: dict[str, Any]


class AnswerIn(Schema):
    question: str = Field(max_length=64, description="a sample question id, such as SQ_...")
    answer: str = Field("", max_length=rules.MAX_TEXT)


class AnswerOut(Schema):
    question: str
    key_activity: str
    answer: str
    answered_by: str | None
    answered_at: datetime


class PostureOut(Schema):
    total: int
    applicable: int
    implemented: int
    by_status: dict[str, int]
    by_family: dict[str, dict[str, int]]
    by_requirement: dict[str, dict[str, int]]
    open_decisions: int
    overdue_reviews: int
    snapshots: list[dict[str, Any]]
    proposed_rule_shortfalls: list[dict[str, Any]] | None


def _email(user: Any) -> str | None:
    return user.email if user is not None else None


def _decision_out(d: AddressableDecision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "choice": d.choice,
        "rationale": d.rationale,
        "alternative": d.alternative,
        "instead": d.instead,
        "factors": list(d.factors),
        "approver": _email(d.approver),
        "decided_on": d.decided_on,
        "review_on": d.review_on,
        "recorded_by": _email(d.recorded_by) if d.recorded_by_id else None,
        "recorded_at": d.recorded_at,
        "current": d.superseded_by_id is None,
    }


def _item_out(row: selectors.RegisterRow) -> dict[str, Any]:
    e, item = row.entry, row.item
    return {
        "id": item.pk,
        "citation": e.citation,
        "kind": e.kind,
        "title": e.title,
        "family": e.family,
        "family_label": reference.family_label(e.family),
        "standard": e.standard or None,
        "requirement": e.requirement,
        "status": item.status,
        "not_applicable_reason": item.not_applicable_reason,
        "excluded_by_profile": item.excluded_by_profile,
        "owner": _email(item.owner),
        "owner_id": item.owner_id,
        "target_date": item.target_date,
        "implementation": item.implementation,
        "last_reviewed_on": item.last_reviewed_on,
        "next_review_on": item.next_review_on,
        "version": item.version,
        "updated_at": item.updated_at,
        "decision": _decision_out(row.decision) if row.decision else None,
        "decision_open": row.decision_open,
        "review_overdue": row.review_overdue,
        "document_count": row.document_count,
    }


def _document_out(d: Document) -> dict[str, Any]:
    return {
        "id": d.pk,
        "title": d.title,
        "original_name": d.original_name,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "uploaded_at": d.uploaded_at,
        "uploaded_by": _email(d.uploaded_by) if d.uploaded_by_id else None,
    }


def _access(request: HttpRequest, org: str, capability: Capability) -> OrgAccess:
    access = api_access(request, org)
    access.require(capability)
    return access


def _item(access: OrgAccess, item_id: int) -> SafeguardItem:
    return get_for_organization(
        SafeguardItem.objects.select_related("owner"), access.organization, pk=item_id
    )


def _detail(access: OrgAccess, item: SafeguardItem) -> dict[str, Any]:
    rows = selectors.register_rows(
        access.organization, selectors.RegisterFilter(citation=item.citation)
    )
    row = next(r for r in rows if r.item.pk == item.pk)
    e = row.entry
    documents = item.documents.select_related("uploaded_by").order_by("-uploaded_at")
    return {
        **_item_out(row),
        "text": e.text,
        "summary": e.summary,
        "documents": [_document_out(d) for d in documents],
    }


@router.get("/items", response={200: list[ItemOut], **ERRORS})
@paginate(PageNumberPagination)
def list_items(request: HttpRequest, org: Path[str], filters: Query[ItemQuery]) -> Any:
    """The register in catalog order (created on first use), filtered."""
    access = _access(request, org, Capability.VIEW_RECORDS)
    services.ensure_register_exists(access.organization, actor=access.user)
    flt = selectors.RegisterFilter(**filters.dict())
    return [_item_out(r) for r in selectors.register_rows(access.organization, flt)]


@router.get("/items/{item_id}", response={200: ItemDetailOut, **ERRORS})
def get_item(request: HttpRequest, org: Path[str], item_id: int) -> dict[str, Any]:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return _detail(access, _item(access, item_id))


@router.patch("/items/{item_id}", response={200: ItemDetailOut, **ERRORS})
def patch_item(
    request: HttpRequest, org: Path[str], item_id: int, payload: ItemPatch
) -> dict[str, Any]:
    """Change status, owner, dates or implementation. Refused: an owner who is not a member
    (``owner``), a target date in the past (``target_date``), not applicable without a reason."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    item = _item(access, item_id)
    changes = payload.dict(exclude_unset=True)
    expected = changes.pop("version", None)
    item = services.update_item(access, item, expected_version=expected, **changes)
    return _detail(access, item)


@router.get("/items/{item_id}/decisions", response={200: list[DecisionOut], **ERRORS})
def list_decisions(request: HttpRequest, org: Path[str], item_id: int) -> list[dict[str, Any]]:
    """Every decision on the item, newest first; ``current`` marks the one in force."""
    access = _access(request, org, Capability.VIEW_RECORDS)
    item = _item(access, item_id)
    decisions = AddressableDecision.objects.filter(
        organization=access.organization, item=item
    ).select_related("approver", "recorded_by")
    return [_decision_out(d) for d in decisions]


@router.post("/items/{item_id}/decisions", response={201: DecisionOut, **ERRORS})
def post_decision(
    request: HttpRequest, org: Path[str], item_id: int, payload: DecisionIn
) -> tuple[int, dict[str, Any]]:
    """Record the decision on an addressable specification (45 CFR 164.306(d)(3)). It needs a
    rationale, at least one 164.306(b)(2) factor, an approver with the approve right, and a
    review date after the decision date; it supersedes the current decision."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    item = _item(access, item_id)
    decision = services.record_decision(access, item, **payload.dict())
    return 201, _decision_out(decision)


@router.get("/items/{item_id}/versions", response={200: list[VersionOut], **ERRORS})
@paginate(PageNumberPagination)
def list_versions(request: HttpRequest, org: Path[str], item_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    item = _item(access, item_id)
    versions = SafeguardVersion.objects.filter(
        organization=access.organization, item=item
    ).select_related("changed_by")
    return [
        {
            "version": v.version,
            "change": v.change,
            "changed_by": _email(v.changed_by) if v.changed_by_id else None,
            "changed_at": v.changed_at,
            "data": v.data,
        }
        for v in versions
    ]


@router.post("/items/{item_id}/documents", response={201: DocumentOut, **ERRORS})
def upload_document(
    request: HttpRequest,
    org: Path[str],
    item_id: int,
    file: File[UploadedFile],
    title: Form[str] = "",
) -> tuple[int, dict[str, Any]]:
    """Upload an evidence file (multipart) and link it to the item. The kind is read from the
    first bytes; archives, programs and web pages are refused."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    item = _item(access, item_id)
    document = services.attach_document(access, file, title=title, items=[item])
    return 201, _document_out(document)


@router.get("/answers", response={200: list[AnswerOut], **ERRORS})
@paginate(PageNumberPagination)
def list_answers(request: HttpRequest, org: Path[str]) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    answers = KeyActivityAnswer.objects.filter(organization=access.organization).select_related(
        "answered_by"
    )
    return [
        {
            "question": a.question,
            "key_activity": a.key_activity,
            "answer": a.answer,
            "answered_by": _email(a.answered_by) if a.answered_by_id else None,
            "answered_at": a.answered_at,
        }
        for a in answers.order_by("question")
    ]


@router.put("/answers", response={200: AnswerOut, **ERRORS})
def put_answer(request: HttpRequest, org: Path[str], payload: AnswerIn) -> dict[str, Any]:
    """Answer a NIST SP 800-66r2 sample question (replaces the organization's answer)."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    a = services.answer_question(access, question_id=payload.question, answer=payload.answer)
    return {
        "question": a.question,
        "key_activity": a.key_activity,
        "answer": a.answer,
        "answered_by": _email(a.answered_by) if a.answered_by_id else None,
        "answered_at": a.answered_at,
    }


def _posture_out(access: OrgAccess) -> dict[str, Any]:
    data = selectors.posture(access.organization)
    overlay = None
    if data.overlay is not None:
        overlay = [
            {
                "requirement": getattr(s.requirement, "title", str(s.requirement)),
                "proposed_citation": getattr(s.requirement, "proposed_citation", None),
                "short": [r.item.citation for r in s.items],
            }
            for s in data.overlay
        ]
    return {
        **data.counts,
        "snapshots": [
            {"taken_on": s.taken_on.isoformat(), "trigger": s.trigger, **s.counts}
            for s in data.snapshots
        ],
        "proposed_rule_shortfalls": overlay,
    }


@router.get("/posture", response={200: PostureOut, **ERRORS})
def get_posture(request: HttpRequest, org: Path[str]) -> dict[str, Any]:
    """Implementation by family and by required/addressable, open decisions, overdue reviews,
    the snapshots, and (with the overlay on) the shortfalls under the proposed 2025 rule."""
    access = _access(request, org, Capability.VIEW_RECORDS)
    services.ensure_register_exists(access.organization, actor=access.user)
    return _posture_out(access)


@router.post("/posture/snapshots", response={201: PostureOut, **ERRORS})
def post_snapshot(request: HttpRequest, org: Path[str]) -> tuple[int, dict[str, Any]]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    services.take_snapshot_for(access)
    return 201, _posture_out(access)


def _export_access(request: HttpRequest, org: str) -> tuple[OrgAccess, list[exports.ExportRow]]:
    access = _access(request, org, Capability.EXPORT)
    services.ensure_register_exists(access.organization, actor=access.user)
    return access, exports.rows(access.organization)


@router.get("/export.csv", response={200: None, **ERRORS})
def export_csv(request: HttpRequest, org: Path[str]) -> HttpResponseBase:
    """The register as CSV."""
    access, rows = _export_access(request, org)
    services.record_export(access, what="Safeguard register", fmt="csv", count=len(rows))
    response = StreamingHttpResponse(
        exports.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="safeguard-register-{org}.csv"'
    return response


@router.get("/export.xlsx", response={200: None, **ERRORS})
def export_xlsx(request: HttpRequest, org: Path[str]) -> HttpResponseBase:
    """The register as an Excel workbook."""
    access, rows = _export_access(request, org)
    services.record_export(access, what="Safeguard register", fmt="xlsx", count=len(rows))
    content = exports.xlsx_bytes(rows, title=f"Safeguard register: {access.organization.name}")
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"safeguard-register-{org}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@router.get("/statement.pdf", response={200: None, **ERRORS})
def export_statement(request: HttpRequest, org: Path[str]) -> HttpResponseBase:
    """The Security Rule implementation statement (PDF)."""
    access, rows = _export_access(request, org)
    services.record_export(
        access, what="Security Rule implementation statement", fmt="pdf", count=len(rows)
    )
    content = exports.statement_pdf(access.organization, rows)
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"security-rule-statement-{org}.pdf",
        content_type="application/pdf",
    )


@router.get("/catalog.oscal.json", response={200: None, **ERRORS})
def export_oscal(request: HttpRequest, org: Path[str]) -> HttpResponseBase:
    """The Security Rule catalog as an OSCAL catalog (JSON)."""
    from hipaaops.catalog.oscal import security_catalog

    access = _access(request, org, Capability.EXPORT)
    services.record_export(access, what="Security Rule catalog (OSCAL)", fmt="json")
    return FileResponse(
        io.BytesIO(json.dumps(security_catalog(), indent=2).encode()),
        as_attachment=True,
        filename="hipaa-security-rule-oscal.json",
        content_type="application/json",
    )
