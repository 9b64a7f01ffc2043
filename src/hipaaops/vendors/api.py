"""The business associate program through /api/v1/orgs/{org}/vendors/ (django-ninja)."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Path, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import File as FileParam

from hipaaops.api.auth import api_access
from hipaaops.api.schemas import ErrorOut
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tenancy import get_for_organization
from hipaaops.organizations.access import OrgAccess
from hipaaops.vendors import rules, selectors, services
from hipaaops.vendors.models import Agreement, SecurityReview, Vendor

router = Router(tags=["vendors"])
ERRORS: dict[int | tuple[int, ...], type] = {(400, 401, 403, 404, 409, 422): ErrorOut}


class ContactIn(Schema):
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=200)
    phone: str = Field("", max_length=200)
    role: str = Field("", max_length=200)


class VendorIn(Schema):
    name: str = Field(max_length=200)
    relationship: str = Field("vendor", description="vendor or upstream")
    parent: int | None = Field(None, description="id of the vendor this one subcontracts for")
    services: str = Field("", max_length=5000)
    phi_access: str = Field("none", description="none, limited or full")
    phi_kinds: list[str] = []
    locations: str = Field("", max_length=300)
    offshore: bool = False
    operates: str = Field("", max_length=5000)
    contacts: list[ContactIn] = []
    review_months: int = 12


class VendorPatch(Schema):
    expected_version: int | None = None
    name: str | None = Field(None, max_length=200)
    parent: int | None = None
    services: str | None = Field(None, max_length=5000)
    phi_access: str | None = None
    phi_kinds: list[str] | None = None
    locations: str | None = Field(None, max_length=300)
    offshore: bool | None = None
    operates: str | None = Field(None, max_length=5000)
    contacts: list[ContactIn] | None = None
    review_months: int | None = None


class VendorOut(Schema):
    id: int
    name: str
    relationship: str
    parent: int | None
    services: str
    phi_access: str
    phi_kinds: list[str]
    locations: str
    offshore: bool
    operates: str
    contacts: list[dict[str, str]]
    outcome: str
    determination: dict[str, Any] | None
    business_associate: bool | None
    risk_tier: str
    tier_reasons: list[str]
    last_reviewed_on: date | None
    review_due_on: date | None
    status: str
    version: int


class VendorDeterminationIn(Schema):
    handles_phi: bool
    only_transmits: bool = False
    routine_access: bool = False
    workforce_member: bool = False
    treatment_provider: bool = False
    own_capacity: bool = False
    note: str = Field("", max_length=5000)


class SignatoryIn(Schema):
    name: str = Field(max_length=200)
    title: str = Field("", max_length=200)
    party: str = Field("", max_length=200)
    signed_on: date | None = None


class AgreementIn(Schema):
    title: str = Field(max_length=200)
    stage: str = Field("needed", description="needed, requested, in_review or signed")
    parties: str = Field("", max_length=2000)
    signatories: list[SignatoryIn] = []
    effective_on: date | None = None
    expires_on: date | None = None
    auto_renews: bool = False
    renewal_months: int | None = None
    breach_report_days: int | None = Field(None, ge=0, le=365)
    breach_report_day_kind: str = Field("calendar", description="calendar or business")


class AgreementPatch(Schema):
    expected_version: int | None = None
    title: str | None = Field(None, max_length=200)
    parties: str | None = Field(None, max_length=2000)
    signatories: list[SignatoryIn] | None = None
    effective_on: date | None = None
    expires_on: date | None = None
    auto_renews: bool | None = None
    renewal_months: int | None = None
    breach_report_days: int | None = Field(None, ge=0, le=365)
    breach_report_day_kind: str | None = None


class ProvisionOut(Schema):
    key: str
    title: str
    citations: list[str]
    state: str
    where: str
    note: str


class AgreementOut(Schema):
    id: int
    vendor: int
    vendor_name: str
    title: str
    status: str
    stage: str
    parties: str
    signatories: list[dict[str, str]]
    effective_on: date | None
    expires_on: date | None
    term_end: date | None
    auto_renews: bool
    renewal_months: int | None
    breach_report_days: int | None
    breach_report_day_kind: str
    provisions: list[ProvisionOut]
    missing_provisions: list[str]
    documents: list[dict[str, Any]]
    terminated_on: date | None
    disposition: dict[str, Any] | None
    verification_due: date | None
    version: int


class ProvisionIn(Schema):
    state: str = Field(description="present, missing, not_applicable or unchecked")
    where: str = Field("", max_length=200)
    note: str = Field("", max_length=1000)


class ProvisionsIn(Schema):
    provisions: dict[str, ProvisionIn] = Field(description="by provision key")


class StageIn(Schema):
    stage: str


class TerminateIn(Schema):
    terminated_on: date
    reason: str = Field(max_length=5000)


class VendorReviewIn(Schema):
    sent_to: str = Field(max_length=254)
    due_on: date | None = None


class ReviewOut(Schema):
    id: int
    vendor: int
    status: str
    sent_to: str
    due_on: date
    link_expires_at: Any
    submitted_at: Any
    answers: dict[str, str]
    comments: dict[str, str]
    reports: list[dict[str, Any]]
    tier: str
    points: int | None
    reasons: list[str]
    decision_note: str


class ReviewSent(ReviewOut):
    link: str = Field(description="The single-use link; shown only in this response.")


class ReviewDecisionIn(Schema):
    accept: bool
    note: str = Field("", max_length=5000)


class GapOut(Schema):
    kind: str
    vendor: int
    vendor_name: str
    agreement: int | None
    text: str


class VendorImportOut(Schema):
    rows: int
    imported: bool
    errors: list[str]


def _access(request: HttpRequest, org: str, capability: Capability) -> OrgAccess:
    access = api_access(request, org)
    access.require(capability)
    return access


def _vendor(access: OrgAccess, vendor_id: int) -> Vendor:
    return get_for_organization(Vendor.objects.all(), access.organization, pk=vendor_id)


def _agreement(access: OrgAccess, agreement_id: int) -> Agreement:
    return get_for_organization(
        Agreement.objects.select_related("vendor"), access.organization, pk=agreement_id
    )


def _vendor_out(v: Vendor) -> dict[str, Any]:
    return {
        "id": v.pk,
        "name": v.name,
        "relationship": v.relationship,
        "parent": v.parent_id,
        "services": v.services,
        "phi_access": v.phi_access,
        "phi_kinds": v.phi_kinds,
        "locations": v.locations,
        "offshore": v.offshore,
        "operates": v.operates,
        "contacts": v.contacts,
        "outcome": v.outcome,
        "determination": v.determination,
        "business_associate": v.is_business_associate,
        "risk_tier": v.risk_tier,
        "tier_reasons": v.tier_reasons,
        "last_reviewed_on": v.last_reviewed_on,
        "review_due_on": v.review_due_on,
        "status": v.status,
        "version": v.version,
    }


def _agreement_out(access: OrgAccess, a: Agreement) -> dict[str, Any]:
    from django.utils import timezone

    org = access.organization
    row = selectors.agreement_row(
        a,
        timezone.localdate(),
        services.settings_of(org).expiring_window_days,
        org.proposed_rule_overlay,
    )
    checklist = a.provisions or {}
    return {
        "id": a.pk,
        "vendor": a.vendor_id,
        "vendor_name": a.vendor.name,
        "title": a.title,
        "status": row.status.value,
        "stage": a.stage,
        "parties": a.parties,
        "signatories": a.signatories,
        "effective_on": a.effective_on,
        "expires_on": a.expires_on,
        "term_end": row.term_end,
        "auto_renews": a.auto_renews,
        "renewal_months": a.renewal_months,
        "breach_report_days": a.breach_report_days,
        "breach_report_day_kind": a.breach_report_day_kind,
        "provisions": [
            {
                "key": p.key,
                "title": p.title,
                "citations": list(p.citations),
                "state": checklist.get(p.key, {}).get("state", "unchecked"),
                "where": checklist.get(p.key, {}).get("where", ""),
                "note": checklist.get(p.key, {}).get("note", ""),
            }
            for p in rules.provisions()
        ],
        "missing_provisions": [p.key for p in row.gaps],
        "documents": [
            {
                "version": d.number,
                "document": d.document_id,
                "name": d.document.original_name,
                "sha256": d.document.sha256,
                "note": d.note,
            }
            for d in a.versions.select_related("document")
        ],
        "terminated_on": a.terminated_on,
        "disposition": a.disposition,
        "verification_due": row.verification_due,
        "version": a.version,
    }


def _review_out(r: SecurityReview) -> dict[str, Any]:
    return {
        "id": r.pk,
        "vendor": r.vendor_id,
        "status": r.status,
        "sent_to": r.sent_to,
        "due_on": r.due_on,
        "link_expires_at": r.link_expires_at,
        "submitted_at": r.submitted_at,
        "answers": r.answers,
        "comments": r.comments,
        "reports": r.reports,
        "tier": r.tier,
        "points": r.points,
        "reasons": r.reasons,
        "decision_note": r.decision_note,
    }


@router.get("", response={200: list[VendorOut], **ERRORS})
def list_vendors(request: HttpRequest, org: Path[str], tier: Query[str] = "") -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    vendors = Vendor.objects.filter(organization=access.organization)
    if tier:
        vendors = vendors.filter(risk_tier=tier)
    return [_vendor_out(v) for v in vendors]


@router.post("", response={201: VendorOut, **ERRORS})
def create_vendor(request: HttpRequest, org: Path[str], payload: VendorIn) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict()
    data["contacts"] = [dict(c) for c in data["contacts"]]
    return 201, _vendor_out(services.create_vendor(access, **data))


@router.post("/import", response={200: VendorImportOut, **ERRORS})
def import_vendors(
    request: HttpRequest, org: Path[str], file: File[UploadedFile], dry_run: Form[bool] = False
) -> Any:
    """Vendors from CSV or XLSX (multipart). Every bad row is listed; nothing is imported while
    any row is bad (the response is then a 400 with the list)."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    report = services.import_vendors(access, file.read(), filename=file.name or "", dry_run=dry_run)
    if report.errors:
        raise DomainError(
            f"{len(report.errors)} problem(s); nothing imported: " + "; ".join(report.errors[:50]),
            field="file",
        )
    return {"rows": report.rows, "imported": report.imported, "errors": []}


