"""The risk assessment through /api/v1/orgs/{org}/sra/ (django-ninja)."""

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
from hipaaops.sra import rules, selectors, services
from hipaaops.sra.models import Assessment, PlanItem, Scenario

router = Router(tags=["risk assessment"])
ERRORS: dict[int | tuple[int, ...], type] = {(400, 401, 403, 404, 409, 422): ErrorOut}


class ParticipantIn(Schema):
    name: str = Field(max_length=200)
    role: str = Field("", max_length=200)


class AssessmentIn(Schema):
    title: str = Field(max_length=200)
    assessed_on: date
    scope: str = Field(max_length=10000)
    method: str = Field("", max_length=10000)
    participants: list[ParticipantIn] = []
    scale: str | None = Field(None, description="5x5 (default) or 3x3")
    copy_from: int | None = Field(None, description="an earlier assessment to start from")


class AssessmentPatch(Schema):
    expected_version: int | None = None
    title: str | None = Field(None, max_length=200)
    assessed_on: date | None = None
    scope: str | None = Field(None, max_length=10000)
    method: str | None = Field(None, max_length=10000)
    participants: list[ParticipantIn] | None = None
    status: str | None = Field(None, description="draft or in_progress")


class AssessmentOut(Schema):
    id: int
    title: str
    assessed_on: date
    scope: str
    method: str
    participants: list[dict[str, str]]
    status: str
    scale: dict[str, Any]
    previous: int | None = Field(None, alias="previous_id")
    completed_at: datetime | None
    version: int


class ScenarioIn(Schema):
    title: str = Field(max_length=300)
    threat: str
    vulnerability: str
    description: str = Field("", max_length=10000)
    assets: list[int] = []
    controls: list[int] = Field([], description="safeguard register item ids")
    controls_note: str = Field("", max_length=5000)
    likelihood: int | None = None
    impact: int | None = None
    likelihood_basis: str = Field("", max_length=2000)
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    owner: int | None = None


class ScenarioPatch(Schema):
    expected_version: int | None = None
    title: str | None = Field(None, max_length=300)
    threat: str | None = None
    vulnerability: str | None = None
    description: str | None = Field(None, max_length=10000)
    assets: list[int] | None = None
    controls: list[int] | None = None
    controls_note: str | None = Field(None, max_length=5000)
    likelihood: int | None = None
    impact: int | None = None
    likelihood_basis: str | None = Field(None, max_length=2000)
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    owner: int | None = None


class ScenarioOut(Schema):
    id: int
    code: str
    number: int
    title: str
    threat: str
    vulnerability: str
    description: str
    assets: list[int]
    likelihood: int | None
    impact: int | None
    inherent_score: int | None
    inherent_level: str
    residual_likelihood: int | None
    residual_impact: int | None
    residual_score: int | None
    residual_level: str
    owner: int | None = Field(None, alias="owner_id")
    treatment: str
    justification: str
    approver: int | None = Field(None, alias="approver_id")
    transfer_to: str
    decided_on: date | None
    origin: str
    version: int

    @staticmethod
    def resolve_assets(obj: Scenario) -> list[int]:
        return [a.pk for a in obj.assets.all()]


class TreatmentIn(Schema):
    expected_version: int | None = None
    treatment: str = Field(description="mitigate, accept, transfer or avoid")
    justification: str = Field("", max_length=5000)
    approver: int | None = Field(None, description="needed to accept: an owner or officer")
    transfer_to: str = Field("", max_length=200)


class PlanItemIn(Schema):
    title: str = Field(max_length=300)
    owner: int
    due_on: date
    status: str = "open"
    safeguards: list[int] = []
    notes: str = Field("", max_length=5000)


class PlanItemPatch(Schema):
    expected_version: int | None = None
    title: str | None = Field(None, max_length=300)
    owner: int | None = None
    due_on: date | None = None
    status: str | None = None
    safeguards: list[int] | None = None
    notes: str | None = Field(None, max_length=5000)


