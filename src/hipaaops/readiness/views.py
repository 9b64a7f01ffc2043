"""Audit readiness pages: mock audits, one inquiry's response, the penalty estimator and the
audit binder."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from hipaaops.catalog.regulation import catalog
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tenancy import get_for_organization
from hipaaops.core.views import domain_error_to_form
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.decorators import org_view
from hipaaops.readiness import binder, charts, exports, rules, selectors, services
from hipaaops.readiness.forms import (
    BinderForm,
    FilterForm,
    MockAuditForm,
    PenaltyForm,
    RemediationForm,
    ResponseForm,
)
from hipaaops.readiness.models import Binder, InquiryResponse, MockAudit, RemediationItem
from hipaaops.safeguards.selectors import members as org_members

SVG_CSP = {"default-src": [CSP.NONE], "style-src": [CSP.UNSAFE_INLINE]}


def _access(request: HttpRequest) -> OrgAccess:
    return request.org_access  # type: ignore[attr-defined]


def _audit(access: OrgAccess, audit_id: int) -> MockAudit:
    return get_for_organization(
        MockAudit.objects.select_related("created_by"), access.organization, pk=audit_id
    )


@org_view(Capability.VIEW_RECORDS)
def overview(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    form = MockAuditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.start_mock_audit(access, **form.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(
                request, f"Started {audit.title}: {audit.responses.count()} inquiries."
            )
            return redirect("readiness:audit", org.slug, audit.pk)
    audits = selectors.mock_audits(org)
    scores = {a.pk: selectors.readiness(a).overall for a in audits[:10]}
    return render(
        request,
        "readiness/overview.html",
        {
            "form": form,
            "audits": [(a, scores.get(a.pk)) for a in audits],
            "presets": rules.presets(),
            "binder_form": BinderForm(),
            "binders": Binder.objects.filter(organization=org).select_related("created_by")[:10],
            "can_edit": access.can(Capability.EDIT_RECORDS),
            "can_export": access.can(Capability.EXPORT),
        },
        status=400 if form.errors else 200,
    )


@org_view(Capability.VIEW_RECORDS)
def audit_view(request: HttpRequest, audit_id: int) -> HttpResponse:
    access = _access(request)
    audit = _audit(access, audit_id)
    filters = FilterForm(request.GET or None)
    flt = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.response_rows(
        audit,
        audit_type=flt.get("audit_type", ""),
        status=flt.get("status", ""),
        query=flt.get("q", ""),
    )
    context = {
        "audit": audit,
        "filters": filters,
        "rows": rows,
        "readiness": selectors.readiness(audit),
        "comparison": selectors.comparison(audit),
        "remediation": selectors.remediation_items(access.organization, audit),
        "can_edit": access.can(Capability.EDIT_RECORDS) and audit.state == MockAudit.State.OPEN,
        "can_close": access.can(Capability.APPROVE) and audit.state == MockAudit.State.OPEN,
        "scope": rules.preset(audit.scope),
    }
    template = "readiness/audit.html"
    if getattr(request, "htmx", False):
        template += "#responses"
    return render(request, template, context)


@csp_override(SVG_CSP)
@org_view(Capability.VIEW_RECORDS)
@require_GET
def audit_chart(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _audit(_access(request), audit_id)
    response = HttpResponse(
        charts.sections_svg(selectors.readiness(audit)), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@org_view(Capability.EXPORT)
@require_GET
def audit_csv(request: HttpRequest, audit_id: int) -> HttpResponseBase:
    access = _access(request)
    audit = _audit(access, audit_id)
    from hipaaops.audit.models import Action
    from hipaaops.audit.services import record

    record(
        Action.EXPORT,
        actor=access.user,
        organization=access.organization,
        target=audit,
        changes={"format": "csv"},
    )
    response = StreamingHttpResponse(
        exports.responses_csv(audit), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="mock-audit-{audit.held_on.isoformat()}.csv"'
    )
    return response


@org_view(Capability.VIEW_RECORDS)
def inquiry_view(request: HttpRequest, audit_id: int, inquiry_id: str) -> HttpResponse:
    access = _access(request)
    org = access.organization
    audit = _audit(access, audit_id)
    response = get_for_organization(
        InquiryResponse.objects.select_related("reviewer"),
        org,
        mock_audit=audit,
        inquiry_id=inquiry_id.upper(),
    )
    inquiry = catalog.protocol_inquiry(response.inquiry_id)
    members = org_members(org)
    initial = {
        "applicable": response.applicable,
        "not_applicable_reason": response.not_applicable_reason,
        "narrative": response.narrative,
        "status": response.status,
        "reviewer": response.reviewer_id,
        "notes": response.notes,
        "version": response.version,
    }
    form = ResponseForm(initial=initial, members=members)
    remediation_form = RemediationForm(members=members, initial={"owner": access.user.pk})
    status = 200
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)
        if "remediation" in request.POST:
            remediation_form = RemediationForm(request.POST, members=members)
            if remediation_form.is_valid():
                try:
                    services.add_remediation(access, response, **remediation_form.cleaned_data)
                except DomainError as exc:
                    domain_error_to_form(remediation_form, exc)
                else:
                    messages.success(request, "Remediation item added.")
                    return redirect("readiness:inquiry", org.slug, audit.pk, response.inquiry_id)
        else:
            form = ResponseForm(request.POST, members=members)
            if form.is_valid():
                data = dict(form.cleaned_data)
                expected = data.pop("version")
                try:
                    services.update_response(access, response, expected_version=expected, **data)
                except DomainError as exc:
                    domain_error_to_form(form, exc)
                else:
                    messages.success(request, f"{response.inquiry_id} saved.")
                    return redirect("readiness:inquiry", org.slug, audit.pk, response.inquiry_id)
        status = 400
    linked = []
    for citation in inquiry.catalog:
        try:
            linked.append(catalog.linked_item(citation))
        except catalog.UnknownCitation:
            continue
    return render(
        request,
        "readiness/inquiry.html",
        {
            "audit": audit,
            "response": response,
            "inquiry": inquiry,
            "linked": linked,
            "form": form,
            "remediation_form": remediation_form,
            "remediation": response.remediation_items.select_related("owner", "plan_item"),
            "is_gap": response.status in rules.GAP_STATUSES,
            "can_edit": access.can(Capability.EDIT_RECORDS) and audit.state == MockAudit.State.OPEN,
        },
        status=status,
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def refresh(request: HttpRequest, audit_id: int) -> HttpResponse:
    access = _access(request)
    audit = _audit(access, audit_id)
    try:
        count = services.refresh_documents(access, audit)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Documents proposed again for {count} inquiries.")
    return redirect("readiness:audit", access.organization.slug, audit.pk)


@org_view(Capability.APPROVE)
@require_POST
def close(request: HttpRequest, audit_id: int) -> HttpResponse:
    access = _access(request)
    audit = _audit(access, audit_id)
    try:
        services.close_mock_audit(access, audit)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Mock audit closed; its answers are kept as they are.")
    return redirect("readiness:audit", access.organization.slug, audit.pk)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def remediation_done(request: HttpRequest, remediation_id: int) -> HttpResponse:
    access = _access(request)
    item = get_for_organization(
        RemediationItem.objects.all(), access.organization, pk=remediation_id
    )
    try:
        services.complete_remediation(access, item)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("readiness:audit", access.organization.slug, item.mock_audit_id)


@org_view(Capability.VIEW_RECORDS)
def penalties(request: HttpRequest) -> HttpResponse:
    form = PenaltyForm(request.GET or None)
    estimate = None
    if form.is_bound and form.is_valid():
        try:
            estimate = rules.estimate_penalty(**form.cleaned_data)
        except ValueError as exc:
            field = (
                "tier" if "tier" in str(exc) else "violations" if "violations" in str(exc) else "on"
            )
            form.add_error(field, str(exc))
    schedules = catalog.penalty_schedules()
    return render(
        request,
        "readiness/penalties.html",
        {
            "form": form,
            "estimate": estimate,
            "schedules": schedules,
            "disclaimer": rules.ESTIMATE_DISCLAIMER,
        },
        status=400 if form.errors else 200,
    )


@org_view(Capability.EXPORT)
@require_POST
def binder_export(request: HttpRequest) -> HttpResponseBase:
    """Assemble the binder into a temporary file (streamed, never held in memory) and send it."""
    access = _access(request)
    org = access.organization
    form = BinderForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return redirect("readiness:overview", org.slug)
    as_of = form.cleaned_data["as_of"]
    name = f"audit-binder-{org.slug}-{as_of.isoformat()}-{timezone.now():%Y%m%dT%H%M%S}.zip"
    folder = Path(tempfile.mkdtemp(prefix="hipaaops-binder-"))
    path = folder / name
    binder.export(org, path, as_of=as_of, actor=access.user)
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    folder.rmdir()
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")
