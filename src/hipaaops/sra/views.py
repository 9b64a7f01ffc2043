"""Risk assessment pages: assessments, the questionnaire with its sign-offs, proposals, the
register, risks with their treatment and plan, the plan, the comparison, the libraries, the heat
map and the report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from hipaaops.audit.models import Action
from hipaaops.audit.services import record
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tables import export_response
from hipaaops.core.tenancy import get_for_organization
from hipaaops.core.views import domain_error_to_form, form_action, said
from hipaaops.inventory import selectors as inventory
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.decorators import org_view
from hipaaops.safeguards import selectors as safeguard_selectors
from hipaaops.safeguards.models import SafeguardItem
from hipaaops.safeguards.views import SVG_CSP
from hipaaops.sra import charts, exports, forms, report, rules, selectors, services
from hipaaops.sra.models import Assessment, PlanItem, Scenario

PAGE_SIZE = 50


def _access(request: HttpRequest) -> OrgAccess:
    return request.org_access  # type: ignore[attr-defined]


def _assessment(access: OrgAccess, assessment_id: int) -> Assessment:
    return get_for_organization(Assessment.objects.all(), access.organization, pk=assessment_id)


def _participants_text(a: Assessment) -> str:
    return "\n".join(f"{p['name']}, {p.get('role', '')}".rstrip(", ") for p in a.participants)


def _controls(access: OrgAccess) -> list[tuple[int, str]]:
    """The safeguard register's items, as choices: citation, title and status."""
    from hipaaops.catalog.regulation import entry

    return [
        (pk, f"{citation} {entry(citation).title} ({status.replace('_', ' ')})"[:110])
        for pk, citation, status in SafeguardItem.objects.filter(
            organization=access.organization, excluded_by_profile=False
        )
        .order_by("citation")
        .values_list("pk", "citation", "status")
    ]


# ---------------------------------------------------------------------------- assessments


@org_view(Capability.VIEW_RECORDS)
def assessments(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    earlier = list(selectors.assessments(org).values_list("pk", "title"))
    form = forms.NewAssessmentForm(
        request.POST if request.method == "POST" else None,
        earlier=earlier,
        initial={
            "assessed_on": timezone.localdate(),
            "copy_from": str(earlier[0][0]) if earlier else "",
        },
    )
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)

        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.create_assessment(
                    access,
                    title=data["title"],
                    assessed_on=data["assessed_on"],
                    scope=data["scope"],
                    method=data["method"],
                    participants=data["participants"],
                    scale=data["scale"] or None,
                    copy_from=data["copy_from"] or None,
                )
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(request, f"{created.title} started.")
                return redirect("sra:assessment", org.slug, created.pk)
    rows = [
        (a, selectors.level_counts(a))
        for a in selectors.assessments(org).select_related("previous")
    ]
    return render(
        request,
        "sra/assessments.html",
        {"rows": rows, "form": form, "can_edit": access.can(Capability.EDIT_RECORDS)},
        status=400 if form.errors else 200,
    )


def _assessment_page(
    request: HttpRequest, access: OrgAccess, a: Assessment, *, form: Any = None, status: int = 200
) -> HttpResponse:
    given = selectors.answers(a)
    progress = [rules.progress(s, given) for s in rules.sections()]
    reviews = {r.section: r for r in a.reviews.all()}
    counts = selectors.level_counts(a)
    scale = a.risk_scale
    return render(
        request,
        "sra/assessment.html",
        {
            "a": a,
            "scale": scale,
            "progress": [(p, reviews.get(p.section.key)) for p in progress],
            "bands": [(b, counts.get(b.key, 0)) for b in reversed(scale.bands)],
            "unrated": counts.get("unrated", 0),
            "total": sum(counts.values()),
            "proposals": len(selectors.proposals(a)) if not a.is_complete else 0,
            "problems": services.completion_problems(a) if not a.is_complete else [],
            "overdue": selectors.overdue(access.organization).filter(assessment=a).count(),
            "form": form
            or forms.AssessmentForm(
                initial={
                    "title": a.title,
                    "assessed_on": a.assessed_on,
                    "scope": a.scope,
                    "method": a.method,
                    "participants": _participants_text(a),
                }
            ),
            "can_edit": access.can(Capability.EDIT_RECORDS) and not a.is_complete,
            "can_approve": access.can(Capability.APPROVE) and not a.is_complete,
        },
        status=status,
    )


