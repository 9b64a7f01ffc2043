from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hipaaops.core.roles import Capability
from hipaaops.dashboard.figures import figures_for
from hipaaops.organizations.decorators import org_view


@org_view(Capability.VIEW_ORGANIZATION)
def index(request: HttpRequest) -> HttpResponse:
    access = request.org_access  # type: ignore[attr-defined]
    recent = []
    if access.can(Capability.VIEW_AUDIT):
        from hipaaops.audit.selectors import entries_for

        recent = list(entries_for(access.organization)[:8])
    return render(
        request,
        "dashboard/index.html",
        {"figures": figures_for(access), "recent": recent},
    )
