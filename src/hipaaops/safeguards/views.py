"""Safeguard register pages: the register, an item, the posture, evidence and the exports."""

from __future__ import annotations

import io
import json

from django.conf import settings
from django.contrib import messages
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability, can
from hipaaops.core.tenancy import get_for_organization
from hipaaops.core.views import domain_error_to_form
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.decorators import org_view
from hipaaops.safeguards import charts, exports, reference, rules, selectors, services
from hipaaops.safeguards.forms import (
    AnswerForm,
    DecisionForm,
    ItemForm,
    LinkForm,
    RegisterFilterForm,
    UploadForm,
)
from hipaaops.safeguards.models import Document, SafeguardItem

# The charts are standalone SVG files shown with <img>: matplotlib styles them with inline style
# attributes, which only this response's policy allows. No script can run in them.
SVG_CSP = {"default-src": [CSP.NONE], "style-src": [CSP.UNSAFE_INLINE]}


def _access(request: HttpRequest) -> OrgAccess:
    return request.org_access  # type: ignore[attr-defined]


def _item(access: OrgAccess, item_id: int) -> SafeguardItem:
    return get_for_organization(
        SafeguardItem.objects.select_related("owner"), access.organization, pk=item_id
    )


@org_view(Capability.VIEW_RECORDS)
def register(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    services.ensure_register_exists(org, actor=access.user)
    members = selectors.members(org)
    form = RegisterFilterForm(request.GET or None, members=members)
    rows = selectors.register_rows(org, form.to_filter())
    context = {
        "form": form,
        "rows": rows,
        "counts": selectors.status_counts(rows),
        "query": request.GET.urlencode(),
        "can_export": access.can(Capability.EXPORT),
    }
    template = "safeguards/register.html"
    if getattr(request, "htmx", False):
        template += "#register-table"
    return render(request, template, context)


def _item_page(
    request: HttpRequest,
    access: OrgAccess,
    item: SafeguardItem,
    *,
    item_form: ItemForm | None = None,
    decision_form: DecisionForm | None = None,
    upload_form: UploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    org = access.organization
    detail = selectors.item_detail(org, item)
    members = selectors.members(org)
    approvers = [m for m in members if can(m.role, Capability.APPROVE)]
    if item_form is None:
        item_form = ItemForm(
            members=members,
            initial={
                "status": item.status,
                "not_applicable_reason": item.not_applicable_reason,
                "owner": item.owner_id or "",
                "target_date": item.target_date,
                "implementation": item.implementation,
                "last_reviewed_on": item.last_reviewed_on,
                "next_review_on": item.next_review_on,
                "version": item.version,
            },
        )
    addressable = reference.is_addressable(detail.entry)
    if decision_form is None and addressable:
        current = detail.decision
        decision_form = DecisionForm(
            approvers=approvers,
            initial={
                "choice": current.choice if current else "",
                "factors": current.factors if current else [],
                "decided_on": timezone.localdate(),
            },
        )
    questions = [
        (q.id, q.text[:90])
        for ka in detail.key_activities
        for q in reference.activity_questions(ka)
    ]
    if upload_form is None:
        upload_form = UploadForm(questions=questions)
    activities = []
    for ka in detail.key_activities:
        activities.append(
            {
                "activity": ka,
                "questions": [
                    {"question": q, "answer": detail.answers.get(q.id)}
                    for q in reference.activity_questions(ka)
                ],
            }
        )
    return render(
        request,
        "safeguards/item.html",
        {
            "detail": detail,
            "item": item,
            "entry": detail.entry,
            "activities": activities,
            "item_form": item_form,
            "decision_form": decision_form,
            "upload_form": upload_form,
            "addressable": addressable,
            "can_edit": access.can(Capability.EDIT_RECORDS),
            "standard_item_id": detail.related.get(detail.standard.citation),
            "spec_links": [(s, detail.related.get(s.citation)) for s in detail.specifications],
            "today": timezone.localdate(),
        },
        status=status,
    )


@org_view(Capability.VIEW_RECORDS)
def item_view(request: HttpRequest, item_id: int) -> HttpResponse:
    access = _access(request)
    item = _item(access, item_id)
    if request.method != "POST":
        return _item_page(request, access, item)
    access.require(Capability.EDIT_RECORDS)
    form = ItemForm(request.POST, members=selectors.members(access.organization))
    if form.is_valid():
        try:
            services.update_item(
                access, item, expected_version=form.cleaned_data["version"], **form.changes()
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, f"{item.citation} saved.")
            return redirect("safeguards:item", org_slug=access.organization.slug, item_id=item.pk)
    return _item_page(request, access, item, item_form=form, status=400)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def decision(request: HttpRequest, item_id: int) -> HttpResponse:
    access = _access(request)
    item = _item(access, item_id)
    members = selectors.members(access.organization)
    form = DecisionForm(
        request.POST, approvers=[m for m in members if can(m.role, Capability.APPROVE)]
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_decision(
                access,
                item,
                choice=data["choice"],
                rationale=data["rationale"],
                alternative=data["alternative"],
                instead=data["instead"],
                factors=data["factors"],
                approver=int(data["approver"]),
                decided_on=data["decided_on"],
                review_on=data["review_on"],
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, "Decision recorded; the previous one is kept.")
            return redirect("safeguards:item", org_slug=access.organization.slug, item_id=item.pk)
    return _item_page(request, access, item, decision_form=form, status=400)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def answer(request: HttpRequest, item_id: int) -> HttpResponse:
    """Save one answer; with htmx only the answer's fragment comes back."""
    access = _access(request)
    item = _item(access, item_id)
    form = AnswerForm(request.POST)
    error = ""
    saved = None
    if form.is_valid():
        try:
            saved = services.answer_question(
                access,
                question_id=form.cleaned_data["question"],
                answer=form.cleaned_data["answer"],
            )
        except DomainError as exc:
            error = exc.message
    else:
        error = "Check the answer."
    if getattr(request, "htmx", False):
        question_id = form.data.get("question", "")
        q = reference.questions().get(question_id)
        if q is None:
            return HttpResponse(error or "Unknown question.", status=400)
        return render(
            request,
            "safeguards/item.html#answer",
            {
                "item": item,
                "entry": reference.entry(item.citation),
                "q": {"question": q, "answer": saved},
                "can_edit": True,
                "answer_error": error,
                "answer_saved": saved is not None,
            },
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Answer saved.")
    return redirect("safeguards:item", org_slug=access.organization.slug, item_id=item.pk)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def upload(request: HttpRequest, item_id: int) -> HttpResponse:
    access = _access(request)
    item = _item(access, item_id)
    standard = reference.standard_of(reference.entry(item.citation)).citation
    detail_questions = [
        (q.id, q.text[:90])
        for ka in reference.key_activities_for(standard)
        for q in reference.activity_questions(ka)
    ]
    # Refuse an oversized request before reading it, not after.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.EVIDENCE_MAX_BYTES + 1024 * 1024:
        form = UploadForm(questions=detail_questions)
        form.add_error(
            None, f"The file is larger than {settings.EVIDENCE_MAX_BYTES // (1024 * 1024)} MB."
        )
        return _item_page(request, access, item, upload_form=form, status=413)
    form = UploadForm(request.POST, request.FILES, questions=detail_questions)
    if form.is_valid():
        try:
            document = services.attach_document(
                access,
                form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                items=[item],
                question_id=form.cleaned_data["question"],
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, f"{document.title} attached (SHA-256 {document.sha256}).")
            return redirect("safeguards:item", org_slug=access.organization.slug, item_id=item.pk)
    return _item_page(request, access, item, upload_form=form, status=400)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def link(request: HttpRequest, item_id: int) -> HttpResponse:
    """Link an existing document to the item, or remove a link (``action=unlink``)."""
    access = _access(request)
    item = _item(access, item_id)
    form = LinkForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["document"]:
        messages.error(request, "Choose a document.")
        return redirect("safeguards:item", org_slug=access.organization.slug, item_id=item.pk)
    document = get_for_organization(
        Document.objects.all(), access.organization, pk=form.cleaned_data["document"]
    )
    try:
        if request.POST.get("action") == "unlink":
            services.unlink_document(access, item, document)
            messages.success(request, f"{document.title} is no longer linked to {item.citation}.")
        else:
            services.link_document(access, item, document)
            messages.success(request, f"{document.title} linked to {item.citation}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("safeguards:item", org_slug=access.organization.slug, item_id=item.pk)


@org_view(Capability.VIEW_RECORDS)
@require_GET
def document_download(request: HttpRequest, document_id: int) -> HttpResponseBase:
    """Evidence is always downloaded, never shown inline, with the type found at upload."""
    access = _access(request)
    document = get_for_organization(Document.objects.all(), access.organization, pk=document_id)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@org_view(Capability.VIEW_RECORDS)
def posture(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)
        services.take_snapshot_for(access)
        messages.success(request, "Snapshot taken.")
        return redirect("safeguards:posture", org_slug=org.slug)
    services.ensure_register_exists(org, actor=access.user)
    data = selectors.posture(org)
    families = []
    for name, counts in data.counts["by_family"].items():
        families.append(
            {
                "name": reference.family_label(name),
                "counts": counts,
                "share": round(100 * rules.share_implemented(counts)),
            }
        )
    requirements = []
    for key, label in selectors.REQUIREMENT_FILTERS.items():
        counts = data.counts["by_requirement"].get(key)
        if counts:
            requirements.append(
                {
                    "key": key,
                    "label": label,
                    "counts": counts,
                    "share": round(100 * rules.share_implemented(counts)),
                }
            )
    return render(
        request,
        "safeguards/posture.html",
        {
            "posture": data,
            "families": families,
            "requirements": requirements,
            "can_edit": access.can(Capability.EDIT_RECORDS),
            "today": timezone.localdate(),
        },
    )


def _svg_response(content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response


@csp_override(SVG_CSP)
@org_view(Capability.VIEW_RECORDS)
@require_GET
def trend_chart(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    snapshots = selectors.posture(access.organization).snapshots
    return _svg_response(charts.trend_svg([(s.taken_on, s.counts) for s in snapshots]))


@csp_override(SVG_CSP)
@org_view(Capability.VIEW_RECORDS)
@require_GET
def family_chart(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    counts = selectors.posture_counts(access.organization)
    by_label = {reference.family_label(k): v for k, v in counts["by_family"].items()}
    return _svg_response(charts.families_svg(by_label))


# --- exports ------------------------------------------------------------------------------------


def _filename(access: OrgAccess, stem: str, extension: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d")
    return f"{stem}-{access.organization.slug}-{stamp}.{extension}"


def _export_rows(request: HttpRequest, access: OrgAccess) -> list[exports.ExportRow]:
    services.ensure_register_exists(access.organization, actor=access.user)
    form = RegisterFilterForm(request.GET or None, members=selectors.members(access.organization))
    return exports.rows(access.organization, form.to_filter())


@org_view(Capability.EXPORT)
@require_GET
def export_csv(request: HttpRequest) -> HttpResponseBase:
    access = _access(request)
    rows = _export_rows(request, access)
    services.record_export(access, what="Safeguard register", fmt="csv", count=len(rows))
    response = StreamingHttpResponse(
        exports.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(access, "safeguard-register", "csv")}"'
    )
    return response


@org_view(Capability.EXPORT)
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponseBase:
    access = _access(request)
    rows = _export_rows(request, access)
    services.record_export(access, what="Safeguard register", fmt="xlsx", count=len(rows))
    content = exports.xlsx_bytes(rows, title=f"Safeguard register: {access.organization.name}")
    return _attachment(
        content,
        _filename(access, "safeguard-register", "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@org_view(Capability.EXPORT)
@require_GET
def export_statement(request: HttpRequest) -> HttpResponseBase:
    access = _access(request)
    services.ensure_register_exists(access.organization, actor=access.user)
    rows = exports.rows(access.organization)
    services.record_export(
        access, what="Security Rule implementation statement", fmt="pdf", count=len(rows)
    )
    content = exports.statement_pdf(access.organization, rows)
    return _attachment(
        content, _filename(access, "security-rule-statement", "pdf"), "application/pdf"
    )


@org_view(Capability.EXPORT)
@require_GET
def export_oscal(request: HttpRequest) -> HttpResponseBase:
    from hipaaops.catalog.oscal import security_catalog

    access = _access(request)
    services.record_export(access, what="Security Rule catalog (OSCAL)", fmt="json")
    content = json.dumps(security_catalog(), indent=2).encode()
    return _attachment(content, "hipaa-security-rule-oscal.json", "application/json")


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponseBase:
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type=content_type
    )
