"""Business associate pages: vendors, agreements, security reviews, gaps, the chain, exports, and
the vendor's own questionnaire page (no account, one link, once)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tables import export_response
from hipaaops.core.tenancy import get_for_organization
from hipaaops.core.views import domain_error_to_form, form_action
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.decorators import org_view
from hipaaops.safeguards.views import SVG_CSP
from hipaaops.vendors import exports, forms, rules, selectors, services
from hipaaops.vendors.models import Agreement, SecurityReview, Vendor


def _access(request: HttpRequest) -> OrgAccess:
    return request.org_access  # type: ignore[attr-defined]


def _parents(access: OrgAccess, exclude: int | None = None) -> list[tuple[int, str]]:
    return [
        (v.pk, v.name)
        for v in Vendor.objects.filter(organization=access.organization, relationship="vendor")
        if v.pk != exclude
    ]


# ---------------------------------------------------------------------------- vendors


@org_view(Capability.VIEW_RECORDS)
def vendors(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    form = forms.VendorForm(
        request.POST if request.POST.get("form") == "vendor" else None, parents=_parents(access)
    )
    import_form = forms.ImportForm(
        request.POST if request.POST.get("form") == "import" else None,
        request.FILES if request.POST.get("form") == "import" else None,
    )
    report = None
    status = 200
    if request.method == "POST":
        access.require(Capability.EDIT_RECORDS)
        if request.POST.get("form") == "import":
            if import_form.is_valid():
                upload = import_form.cleaned_data["file"]
                try:
                    report = services.import_vendors(
                        access,
                        upload.read(),
                        filename=upload.name,
                        dry_run=import_form.cleaned_data["dry_run"],
                    )
                except DomainError as exc:
                    domain_error_to_form(import_form, exc)
                else:
                    if report.imported:
                        messages.success(request, f"{report.rows} vendors imported.")
                        return redirect("vendors:vendors", org.slug)
            status = 400 if import_form.errors or (report and report.errors) else 200
        elif form.is_valid():
            try:
                created = services.create_vendor(access, **form.values())
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(
                    request, f"{created.name} added. Record whether it is a business associate."
                )
                return redirect("vendors:vendor", org.slug, created.pk)
            status = 400
        else:
            status = 400
    tier = request.GET.get("tier", "")
    rows = selectors.vendor_rows(org)
    if tier:
        rows = [r for r in rows if r.vendor.risk_tier == tier]
    rows.sort(key=lambda r: (-rules.tier_rank(r.vendor.risk_tier), r.vendor.name.lower()))
    return render(
        request,
        "vendors/vendors.html",
        {
            "rows": rows,
            "form": form,
            "import_form": import_form,
            "report": report,
            "tiers": rules.questionnaire().tiers,
            "tier": tier,
            "columns": services.IMPORT_COLUMNS,
            "can_edit": access.can(Capability.EDIT_RECORDS),
        },
        status=status,
    )


def _vendor(access: OrgAccess, vendor_id: int) -> Vendor:
    return get_for_organization(
        Vendor.objects.select_related("parent"), access.organization, pk=vendor_id
    )


def _vendor_page(
    request: HttpRequest,
    access: OrgAccess,
    vendor: Vendor,
    bound: dict[str, Any],
    status: int = 200,
    link: str = "",
) -> HttpResponse:
    contact = (vendor.contacts or [{}])[0] if vendor.contacts else {}
    context: dict[str, Any] = {
        "vendor": vendor,
        "agreements": selectors.agreement_rows(access.organization, vendor=vendor),
        "subcontractors": vendor.subcontractors.all(),
        "reviews": vendor.reviews.all(),
        "incidents": vendor.incidents.all() if access.can(Capability.VIEW_RECORDS) else [],
        "vendor_form": forms.VendorForm(
            initial={
                "name": vendor.name,
                "relationship": vendor.relationship,
                "parent": vendor.parent_id,
                "services": vendor.services,
                "phi_access": vendor.phi_access,
                "phi_kinds": ", ".join(vendor.phi_kinds),
                "locations": vendor.locations,
                "offshore": vendor.offshore,
                "operates": vendor.operates,
                "contact_name": contact.get("name", ""),
                "contact_email": contact.get("email", ""),
                "review_months": vendor.review_months,
            },
            parents=_parents(access, exclude=vendor.pk),
        ),
        "determination_form": forms.DeterminationForm(
            initial=(vendor.determination or {}).get("facts", {})
        ),
        "agreement_form": forms.AgreementForm(
            initial={"title": f"Business associate agreement with {vendor.name}"}
        ),
        "send_form": forms.SendReviewForm(initial={"sent_to": contact.get("email", "")}),
        "offboard_form": forms.OffboardForm(),
        "link": link,
        "can_edit": access.can(Capability.EDIT_RECORDS),
    }
    context.update(bound)
    return render(request, "vendors/vendor.html", context, status=status)


@org_view(Capability.VIEW_RECORDS)
@require_GET
def vendor(request: HttpRequest, vendor_id: int) -> HttpResponse:
    access = _access(request)
    return _vendor_page(request, access, _vendor(access, vendor_id), {})


Act = Callable[[OrgAccess, Any, Any], str]


def _post_to(
    request: HttpRequest,
    item: Any,
    page: Callable[..., HttpResponse],
    target: str,
    name: str,
    form: Any,
    act: Act,
) -> HttpResponse:
    """Run a form's action on a vendor or an agreement: back to its page with the message, or the
    page again with the form's errors (400)."""
    access = _access(request)
    return form_action(
        request,
        form,
        lambda: act(access, item, form),
        done_url=reverse(target, args=[access.organization.slug, item.pk]),
        again=lambda: page(request, access, item, {name: form}, status=400),
    )


