"""Audit readiness through /api/v1/orgs/{org}/readiness/ (django-ninja): mock audits, their
responses and scores, remediation items, and the penalty estimate. Same services and selectors as
the pages, same error format."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from hipaaops.api.auth import api_access
from hipaaops.api.schemas import ErrorOut
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tenancy import get_for_organization
from hipaaops.organizations.access import OrgAccess
from hipaaops.readiness import rules, selectors, services
from hipaaops.readiness.models import InquiryResponse, MockAudit

router = Router(tags=["readiness"])

ERRORS: dict[int | tuple[int, ...], type] = {(400, 401, 403, 404, 409, 422): ErrorOut}
MAX_TEXT = 20_000


class ScoreOut(Schema):
    label: str
    percent: int | None = Field(description="credit over applicable inquiries; null if none apply")
    applicable: int
    reviewed: int
    counts: dict[str, int]


class ReadinessOut(Schema):
    overall: ScoreOut
    by_rule: dict[str, ScoreOut]
    by_section: dict[str, ScoreOut]


class MockAuditOut(Schema):
    id: int
    title: str
    held_on: date
    scope: str
    state: str
    previous_id: int | None
    created_by: str | None
    created_at: datetime


class MockAuditDetailOut(MockAuditOut):
    readiness: ReadinessOut


class MockAuditIn(Schema):
    title: str = Field(max_length=200)
    held_on: date
    scope: str = Field("all", description="all, phase2_desk, phase2_desk_business_associate, ...")


class DocumentProposal(Schema):
    label: str
    url: str
    kind: str
    detail: str = ""


class ResponseOut(Schema):
    inquiry_id: str
    audit_type: str
    section: str
    key_activity: str
    requirement: str | None
    catalog: list[str]
    applicable: bool
    not_applicable_reason: str
    narrative: str
    status: str
    documents: list[DocumentProposal]
    reviewer: str | None
    notes: str
    version: int
    updated_at: datetime


class ResponseQuery(Schema):
    audit_type: str = Field("", description="privacy, security or breach")
    status: str = ""
    q: str = Field("", description="text in the id, section or key activity")


class ResponsePatch(Schema):
    applicable: bool | None = None
    not_applicable_reason: str | None = Field(None, max_length=MAX_TEXT)
    narrative: str | None = Field(None, max_length=MAX_TEXT)
    status: str | None = None
    reviewer: int | None = Field(None, description="a member's user id")
    notes: str | None = Field(None, max_length=MAX_TEXT)
    version: int | None = Field(None, description="the version you changed; newer is a 409")


class RemediationIn(Schema):
    title: str = Field(max_length=300)
    owner: int = Field(description="a member's user id")
    due_on: date


class RemediationOut(Schema):
    id: int
    inquiry_id: str
    title: str
    owner: str | None
    due_on: date
    state: str
    plan_item: int | None = Field(None, description="its step in the SRA remediation plan")


class PenaltyQuery(Schema):
    tier: int = Field(
        description="1 did not know, 2 reasonable cause, 3 willful neglect corrected, 4 not corrected"
    )
    violations: int = Field(
        1, description="violations of one identical provision in a calendar year"
    )
    on: date | None = Field(None, description="the date whose amounts apply (default today)")


class PenaltyOut(Schema):
    on: date
    tier: int
    culpability: str
    violations: int
    per_violation_minimum: int
    per_violation_maximum: int
    regulation_cap: int
    discretion_cap: int | None
    low: int
    high: int
    high_under_discretion: int | None
    sources: list[str]
    disclaimer: str


def _access(request: HttpRequest, org: str, capability: Capability) -> OrgAccess:
    access = api_access(request, org)
    access.require(capability)
    return access


def _audit(access: OrgAccess, audit_id: int) -> MockAudit:
    return get_for_organization(
        MockAudit.objects.select_related("created_by"), access.organization, pk=audit_id
    )


def _score(s: rules.Score) -> dict[str, Any]:
    return {
        "label": s.label,
        "percent": s.percent,
        "applicable": s.applicable,
        "reviewed": s.reviewed,
        "counts": {k.value: v for k, v in s.counts.items()},
    }


def _audit_out(a: MockAudit) -> dict[str, Any]:
    return {
        "id": a.pk,
        "title": a.title,
        "held_on": a.held_on,
        "scope": a.scope,
        "state": a.state,
        "previous_id": a.previous_id,
        "created_by": a.created_by.email if a.created_by else None,
        "created_at": a.created_at,
    }


def _detail(a: MockAudit) -> dict[str, Any]:
    r = selectors.readiness(a)
    return {
        **_audit_out(a),
        "readiness": {
            "overall": _score(r.overall),
            "by_rule": {k: _score(v) for k, v in r.by_rule.items()},
            "by_section": {k: _score(v) for k, v in r.by_section.items()},
        },
    }


def _response_out(row: selectors.ResponseRow) -> dict[str, Any]:
    r, i = row.response, row.inquiry
    return {
        "inquiry_id": i.id,
        "audit_type": i.audit_type,
        "section": i.section,
        "key_activity": i.key_activity,
        "requirement": i.requirement,
        "catalog": list(i.catalog),
        "applicable": r.applicable,
        "not_applicable_reason": r.not_applicable_reason,
        "narrative": r.narrative,
        "status": r.status,
        "documents": r.documents,
        "reviewer": r.reviewer.email if r.reviewer else None,
        "notes": r.notes,
        "version": r.version,
        "updated_at": r.updated_at,
    }


def _response(access: OrgAccess, audit: MockAudit, inquiry_id: str) -> InquiryResponse:
    return get_for_organization(
        InquiryResponse.objects.select_related("reviewer"),
        access.organization,
        mock_audit=audit,
        inquiry_id=inquiry_id.upper(),
    )


@router.get("/audits", response={200: list[MockAuditOut], **ERRORS})
@paginate(PageNumberPagination)
def list_audits(request: HttpRequest, org: Path[str]) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return [_audit_out(a) for a in selectors.mock_audits(access.organization)]


@router.post("/audits", response={201: MockAuditDetailOut, **ERRORS})
def create_audit(
    request: HttpRequest, org: Path[str], payload: MockAuditIn
) -> tuple[int, dict[str, Any]]:
    """Start a mock audit over a scope; documents are proposed for every inquiry."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    audit = services.start_mock_audit(access, **payload.dict())
    return 201, _detail(audit)