@org_view(Capability.VIEW_RECORDS)
def assessment(request: HttpRequest, assessment_id: int) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    if request.method != "POST":
        return _assessment_page(request, access, a)
    action = request.POST.get("action", "edit")
    url = reverse("sra:assessment", args=[access.organization.slug, a.pk])
    if action == "complete":
        try:
            services.complete_assessment(access, a)
        except DomainError as exc:
            messages.error(request, exc.message)
            return _assessment_page(request, access, a, status=400)
        messages.success(request, "Assessment completed; it is now kept as it stands.")
        return redirect(url)
    form = forms.AssessmentForm(request.POST)
    return form_action(
        request,
        form,
        lambda: said(
            services.update_assessment(
                access,
                a,
                expected_version=int(request.POST.get("version") or a.version),
                **form.cleaned_data,
            ),
            "Assessment updated.",
        ),
        done_url=url,
        again=lambda: _assessment_page(request, access, a, form=form, status=400),
    )


@org_view(Capability.VIEW_RECORDS)
def scale(request: HttpRequest, assessment_id: int) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    if request.method == "POST":
        definitions: dict[str, dict[int, str]] = {"likelihood": {}, "impact": {}}
        for kind in definitions:
            for level in getattr(a.risk_scale, kind):
                definitions[kind][level.value] = request.POST.get(f"{kind}_{level.value}", "")
        try:
            services.set_definitions(access, a, definitions)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Definitions saved.")
            return redirect("sra:scale", access.organization.slug, a.pk)
    return render(
        request,
        "sra/scale.html",
        {
            "a": a,
            "scale": a.risk_scale,
            "can_edit": access.can(Capability.APPROVE) and not a.is_complete,
        },
        status=400 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------------------- questionnaire


@org_view(Capability.VIEW_RECORDS)
def questionnaire(request: HttpRequest, assessment_id: int, section: str) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    try:
        sec = rules.section(section)
    except rules.RiskInputError:
        raise Http404("No such section.") from None
    url = reverse("sra:questionnaire", args=[access.organization.slug, a.pk, sec.key])
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.POST.get("action") == "sign_off":
            try:
                services.sign_off_section(
                    access, a, section=sec.key, note=request.POST.get("note", "")
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Section {sec.number} signed off.")
                return redirect(url)
        else:
            access.require(Capability.EDIT_RECORDS)
            saved = 0
            # Answers in page order: an earlier answer may open a later question, or close one
            # (whose old answer the page still sends: it is then left as it was, unasked).
            given = selectors.answers(a)
            for q in sec.questions:
                chosen = request.POST.get(f"q_{q.key}")
                if not chosen or not rules.applies(q, given):
                    continue
                given[q.key] = chosen
                try:
                    services.record_answer(
                        access,
                        a,
                        question=q.key,
                        answer=chosen,
                        note=request.POST.get(f"n_{q.key}", ""),
                    )
                    saved += 1
                except DomainError as exc:
                    errors[q.key] = exc.message
            if not errors:
                messages.success(request, f"{saved} answer(s) saved.")
                return redirect(url)
    rows = {r.question: r for r in a.answers.all()}
    given = {k: r.answer for k, r in rows.items()}
    questions = [
        {
            "q": q,
            "asked": rules.applies(q, given),
            "answer": rows.get(q.key),
            "error": errors.get(q.key, ""),
            "chosen": q.answer(given[q.key]) if q.key in given else None,
        }
        for q in sec.questions
    ]
    return render(
        request,
        "sra/questionnaire.html",
        {
            "a": a,
            "section": sec,
            "all_sections": rules.sections(),
            "questions": questions,
            "progress": rules.progress(sec, given),
            "review": a.reviews.filter(section=sec.key).first(),
            "can_edit": access.can(Capability.EDIT_RECORDS) and not a.is_complete,
            "can_approve": access.can(Capability.APPROVE) and not a.is_complete,
        },
        status=400 if errors or request.method == "POST" else 200,
    )


@org_view(Capability.VIEW_RECORDS)
def proposals(request: HttpRequest, assessment_id: int) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    if request.method == "POST":
        try:
            created = services.adopt_proposals(access, a, request.POST.getlist("keys"))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{len(created)} risk scenario(s) added to the register.")
            return redirect("sra:register_of", access.organization.slug, a.pk)
    return render(
        request,
        "sra/proposals.html",
        {
            "a": a,
            "proposals": selectors.proposals(a) if not a.is_complete else [],
            "scale": a.risk_scale,
            "can_edit": access.can(Capability.EDIT_RECORDS) and not a.is_complete,
        },
        status=400 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------------------- register


@org_view(Capability.VIEW_RECORDS)
@require_GET
def register_current(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    a = selectors.current_assessment(access.organization)
    if a is None:
        messages.info(request, "Start an assessment to build the risk register.")
        return redirect("sra:assessments", access.organization.slug)
    return redirect(
        reverse("sra:register_of", args=[access.organization.slug, a.pk])
        + (f"?{request.GET.urlencode()}" if request.GET else "")
    )


def _filter(request: HttpRequest) -> selectors.RegisterFilter:
    def num(name: str) -> int | None:
        try:
            return int(request.GET.get(name, ""))
        except ValueError:
            return None

    sort = request.GET.get("sort", "risk")
    return selectors.RegisterFilter(
        level=request.GET.get("level", ""),
        treatment=request.GET.get("treatment", ""),
        owner=num("owner"),
        threat=request.GET.get("threat", ""),
        asset=num("asset"),
        q=request.GET.get("q", "").strip(),
        sort=sort if sort in selectors.SORTS else "risk",
    )


@org_view(Capability.VIEW_RECORDS)
@require_GET
def register(request: HttpRequest, assessment_id: int) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    f = _filter(request)
    try:
        per_page = min(200, max(10, int(request.GET.get("per_page", PAGE_SIZE))))
    except ValueError:
        per_page = PAGE_SIZE
    page = Paginator(selectors.register(a, f), per_page).get_page(request.GET.get("page"))
    threats = selectors.threat_library(access.organization)
    return render(
        request,
        "sra/register.html",
        {
            "a": a,
            "page": page,
            "f": f,
            "scale": a.risk_scale,
            "threats": threats,
            "members": safeguard_selectors.members(access.organization),
            "treatments": rules.TREATMENTS,
            "sorts": list(selectors.SORTS),
            "can_edit": access.can(Capability.EDIT_RECORDS) and not a.is_complete,
        },
    )


def _scenario_form(
    access: OrgAccess, a: Assessment, data: Any = None, initial: Any = None
) -> forms.ScenarioForm:
    org = access.organization
    return forms.ScenarioForm(
        data,
        initial=initial,
        scale=a.risk_scale,
        threats=selectors.threat_library(org),
        vulnerabilities=selectors.vulnerability_library(org),
        assets=inventory.asset_options(org),
        controls=_controls(access),
        members=safeguard_selectors.members(org),
    )


@org_view(Capability.EDIT_RECORDS)
def scenario_new(request: HttpRequest, assessment_id: int) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    form = _scenario_form(access, a, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            s = services.create_scenario(access, a, **form.values())
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, f"{s.code} added.")
            return redirect("sra:scenario", access.organization.slug, s.pk)
    return render(
        request,
        "sra/scenario_new.html",
        {"a": a, "form": form, "scale": a.risk_scale},
        status=400 if request.method == "POST" else 200,
    )


def _scenario(access: OrgAccess, scenario_id: int) -> Scenario:
    return get_for_organization(
        Scenario.objects.select_related("assessment", "owner", "approver"),
        access.organization,
        pk=scenario_id,
    )


def _scenario_page(
    request: HttpRequest,
    access: OrgAccess,
    s: Scenario,
    *,
    form: Any = None,
    treatment: Any = None,
    plan: Any = None,
    status: int = 200,
) -> HttpResponse:
    org = access.organization
    members = safeguard_selectors.members(org)
    a = s.assessment
    initial = {
        "title": s.title,
        "threat": s.threat,
        "vulnerability": s.vulnerability,
        "description": s.description,
        "assets": [str(x.pk) for x in s.assets.all()],
        "controls": [str(x.pk) for x in s.controls.all()],
        "controls_note": s.controls_note,
        "likelihood": str(s.likelihood or ""),
        "impact": str(s.impact or ""),
        "likelihood_basis": s.likelihood_basis,
        "residual_likelihood": str(s.residual_likelihood or ""),
        "residual_impact": str(s.residual_impact or ""),
        "owner": str(s.owner_id or ""),
    }
    threats = selectors.threat_library(org)
    vulns = selectors.vulnerability_library(org)
    return render(
        request,
        "sra/scenario.html",
        {
            "s": s,
            "a": a,
            "scale": a.risk_scale,
            "threat": threats.get(s.threat),
            "vulnerability": vulns.get(s.vulnerability),
            "assets": s.assets.all(),
            "controls": s.controls.all(),
            "plan_items": s.plan_items.select_related("owner").prefetch_related("safeguards"),
            "versions": s.versions.select_related("changed_by")[:20],
            "form": form or _scenario_form(access, a, initial=initial),
            "treatment_form": treatment
            or forms.TreatmentForm(
                members=members,
                initial={
                    "treatment": s.treatment or "mitigate",
                    "justification": s.justification,
                    "approver": str(s.approver_id or ""),
                    "transfer_to": s.transfer_to,
                },
            ),
            "plan_form": plan or forms.PlanItemForm(members=members, controls=_controls(access)),
            "plan_statuses": PlanItem._meta.get_field("status").choices,
            "can_edit": access.can(Capability.EDIT_RECORDS) and not a.is_complete,
            "can_move_plan": access.can(Capability.EDIT_RECORDS),
        },
        status=status,
    )


@org_view(Capability.VIEW_RECORDS)
def scenario(request: HttpRequest, scenario_id: int) -> HttpResponse:
    access = _access(request)
    s = _scenario(access, scenario_id)
    if request.method != "POST":
        return _scenario_page(request, access, s)
    access.require(Capability.EDIT_RECORDS)
    url = reverse("sra:scenario", args=[access.organization.slug, s.pk])
    expected = int(request.POST.get("version") or s.version)
    which = request.POST.get("form", "scenario")
    members = safeguard_selectors.members(access.organization)
    if which == "treatment":
        tform = forms.TreatmentForm(request.POST, members=members)
        return form_action(
            request,
            tform,
            lambda: said(
                services.decide_treatment(
                    access, s, expected_version=expected, **tform.cleaned_data
                ),
                "Treatment recorded.",
            ),
            done_url=url,
            again=lambda: _scenario_page(request, access, s, treatment=tform, status=400),
        )
    if which == "plan":
        pform = forms.PlanItemForm(request.POST, members=members, controls=_controls(access))
        return form_action(
            request,
            pform,
            lambda: said(
                services.add_plan_item(access, s, **pform.cleaned_data), "Plan item added."
            ),
            done_url=url,
            again=lambda: _scenario_page(request, access, s, plan=pform, status=400),
        )
    form = _scenario_form(access, s.assessment, request.POST)
    return form_action(
        request,
        form,
        lambda: said(
            services.update_scenario(access, s, expected_version=expected, **form.values()),
            f"{s.code} updated.",
        ),
        done_url=url,
        again=lambda: _scenario_page(request, access, s, form=form, status=400),
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def plan_item(request: HttpRequest, item_id: int) -> HttpResponse:
    access = _access(request)
    item = get_for_organization(
        PlanItem.objects.select_related("scenario"), access.organization, pk=item_id
    )
    values = {
        k: request.POST[k] for k in ("status", "due_on", "owner", "notes") if k in request.POST
    }
    try:
        services.update_plan_item(
            access,
            item,
            expected_version=int(request.POST.get("version") or item.version),
            **values,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Plan item “{item.title}” updated.")
    back = request.POST.get("next", "")
    if back.startswith("/o/"):
        return redirect(back)
    if item.scenario_id is None:
        return redirect("sra:plan", access.organization.slug, item.assessment_id)
    return redirect("sra:scenario", access.organization.slug, item.scenario_id)


@org_view(Capability.VIEW_RECORDS)
@require_GET
def plan(request: HttpRequest, assessment_id: int) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    today = timezone.localdate()
    items = selectors.plan(a)
    status = request.GET.get("status", "")
    if status == "overdue":
        items = items.filter(status__in=("open", "in_progress"), due_on__lt=today)
    elif status:
        items = items.filter(status=status)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sra/plan.html",
        {
            "a": a,
            "page": page,
            "today": today,
            "status": status,
            "statuses": PlanItem._meta.get_field("status").choices,
            "can_move": access.can(Capability.EDIT_RECORDS),
        },
    )


@org_view(Capability.VIEW_RECORDS)
@require_GET
def compare(request: HttpRequest, assessment_id: int) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    return render(request, "sra/compare.html", {"a": a, "c": selectors.comparison(a)})


@org_view(Capability.VIEW_RECORDS)
def library(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    form = forms.LibraryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)
        return form_action(
            request,
            form,
            lambda: said(
                services.add_library_entry(access, **form.cleaned_data), "Added to the library."
            ),
            done_url=reverse("sra:library", args=[org.slug]),
            again=lambda: _library_page(request, access, form, 400),
        )
    return _library_page(request, access, form, 200)


def _library_page(request: HttpRequest, access: OrgAccess, form: Any, status: int) -> HttpResponse:
    org = access.organization
    threats = sorted(selectors.threat_library(org).values(), key=lambda t: (t.source, t.name))
    vulns = sorted(selectors.vulnerability_library(org).values(), key=lambda v: v.name)
    names = {t.key: t.name for t in threats}
    return render(
        request,
        "sra/library.html",
        {
            "threats": threats,
            "vulns": [(v, [names.get(k, k) for k in v.threats]) for v in vulns],
            "form": form,
            "can_edit": access.can(Capability.EDIT_RECORDS),
        },
        status=status,
    )


# ---------------------------------------------------------------------------- pictures, files


@csp_override(SVG_CSP)
@org_view(Capability.VIEW_RECORDS)
@require_GET
def heatmap(request: HttpRequest, assessment_id: int) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    residual = request.GET.get("kind") == "residual"
    svg = charts.heatmap_svg(
        a.risk_scale,
        selectors.heat_counts(a, residual=residual),
        title="Residual risk" if residual else "Inherent risk",
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=30"
    return response


@org_view(Capability.EXPORT)
@require_GET
def report_pdf(request: HttpRequest, assessment_id: int) -> HttpResponse:
    access = _access(request)
    a = _assessment(access, assessment_id)
    pdf = report.render_pdf(a)
    record(
        Action.EXPORT,
        actor=access.user,
        organization=access.organization,
        target=a,
        object_repr=f"SRA report: {a.title}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{access.organization.slug}-sra-{a.assessed_on}.pdf"'
    )
    return response


@org_view(Capability.EXPORT)
@require_GET
def export(request: HttpRequest, assessment_id: int, what: str, fmt: str) -> Any:
    access = _access(request)
    a = _assessment(access, assessment_id)
    if what not in ("register", "plan"):
        raise Http404("Unknown export.")
    title, columns, rows = (exports.register_table if what == "register" else exports.plan_table)(a)
    return export_response(
        access,
        fmt=fmt,
        title=title,
        columns=columns,
        rows=rows,
        name=f"{access.organization.slug}-sra-{what}-{a.assessed_on}",
        object_type=f"sra.{'scenario' if what == 'register' else 'planitem'}",
    )