@router.get("/gaps", response={200: list[GapOut], **ERRORS})
def list_gaps(request: HttpRequest, org: Path[str]) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return [
        {
            "kind": g.kind,
            "vendor": g.vendor.pk,
            "vendor_name": g.vendor.name,
            "agreement": g.agreement.pk if g.agreement else None,
            "text": g.text,
        }
        for g in selectors.gaps(access.organization)
    ]


@router.get("/agreements", response={200: list[AgreementOut], **ERRORS})
def list_agreements(request: HttpRequest, org: Path[str], status: Query[str] = "") -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    if status and status not in rules.STATUS_LABELS:
        raise DomainError(
            f"status must be one of {', '.join(rules.STATUS_LABELS)}.", field="status"
        )
    rows = selectors.agreement_rows(access.organization)
    return [_agreement_out(access, r.agreement) for r in rows if not status or r.status == status]


@router.get("/agreements/{agreement_id}", response={200: AgreementOut, **ERRORS})
def get_agreement(request: HttpRequest, org: Path[str], agreement_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return _agreement_out(access, _agreement(access, agreement_id))


@router.patch("/agreements/{agreement_id}", response={200: AgreementOut, **ERRORS})
def patch_agreement(
    request: HttpRequest, org: Path[str], agreement_id: int, payload: AgreementPatch
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version", None)
    if "signatories" in data and data["signatories"] is not None:
        data["signatories"] = [dict(s) for s in data["signatories"]]
    done = services.update_agreement(
        access, _agreement(access, agreement_id), expected_version=expected, **data
    )
    return _agreement_out(access, done)


@router.post("/agreements/{agreement_id}/stage", response={200: AgreementOut, **ERRORS})
def post_stage(request: HttpRequest, org: Path[str], agreement_id: int, payload: StageIn) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    done = services.move_agreement(access, _agreement(access, agreement_id), stage=payload.stage)
    return _agreement_out(access, done)


@router.put("/agreements/{agreement_id}/provisions", response={200: AgreementOut, **ERRORS})
def put_provisions(
    request: HttpRequest, org: Path[str], agreement_id: int, payload: ProvisionsIn
) -> Any:
    """Mark provisions by key (see the agreement's ``provisions``); keys not given keep theirs."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    checklist = {k: v.dict() for k, v in payload.provisions.items()}
    done = services.set_provisions(access, _agreement(access, agreement_id), checklist)
    return _agreement_out(access, done)


@router.post("/agreements/{agreement_id}/documents", response={201: AgreementOut, **ERRORS})
def post_document(
    request: HttpRequest,
    org: Path[str],
    agreement_id: int,
    file: File[UploadedFile],
    note: Form[str] = "",
) -> Any:
    """A new version of the agreement's document (PDF or DOCX, multipart)."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    agreement = _agreement(access, agreement_id)
    services.add_agreement_document(access, agreement, file, note=note)
    return 201, _agreement_out(access, _agreement(access, agreement_id))


@router.post("/agreements/{agreement_id}/termination", response={200: AgreementOut, **ERRORS})
def post_termination(
    request: HttpRequest, org: Path[str], agreement_id: int, payload: TerminateIn
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    done = services.terminate_agreement(access, _agreement(access, agreement_id), **payload.dict())
    return _agreement_out(access, done)


@router.post("/agreements/{agreement_id}/disposition", response={200: AgreementOut, **ERRORS})
def post_disposition(
    request: HttpRequest,
    org: Path[str],
    agreement_id: int,
    method: Form[str],
    confirmed_on: Form[date],
    note: Form[str] = "",
    certificate: UploadedFile | None = FileParam(None),  # noqa: B008 - ninja's parameter marker
) -> Any:
    """The return or destruction of PHI after termination, with the certificate (PDF)."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    done = services.record_disposition(
        access,
        _agreement(access, agreement_id),
        method=method,
        confirmed_on=confirmed_on,
        note=note,
        certificate=certificate,
    )
    return _agreement_out(access, done)


@router.get("/{vendor_id}", response={200: VendorOut, **ERRORS})
def get_vendor(request: HttpRequest, org: Path[str], vendor_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return _vendor_out(_vendor(access, vendor_id))


@router.patch("/{vendor_id}", response={200: VendorOut, **ERRORS})
def patch_vendor(request: HttpRequest, org: Path[str], vendor_id: int, payload: VendorPatch) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version", None)
    if data.get("contacts") is not None:
        data["contacts"] = [dict(c) for c in data["contacts"]]
    done = services.update_vendor(
        access, _vendor(access, vendor_id), expected_version=expected, **data
    )
    return _vendor_out(done)


@router.post("/{vendor_id}/determination", response={200: VendorOut, **ERRORS})
def post_determination(
    request: HttpRequest, org: Path[str], vendor_id: int, payload: VendorDeterminationIn
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    done = services.record_determination(access, _vendor(access, vendor_id), **payload.dict())
    return _vendor_out(done)


@router.post("/{vendor_id}/agreements", response={201: AgreementOut, **ERRORS})
def create_agreement(
    request: HttpRequest, org: Path[str], vendor_id: int, payload: AgreementIn
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict()
    data["signatories"] = [dict(s) for s in data["signatories"]]
    created = services.create_agreement(access, _vendor(access, vendor_id), **data)
    return 201, _agreement_out(access, created)


@router.post("/{vendor_id}/reviews", response={201: ReviewSent, **ERRORS})
def send_review(
    request: HttpRequest, org: Path[str], vendor_id: int, payload: VendorReviewIn
) -> Any:
    """Send the security questionnaire; the single-use link is in this response only."""
    from django.urls import reverse

    access = _access(request, org, Capability.EDIT_RECORDS)
    base = request.build_absolute_uri("/")
    review, token = services.send_questionnaire(
        access, _vendor(access, vendor_id), **payload.dict(), base_url=base
    )
    link = request.build_absolute_uri(reverse("vendor_questionnaire", args=[token]))
    return 201, {**_review_out(review), "link": link}


@router.get("/reviews/{review_id}", response={200: ReviewOut, **ERRORS})
def get_review(request: HttpRequest, org: Path[str], review_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return _review_out(
        get_for_organization(SecurityReview.objects.all(), access.organization, pk=review_id)
    )


@router.post("/reviews/{review_id}/decision", response={200: ReviewOut, **ERRORS})
def post_decision(
    request: HttpRequest, org: Path[str], review_id: int, payload: ReviewDecisionIn
) -> Any:
    access = _access(request, org, Capability.APPROVE)
    review = get_for_organization(SecurityReview.objects.all(), access.organization, pk=review_id)
    return _review_out(services.decide_review(access, review, **payload.dict()))
