"""The ePHI inventory through /api/v1/orgs/{org}/inventory/ (django-ninja)."""

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
from hipaaops.inventory import rules, selectors, services
from hipaaops.inventory.models import Asset, DataFlow
from hipaaops.organizations.access import OrgAccess

router = Router(tags=["inventory"])
ERRORS: dict[int | tuple[int, ...], type] = {(400, 401, 403, 404, 409, 422): ErrorOut}


class AssetIn(Schema):
    name: str = Field(max_length=200)
    asset_type: str = Field(description="application, database, server, cloud_service, endpoint, …")
    description: str = Field("", max_length=5000)
    owner: int | None = Field(None, description="a member's user id")
    hosting: str = Field("on_premises", description="on_premises, cloud, vendor or remote")
    location: str = Field("", max_length=200)
    holds_ephi: str = Field("unknown", description="yes, no or unknown")
    ephi_kinds: list[str] = []
    records: int | None = Field(None, ge=0)
    encrypted_at_rest: str = Field("unknown", description="yes, partial, no or unknown")
    encrypted_in_transit: str = Field("unknown", description="yes, partial, no or unknown")
    backup: str = Field("unknown", description="none, local, offsite, vendor, not_needed, unknown")
    criticality: str = Field("moderate", description="critical, high, moderate or low")
    lifecycle: str = Field("in_use", description="in_use or retired (disposal has its own call)")
    vendor: int | None = Field(None, description="a vendor of the registry")
    vendor_name: str = Field("", max_length=200)


class AssetPatch(Schema):
    expected_version: int | None = None
    name: str | None = Field(None, max_length=200)
    asset_type: str | None = None
    description: str | None = Field(None, max_length=5000)
    owner: int | None = None
    hosting: str | None = None
    location: str | None = Field(None, max_length=200)
    holds_ephi: str | None = None
    ephi_kinds: list[str] | None = None
    records: int | None = Field(None, ge=0)
    encrypted_at_rest: str | None = None
    encrypted_in_transit: str | None = None
    backup: str | None = None
    criticality: str | None = None
    lifecycle: str | None = None
    vendor: int | None = None
    vendor_name: str | None = Field(None, max_length=200)


class AssetOut(Schema):
    id: int
    name: str
    asset_type: str
    description: str
    owner: int | None = Field(None, alias="owner_id")
    hosting: str
    location: str
    holds_ephi: str
    ephi_kinds: list[str]
    records: int | None
    encrypted_at_rest: str
    encrypted_in_transit: str
    backup: str
    criticality: str
    lifecycle: str
    disposal: dict[str, Any] | None
    vendor: int | None = Field(None, alias="vendor_id")
    vendor_name: str
    version: int


class DisposalIn(Schema):
    method: str = Field(description="clear, purge, destroy or vendor_certificate")
    disposed_on: str
    performed_by: str = Field(max_length=200)
    certificate: str = Field("", max_length=200)
    notes: str = Field("", max_length=2000)


class FlowIn(Schema):
    source: int
    target: int | None = None
    outside_party: str = Field("", max_length=200)
    ephi_kinds: list[str] = []
    protocol: str = Field("", max_length=80)
    encrypted: str = Field("unknown", description="yes, no or unknown")
    frequency: str = Field("daily", description="continuous, daily, weekly, monthly or ad_hoc")
    description: str = Field("", max_length=5000)


class FlowPatch(Schema):
    expected_version: int | None = None
    source: int | None = None
    target: int | None = None
    outside_party: str | None = Field(None, max_length=200)
    ephi_kinds: list[str] | None = None
    protocol: str | None = Field(None, max_length=80)
    encrypted: str | None = None
    frequency: str | None = None
    description: str | None = Field(None, max_length=5000)


class FlowOut(Schema):
    id: int
    source: int = Field(alias="source_id")
    target: int | None = Field(None, alias="target_id")
    outside_party: str
    ephi_kinds: list[str]
    protocol: str
    encrypted: str
    frequency: str
    description: str
    version: int


class ObservationOut(Schema):
    key: str
    subject: str
    message: str
    citation: str
    asset: int | None
    flow: int | None


class InventoryImportOut(Schema):
    rows: int
    imported: bool
    errors: list[str]


