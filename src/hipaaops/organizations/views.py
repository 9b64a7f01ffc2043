"""Organization pages: switcher, members and roles, settings, emergency access."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hipaaops.audit.services import record_sensitive_read
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability, mfa_required
from hipaaops.core.tenancy import get_for_organization
from hipaaops.core.views import domain_error_to_form
from hipaaops.organizations import services
from hipaaops.organizations.access import OrgAccess, access_organization
from hipaaops.organizations.decorators import ACTIVE_ORG_KEY, org_view
from hipaaops.organizations.forms import (
    AddMemberForm,
    ChangeRoleForm,
    EmergencyAccessForm,
    OrganizationSettingsForm,
)
from hipaaops.organizations.models import EmergencyAccessGrant, Membership


def _access(request: HttpRequest) -> OrgAccess:
    return request.org_access  # type: ignore[attr-defined]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to the organization they used last, or let them pick one."""
    memberships = list(
        Membership.objects.filter(user=request.user.pk).select_related("organization")
    )
    slugs = {m.organization.slug for m in memberships}
    last = request.session.get(ACTIVE_ORG_KEY)
    if last in slugs:
        return redirect("dashboard:index", org_slug=last)
    if len(memberships) == 1:
        return redirect("dashboard:index", org_slug=memberships[0].organization.slug)
    return render(request, "organizations/choose.html", {"memberships": memberships})


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """The organization switcher: only an organization the user belongs to can be chosen."""
    slug = request.POST.get("organization", "")
    access = access_organization(request.user, slug)
    request.session[ACTIVE_ORG_KEY] = access.organization.slug
    return redirect("dashboard:index", org_slug=access.organization.slug)


@org_view(Capability.VIEW_RECORDS)
def members(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    form = AddMemberForm()
    if request.method == "POST":
        access.require(Capability.MANAGE_MEMBERS)
        form = AddMemberForm(request.POST)
        if form.is_valid():
            try:
                membership = services.add_member(access, **form.cleaned_data)
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(
                    request, f"{membership.user.email} was added as {membership.role_label}."
                )
                return redirect("organizations:members", org_slug=org.slug)
    memberships = list(Membership.objects.filter(organization=org).select_related("user"))
    # One query for everyone's MFA state, not one per member.
    with_mfa = set(
        Authenticator.objects.filter(
            user_id__in=[m.user_id for m in memberships], type=Authenticator.Type.TOTP
        ).values_list("user_id", flat=True)
    )
    rows = []
    for membership in memberships:
        rows.append(
            {
                "membership": membership,
                "has_mfa": membership.user_id in with_mfa,
                "mfa_required": mfa_required(membership.role, org.require_mfa_for_all),
                "form": ChangeRoleForm(
                    initial={"role": membership.role}, prefix=f"m{membership.pk}"
                ),
            }
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "organizations/members.html",
        {"rows": rows, "form": form, "can_manage": access.can(Capability.MANAGE_MEMBERS)},
        status=status,
    )


@org_view(Capability.MANAGE_MEMBERS)
@require_POST
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    access = _access(request)
    membership = get_for_organization(
        Membership.objects.select_related("user"), access.organization, pk=membership_id
    )
    form = ChangeRoleForm(request.POST, prefix=f"m{membership.pk}")
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect("organizations:members", org_slug=access.organization.slug)
    try:
        services.change_role(access, membership, form.cleaned_data["role"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.email} is now {membership.role_label}.")
    return redirect("organizations:members", org_slug=access.organization.slug)


@org_view(Capability.MANAGE_MEMBERS)
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    access = _access(request)
    membership = get_for_organization(
        Membership.objects.select_related("user"), access.organization, pk=membership_id
    )
    email = membership.user.email
    try:
        services.remove_member(access, membership)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{email} was removed; their API tokens were revoked.")
    return redirect("organizations:members", org_slug=access.organization.slug)


@org_view(Capability.MANAGE_ORGANIZATION)
def settings_view(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    fields = list(OrganizationSettingsForm.base_fields)
    form = OrganizationSettingsForm(initial={name: getattr(org, name) for name in fields})
    if request.method == "POST":
        form = OrganizationSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.update_organization(access, **form.cleaned_data)
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.success(request, "Settings saved.")
                return redirect("organizations:settings", org_slug=org.slug)
    return render(
        request, "organizations/settings.html", {"form": form}, status=400 if form.errors else 200
    )


@org_view(Capability.VIEW_ORGANIZATION)
def emergency(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    form = EmergencyAccessForm()
    if request.method == "POST":
        form = EmergencyAccessForm(request.POST)
        if form.is_valid():
            try:
                services.start_emergency_access(
                    access, reason=form.cleaned_data["reason"], hours=form.cleaned_data["hours"]
                )
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                messages.warning(
                    request,
                    "Emergency access is on. It is recorded in the audit trail and the owners "
                    "have been told.",
                )
                return redirect("organizations:emergency", org_slug=org.slug)
    grants = EmergencyAccessGrant.objects.filter(organization=org).select_related(
        "user", "ended_by"
    )
    if not access.can(Capability.MANAGE_MEMBERS):
        grants = grants.filter(user=access.user)
    return render(
        request,
        "organizations/emergency.html",
        {
            "form": form,
            "grants": grants[:50],
            "can_request": access.can(Capability.REQUEST_EMERGENCY_ACCESS)
            and org.emergency_access_enabled,
        },
        status=400 if form.errors else 200,
    )


@org_view(Capability.VIEW_ORGANIZATION)
def emergency_detail(request: HttpRequest, grant_id: int) -> HttpResponse:
    """One grant with its reason. The reason is sensitive: every read is in the audit trail."""
    access = _access(request)
    grant = get_for_organization(
        EmergencyAccessGrant.objects.select_related("user", "ended_by"),
        access.organization,
        pk=grant_id,
    )
    if grant.user_id != access.user.pk:
        access.require(Capability.VIEW_SENSITIVE)
    record_sensitive_read(grant, actor=access.user, organization=access.organization, what="reason")
    return render(request, "organizations/emergency_detail.html", {"grant": grant})


@org_view(Capability.VIEW_ORGANIZATION)
@require_POST
def emergency_end(request: HttpRequest, grant_id: int) -> HttpResponse:
    access = _access(request)
    grant = get_for_organization(
        EmergencyAccessGrant.objects.all(), access.organization, pk=grant_id
    )
    try:
        services.end_emergency_access(access, grant)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Emergency access ended.")
    return HttpResponseRedirect(reverse("organizations:emergency", args=[access.organization.slug]))
