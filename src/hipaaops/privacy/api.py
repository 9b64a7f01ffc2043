"""The rights request register through /api/v1/orgs/{org}/privacy/ (django-ninja)."""

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
from hipaaops.privacy import selectors, services
from hipaaops.privacy.models import PrivacyRequest, RequestRight

router = Router(tags=["privacy"])
ERRORS: dict[int | tuple[int, ...], type] = {(400, 401, 403, 404, 409, 422): ErrorOut}


class RequestIn(Schema):
    right: str = Field(description=", ".join(RequestRight.values))
    received_on: date
    requester: str = Field(max_length=200)
    individual: str = Field("", max_length=200)
    representative_basis: str = Field("", max_length=500)
    contact: str = Field("", max_length=500)
    channel: str = Field("", max_length=40)
    identity_verification: str = Field("", max_length=5000)
    form_and_format: str = Field("", max_length=200)
    summary: str = Field("", max_length=5000)
    assignee: int | None = None


class RequestOut(Schema):
    id: int
    reference: str
    right: str
    received_on: date
    status: str
    due: date | None
    extended_due: date | None
    days_left: int | None
    citation: str | None
    identity_verification: str
    form_and_format: str
    summary: str
    assignee: str | None
    fee: dict[str, Any] | None
    response_sent_on: date | None
    denial_ground: str
    denial_reviewable: bool | None
    version: int
    updated_at: datetime


class ExtendIn(Schema):
    extended_on: date
    reason: str = Field(max_length=5000)
    expected_date: date | None = None


class RespondIn(Schema):
    status: str
    sent_on: date
    summary: str = Field("", max_length=5000)
    denial_ground: str = Field("", max_length=5000)
    denial_reviewable: bool | None = None


class PeopleOut(Schema):
    requester: str
    individual: str
    contact: str
    representative_basis: str


def _access(request: HttpRequest, org: str, capability: Capability) -> OrgAccess:
    access = api_access(request, org)
    access.require(capability)
    return access


def _item(access: OrgAccess, request_id: int) -> PrivacyRequest:
    return get_for_organization(
        PrivacyRequest.objects.select_related("assignee"), access.organization, pk=request_id
    )


def _out(row: selectors.RequestRow) -> dict[str, Any]:
    r, c = row.request, row.clock
    return {
        "id": r.pk,
        "reference": r.reference,
        "right": r.right,
        "received_on": r.received_on,
        "status": r.status,
        "due": c.due if c else None,
        "extended_due": c.extended_due if c else None,
        "days_left": row.days_left,
        "citation": c.citation if c else None,
        "identity_verification": r.identity_verification,
        "form_and_format": r.form_and_format,
        "summary": r.summary,
        "assignee": r.assignee.email if r.assignee else None,
        "fee": r.fee,
        "response_sent_on": r.response_sent_on,
        "denial_ground": r.denial_ground,
        "denial_reviewable": r.denial_reviewable,
        "version": r.version,
        "updated_at": r.updated_at,
    }


def _row(item: PrivacyRequest) -> dict[str, Any]:
    return _out(selectors.RequestRow(item, services.clock(item)))


@router.get("/requests", response={200: list[RequestOut], **ERRORS})
@paginate(PageNumberPagination)
def list_requests(
    request: HttpRequest, org: Path[str], right: Query[str] = "", open_only: Query[bool] = False
) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    if right and right not in RequestRight.values:
        raise DomainError(f"right must be one of {', '.join(RequestRight.values)}.", field="right")
    return [_out(r) for r in selectors.rows(access.organization, open_only=open_only, right=right)]


@router.post("/requests", response={201: RequestOut, **ERRORS})
def create_request(
    request: HttpRequest, org: Path[str], payload: RequestIn
) -> tuple[int, dict[str, Any]]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return 201, _row(services.receive_request(access, **payload.dict()))


@router.get("/requests/{request_id}", response={200: RequestOut, **ERRORS})
def get_request(request: HttpRequest, org: Path[str], request_id: int) -> dict[str, Any]:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return _row(_item(access, request_id))


@router.get("/requests/{request_id}/people", response={200: PeopleOut, **ERRORS})
def get_people(request: HttpRequest, org: Path[str], request_id: int) -> dict[str, str]:
    """Who asked and for whom; the read is recorded in the audit trail."""
    access = _access(request, org, Capability.VIEW_SENSITIVE)
    people = services.read_people(access, _item(access, request_id))
    return {
        k: people.get(k, "") for k in ("requester", "individual", "contact", "representative_basis")
    }


@router.post("/requests/{request_id}/extension", response={200: RequestOut, **ERRORS})
def post_extension(
    request: HttpRequest, org: Path[str], request_id: int, payload: ExtendIn
) -> dict[str, Any]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return _row(services.extend_request(access, _item(access, request_id), **payload.dict()))


@router.post("/requests/{request_id}/response", response={200: RequestOut, **ERRORS})
def post_response(
    request: HttpRequest, org: Path[str], request_id: int, payload: RespondIn
) -> dict[str, Any]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return _row(services.respond(access, _item(access, request_id), **payload.dict()))


class DisagreementIn(Schema):
    disagreement: str = Field(max_length=10_000)
    rebuttal: str = Field("", max_length=10_000)


class ReviewIn(Schema):
    reviewer_name: str = Field(max_length=200)
    license: str = Field(max_length=100)
    took_part_in_denial: bool
    outcome: str = Field(description="upheld or reversed")
    reviewed_on: date


