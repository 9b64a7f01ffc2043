"""Incident register pages: the register, one incident with its timeline, tasks, determination,
notification plan and affected individuals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tenancy import get_for_organization
from hipaaops.core.views import domain_error_to_form, form_action
from hipaaops.incidents import exports, letters, selectors, services, submissions
from hipaaops.incidents.forms import (
    DeterminationForm,
    FactsForm,
    ImportForm,
    IncidentForm,
    NoticeForm,
    StatusForm,
    TaskForm,
    TimelineForm,
)
from hipaaops.incidents.models import AffectedIndividual, Incident, NoticeContent, Status, Task
from hipaaops.incidents.rules import RuleInputError
from hipaaops.incidents.rules.letters import PLAIN_LANGUAGE_GRADE
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.decorators import org_view
from hipaaops.safeguards.selectors import members as org_members


def _access(request: HttpRequest) -> OrgAccess:
    return request.org_access  # type: ignore[attr-defined]


def _incident(access: OrgAccess, incident_id: int) -> Incident:
    return get_for_organization(
        Incident.objects.select_related("handler", "reported_by", "organization"),
        access.organization,
        pk=incident_id,
    )


@org_view(Capability.VIEW_RECORDS)
def register(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    status = request.GET.get("status", "")
    if status not in ("", *Status.values):
        status = ""
    form = IncidentForm(request.POST or None, members=org_members(org))
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)
        if form.is_valid():
            try:
                incident = services.report_incident(access, **form.cleaned_data)
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(request, f"{incident.reference} opened.")
                return redirect("incidents:incident", org.slug, incident.pk)
    return render(
        request,
        "incidents/register.html",
        {
            "incidents": selectors.incidents(org, status=status),
            "status": status,
            "statuses": Status.choices,
            "form": form,
            "deadlines": selectors.upcoming_deadlines(org),
            "can_edit": access.can(Capability.EDIT_RECORDS),
            "can_export": access.can(Capability.EXPORT),
        },
        status=400 if form.errors else 200,
    )


def _detail(
    request: HttpRequest,
    access: OrgAccess,
    incident: Incident,
    forms: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    org = access.organization
    members = org_members(org)
    view = selectors.determination_view(incident)
    facts = incident.facts
    obligations, plan_note = selectors.plan(incident)
    defaults: dict[str, Any] = {
        "edit_form": IncidentForm(
            members=members,
            initial={
                f: getattr(incident, f if f != "handler" else "handler_id")
                for f in services.INCIDENT_FIELDS
            },
        ),
        "status_form": StatusForm(initial={"status": incident.status}),
        "timeline_form": TimelineForm(),
        "task_form": TaskForm(members=members, initial={"assignee": access.user.pk}),
        "determination_form": DeterminationForm(
            initial=DeterminationForm.initial_from(
                view["inputs"] if view else None, view["determination"].summary if view else ""
            )
        ),
        "facts_form": FactsForm(initial=_facts_initial(facts)),
        "notice_form": NoticeForm(initial=_notice_initial(incident)),
        "import_form": ImportForm(),
        "attach_form": _upload_form(),
        "vendors_form": _vendors_form(access, None, initial=[v.pk for v in incident.vendors.all()]),
    }
    defaults.update(forms)
    loaded = services.state_counts(incident)
    drafts = (
        {"media": submissions.media_notice(incident), "web": submissions.web_notice(incident)}
        if obligations
        else None
    )
    notice = NoticeContent.objects.filter(incident=incident).first()
    preview, grade, preview_problem = None, None, ""
    if notice is not None:
        try:
            preview, grade = letters.sample(incident, notice)
        except RuleInputError as exc:
            preview_problem = exc.message
    return render(
        request,
        "incidents/incident.html",
        {
            "incident": incident,
            "timeline": incident.timeline.select_related("author"),
            "tasks": incident.tasks.select_related("assignee"),
            "determination": view,
            "versions": incident.determinations.select_related("recorded_by", "finalized_by"),
            "obligations": obligations,
            "plan_note": plan_note,
            "loaded": loaded,
            "can_edit": access.can(Capability.EDIT_RECORDS),
            "can_approve": access.can(Capability.APPROVE),
            "can_sensitive": access.can(Capability.VIEW_SENSITIVE),
            "drafts": drafts,
            "documents": incident.documents.all(),
            "vendor_rows": _vendor_rows(incident),
            "ba_notice": services.business_associate_notice(incident)
            if org.entity_type == "business_associate" and obligations
            else "",
            "obligation_ids": {o.id for o in obligations},
            "can_export": access.can(Capability.EXPORT),
            "preview": preview,
            "grade": grade,
            "grade_limit": PLAIN_LANGUAGE_GRADE,
            "preview_problem": preview_problem,
            **defaults,
        },
        status=status,
    )


def _facts_initial(facts: Any) -> dict[str, Any]:
    delay = facts.law_enforcement_delay or {}
    ba = facts.business_associate or {}
    return {
        "affected_by_state": ", ".join(
            f"{k}={v}" for k, v in sorted(facts.affected_by_state.items())
        ),
        "insufficient_contact_info": facts.insufficient_contact_info,
        "delay_kind": delay.get("kind", ""),
        "delay_stated_on": delay.get("stated_on"),
        "delay_until": delay.get("until"),
        "ba_discovered_on": ba.get("discovered_on"),
        "ba_notified_on": ba.get("notified_covered_entity_on"),
        "ba_is_agent": ba.get("is_agent", False),
        "baa_reporting_days": facts.baa_reporting_days,
    }


def _vendors_form(access: OrgAccess, data: Any, initial: list[int] | None = None) -> Any:
    from hipaaops.incidents.forms import VendorsForm
    from hipaaops.vendors.models import Vendor

    choices = [
        (v.pk, v.name)
        for v in Vendor.objects.filter(organization=access.organization).only("pk", "name")
    ]
    return VendorsForm(data, vendors=choices, initial={"vendors": initial or []})


def _vendor_rows(incident: Incident) -> list[Any]:
    """Each vendor involved with its agreement in force and the breach-reporting limit it agreed
    to (45 CFR 164.410(b), 164.504(e)(2)(ii)(C))."""
    from hipaaops.vendors import selectors as vendor_selectors

    involved = {v.pk for v in incident.vendors.all()}
    if not involved:
        return []
    return [
        r for r in vendor_selectors.vendor_rows(incident.organization) if r.vendor.pk in involved
    ]


def _upload_form() -> Any:
    from hipaaops.incidents.forms import AttachForm

    return AttachForm()


def _notice_initial(incident: Incident) -> dict[str, Any]:
    notice = NoticeContent.objects.filter(incident=incident).first()
    if notice is None:
        return {"what_happened": incident.description, "signer": ""}
    return {f: getattr(notice, f) for f in services.NOTICE_FIELDS}


@org_view(Capability.VIEW_RECORDS)
@require_GET
def incident_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    access = _access(request)
    return _detail(request, access, _incident(access, incident_id), {})


def _post(
    request: HttpRequest,
    incident_id: int,
    name: str,
    make: Callable[[OrgAccess, Incident], Any],
    act: Callable[[OrgAccess, Incident, Any], str],
    capability: Capability = Capability.EDIT_RECORDS,
) -> HttpResponse:
    """Validate one of the incident page's forms and call its service; on refusal show the page
    again with the message on the field (400)."""
    access = _access(request)
    access.require(capability)
    incident = _incident(access, incident_id)
    form = make(access, incident)
    return form_action(
        request,
        form,
        lambda: act(access, incident, form),
        done_url=reverse("incidents:incident", args=[access.organization.slug, incident.pk]),
        again=lambda: _detail(request, access, incident, {name: form}, status=400),
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def edit(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(access: OrgAccess, incident: Incident, form: Any) -> str:
        services.update_incident(access, incident, **form.cleaned_data)
        return "Incident saved."

    return _post(
        request,
        incident_id,
        "edit_form",
        lambda a, i: IncidentForm(request.POST, members=org_members(a.organization)),
        act,
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def status(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(access: OrgAccess, incident: Incident, form: Any) -> str:
        services.change_status(
            access, incident, form.cleaned_data["status"], note=form.cleaned_data["note"]
        )
        return "Status changed."

    return _post(request, incident_id, "status_form", lambda a, i: StatusForm(request.POST), act)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def timeline(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(access: OrgAccess, incident: Incident, form: Any) -> str:
        services.add_timeline_entry(access, incident, **form.cleaned_data)
        return "Added to the timeline."

    return _post(
        request, incident_id, "timeline_form", lambda a, i: TimelineForm(request.POST), act
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def task(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(access: OrgAccess, incident: Incident, form: Any) -> str:
        services.add_task(access, incident, **form.cleaned_data)
        return "Task assigned."

    return _post(
        request,
        incident_id,
        "task_form",
        lambda a, i: TaskForm(request.POST, members=org_members(a.organization)),
        act,
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    access = _access(request)
    item = get_for_organization(
        Task.objects.select_related("incident"), access.organization, pk=task_id
    )
    try:
        services.complete_task(access, item)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("incidents:incident", access.organization.slug, item.incident_id)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def determination(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(access: OrgAccess, incident: Incident, form: Any) -> str:
        d = services.record_determination(
            access, incident, inputs=form.to_inputs(), summary=form.cleaned_data["summary"]
        )
        return f"Determination v{d.version} recorded: {d.conclusion.replace('_', ' ')}."

    return _post(
        request,
        incident_id,
        "determination_form",
        lambda a, i: DeterminationForm(request.POST),
        act,
    )


@org_view(Capability.APPROVE)
@require_POST
def finalize(request: HttpRequest, incident_id: int) -> HttpResponse:
    access = _access(request)
    incident = _incident(access, incident_id)
    current = services.current_determination(incident)
    if current is None:
        messages.error(request, "Record a determination first.")
    else:
        try:
            services.finalize_determination(access, current)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Determination v{current.version} finalized and signed.")
    return redirect("incidents:incident", access.organization.slug, incident.pk)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def facts(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(access: OrgAccess, incident: Incident, form: Any) -> str:
        services.set_notification_facts(access, incident, **form.to_facts())
        return "Notification facts saved; the plan follows them."

    return _post(request, incident_id, "facts_form", lambda a, i: FactsForm(request.POST), act)


@org_view(Capability.VIEW_SENSITIVE)
@require_POST
def import_individuals(request: HttpRequest, incident_id: int) -> HttpResponse:
    access = _access(request)
    incident = _incident(access, incident_id)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 200 * 1024 * 1024:
            form.add_error("file", "The file is larger than 200 MB.")
        else:
            try:
                report = services.import_individuals(
                    access, incident, upload.file, dry_run=form.cleaned_data["dry_run"]
                )
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                if report.errors:
                    for error in report.errors:
                        form.add_error("file", error)
                    form.add_error(None, f"Nothing was loaded: {len(report.errors)} problems.")
                elif report.imported:
                    messages.success(request, f"{report.rows} affected individuals loaded.")
                    return redirect("incidents:incident", access.organization.slug, incident.pk)
                else:
                    messages.success(
                        request, f"Dry run: {report.rows} rows are good; nothing loaded yet."
                    )
                    return redirect("incidents:incident", access.organization.slug, incident.pk)
    return _detail(request, access, incident, {"import_form": form}, status=400)


@org_view(Capability.VIEW_SENSITIVE)
@require_GET
def individuals(request: HttpRequest, incident_id: int) -> HttpResponse:
    access = _access(request)
    incident = _incident(access, incident_id)
    people = services.read_individuals(access, incident)
    return render(request, "incidents/individuals.html", {"incident": incident, "people": people})


@org_view(Capability.EXPORT)
@require_GET
def log_csv(request: HttpRequest) -> HttpResponseBase:
    access = _access(request)
    from hipaaops.audit.models import Action
    from hipaaops.audit.services import record

    record(
        Action.EXPORT,
        actor=access.user,
        organization=access.organization,
        object_type="incidents.incident",
        object_repr="Incident and breach log CSV",
    )
    response = StreamingHttpResponse(
        exports.log_csv(access.organization), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="incident-log-{access.organization.slug}.csv"'
    )
    return response


@org_view(Capability.EDIT_RECORDS)
@require_POST
def notice(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(access: OrgAccess, incident: Incident, form: Any) -> str:
        services.set_notice_content(access, incident, **form.cleaned_data)
        return "Notice content saved."

    return _post(request, incident_id, "notice_form", lambda a, i: NoticeForm(request.POST), act)


def _notice_or_404(incident: Incident) -> NoticeContent:
    from django.http import Http404

    found = NoticeContent.objects.filter(incident=incident).first()
    if found is None:
        raise Http404("No notice content yet.")
    return found


@org_view(Capability.VIEW_SENSITIVE)
@require_GET
def letters_pdf(request: HttpRequest, incident_id: int) -> HttpResponseBase:
    """The print-ready letters: one PDF for up to 1,000 letters, or a ZIP of numbered PDFs of at
    most 1,000 letters each, assembled in a temporary file (never all in memory)."""
    import tempfile
    import zipfile

    from django.http import FileResponse

    access = _access(request)
    incident = _incident(access, incident_id)
    content = _notice_or_404(incident)
    problems = letters.rules.missing_elements(letters.content_of(incident, content))
    if problems:
        messages.error(request, f"The letters cannot be made yet: {problems[0][1]}")
        return redirect("incidents:incident", access.organization.slug, incident.pk)
    count = AffectedIndividual.objects.filter(incident=incident, contact_insufficient=False).count()
    if count == 0:
        messages.error(request, "No affected individual with contact information is loaded.")
        return redirect("incidents:incident", access.organization.slug, incident.pk)
    services.record_letters_export(access, incident, what="letters", count=count)
    parts = letters.batches(incident, content)
    if count <= letters.BATCH:
        _, pdf = next(parts)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{incident.reference}-letters.pdf"'
        return response
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
        for first, pdf in parts:
            archive.writestr(f"{incident.reference}-letters-{first:07d}.pdf", pdf)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{incident.reference}-letters.zip",
        content_type="application/zip",
    )


@org_view(Capability.VIEW_SENSITIVE)
@require_GET
def letter_pdf(request: HttpRequest, incident_id: int, individual_id: int) -> HttpResponseBase:
    access = _access(request)
    incident = _incident(access, incident_id)
    person = get_for_organization(
        AffectedIndividual.objects.all(), access.organization, pk=individual_id, incident=incident
    )
    try:
        pdf = letters.one_letter(incident, _notice_or_404(incident), person)
    except RuleInputError as exc:
        messages.error(request, f"The letter cannot be made yet: {exc.message}")
        return redirect("incidents:incident", access.organization.slug, incident.pk)
    services.record_letters_export(access, incident, what=f"letter, line {person.line}", count=1)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{incident.reference}-letter-{person.line}.pdf"'
    )
    return response


@org_view(Capability.VIEW_SENSITIVE)
@require_GET
def mailhouse_csv(request: HttpRequest, incident_id: int) -> HttpResponseBase:
    access = _access(request)
    incident = _incident(access, incident_id)
    count = AffectedIndividual.objects.filter(incident=incident, contact_insufficient=False).count()
    services.record_letters_export(access, incident, what="mail house CSV", count=count)
    response = StreamingHttpResponse(
        letters.mailhouse_csv(incident), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}-mailhouse.csv"'
    return response


@org_view(Capability.EXPORT)
@require_GET
def data_sheet(request: HttpRequest, incident_id: int, fmt: str) -> HttpResponseBase:
    """The HHS breach portal data sheet (45 CFR 164.408) as JSON or CSV."""
    import json

    from django.http import Http404

    from hipaaops.audit.models import Action
    from hipaaops.audit.services import record

    access = _access(request)
    incident = _incident(access, incident_id)
    if fmt not in ("json", "csv"):
        raise Http404("json or csv")
    record(
        Action.EXPORT,
        actor=access.user,
        organization=access.organization,
        target=incident,
        changes={"export": f"HHS data sheet {fmt}"},
    )
    name = f"{incident.reference}-hhs-breach-report.{fmt}"
    response: HttpResponseBase
    if fmt == "json":
        response = HttpResponse(
            json.dumps(submissions.hhs_data_sheet(incident), indent=2),
            content_type="application/json",
        )
    else:
        response = StreamingHttpResponse(
            submissions.data_sheet_csv(incident), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@org_view(Capability.EXPORT)
@require_GET
def annual_log(request: HttpRequest) -> HttpResponseBase:
    """The annual log of breaches under 500 for a calendar year (45 CFR 164.408(c))."""
    from django.utils import timezone

    from hipaaops.audit.models import Action
    from hipaaops.audit.services import record

    access = _access(request)
    text = request.GET.get("year", "")
    year = int(text) if text.isdigit() and 2009 <= int(text) <= timezone.localdate().year else None
    if year is None:
        return HttpResponse(
            "year must be a calendar year from 2009 to this year, such as ?year=2026",
            status=400,
            content_type="text/plain",
        )
    record(
        Action.EXPORT,
        actor=access.user,
        organization=access.organization,
        object_type="incidents.incident",
        object_repr=f"Annual breach log {year}",
    )
    if request.GET.get("format") == "pdf":
        pdf = HttpResponse(
            submissions.annual_log_pdf(access.organization, year), content_type="application/pdf"
        )
        pdf["Content-Disposition"] = f'attachment; filename="breach-log-{year}.pdf"'
        return pdf
    response = StreamingHttpResponse(
        submissions.annual_log_csv(access.organization, year),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="breach-log-{year}.csv"'
    return response


@org_view(Capability.EDIT_RECORDS)
@require_POST
def attach(request: HttpRequest, incident_id: int) -> HttpResponse:
    from hipaaops.incidents.forms import AttachForm

    def act(access: OrgAccess, incident: Incident, form: Any) -> str:
        document = services.attach_file(
            access, incident, form.cleaned_data["file"], title=form.cleaned_data.get("title", "")
        )
        return f"{document.title} attached (SHA-256 {document.sha256[:12]}…)."

    return _post(
        request,
        incident_id,
        "attach_form",
        lambda a, i: AttachForm(request.POST, request.FILES),
        act,
    )


@org_view(Capability.VIEW_SENSITIVE)
@require_GET
def ba_identities(request: HttpRequest, incident_id: int) -> HttpResponseBase:
    """The identities of the affected individuals for the covered entity (164.410(c)(1))."""
    access = _access(request)
    incident = _incident(access, incident_id)
    response = StreamingHttpResponse(
        services.business_associate_identities(access, incident),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{incident.reference}-individuals-for-covered-entity.csv"'
    )
    return response


@org_view(Capability.EDIT_RECORDS)
@require_POST
def vendors(request: HttpRequest, incident_id: int) -> HttpResponse:
    def act(access: OrgAccess, incident: Incident, form: Any) -> str:
        services.link_vendors(access, incident, form.cleaned_data["vendors"])
        return "Vendors involved saved."

    return _post(
        request, incident_id, "vendors_form", lambda a, i: _vendors_form(a, request.POST), act
    )