def _access(request: HttpRequest, org: str, capability: Capability) -> OrgAccess:
    access = api_access(request, org)
    access.require(capability)
    return access


@router.get("/assets", response={200: list[AssetOut], **ERRORS})
@paginate(PageNumberPagination)
def list_assets(
    request: HttpRequest, org: Path[str], asset_type: Query[str] = "", holds_ephi: Query[str] = ""
) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    qs = Asset.objects.filter(organization=access.organization).order_by("name")
    if asset_type:
        if asset_type not in rules.keys("asset_types"):
            raise DomainError("Unknown asset_type.", field="asset_type")
        qs = qs.filter(asset_type=asset_type)
    if holds_ephi:
        qs = qs.filter(holds_ephi=holds_ephi)
    return qs


@router.post("/assets", response={201: AssetOut, **ERRORS})
def create_asset(request: HttpRequest, org: Path[str], payload: AssetIn) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return 201, services.create_asset(access, **payload.dict())


@router.get("/assets/{asset_id}", response={200: AssetOut, **ERRORS})
def get_asset(request: HttpRequest, org: Path[str], asset_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return get_for_organization(Asset.objects.all(), access.organization, pk=asset_id)


@router.patch("/assets/{asset_id}", response={200: AssetOut, **ERRORS})
def patch_asset(request: HttpRequest, org: Path[str], asset_id: int, payload: AssetPatch) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version", None)
    found = get_for_organization(Asset.objects.all(), access.organization, pk=asset_id)
    return services.update_asset(access, found, expected_version=expected, **data)


@router.post("/assets/{asset_id}/disposal", response={200: AssetOut, **ERRORS})
def dispose_asset(request: HttpRequest, org: Path[str], asset_id: int, payload: DisposalIn) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    found = get_for_organization(Asset.objects.all(), access.organization, pk=asset_id)
    return services.dispose_asset(access, found, **payload.dict())


@router.get("/flows", response={200: list[FlowOut], **ERRORS})
@paginate(PageNumberPagination)
def list_flows(request: HttpRequest, org: Path[str]) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return DataFlow.objects.filter(organization=access.organization).order_by("id")


@router.post("/flows", response={201: FlowOut, **ERRORS})
def create_flow(request: HttpRequest, org: Path[str], payload: FlowIn) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return 201, services.create_flow(access, **payload.dict())


@router.patch("/flows/{flow_id}", response={200: FlowOut, **ERRORS})
def patch_flow(request: HttpRequest, org: Path[str], flow_id: int, payload: FlowPatch) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version", None)
    found = get_for_organization(DataFlow.objects.all(), access.organization, pk=flow_id)
    return services.update_flow(access, found, expected_version=expected, **data)


@router.delete("/flows/{flow_id}", response={204: None, **ERRORS})
def delete_flow(request: HttpRequest, org: Path[str], flow_id: int) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    services.delete_flow(
        access, get_for_organization(DataFlow.objects.all(), access.organization, pk=flow_id)
    )
    return 204, None


@router.get("/observations", response={200: list[ObservationOut], **ERRORS})
def list_observations(request: HttpRequest, org: Path[str]) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return [
        {
            **vars(o.observation),
            "asset": o.asset.pk if o.asset else None,
            "flow": o.flow.pk if o.flow else None,
        }
        for o in selectors.observations(access.organization)
    ]


@router.post("/import", response={200: InventoryImportOut, **ERRORS})
def import_inventory(
    request: HttpRequest,
    org: Path[str],
    file: File[UploadedFile],
    kind: Form[str] = "assets",
    dry_run: Form[bool] = False,
) -> Any:
    """Assets or flows (kind) from CSV or XLSX (multipart). Every bad row is listed by line and
    field; nothing is imported while any row is bad (the response is then a 400 with the list)."""
    access = _access(request, org, Capability.EDIT_RECORDS)
    if kind not in ("assets", "flows"):
        raise DomainError("kind is assets or flows.", field="kind")
    act = services.import_assets if kind == "assets" else services.import_flows
    report = act(access, file.read(), filename=file.name or "", dry_run=dry_run)
    if report.errors:
        raise DomainError(
            f"{len(report.errors)} problem(s); nothing imported: " + "; ".join(report.errors[:50]),
            field="file",
        )
    return {"rows": report.rows, "imported": report.imported, "errors": []}