@router.get("/audits/{audit_id}", response={200: MockAuditDetailOut, **ERRORS})
def get_audit(request: HttpRequest, org: Path[str], audit_id: int) -> dict[str, Any]:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return _detail(_audit(access, audit_id))


@router.get("/audits/{audit_id}/responses", response={200: list[ResponseOut], **ERRORS})
@paginate(PageNumberPagination)
def list_responses(
    request: HttpRequest, org: Path[str], audit_id: int, filters: Query[ResponseQuery]
) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    audit = _audit(access, audit_id)
    if filters.audit_type and filters.audit_type not in rules.RULE_LABELS:
        raise DomainError("audit_type must be privacy, security or breach.", field="audit_type")
    rows = selectors.response_rows(
        audit, audit_type=filters.audit_type, status=filters.status, query=filters.q
    )
    return [_response_out(r) for r in rows]


@router.patch("/audits/{audit_id}/responses/{inquiry_id}", response={200: ResponseOut, **ERRORS})
def patch_response(
    request: HttpRequest, org: Path[str], audit_id: int, inquiry_id: str, payload: ResponsePatch
) -> dict[str, Any]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    audit = _audit(access, audit_id)
    response = _response(access, audit, inquiry_id)
    changes = payload.dict(exclude_unset=True)
    expected = changes.pop("version", None)
    services.update_response(access, response, expected_version=expected, **changes)
    row = next(r for r in selectors.response_rows(audit) if r.response.pk == response.pk)
    return _response_out(row)


@router.post(
    "/audits/{audit_id}/responses/{inquiry_id}/remediation",
    response={201: RemediationOut, **ERRORS},
)
def post_remediation(
    request: HttpRequest, org: Path[str], audit_id: int, inquiry_id: str, payload: RemediationIn
) -> tuple[int, dict[str, Any]]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    response = _response(access, _audit(access, audit_id), inquiry_id)
    item = services.add_remediation(access, response, **payload.dict())
    return 201, {
        "id": item.pk,
        "inquiry_id": response.inquiry_id,
        "title": item.title,
        "owner": item.owner.email if item.owner else None,
        "due_on": item.due_on,
        "state": item.state,
        "plan_item": item.plan_item_id,
    }


@router.get("/penalty-estimate", response={200: PenaltyOut, **ERRORS})
def penalty_estimate(
    request: HttpRequest, org: Path[str], query: Query[PenaltyQuery]
) -> dict[str, Any]:
    """The civil money penalty range for a culpability tier and a number of violations, at the
    amounts in force on a date. An estimate, not legal advice."""
    _access(request, org, Capability.VIEW_RECORDS)
    from django.utils import timezone

    try:
        estimate = rules.estimate_penalty(
            tier=query.tier, violations=query.violations, on=query.on or timezone.localdate()
        )
    except ValueError as exc:
        message = str(exc)
        field = "tier" if "tier" in message else "violations" if "violations" in message else "on"
        raise DomainError(message, field=field) from None
    out = dict(estimate.__dict__)
    out["sources"] = list(estimate.sources)
    return out