class PlanItemOut(Schema):
    id: int
    scenario: int | None = Field(alias="scenario_id")
    source: str = Field("", description="where a step that treats no single risk comes from")
    title: str
    owner: int | None = Field(None, alias="owner_id")
    due_on: date
    status: str
    done_on: date | None
    notes: str
    version: int


class QuestionnaireAnswerIn(Schema):
    question: str
    answer: str
    note: str = Field("", max_length=5000)


class QuestionnaireAnswerOut(Schema):
    question: str
    answer: str
    note: str
    answered_at: datetime


class ProposalOut(Schema):
    key: str
    title: str
    threat: str
    vulnerability: str
    origin: str
    assets: list[int]
    suggested_likelihood: int | None
    likelihood_basis: str
    reason: str


class AdoptIn(Schema):
    keys: list[str]


def _access(request: HttpRequest, org: str, capability: Capability) -> OrgAccess:
    access = api_access(request, org)
    access.require(capability)
    return access


def _assessment(access: OrgAccess, assessment_id: int) -> Assessment:
    return get_for_organization(Assessment.objects.all(), access.organization, pk=assessment_id)


def _scenario(access: OrgAccess, scenario_id: int) -> Scenario:
    return get_for_organization(
        Scenario.objects.select_related("assessment").prefetch_related("assets"),
        access.organization,
        pk=scenario_id,
    )


@router.get("/assessments", response={200: list[AssessmentOut], **ERRORS})
def list_assessments(request: HttpRequest, org: Path[str]) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return list(selectors.assessments(access.organization))


@router.post("/assessments", response={201: AssessmentOut, **ERRORS})
def create_assessment(request: HttpRequest, org: Path[str], payload: AssessmentIn) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict()
    data["participants"] = [dict(p) for p in data["participants"]]
    return 201, services.create_assessment(access, **data)


