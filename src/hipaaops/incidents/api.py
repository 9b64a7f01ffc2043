"""The incident register through /api/v1/orgs/{org}/incidents/ (django-ninja): the same services
and selectors as the pages, the same error format."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Path, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from hipaaops.api.auth import api_access
from hipaaops.api.schemas import ErrorOut
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tenancy import get_for_organization
from hipaaops.incidents import selectors, services
from hipaaops.incidents.models import Incident, Status
from hipaaops.organizations.access import OrgAccess

router = Router(tags=["incidents"])

ERRORS: dict[int | tuple[int, ...], type] = {(400, 401, 403, 404, 409, 413, 422): ErrorOut}


class IncidentIn(Schema):
    title: str = Field(max_length=200)
    category: str
    severity: str = "moderate"
    occurred_on: date | None = None
    discovered_on: date
    discovered_by: str = Field("", max_length=200)
    reported_on: date | None = None
    handler: int | None = Field(None, description="a member's user id")
    description: str = Field("", max_length=20_000)
    affected_systems: str = Field("", max_length=5_000)
    affected_vendors: str = Field("", max_length=5_000)


class IncidentPatch(Schema):
    title: str | None = Field(None, max_length=200)
    category: str | None = None
    severity: str | None = None
    occurred_on: date | None = None
    discovered_on: date | None = None
    discovered_by: str | None = Field(None, max_length=200)
    reported_on: date | None = None
    handler: int | None = None
    description: str | None = Field(None, max_length=20_000)
    affected_systems: str | None = Field(None, max_length=5_000)
    affected_vendors: str | None = Field(None, max_length=5_000)
    version: int | None = Field(None, description="the version you changed; newer is a 409")


class IncidentOut(Schema):
    id: int
    reference: str
    title: str
    category: str
    severity: str
    status: str
    occurred_on: date | None
    discovered_on: date
    discovered_by: str
    reported_on: date
    handler: str | None
    description: str
    affected_systems: str
    affected_vendors: str
    version: int
    updated_at: datetime


class ObligationOut(Schema):
    id: str
    title: str
    due: date
    days_left: int
    citation: str
    state: str | None
    form: str | None
    notes: list[str]


class DeterminationOut(Schema):
    version: int
    conclusion: str
    inputs: dict[str, Any]
    result: dict[str, Any]
    summary: str
    recorded_by: str | None
    recorded_at: datetime
    finalized_by: str | None
    finalized_at: datetime | None


class IncidentDetailOut(IncidentOut):
    determination: DeterminationOut | None
    plan: list[ObligationOut]
    plan_note: str


class StatusIn(Schema):
    status: str = Field(description=", ".join(Status.values))
    note: str = Field("", max_length=2_000)


class DeterminationIn(Schema):
    inputs: dict[str, Any] = Field(
        description="phi_involved, secured, exception, assessment (the four factors)"
    )
    summary: str = Field("", max_length=20_000)


class FactsIn(Schema):
    affected_by_state: dict[str, int] = Field(default_factory=dict)
    insufficient_contact_info: int = Field(0, ge=0)
    law_enforcement_delay: dict[str, Any] | None = None
    business_associate: dict[str, Any] | None = None
    baa_reporting_days: int | None = Field(None, ge=1, le=60)


class ImportOut(Schema):
    rows: int
    imported: bool
    errors: list[str]
    by_state: dict[str, int]


class IndividualOut(Schema):
    line: int
    name: str
    address: str
    email: str
    phone: str
    state: str
    deceased: bool
    minor: bool
    contact_insufficient: bool


def _access(request: HttpRequest, org: str, capability: Capability) -> OrgAccess:
    access = api_access(request, org)
    access.require(capability)
    return access


def _incident(access: OrgAccess, incident_id: int) -> Incident:
    return get_for_organization(
        Incident.objects.select_related("handler", "organization"),
        access.organization,
        pk=incident_id,
    )


def _out(i: Incident) -> dict[str, Any]:
    return {
        "id": i.pk,
        "reference": i.reference,
        "title": i.title,
        "category": i.category,
        "severity": i.severity,
        "status": i.status,
        "occurred_on": i.occurred_on,
        "discovered_on": i.discovered_on,
        "discovered_by": i.discovered_by,
        "reported_on": i.reported_on,
        "handler": i.handler.email if i.handler else None,
        "description": i.description,
        "affected_systems": i.affected_systems,
        "affected_vendors": i.affected_vendors,
        "version": i.version,
        "updated_at": i.updated_at,
    }


def _detail(i: Incident) -> dict[str, Any]:
    d = services.current_determination(i)
    obligations, note = selectors.plan(i)
    return {
        **_out(i),
        "determination": None
        if d is None
        else {
            "version": d.version,
            "conclusion": d.conclusion,
            "inputs": d.inputs,
            "result": d.result,
            "summary": d.summary,
            "recorded_by": d.recorded_by.email if d.recorded_by else None,
            "recorded_at": d.recorded_at,
            "finalized_by": d.finalized_by.email if d.finalized_by else None,
            "finalized_at": d.finalized_at,
        },
        "plan": [
            {
                "id": o.id,
                "title": o.title,
                "due": o.due,
                "days_left": o.days_left,
                "citation": o.citation,
                "state": o.state,
                "form": o.form,
                "notes": o.notes,
            }
            for o in obligations
        ],
        "plan_note": note,
    }


@router.get("/incidents", response={200: list[IncidentOut], **ERRORS})
@paginate(PageNumberPagination)
def list_incidents(request: HttpRequest, org: Path[str], status: Query[str] = "") -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    if status and status not in Status.values:
        raise DomainError(f"status must be one of {', '.join(Status.values)}.", field="status")
    return [_out(i) for i in selectors.incidents(access.organization, status=status)]


@router.post("/incidents", response={201: IncidentDetailOut, **ERRORS})
def create_incident(
    request: HttpRequest, org: Path[str], payload: IncidentIn
) -> tuple[int, dict[str, Any]]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    incident = services.report_incident(access, **payload.dict())
    return 201, _detail(incident)


@router.get("/incidents/{incident_id}", response={200: IncidentDetailOut, **ERRORS})
def get_incident(request: HttpRequest, org: Path[str], incident_id: int) -> dict[str, Any]:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return _detail(_incident(access, incident_id))


@router.patch("/incidents/{incident_id}", response={200: IncidentDetailOut, **ERRORS})
def patch_incident(
    request: HttpRequest, org: Path[str], incident_id: int, payload: IncidentPatch
) -> dict[str, Any]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    changes = payload.dict(exclude_unset=True)
    expected = changes.pop("version", None)
    incident = services.update_incident(
        access, _incident(access, incident_id), expected_version=expected, **changes
    )
    return _detail(incident)


@router.post("/incidents/{incident_id}/status", response={200: IncidentDetailOut, **ERRORS})
def post_status(
    request: HttpRequest, org: Path[str], incident_id: int, payload: StatusIn
) -> dict[str, Any]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    incident = services.change_status(
        access, _incident(access, incident_id), payload.status, note=payload.note
    )
    return _detail(incident)


@router.post("/incidents/{incident_id}/determination", response={200: IncidentDetailOut, **ERRORS})
def post_determination(
    request: HttpRequest, org: Path[str], incident_id: int, payload: DeterminationIn
) -> dict[str, Any]:
    """Record the breach determination (45 CFR 164.402); a draft is replaced, a finalized one is
    amended by a new version. Bad inputs name the field, such as assessment.nature.sensitivity."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    incident = _incident(access, incident_id)
    services.record_determination(access, incident, inputs=payload.inputs, summary=payload.summary)
    return _detail(incident)


