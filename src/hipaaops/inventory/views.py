"""ePHI inventory pages: assets, data flows, what the inventory shows by itself, the data-flow
map, imports and exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tables import export_response
from hipaaops.core.tenancy import get_for_organization
from hipaaops.core.views import domain_error_to_form, form_action, said
from hipaaops.inventory import exports, forms, maps, rules, selectors, services
from hipaaops.inventory.models import Asset, DataFlow
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.decorators import org_view
from hipaaops.safeguards import selectors as safeguard_selectors
from hipaaops.safeguards.views import SVG_CSP

PAGE_SIZE = 50


def _access(request: HttpRequest) -> OrgAccess:
    return request.org_access  # type: ignore[attr-defined]


def _vendor_options(access: OrgAccess) -> list[tuple[int, str]]:
    from hipaaops.vendors.models import Vendor

    return list(
        Vendor.objects.filter(organization=access.organization, relationship="vendor").values_list(
            "id", "name"
        )
    )


def _asset_form(access: OrgAccess, data: Any = None, initial: Any = None) -> forms.AssetForm:
    return forms.AssetForm(
        data,
        initial=initial,
        members=safeguard_selectors.members(access.organization),
        vendors=_vendor_options(access),
    )


def _import(access: OrgAccess, form: forms.ImportForm) -> Any:
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    act = services.import_assets if form.cleaned_data["kind"] == "assets" else services.import_flows
    try:
        return act(
            access, upload.read(), filename=upload.name, dry_run=form.cleaned_data["dry_run"]
        )
    except DomainError as exc:
        domain_error_to_form(form, exc)
        return None


@org_view(Capability.VIEW_RECORDS)
def assets(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    which = request.POST.get("form") if request.method == "POST" else None
    form = _asset_form(access, request.POST if which == "asset" else None)
    import_form = forms.ImportForm(
        request.POST if which == "import" else None, request.FILES if which == "import" else None
    )
    report = None
    status = 200
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)
        if which == "import":
            report = _import(access, import_form)
            if report and report.imported:
                messages.success(request, f"{report.rows} {report.kind} imported.")
                return redirect("inventory:assets", org.slug)
            status = 400 if import_form.errors or (report and report.errors) else 200
        else:
            if form.is_valid():
                try:
                    created = services.create_asset(access, **form.values())
                except DomainError as exc:
                    domain_error_to_form(form, exc)
                else:
                    messages.success(request, f"{created.name} added to the inventory.")
                    return redirect("inventory:asset", org.slug, created.pk)
            status = 400
    qs = selectors.assets(org)
    asset_type = request.GET.get("type", "")
    ephi = request.GET.get("ephi", "")
    lifecycle = request.GET.get("lifecycle", "in_use")
    query = request.GET.get("q", "").strip()
    if asset_type in rules.keys("asset_types"):
        qs = qs.filter(asset_type=asset_type)
    if ephi in rules.TRISTATE:
        qs = qs.filter(holds_ephi=ephi)
    if lifecycle in rules.LIFECYCLE:
        qs = qs.filter(lifecycle=lifecycle)
    if query:
        qs = qs.filter(name__icontains=query)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/assets.html",
        {
            "page": page,
            "form": form,
            "import_form": import_form,
            "report": report,
            "summary": selectors.summary(org),
            "types": rules.choices("asset_types"),
            "filters": {"type": asset_type, "ephi": ephi, "lifecycle": lifecycle, "q": query},
            "asset_columns": services.ASSET_COLUMNS,
            "flow_columns": services.FLOW_COLUMNS,
            "can_edit": access.can(Capability.EDIT_RECORDS),
        },
        status=status,
    )


def _asset(access: OrgAccess, asset_id: int) -> Asset:
    return get_for_organization(
        Asset.objects.select_related("owner", "vendor"), access.organization, pk=asset_id
    )


def _asset_page(
    request: HttpRequest,
    access: OrgAccess,
    asset: Asset,
    *,
    form: forms.AssetForm | None = None,
    disposal: forms.DisposalForm | None = None,
    status: int = 200,
) -> HttpResponse:
    initial = {
        f: getattr(asset, f)
        for f in services.ASSET_FIELDS
        if f not in ("owner", "vendor") and hasattr(asset, f)
    }
    initial["owner"] = str(asset.owner_id or "")
    initial["vendor"] = str(asset.vendor_id or "")
    in_force = selectors.agreement_in_force(access.organization)
    return render(
        request,
        "inventory/asset.html",
        {
            "asset": asset,
            "form": form or _asset_form(access, initial=initial),
            "disposal_form": disposal or forms.DisposalForm(),
            "flows_out": asset.flows_out.select_related("target"),
            "flows_in": asset.flows_in.select_related("source"),
            "observations": rules.observe_asset(selectors.facts(asset, in_force)),
            "kinds": [rules.label("ephi_kinds", k) for k in asset.ephi_kinds],
            "disposal_label": rules.label(
                "disposal_methods", (asset.disposal or {}).get("method", "")
            ),
            "can_edit": access.can(Capability.EDIT_RECORDS),
        },
        status=status,
    )


@org_view(Capability.VIEW_RECORDS)
@require_GET
def asset(request: HttpRequest, asset_id: int) -> HttpResponse:
    access = _access(request)
    return _asset_page(request, access, _asset(access, asset_id))


@org_view(Capability.EDIT_RECORDS)
@require_POST
def asset_edit(request: HttpRequest, asset_id: int) -> HttpResponse:
    access = _access(request)
    found = _asset(access, asset_id)
    form = _asset_form(access, request.POST)
    return form_action(
        request,
        form,
        lambda: said(
            services.update_asset(
                access,
                found,
                expected_version=int(request.POST.get("version") or found.version),
                **form.values(),
            ),
            f"{found.name} updated.",
        ),
        done_url=reverse("inventory:asset", args=[access.organization.slug, found.pk]),
        again=lambda: _asset_page(request, access, found, form=form, status=400),
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def asset_dispose(request: HttpRequest, asset_id: int) -> HttpResponse:
    access = _access(request)
    found = _asset(access, asset_id)
    form = forms.DisposalForm(request.POST)
    return form_action(
        request,
        form,
        lambda: said(
            services.dispose_asset(access, found, **form.cleaned_data),
            f"Disposal of {found.name} recorded.",
        ),
        done_url=reverse("inventory:asset", args=[access.organization.slug, found.pk]),
        again=lambda: _asset_page(request, access, found, disposal=form, status=400),
    )


# ---------------------------------------------------------------------------- flows


@org_view(Capability.VIEW_RECORDS)
def flows(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    options = selectors.asset_options(org)
    form = forms.FlowForm(request.POST if request.method == "POST" else None, assets=options)
    status = 200
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)
        if form.is_valid():
            try:
                services.create_flow(access, **form.values())
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(request, "Data flow added.")
                return redirect("inventory:flows", org.slug)
        status = 400
    qs = selectors.flows(org)
    if request.GET.get("unencrypted"):
        qs = qs.exclude(ephi_kinds=[]).exclude(encrypted="yes")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/flows.html",
        {
            "page": page,
            "form": form,
            "unencrypted": bool(request.GET.get("unencrypted")),
            "can_edit": access.can(Capability.EDIT_RECORDS),
        },
        status=status,
    )


def _flow(access: OrgAccess, flow_id: int) -> DataFlow:
    return get_for_organization(
        DataFlow.objects.select_related("source", "target"), access.organization, pk=flow_id
    )


def _flow_page(
    request: HttpRequest, access: OrgAccess, flow: DataFlow, form: forms.FlowForm | None = None
) -> HttpResponse:
    initial = {
        "source": str(flow.source_id),
        "target": str(flow.target_id or ""),
        "outside_party": flow.outside_party,
        "ephi_kinds": flow.ephi_kinds,
        "protocol": flow.protocol,
        "encrypted": flow.encrypted,
        "frequency": flow.frequency,
        "description": flow.description,
    }
    return render(
        request,
        "inventory/flow.html",
        {
            "flow": flow,
            "form": form
            or forms.FlowForm(initial=initial, assets=selectors.asset_options(access.organization)),
            "kinds": [rules.label("ephi_kinds", k) for k in flow.ephi_kinds],
            "observations": rules.observe_flow(
                rules.FlowFacts(str(flow), flow.carries_ephi, flow.encrypted)
            ),
            "can_edit": access.can(Capability.EDIT_RECORDS),
        },
        status=400 if form is not None else 200,
    )


@org_view(Capability.VIEW_RECORDS)
def flow(request: HttpRequest, flow_id: int) -> HttpResponse:
    access = _access(request)
    found = _flow(access, flow_id)
    if request.method != "POST":
        return _flow_page(request, access, found)
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if request.POST.get("action") == "delete":
        services.delete_flow(access, found)
        messages.success(request, "Data flow removed.")
        return redirect("inventory:flows", org.slug)
    form = forms.FlowForm(request.POST, assets=selectors.asset_options(org))
    return form_action(
        request,
        form,
        lambda: said(
            services.update_flow(
                access,
                found,
                expected_version=int(request.POST.get("version") or found.version),
                **form.values(),
            ),
            "Data flow updated.",
        ),
        done_url=reverse("inventory:flow", args=[org.slug, found.pk]),
        again=lambda: _flow_page(request, access, found, form),
    )


# ---------------------------------------------------------------------------- observations, map


@org_view(Capability.VIEW_RECORDS)
@require_GET
def observations(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    found = selectors.observations(access.organization)
    return render(request, "inventory/observations.html", {"found": found})


@org_view(Capability.VIEW_RECORDS)
@require_GET
def data_map(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    graph = selectors.map_graph(access.organization)
    return render(
        request,
        "inventory/map.html",
        {"graph": graph, "threshold": rules.large_map_threshold()},
    )


@csp_override(SVG_CSP)
@org_view(Capability.VIEW_RECORDS)
@require_GET
def map_svg(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    response = HttpResponse(
        maps.draw(selectors.map_graph(access.organization)), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "private, max-age=60"
    return response


@org_view(Capability.EXPORT)
@require_GET
def export(request: HttpRequest, what: str, fmt: str) -> Any:
    access = _access(request)
    if what not in ("assets", "flows"):
        return HttpResponse("Unknown export.", status=404)
    table = exports.assets_table if what == "assets" else exports.flows_table
    title, columns, rows = table(access.organization)
    return export_response(
        access,
        fmt=fmt,
        title=title,
        columns=columns,
        rows=rows,
        name=f"{access.organization.slug}-{what}",
        object_type=f"inventory.{'asset' if what == 'assets' else 'dataflow'}",
    )
