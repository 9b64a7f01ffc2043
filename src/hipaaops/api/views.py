"""Personal API tokens, managed in the browser. A new token's secret is shown once."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hipaaops.api import services
from hipaaops.api.models import PersonalAPIToken
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.core.tenancy import get_for_organization
from hipaaops.core.views import domain_error_to_form
from hipaaops.organizations.decorators import org_view


class TokenForm(forms.Form):
    name = forms.CharField(label="What is it for?", max_length=100)
    days = forms.IntegerField(label="Valid for (days)", min_value=1, initial=90)

    def clean_days(self) -> int:
        days: int = self.cleaned_data["days"]
        if days > settings.API_TOKEN_MAX_DAYS:
            raise forms.ValidationError(f"At most {settings.API_TOKEN_MAX_DAYS} days.")
        return days


@org_view(Capability.VIEW_ORGANIZATION)
def tokens(request: HttpRequest) -> HttpResponse:
    access = request.org_access  # type: ignore[attr-defined]
    form = TokenForm()
    secret = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                issued = services.create_token(
                    actor=access.user,
                    user=access.user,
                    organization=access.organization,
                    **form.cleaned_data,
                )
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                secret = issued.secret
                form = TokenForm()
    listed = PersonalAPIToken.objects.filter(organization=access.organization, user=access.user)
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": listed, "secret": secret},
        status=400 if form.errors else 200,
    )


@org_view(Capability.VIEW_ORGANIZATION)
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    access = request.org_access  # type: ignore[attr-defined]
    token = get_for_organization(
        PersonalAPIToken.objects.filter(user=access.user), access.organization, pk=token_id
    )
    services.revoke_token(actor=access.user, token=token)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("api_tokens:list", org_slug=access.organization.slug)