@router.post("/requests/{request_id}/disagreement", response={200: RequestOut, **ERRORS})
def post_disagreement(
    request: HttpRequest, org: Path[str], request_id: int, payload: DisagreementIn
) -> dict[str, Any]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return _row(services.record_disagreement(access, _item(access, request_id), **payload.dict()))


@router.post("/requests/{request_id}/review", response={200: RequestOut, **ERRORS})
def post_review(
    request: HttpRequest, org: Path[str], request_id: int, payload: ReviewIn
) -> dict[str, Any]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return _row(services.record_review(access, _item(access, request_id), **payload.dict()))


class DisclosureIn(Schema):
    individual_name: str = Field(max_length=200)
    individual_id: str = Field(max_length=100)
    disclosed_on: date
    recipient: str = Field(max_length=300)
    description: str = Field(max_length=2000)
    purpose: str = Field(max_length=2000)
    exemption: str = ""
    suspended_until: date | None = None


class DisclosureOut(Schema):
    id: int
    disclosed_on: date
    recipient: str
    description: str
    purpose: str
    exemption: str
    source: str


@router.get("/disclosures", response={200: list[DisclosureOut], **ERRORS})
@paginate(PageNumberPagination)
def list_disclosures(request: HttpRequest, org: Path[str]) -> Any:
    """The log without the people it concerns (an accounting names them)."""
    from hipaaops.privacy.models import Disclosure

    access = _access(request, org, Capability.VIEW_RECORDS)
    return list(
        Disclosure.objects.filter(organization=access.organization).values(
            "id", "disclosed_on", "recipient", "description", "purpose", "exemption", "source"
        )
    )


@router.post("/disclosures", response={201: DisclosureOut, **ERRORS})
def create_disclosure(
    request: HttpRequest, org: Path[str], payload: DisclosureIn
) -> tuple[int, dict[str, Any]]:
    from hipaaops.privacy import disclosures

    access = _access(request, org, Capability.EDIT_RECORDS)
    d = disclosures.record_disclosure(access, **payload.dict())
    return 201, {
        "id": d.pk,
        "disclosed_on": d.disclosed_on,
        "recipient": d.recipient,
        "description": d.description,
        "purpose": d.purpose,
        "exemption": d.exemption,
        "source": d.source,
    }


class ComplaintIn(Schema):
    received_on: date
    summary: str = Field(max_length=10_000)
    name: str = Field("", max_length=200)
    contact: str = Field("", max_length=500)


class ComplaintOut(Schema):
    id: int
    reference: str
    received_on: date
    summary: str
    status: str
    disposition: str
    disposed_on: date | None
    sanction_reference: str


class DisposeIn(Schema):
    disposition: str = Field(max_length=10_000)
    disposed_on: date
    sanction_reference: str = Field("", max_length=200)


def _complaint_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "reference": c.reference,
        "received_on": c.received_on,
        "summary": c.summary,
        "status": c.status,
        "disposition": c.disposition,
        "disposed_on": c.disposed_on,
        "sanction_reference": c.sanction_reference,
    }


@router.get("/complaints", response={200: list[ComplaintOut], **ERRORS})
@paginate(PageNumberPagination)
def list_complaints(request: HttpRequest, org: Path[str]) -> Any:
    from hipaaops.privacy.models import Complaint

    access = _access(request, org, Capability.VIEW_RECORDS)
    return [_complaint_out(c) for c in Complaint.objects.filter(organization=access.organization)]


@router.post("/complaints", response={201: ComplaintOut, **ERRORS})
def create_complaint(
    request: HttpRequest, org: Path[str], payload: ComplaintIn
) -> tuple[int, dict[str, Any]]:
    from hipaaops.privacy import program

    access = _access(request, org, Capability.EDIT_RECORDS)
    return 201, _complaint_out(program.receive_complaint(access, **payload.dict()))


@router.post("/complaints/{complaint_id}/disposition", response={200: ComplaintOut, **ERRORS})
def dispose_complaint(
    request: HttpRequest, org: Path[str], complaint_id: int, payload: DisposeIn
) -> dict[str, Any]:
    from hipaaops.privacy import program
    from hipaaops.privacy.models import Complaint

    access = _access(request, org, Capability.EDIT_RECORDS)
    complaint = get_for_organization(Complaint.objects.all(), access.organization, pk=complaint_id)
    return _complaint_out(program.dispose_complaint(access, complaint, **payload.dict()))


class NoticeIn(Schema):
    version: str = Field(max_length=40)
    effective_on: date
    summary_of_changes: str = Field("", max_length=5000)


class NoticeOut(Schema):
    id: int
    version: str
    effective_on: date
    summary_of_changes: str


@router.get("/notices", response={200: list[NoticeOut], **ERRORS})
def list_notices(request: HttpRequest, org: Path[str]) -> list[dict[str, Any]]:
    from hipaaops.privacy.models import NoticeVersion

    access = _access(request, org, Capability.VIEW_RECORDS)
    return [
        {
            "id": n.pk,
            "version": n.version,
            "effective_on": n.effective_on,
            "summary_of_changes": n.summary_of_changes,
        }
        for n in NoticeVersion.objects.filter(organization=access.organization)
    ]


@router.post("/notices", response={201: NoticeOut, **ERRORS})
def create_notice(
    request: HttpRequest, org: Path[str], payload: NoticeIn
) -> tuple[int, dict[str, Any]]:
    from hipaaops.privacy import program

    access = _access(request, org, Capability.EDIT_RECORDS)
    n = program.add_notice_version(access, **payload.dict())
    return 201, {
        "id": n.pk,
        "version": n.version,
        "effective_on": n.effective_on,
        "summary_of_changes": n.summary_of_changes,
    }