def _vendor_post(
    request: HttpRequest, vendor_id: int, name: str, form: Any, act: Act
) -> HttpResponse:
    item = _vendor(_access(request), vendor_id)
    return _post_to(request, item, _vendor_page, "vendors:vendor", name, form, act)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def vendor_edit(request: HttpRequest, vendor_id: int) -> HttpResponse:
    access = _access(request)

    def act(access: OrgAccess, item: Vendor, form: Any) -> str:
        services.update_vendor(access, item, **form.values())
        return "Vendor saved."

    form = forms.VendorForm(request.POST, parents=_parents(access, exclude=vendor_id))
    return _vendor_post(request, vendor_id, "vendor_form", form, act)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def determine(request: HttpRequest, vendor_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: Vendor, form: Any) -> str:
        done = services.record_determination(access, item, **form.cleaned_data)
        return "Determination recorded: " + done.outcome.replace("_", " ") + "."

    return _vendor_post(
        request, vendor_id, "determination_form", forms.DeterminationForm(request.POST), act
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def agreement_new(request: HttpRequest, vendor_id: int) -> HttpResponse:
    access = _access(request)
    item = _vendor(access, vendor_id)
    form = forms.AgreementForm(request.POST)
    if form.is_valid():
        try:
            created = services.create_agreement(access, item, **form.values())
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, "Agreement recorded. Check its provisions.")
            return redirect("vendors:agreement", access.organization.slug, created.pk)
    return _vendor_page(request, access, item, {"agreement_form": form}, status=400)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def send_review(request: HttpRequest, vendor_id: int) -> HttpResponse:
    access = _access(request)
    item = _vendor(access, vendor_id)
    form = forms.SendReviewForm(request.POST)
    if form.is_valid():
        try:
            _, token = services.send_questionnaire(
                access, item, **form.cleaned_data, base_url=request.build_absolute_uri("/")
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            from django.urls import reverse

            link = request.build_absolute_uri(reverse("vendor_questionnaire", args=[token]))
            messages.success(request, f"Questionnaire sent to {form.cleaned_data['sent_to']}.")
            # The link is shown once, here; only its hash is kept.
            return _vendor_page(request, access, item, {}, link=link)
    return _vendor_page(request, access, item, {"send_form": form}, status=400)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def offboard(request: HttpRequest, vendor_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: Vendor, form: Any) -> str:
        services.offboard_vendor(access, item, **form.cleaned_data)
        return "Vendor offboarded; its records are kept."

    return _vendor_post(request, vendor_id, "offboard_form", forms.OffboardForm(request.POST), act)


# ---------------------------------------------------------------------------- agreements


@org_view(Capability.VIEW_RECORDS)
def agreements(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    current = services.settings_of(org)
    settings_form = forms.SettingsForm(
        request.POST or None,
        initial={
            "expiring_window_days": current.expiring_window_days,
            "link_days": current.link_days,
        },
    )
    if request.method == "POST" and settings_form.is_valid():
        try:
            services.update_settings(access, **settings_form.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(settings_form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("vendors:agreements", org.slug)
    status_filter = request.GET.get("status", "")
    rows = selectors.agreement_rows(org)
    if status_filter:
        rows = [r for r in rows if r.status == status_filter]
    return render(
        request,
        "vendors/agreements.html",
        {
            "rows": rows,
            "statuses": list(rules.STATUS_LABELS.items()),
            "status_filter": status_filter,
            "settings_form": settings_form,
            "window": current.expiring_window_days,
            "overlay": org.proposed_rule_overlay,
            "can_settings": access.can(Capability.APPROVE),
        },
        status=400 if settings_form.errors else 200,
    )


def _agreement(access: OrgAccess, agreement_id: int) -> Agreement:
    return get_for_organization(
        Agreement.objects.select_related("vendor", "certificate"),
        access.organization,
        pk=agreement_id,
    )


def _agreement_page(
    request: HttpRequest,
    access: OrgAccess,
    item: Agreement,
    bound: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    org = access.organization
    row = selectors.agreement_row(
        item,
        timezone.localdate(),
        services.settings_of(org).expiring_window_days,
        org.proposed_rule_overlay,
    )
    signatory = (item.signatories or [{}])[0] if item.signatories else {}
    context: dict[str, Any] = {
        "item": item,
        "row": row,
        "versions": item.versions.select_related("document"),
        "verifications": item.verifications.select_related("document"),
        "terms_form": forms.AgreementForm(
            initial={
                "title": item.title,
                "stage": item.stage,
                "parties": item.parties,
                "signatory_name": signatory.get("name", ""),
                "signatory_title": signatory.get("title", ""),
                "signed_on": signatory.get("signed_on") or None,
                "effective_on": item.effective_on,
                "expires_on": item.expires_on,
                "auto_renews": item.auto_renews,
                "renewal_months": item.renewal_months,
                "breach_report_days": item.breach_report_days,
                "breach_report_day_kind": item.breach_report_day_kind,
            }
        ),
        "next_stages": [
            (s.value, rules.STATUS_LABELS[s])
            for s in rules.NEXT_STAGES[rules.AgreementStatus(item.stage)]
            if s != rules.AgreementStatus.TERMINATED
        ],
        "provisions_form": forms.ProvisionsForm(
            initial=forms.ProvisionsForm.initial_from(item.provisions)
        ),
        "document_form": forms.DocumentForm(),
        "terminate_form": forms.TerminateForm(),
        "disposition_form": forms.DispositionForm(),
        "verification_form": forms.VerificationForm(),
        "methods": services.DISPOSITION_METHODS,
        "overlay": org.proposed_rule_overlay,
        "can_edit": access.can(Capability.EDIT_RECORDS),
        "terminated": item.stage == rules.AgreementStatus.TERMINATED,
    }
    context.update(bound)
    return render(request, "vendors/agreement.html", context, status=status)


@org_view(Capability.VIEW_RECORDS)
@require_GET
def agreement(request: HttpRequest, agreement_id: int) -> HttpResponse:
    access = _access(request)
    return _agreement_page(request, access, _agreement(access, agreement_id), {})


def _agreement_post(
    request: HttpRequest, agreement_id: int, name: str, form: Any, act: Act
) -> HttpResponse:
    item = _agreement(_access(request), agreement_id)
    return _post_to(request, item, _agreement_page, "vendors:agreement", name, form, act)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def agreement_terms(request: HttpRequest, agreement_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: Agreement, form: Any) -> str:
        services.update_agreement(access, item, **form.values(with_stage=False))
        return "Terms saved."

    return _agreement_post(
        request, agreement_id, "terms_form", forms.AgreementForm(request.POST), act
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def agreement_stage(request: HttpRequest, agreement_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: Agreement, form: Any) -> str:
        done = services.move_agreement(access, item, **form.cleaned_data)
        return f"Now {rules.STATUS_LABELS[rules.AgreementStatus(done.stage)].lower()}."

    return _agreement_post(request, agreement_id, "stage_form", forms.StageForm(request.POST), act)


@org_view(Capability.EDIT_RECORDS)
@require_POST
def agreement_provisions(request: HttpRequest, agreement_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: Agreement, form: Any) -> str:
        done = services.set_provisions(access, item, form.checklist())
        missing = len(rules.checklist_gaps(done.provisions))
        return (
            f"Checklist saved; {missing} provision(s) missing or unchecked."
            if missing
            else "Checklist saved; every provision is accounted for."
        )

    return _agreement_post(
        request, agreement_id, "provisions_form", forms.ProvisionsForm(request.POST), act
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def agreement_document(request: HttpRequest, agreement_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: Agreement, form: Any) -> str:
        version = services.add_agreement_document(
            access, item, form.cleaned_data["file"], note=form.cleaned_data["note"]
        )
        return f"Version {version.number} kept (SHA-256 {version.document.sha256[:12]}…)."

    return _agreement_post(
        request, agreement_id, "document_form", forms.DocumentForm(request.POST, request.FILES), act
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def agreement_terminate(request: HttpRequest, agreement_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: Agreement, form: Any) -> str:
        services.terminate_agreement(access, item, **form.cleaned_data)
        return "Agreement terminated. Track the return or destruction of PHI below."

    return _agreement_post(
        request, agreement_id, "terminate_form", forms.TerminateForm(request.POST), act
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def agreement_disposition(request: HttpRequest, agreement_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: Agreement, form: Any) -> str:
        services.record_disposition(access, item, **form.cleaned_data)
        return "Return or destruction recorded."

    return _agreement_post(
        request,
        agreement_id,
        "disposition_form",
        forms.DispositionForm(request.POST, request.FILES),
        act,
    )


@org_view(Capability.EDIT_RECORDS)
@require_POST
def agreement_verification(request: HttpRequest, agreement_id: int) -> HttpResponse:
    def act(access: OrgAccess, item: Agreement, form: Any) -> str:
        services.record_verification(access, item, **form.cleaned_data)
        return "Written verification recorded."

    return _agreement_post(
        request,
        agreement_id,
        "verification_form",
        forms.VerificationForm(request.POST, request.FILES),
        act,
    )


# ---------------------------------------------------------------------------- reviews


@org_view(Capability.VIEW_RECORDS)
def review(request: HttpRequest, review_id: int) -> HttpResponse:
    access = _access(request)
    item = get_for_organization(
        SecurityReview.objects.select_related("vendor"), access.organization, pk=review_id
    )
    form = forms.DecideForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("form") == "cancel":
            access.require(Capability.EDIT_RECORDS)
            try:
                services.cancel_review(access, item)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "The link no longer works.")
            return redirect("vendors:review", access.organization.slug, item.pk)
        access.require(Capability.APPROVE)
        if form.is_valid():
            try:
                services.decide_review(
                    access,
                    item,
                    accept=form.cleaned_data["decision"] == "accept",
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(request, "Decision recorded.")
                return redirect("vendors:review", access.organization.slug, item.pk)
    qn = rules.questionnaire()
    answers = [
        (
            q,
            dict(forms.ANSWER_CHOICES).get(item.answers.get(q.id, ""), "—"),
            item.comments.get(q.id, ""),
        )
        for q in qn.questions
    ]
    documents = {d.pk: d for d in item.documents.all()}
    reports = [
        {
            "label": qn.report_types.get(r["kind"], r["kind"]),
            "expires_on": r.get("expires_on"),
            "document": documents.get(r.get("document_id")),
        }
        for r in item.reports
    ]
    return render(
        request,
        "vendors/review.html",
        {
            "item": item,
            "answers": answers,
            "reports": reports,
            "form": form,
            "can_decide": access.can(Capability.APPROVE) and item.status == "submitted",
            "can_cancel": access.can(Capability.EDIT_RECORDS) and item.status == "sent",
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------- views of the program


@org_view(Capability.VIEW_RECORDS)
@require_GET
def gaps(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    return render(request, "vendors/gaps.html", {"gaps": selectors.gaps(access.organization)})


@org_view(Capability.VIEW_RECORDS)
@require_GET
def chain(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    return render(request, "vendors/chain.html", {"roots": selectors.chain(access.organization)})


@csp_override(SVG_CSP)
@org_view(Capability.VIEW_RECORDS)
@require_GET
def chain_svg(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    response = HttpResponse(
        exports.chain_svg(selectors.chain(access.organization)), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "private, max-age=60"
    return response


@org_view(Capability.EXPORT)
@require_GET
def export(request: HttpRequest, fmt: str) -> Any:
    access = _access(request)
    title, columns, rows = exports.register_table(access.organization)
    return export_response(
        access,
        fmt=fmt,
        title=title,
        columns=columns,
        rows=rows,
        name=f"{access.organization.slug}-baa-register",
        object_type="vendors.agreement",
    )


# ---------------------------------------------------------------------------- the vendor's page


def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    """The vendor answers here without an account: one link, one vendor, one organization,
    once, before it expires. A spent or expired link gets a clear page (410), not an error."""
    try:
        item = services.review_for_link(token)
    except services.LinkRefused as exc:
        return render(request, "vendors/link_refused.html", {"message": exc.message}, status=410)
    form = forms.QuestionnaireForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_answers(token, **form.parts())
            except services.LinkRefused as exc:
                return render(
                    request, "vendors/link_refused.html", {"message": exc.message}, status=410
                )
            except DomainError as exc:
                field = exc.field or ""
                if field.startswith("reports."):
                    index = field.split(".")[1]
                    field = (
                        f"report_{index}_file" if "kind" not in field else f"report_{index}_kind"
                    )
                if field in form.fields:
                    form.add_error(field, exc.message)
                elif f"q_{field}" in form.fields:
                    form.add_error(f"q_{field}", exc.message)
                else:
                    form.add_error(None, exc.message)
            else:
                return render(
                    request,
                    "vendors/questionnaire_done.html",
                    {"org": item.organization, "vendor": item.vendor},
                )
        status = 400
    return render(
        request,
        "vendors/questionnaire.html",
        {"item": item, "form": form, "note": rules.questionnaire().note},
        status=status,
    )