@router.post(
    "/incidents/{incident_id}/determination/finalize", response={200: IncidentDetailOut, **ERRORS}
)
def finalize(request: HttpRequest, org: Path[str], incident_id: int) -> dict[str, Any]:
    access = _access(request, org, Capability.APPROVE)
    incident = _incident(access, incident_id)
    current = services.current_determination(incident)
    if current is None:
        raise DomainError("Record a determination first.", field="determination")
    services.finalize_determination(access, current)
    return _detail(incident)


@router.put("/incidents/{incident_id}/facts", response={200: IncidentDetailOut, **ERRORS})
def put_facts(
    request: HttpRequest, org: Path[str], incident_id: int, payload: FactsIn
) -> dict[str, Any]:
    access = _access(request, org, Capability.EDIT_RECORDS)
    incident = _incident(access, incident_id)
    services.set_notification_facts(access, incident, **payload.dict())
    return _detail(incident)


@router.post("/incidents/{incident_id}/individuals", response={200: ImportOut, **ERRORS})
def import_individuals(
    request: HttpRequest,
    org: Path[str],
    incident_id: int,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
) -> dict[str, Any]:
    """Load the affected individuals from CSV; every bad row is listed and nothing is loaded
    while any is bad (``imported`` is then false)."""
    access = _access(request, org, Capability.VIEW_SENSITIVE)
    if file.size is not None and file.size > 200 * 1024 * 1024:
        raise DomainError("The file is larger than 200 MB.", field="file")
    report = services.import_individuals(
        access, _incident(access, incident_id), file.file, dry_run=dry_run
    )
    return {
        "rows": report.rows,
        "imported": report.imported,
        "errors": report.errors,
        "by_state": report.by_state,
    }


@router.get("/incidents/{incident_id}/individuals", response={200: list[IndividualOut], **ERRORS})
@paginate(PageNumberPagination)
def list_individuals(request: HttpRequest, org: Path[str], incident_id: int) -> Any:
    """The affected individuals, decrypted; the read is recorded in the audit trail."""
    access = _access(request, org, Capability.VIEW_SENSITIVE)
    people = services.read_individuals(access, _incident(access, incident_id))
    return [
        {
            "line": p.line,
            "name": p.name,
            "address": p.address,
            "email": p.email,
            "phone": p.phone,
            "state": p.state,
            "deceased": p.deceased,
            "minor": p.minor,
            "contact_insufficient": p.contact_insufficient,
        }
        for p in people
    ]