@router.get("/assessments/{assessment_id}", response={200: AssessmentOut, **ERRORS})
def get_assessment(request: HttpRequest, org: Path[str], assessment_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return _assessment(access, assessment_id)


@router.patch("/assessments/{assessment_id}", response={200: AssessmentOut, **ERRORS})
def patch_assessment(
    request: HttpRequest, org: Path[str], assessment_id: int, payload: AssessmentPatch
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version", None)
    if data.get("participants") is not None:
        data["participants"] = [dict(p) for p in data["participants"]]
    return services.update_assessment(
        access, _assessment(access, assessment_id), expected_version=expected, **data
    )


@router.post("/assessments/{assessment_id}/complete", response={200: AssessmentOut, **ERRORS})
def complete_assessment(request: HttpRequest, org: Path[str], assessment_id: int) -> Any:
    access = _access(request, org, Capability.APPROVE)
    return services.complete_assessment(access, _assessment(access, assessment_id))


@router.get(
    "/assessments/{assessment_id}/answers", response={200: list[QuestionnaireAnswerOut], **ERRORS}
)
def list_answers(request: HttpRequest, org: Path[str], assessment_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return list(_assessment(access, assessment_id).answers.order_by("question"))


@router.put(
    "/assessments/{assessment_id}/answers", response={200: QuestionnaireAnswerOut, **ERRORS}
)
def put_answer(
    request: HttpRequest, org: Path[str], assessment_id: int, payload: QuestionnaireAnswerIn
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return services.record_answer(access, _assessment(access, assessment_id), **payload.dict())


@router.get("/assessments/{assessment_id}/proposals", response={200: list[ProposalOut], **ERRORS})
def list_proposals(request: HttpRequest, org: Path[str], assessment_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return [
        {
            "key": p.key,
            "title": p.title,
            "threat": p.threat.key,
            "vulnerability": p.vulnerability.key,
            "origin": p.origin,
            "assets": [a.pk for a in p.assets],
            "suggested_likelihood": p.suggested_likelihood,
            "likelihood_basis": p.likelihood_basis,
            "reason": p.reason,
        }
        for p in selectors.proposals(_assessment(access, assessment_id))
    ]


@router.post("/assessments/{assessment_id}/proposals", response={201: list[ScenarioOut], **ERRORS})
def adopt_proposals(
    request: HttpRequest, org: Path[str], assessment_id: int, payload: AdoptIn
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return 201, services.adopt_proposals(access, _assessment(access, assessment_id), payload.keys)


@router.get("/assessments/{assessment_id}/scenarios", response={200: list[ScenarioOut], **ERRORS})
@paginate(PageNumberPagination)
def list_scenarios(
    request: HttpRequest,
    org: Path[str],
    assessment_id: int,
    level: Query[str] = "",
    treatment: Query[str] = "",
    owner: Query[int | None] = None,
    threat: Query[str] = "",
    sort: Query[str] = "risk",
) -> Any:
    """The register: filtered and sorted; each page costs the same few queries."""
    access = _access(request, org, Capability.VIEW_RECORDS)
    if sort not in selectors.SORTS:
        raise DomainError(f"sort must be one of {', '.join(selectors.SORTS)}.", field="sort")
    if treatment and treatment not in (*rules.TREATMENTS, "undecided"):
        raise DomainError("Unknown treatment.", field="treatment")
    f = selectors.RegisterFilter(
        level=level, treatment=treatment, owner=owner, threat=threat, sort=sort
    )
    return selectors.register(_assessment(access, assessment_id), f)


@router.post("/assessments/{assessment_id}/scenarios", response={201: ScenarioOut, **ERRORS})
def create_scenario(
    request: HttpRequest, org: Path[str], assessment_id: int, payload: ScenarioIn
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    s = services.create_scenario(access, _assessment(access, assessment_id), **payload.dict())
    return 201, _scenario(access, s.pk)


@router.get("/scenarios/{scenario_id}", response={200: ScenarioOut, **ERRORS})
def get_scenario(request: HttpRequest, org: Path[str], scenario_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return _scenario(access, scenario_id)


@router.patch("/scenarios/{scenario_id}", response={200: ScenarioOut, **ERRORS})
def patch_scenario(
    request: HttpRequest, org: Path[str], scenario_id: int, payload: ScenarioPatch
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version", None)
    services.update_scenario(
        access, _scenario(access, scenario_id), expected_version=expected, **data
    )
    return _scenario(access, scenario_id)


@router.post("/scenarios/{scenario_id}/treatment", response={200: ScenarioOut, **ERRORS})
def post_treatment(
    request: HttpRequest, org: Path[str], scenario_id: int, payload: TreatmentIn
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict()
    expected = data.pop("expected_version", None)
    services.decide_treatment(
        access, _scenario(access, scenario_id), expected_version=expected, **data
    )
    return _scenario(access, scenario_id)


@router.post("/scenarios/{scenario_id}/plan", response={201: PlanItemOut, **ERRORS})
def add_plan_item(
    request: HttpRequest, org: Path[str], scenario_id: int, payload: PlanItemIn
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    return 201, services.add_plan_item(access, _scenario(access, scenario_id), **payload.dict())


@router.get("/assessments/{assessment_id}/plan", response={200: list[PlanItemOut], **ERRORS})
@paginate(PageNumberPagination)
def list_plan(request: HttpRequest, org: Path[str], assessment_id: int) -> Any:
    access = _access(request, org, Capability.VIEW_RECORDS)
    return PlanItem.objects.filter(assessment=_assessment(access, assessment_id)).order_by(
        "due_on", "id"
    )


@router.patch("/plan/{item_id}", response={200: PlanItemOut, **ERRORS})
def patch_plan_item(
    request: HttpRequest, org: Path[str], item_id: int, payload: PlanItemPatch
) -> Any:
    access = _access(request, org, Capability.EDIT_RECORDS)
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version", None)
    item = get_for_organization(PlanItem.objects.all(), access.organization, pk=item_id)
    return services.update_plan_item(access, item, expected_version=expected, **data)
