"""The REST API at /api/v1/ (django-ninja). One error format:
``{"error": {"code", "message", "fields": [{"field", "message"}]}}``."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import PageNumberPagination, paginate

from hipaaops import __version__
from hipaaops.api import services as token_services
from hipaaops.api.auth import MFASessionAuth, TokenAuth, api_access, api_user
from hipaaops.api.models import PersonalAPIToken
from hipaaops.api.schemas import (
    AuditEntryOut,
    AuditQuery,
    DashboardOut,
    EmergencyIn,
    EmergencyOut,
    ErrorOut,
    MemberIn,
    MemberOut,
    MemberPatch,
    MeMembership,
    MeOut,
    OrganizationOut,
    OrganizationPatch,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from hipaaops.audit.selectors import AuditFilter, entries_for
from hipaaops.breaches.api import router as breaches_router
from hipaaops.core.errors import DomainError, PermissionDeniedError
from hipaaops.core.middleware import user_has_mfa
from hipaaops.core.roles import Capability
from hipaaops.core.tenancy import get_for_organization
from hipaaops.dashboard.figures import figures_for
from hipaaops.incidents.api import router as incidents_router
from hipaaops.inventory.api import router as inventory_router
from hipaaops.organizations import services as org_services
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.models import EmergencyAccessGrant, Membership
from hipaaops.privacy.api import router as privacy_router
from hipaaops.readiness.api import router as readiness_router
from hipaaops.safeguards.api import router as safeguards_router
from hipaaops.sra.api import router as sra_router
from hipaaops.vendors.api import router as vendors_router

api = NinjaAPI(
    title="hipaaops API",
    version="1",
    description=(
        "Every organization's data lives under /orgs/{org}/. Authenticate with a personal API "
        "token (Authorization: Bearer hpo_...) scoped to one organization, or with the browser "
        'session. Errors share one shape: {"error": {"code", "message", "fields"}}.'
    ),
    auth=[TokenAuth(), MFASessionAuth()],
    urls_namespace="api",
)

ERRORS: dict[int | tuple[int, ...], type] = {
    (400, 401, 403, 404, 409, 422): ErrorOut,
}


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: list[dict[str, str]] | None = None,
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or []}}
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path"}:
            loc = loc[1:]
        if loc and loc[0] in {"payload", "filters"}:
            loc = loc[1:]
        fields.append({"field": ".".join(loc) or "body", "message": str(err.get("msg", "invalid"))})
    return _error(request, 422, "validation_error", "The request has invalid fields.", fields)


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    fields = [{"field": exc.field, "message": exc.message}] if exc.field else []
    return _error(request, exc.status_code, exc.code, exc.message, fields)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, "forbidden", str(exc) or "Not allowed.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request, 401, "unauthenticated", "Sign in, or send a valid API token as a Bearer token."
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


# --- me -------------------------------------------------------------------------------------


@api.get("/me", response={200: MeOut, **ERRORS}, tags=["account"])
def me(request: HttpRequest) -> dict[str, Any]:
    user = api_user(request)
    token = getattr(request, "api_token", None)
    memberships = Membership.objects.filter(user=user).select_related("organization")
    if token is not None:
        memberships = memberships.filter(organization=token.organization)
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "mfa_enabled": user_has_mfa(user),
        "organizations": [
            MeMembership(slug=m.organization.slug, name=m.organization.name, role=m.role)
            for m in memberships
        ],
    }


# --- organizations --------------------------------------------------------------------------

orgs = Router(tags=["organizations"])


def _org_out(access: OrgAccess) -> dict[str, Any]:
    org = access.organization
    return {
        "slug": org.slug,
        "name": org.name,
        "entity_type": org.entity_type,
        "role": access.role.value,
        "capabilities": sorted(access.capabilities),
        "require_mfa_for_all": org.require_mfa_for_all,
        "idle_timeout_minutes": org.idle_timeout_minutes,
        "emergency_access_enabled": org.emergency_access_enabled,
        "is_clearinghouse_in_larger_org": org.is_clearinghouse_in_larger_org,
        "is_group_health_plan": org.is_group_health_plan,
        "has_business_associates": org.has_business_associates,
        "proposed_rule_overlay": org.proposed_rule_overlay,
    }


@orgs.get("/{org}", response={200: OrganizationOut, **ERRORS})
def get_organization(request: HttpRequest, org: str) -> dict[str, Any]:
    return _org_out(api_access(request, org))


@orgs.patch("/{org}", response={200: OrganizationOut, **ERRORS})
def patch_organization(
    request: HttpRequest, org: str, payload: OrganizationPatch
) -> dict[str, Any]:
    access = api_access(request, org)
    changes = payload.dict(exclude_unset=True)
    org_services.update_organization(access, **changes)
    return _org_out(access)


@orgs.get("/{org}/dashboard", response={200: DashboardOut, **ERRORS})
def dashboard(request: HttpRequest, org: str) -> dict[str, Any]:
    access = api_access(request, org)
    access.require(Capability.VIEW_ORGANIZATION)
    return {
        "organization": access.organization.slug,
        "figures": [
            {"key": f.key, "label": f.label, "value": f.value, "detail": f.detail}
            for f in figures_for(access)
        ],
    }


def _member_out(m: Membership, with_mfa: set[int]) -> dict[str, Any]:
    return {
        "id": m.pk,
        "email": m.user.email,
        "full_name": m.user.full_name,
        "role": m.role,
        "title": m.title,
        "mfa_enabled": m.user_id in with_mfa,
        "joined": m.created_at,
    }


@orgs.get("/{org}/members", response={200: list[MemberOut], **ERRORS})
@paginate(PageNumberPagination)
def list_members(request: HttpRequest, org: str) -> Any:
    from allauth.mfa.models import Authenticator

    access = api_access(request, org)
    access.require(Capability.VIEW_RECORDS)
    members = list(
        Membership.objects.filter(organization=access.organization)
        .select_related("user")
        .order_by("user__email")
    )
    with_mfa = set(
        Authenticator.objects.filter(
            user_id__in=[m.user_id for m in members], type=Authenticator.Type.TOTP
        ).values_list("user_id", flat=True)
    )
    return [_member_out(m, with_mfa) for m in members]


@orgs.post("/{org}/members", response={201: MemberOut, **ERRORS})
def add_member(request: HttpRequest, org: str, payload: MemberIn) -> tuple[int, dict[str, Any]]:
    access = api_access(request, org)
    membership = org_services.add_member(access, **payload.dict())
    return 201, _member_out(membership, set())


@orgs.patch("/{org}/members/{member_id}", response={200: MemberOut, **ERRORS})
def patch_member(
    request: HttpRequest, org: str, member_id: int, payload: MemberPatch
) -> dict[str, Any]:
    access = api_access(request, org)
    access.require(Capability.MANAGE_MEMBERS)
    membership = get_for_organization(
        Membership.objects.select_related("user"), access.organization, pk=member_id
    )
    org_services.change_role(access, membership, payload.role)
    return _member_out(membership, {membership.user_id} if user_has_mfa(membership.user) else set())


@orgs.delete("/{org}/members/{member_id}", response={204: None, **ERRORS})
def delete_member(request: HttpRequest, org: str, member_id: int) -> tuple[int, None]:
    access = api_access(request, org)
    access.require(Capability.MANAGE_MEMBERS)
    membership = get_for_organization(
        Membership.objects.select_related("user"), access.organization, pk=member_id
    )
    org_services.remove_member(access, membership)
    return 204, None


@orgs.get("/{org}/audit", response={200: list[AuditEntryOut], **ERRORS})
@paginate(PageNumberPagination)
def list_audit(request: HttpRequest, org: str, filters: Query[AuditQuery]) -> Any:
    access = api_access(request, org)
    access.require(Capability.VIEW_AUDIT)
    flt = AuditFilter(**filters.dict())
    return entries_for(access.organization, flt).values(
        "seq",
        "created_at",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "ip",
        "via",
        "entry_hash",
        "actor_label",  # served as "actor" (AuditEntryOut.resolve_actor); the model has an actor FK
    )


def _grant_out(g: EmergencyAccessGrant) -> dict[str, Any]:
    return {
        "id": g.pk,
        "user": g.user.email,
        "granted_role": g.granted_role,
        "started_at": g.started_at,
        "expires_at": g.expires_at,
        "ended_at": g.ended_at,
        "end_reason": g.end_reason,
        "active": g.is_active(),
    }


@orgs.get("/{org}/emergency-access", response={200: list[EmergencyOut], **ERRORS})
@paginate(PageNumberPagination)
def list_emergency(request: HttpRequest, org: str) -> Any:
    access = api_access(request, org)
    qs = EmergencyAccessGrant.objects.filter(organization=access.organization).select_related(
        "user"
    )
    if not access.can(Capability.MANAGE_MEMBERS):
        qs = qs.filter(user=access.user)
    return [_grant_out(g) for g in qs]


@orgs.post("/{org}/emergency-access", response={201: EmergencyOut, **ERRORS})
def start_emergency(
    request: HttpRequest, org: str, payload: EmergencyIn
) -> tuple[int, dict[str, Any]]:
    access = api_access(request, org)
    grant = org_services.start_emergency_access(access, reason=payload.reason, hours=payload.hours)
    return 201, _grant_out(grant)


@orgs.post("/{org}/emergency-access/{grant_id}/end", response={200: EmergencyOut, **ERRORS})
def end_emergency(request: HttpRequest, org: str, grant_id: int) -> dict[str, Any]:
    access = api_access(request, org)
    grant = get_for_organization(
        EmergencyAccessGrant.objects.select_related("user"), access.organization, pk=grant_id
    )
    org_services.end_emergency_access(access, grant)
    return _grant_out(grant)


@orgs.get("/{org}/tokens", response={200: list[TokenOut], **ERRORS})
@paginate(PageNumberPagination)
def list_tokens(request: HttpRequest, org: str) -> Any:
    access = api_access(request, org)
    return PersonalAPIToken.objects.filter(organization=access.organization, user=access.user)


@orgs.post("/{org}/tokens", response={201: TokenCreatedOut, **ERRORS})
def create_token(request: HttpRequest, org: str, payload: TokenIn) -> tuple[int, dict[str, Any]]:
    if getattr(request, "api_token", None) is not None:
        raise PermissionDeniedError("A token cannot create tokens; sign in to make one.")
    access = api_access(request, org)
    issued = token_services.create_token(
        actor=access.user,
        user=access.user,
        organization=access.organization,
        name=payload.name,
        days=payload.days,
    )
    t = issued.token
    return 201, {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
        "token": issued.secret,
    }


@orgs.delete("/{org}/tokens/{token_id}", response={204: None, **ERRORS})
def revoke_token(request: HttpRequest, org: str, token_id: int) -> tuple[int, None]:
    access = api_access(request, org)
    token = get_for_organization(
        PersonalAPIToken.objects.filter(user=access.user), access.organization, pk=token_id
    )
    token_services.revoke_token(actor=access.user, token=token)
    return 204, None


@api.get("/orgs", response={200: list[MeMembership], **ERRORS}, tags=["organizations"])
@paginate(PageNumberPagination)
def list_organizations(request: HttpRequest) -> Any:
    user = api_user(request)
    token = getattr(request, "api_token", None)
    qs = Membership.objects.filter(user=user).select_related("organization")
    if token is not None:
        qs = qs.filter(organization=token.organization)
    return [{"slug": m.organization.slug, "name": m.organization.name, "role": m.role} for m in qs]


orgs.add_router("/{org}/safeguards", safeguards_router)
orgs.add_router("/{org}/readiness", readiness_router)
orgs.add_router("/{org}", incidents_router)
orgs.add_router("/{org}/privacy", privacy_router)
orgs.add_router("/{org}/vendors", vendors_router)
orgs.add_router("/{org}/inventory", inventory_router)
orgs.add_router("/{org}/sra", sra_router)
orgs.add_router("/{org}/breaches", breaches_router)
api.add_router("/orgs", orgs)


@api.get("/version", auth=None, tags=["meta"])
def version(request: HttpRequest) -> dict[str, str]:
    return {"version": __version__}
