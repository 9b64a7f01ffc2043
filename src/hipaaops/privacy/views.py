"""Rights request pages: the register and one request with its clock, extension, fee and response."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tenancy import get_for_organization
from hipaaops.core.views import domain_error_to_form, form_action
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.decorators import org_view
from hipaaops.privacy import selectors, services
from hipaaops.privacy.forms import ExtendForm, FeeForm, RequestForm, RespondForm, RestrictionForm
from hipaaops.privacy.models import PrivacyRequest, RequestRight
from hipaaops.safeguards.selectors import members as org_members


def _access(request: HttpRequest) -> OrgAccess:
    return request.org_access  # type: ignore[attr-defined]


def _request(access: OrgAccess, request_id: int) -> PrivacyRequest:
    return get_for_organization(
        PrivacyRequest.objects.select_related("assignee"), access.organization, pk=request_id
    )


@org_view(Capability.VIEW_RECORDS)
def register(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    form = RequestForm(request.POST or None, members=org_members(org))
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)
        if form.is_valid():
            try:
                created = services.receive_request(access, **form.cleaned_data)
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(
                    request,
                    f"{created.reference} entered; its clock started on {created.received_on:%Y-%m-%d}.",
                )
                return redirect("privacy:request", org.slug, created.pk)
    right = request.GET.get("right", "")
    right = right if right in RequestRight.values else ""
    return render(
        request,
        "privacy/register.html",
        {
            "rows": selectors.rows(org, right=right),
            "form": form,
            "rights": RequestRight.choices,
            "right": right,
            "can_edit": access.can(Capability.EDIT_RECORDS),
        },
        status=400 if form.errors else 200,
    )


def _attach_form() -> Any:
    from hipaaops.incidents.forms import AttachForm

    return AttachForm()


def _form(name: str) -> Any:
    from hipaaops.privacy import forms as privacy_forms

    return getattr(privacy_forms, name)()


def _page(
    request: HttpRequest,
    access: OrgAccess,
    item: PrivacyRequest,
    forms: dict[str, Any],
    status: int = 200,
    people: dict[str, str] | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "item": item,
        "clock": services.clock(item),
        "extend_form": ExtendForm(),
        "fee_form": FeeForm(),
        "respond_form": RespondForm(),
        "restriction_form": RestrictionForm(initial=item.restriction or {}),
        "disagreement_form": _form("DisagreementForm"),
        "review_form": _form("ReviewForm"),
        "attach_form": _attach_form(),
        "documents": item.documents.all(),
        "must_agree": services.must_agree(item),
        "people": people,
        "can_edit": access.can(Capability.EDIT_RECORDS) and item.is_open,
        "can_sensitive": access.can(Capability.VIEW_SENSITIVE),
        "can_attach": access.can(Capability.EDIT_RECORDS),
    }
    context.update(forms)
    return render(request, "privacy/request.html", context, status=status)


@org_view(Capability.VIEW_RECORDS)
@require_GET
def request_view(request: HttpRequest, request_id: int) -> HttpResponse:
    access = _access(request)
    item = _request(access, request_id)
    people = None
    if request.GET.get("show") == "people":
        access.require(Capability.VIEW_SENSITIVE)
        people = services.read_people(access, item)
    return _page(request, access, item, {}, people=people)


def _post(
    request: HttpRequest, request_id: int, name: str, form_class: Any, act: Any
) -> HttpResponse:
    """Run one of the request page's forms, open or closed request alike (the services refuse
    what a closed request no longer allows)."""
    access = _access(request)
    item = _request(access, request_id)
    form = form_class(request.POST)
    return form_action(
        request,
        form,
        lambda: act(access, item, form.cleaned_data),
        done_url=reverse("privacy:request", args=[access.organization.slug, item.pk]),
        again=lambda: _page(request, access, item, {name: form}, status=400),
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def extend(request: HttpRequest, request_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: PrivacyRequest, data: dict[str, Any]) -> str:
        done = services.extend_request(access, item, **data)
        clock = services.clock(done)
        return f"Extended: now due {clock.final_due:%Y-%m-%d}." if clock else "Extended."

    return _post(request, request_id, "extend_form", ExtendForm, act)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def fee(request: HttpRequest, request_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: PrivacyRequest, data: dict[str, Any]) -> str:
        done = services.set_fee(access, item, **data)
        return f"Fee: ${done.fee['total'] if done.fee else '0.00'}."

    return _post(request, request_id, "fee_form", FeeForm, act)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def respond(request: HttpRequest, request_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: PrivacyRequest, data: dict[str, Any]) -> str:
        services.respond(
            access,
            item,
            status=data["status"],
            sent_on=data["sent_on"],
            summary=data["summary"],
            denial_ground=data["denial_ground"],
            denial_reviewable=data["denial_reviewable"],
        )
        return "Response recorded."

    return _post(request, request_id, "respond_form", RespondForm, act)


@org_view(Capability.VIEW_RECORDS)
def disclosures(request: HttpRequest) -> HttpResponse:
    """The disclosures log: entry, CSV import with a dry run, and the accounting letter."""
    from django.http import HttpResponse as Response

    from hipaaops.privacy import disclosures as log
    from hipaaops.privacy.forms import AccountingForm, DisclosureForm, DisclosureImportForm
    from hipaaops.privacy.models import AccountingRecord, Disclosure

    access = _access(request)
    org = access.organization
    forms: dict[str, Any] = {
        "entry_form": DisclosureForm(),
        "import_form": DisclosureImportForm(),
        "accounting_form": AccountingForm(),
    }
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind == "entry":
            access.require(Capability.EDIT_RECORDS)
            form: Any = DisclosureForm(request.POST)
            forms["entry_form"] = form
            if form.is_valid():
                try:
                    log.record_disclosure(access, **form.cleaned_data)
                except DomainError as exc:
                    domain_error_to_form(form, exc)
                else:
                    messages.success(request, "Disclosure recorded.")
                    return redirect("privacy:disclosures", org.slug)
        elif kind == "import":
            access.require(Capability.EDIT_RECORDS)
            form = DisclosureImportForm(request.POST, request.FILES)
            forms["import_form"] = form
            if form.is_valid():
                try:
                    report = log.import_disclosures(
                        access,
                        form.cleaned_data["file"].read(),
                        dry_run=form.cleaned_data["dry_run"],
                    )
                except DomainError as exc:
                    domain_error_to_form(form, exc)
                else:
                    for error in report.errors:
                        form.add_error("file", error)
                    if not report.errors:
                        messages.success(
                            request,
                            f"{report.rows} disclosures {'imported' if report.imported else 'are good (dry run; nothing imported)'}.",
                        )
                        return redirect("privacy:disclosures", org.slug)
        elif kind == "accounting":
            access.require(Capability.VIEW_SENSITIVE)
            form = AccountingForm(request.POST)
            forms["accounting_form"] = form
            if form.is_valid():
                try:
                    result = log.produce_accounting(access, **form.cleaned_data)
                except DomainError as exc:
                    domain_error_to_form(form, exc)
                else:
                    response = Response(result.pdf, content_type="application/pdf")
                    response["Content-Disposition"] = (
                        f'attachment; filename="accounting-{result.accounting.requested_on.isoformat()}.pdf"'
                    )
                    return response
        status = 400
    return render(
        request,
        "privacy/disclosures.html",
        {
            **forms,
            "count": Disclosure.objects.filter(organization=org).count(),
            "recent": Disclosure.objects.filter(organization=org).only(
                "disclosed_on", "recipient", "purpose", "exemption", "source"
            )[:20],
            "accountings": AccountingRecord.objects.filter(organization=org)[:10],
            "can_edit": access.can(Capability.EDIT_RECORDS),
            "can_sensitive": access.can(Capability.VIEW_SENSITIVE),
        },
        status=status,
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def restriction(request: HttpRequest, request_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: PrivacyRequest, data: dict[str, Any]) -> str:
        done = services.set_restriction_facts(access, item, **data)
        return (
            "This restriction must be agreed to (45 CFR 164.522(a)(1)(vi))."
            if services.must_agree(done)
            else "Facts saved; the restriction may be agreed to or refused."
        )

    return _post(request, request_id, "restriction_form", RestrictionForm, act)


def _handle(
    request: HttpRequest, form: Any, act: Any, success: str, back: str
) -> HttpResponse | None:
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, success)
            return redirect(back, _access(request).organization.slug)
    return None


@org_view(Capability.VIEW_RECORDS)
def complaints(request: HttpRequest) -> HttpResponse:
    from hipaaops.privacy import program
    from hipaaops.privacy.forms import ComplaintForm, DisposeForm
    from hipaaops.privacy.models import Complaint

    access = _access(request)
    forms: dict[str, Any] = {"form": ComplaintForm(), "dispose_form": DisposeForm()}
    form: Any
    status = 200
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)
        if request.POST.get("kind") == "dispose":
            target = get_for_organization(
                Complaint.objects.all(), access.organization, pk=request.POST.get("complaint")
            )
            forms["dispose_form"] = form = DisposeForm(request.POST)
            done = _handle(
                request,
                form,
                lambda d: program.dispose_complaint(access, target, **d),
                "Disposition recorded.",
                "privacy:complaints",
            )
        else:
            forms["form"] = form = ComplaintForm(request.POST)
            done = _handle(
                request,
                form,
                lambda d: program.receive_complaint(access, handled_by=access.user.pk, **d),
                "Complaint entered.",
                "privacy:complaints",
            )
        if done is not None:
            return done
        status = 400
    return render(
        request,
        "privacy/complaints.html",
        {
            **forms,
            "complaints": Complaint.objects.filter(organization=access.organization).select_related(
                "handled_by"
            ),
            "can_edit": access.can(Capability.EDIT_RECORDS),
            "can_export": access.can(Capability.EXPORT),
        },
        status=status,
    )


@org_view(Capability.VIEW_RECORDS)
def notice(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    from hipaaops.privacy import program
    from hipaaops.privacy.forms import (
        AcknowledgementForm,
        IntakeSettingsForm,
        NoticeVersionForm,
        PostingForm,
    )
    from hipaaops.privacy.models import NoticeVersion

    access = _access(request)
    org = access.organization
    settings = program.settings_of(org)
    forms: dict[str, Any] = {
        "version_form": NoticeVersionForm(),
        "posting_form": PostingForm(),
        "ack_form": AcknowledgementForm(),
        "intake_form": IntakeSettingsForm(
            initial={"enabled": settings.intake_enabled, "intro": settings.intake_intro}
        ),
    }
    status = 200
    form: Any
    if request.method == "POST":
        kind = request.POST.get("kind")
        done = None
        if kind == "intake":
            access.require(Capability.MANAGE_ORGANIZATION)
            forms["intake_form"] = form = IntakeSettingsForm(request.POST)
            done = _handle(
                request,
                form,
                lambda d: program.set_intake(access, **d),
                "Intake setting saved.",
                "privacy:notice",
            )
        else:
            access.require(Capability.EDIT_RECORDS)
            if kind == "version":
                forms["version_form"] = form = NoticeVersionForm(request.POST)
                done = _handle(
                    request,
                    form,
                    lambda d: program.add_notice_version(access, **d),
                    "Notice version added.",
                    "privacy:notice",
                )
            else:
                current = program.notice_in_force(org, timezone.localdate())
                if current is None:
                    messages.error(request, "Add a notice version in force first.")
                    return redirect("privacy:notice", org.slug)
                if kind == "posting":
                    forms["posting_form"] = form = PostingForm(request.POST)
                    done = _handle(
                        request,
                        form,
                        lambda d: program.record_posting(access, current, **d),
                        "Posting recorded.",
                        "privacy:notice",
                    )
                else:
                    forms["ack_form"] = form = AcknowledgementForm(request.POST)
                    done = _handle(
                        request,
                        form,
                        lambda d: program.record_acknowledgement(access, current, **d),
                        "Acknowledgement effort recorded.",
                        "privacy:notice",
                    )
        if done is not None:
            return done
        status = 400
    versions = NoticeVersion.objects.filter(organization=org).prefetch_related("postings")
    current = program.notice_in_force(org, timezone.localdate())
    acks = list(current.acknowledgements.all()) if current else []
    return render(
        request,
        "privacy/notice.html",
        {
            **forms,
            "versions": versions,
            "current": current,
            "obtained": sum(1 for a in acks if a.obtained),
            "efforts": len(acks),
            "settings": settings,
            "can_edit": access.can(Capability.EDIT_RECORDS),
            "can_manage": access.can(Capability.MANAGE_ORGANIZATION),
        },
        status=status,
    )


@org_view(Capability.EXPORT)
@require_GET
def export(request: HttpRequest, what: str, fmt: str) -> Any:
    from django.http import Http404

    from hipaaops.core.tables import export_response
    from hipaaops.privacy import exports

    access = _access(request)
    if what not in ("requests", "accountings", "complaints"):
        raise Http404("Unknown export.")
    title, columns, rows = exports.table(access.organization, what)
    return export_response(
        access,
        fmt=fmt,
        title=title,
        columns=columns,
        rows=rows,
        name=f"{what}-{access.organization.slug}",
        object_type=f"privacy.{what}",
    )


def intake(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The public intake page: no account; open only when the organization turned it on."""
    from django.http import Http404

    from hipaaops.organizations.models import Organization
    from hipaaops.privacy import program
    from hipaaops.privacy.forms import IntakeForm

    org = Organization.objects.filter(slug=org_slug).first()
    if org is None or not program.settings_of(org).intake_enabled:
        raise Http404("No intake page here.")
    form = IntakeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            address = request.META.get("REMOTE_ADDR", "unknown")
            try:
                created = program.intake_submit(org, address=address, **form.cleaned_data)
            except program.RateLimited as exc:
                return render(
                    request,
                    "privacy/intake.html",
                    {"org": org, "form": form, "limited": exc.message},
                    status=429,
                )
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                return render(
                    request,
                    "privacy/intake_done.html",
                    {"org": org, "reference": created.reference, "received": created.received_on},
                )
        status = 400
    return render(
        request,
        "privacy/intake.html",
        {"org": org, "form": form, "intro": program.settings_of(org).intake_intro},
        status=status,
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def disagreement(request: HttpRequest, request_id: int) -> HttpResponse:
    from hipaaops.privacy.forms import DisagreementForm

    def act(access: OrgAccess, item: PrivacyRequest, data: dict[str, Any]) -> str:
        services.record_disagreement(access, item, **data)
        return "Statement of disagreement kept with the record."

    return _post(request, request_id, "disagreement_form", DisagreementForm, act)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def review(request: HttpRequest, request_id: int) -> HttpResponse:
    from hipaaops.privacy.forms import ReviewForm

    def act(access: OrgAccess, item: PrivacyRequest, data: dict[str, Any]) -> str:
        services.record_review(access, item, **data)
        return "Review recorded."

    return _post(request, request_id, "review_form", ReviewForm, act)


@org_view(Capability.VIEW_SENSITIVE)
@require_GET
def denial_letter(request: HttpRequest, request_id: int) -> HttpResponse:
    access = _access(request)
    item = _request(access, request_id)
    contact = f"the Privacy Official, {access.organization.name}"
    try:
        pdf = services.amendment_denial_letter(item, access.organization.name, contact)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:request", access.organization.slug, item.pk)
    services.read_people(access, item)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{item.reference}-denial.pdf"'
    return response


@org_view(Capability.EDIT_RECORDS)
@require_POST
def attach(request: HttpRequest, request_id: int) -> HttpResponse:
    from hipaaops.incidents.forms import AttachForm

    def act(access: OrgAccess, item: PrivacyRequest, data: dict[str, Any]) -> str:
        document = services.attach_file(
            access, item, request.FILES.get("file"), title=data.get("title", "")
        )
        return f"{document.title} attached."

    access = _access(request)
    item = _request(access, request_id)
    form = AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message = act(access, item, form.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, message)
            return redirect("privacy:request", access.organization.slug, item.pk)
    return _page(request, access, item, {"attach_form": form}, status=400)
