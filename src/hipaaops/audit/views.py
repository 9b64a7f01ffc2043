"""The audit trail page and its CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from hipaaops.audit.forms import AuditSearchForm
from hipaaops.audit.models import Action
from hipaaops.audit.selectors import entries_for
from hipaaops.audit.services import record
from hipaaops.core.roles import Capability
from hipaaops.core.spreadsheet import csv_lines
from hipaaops.organizations.decorators import org_view

CSV_COLUMNS = [
    "seq",
    "created_at",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip",
    "user_agent",
    "via",
    "request_id",
    "entry_hash",
]


@org_view(Capability.VIEW_AUDIT)
def trail(request: HttpRequest) -> HttpResponse:
    access = request.org_access  # type: ignore[attr-defined]
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/trail.html", {"form": form, "page": None}, status=400)
    flt = form.to_filter() if form.is_bound else None
    qs = entries_for(access.organization, flt)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/trail.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_export": access.can(Capability.EXPORT),
        },
    )


@org_view(Capability.EXPORT)
def export_csv(request: HttpRequest) -> HttpResponseBase:
    access = request.org_access  # type: ignore[attr-defined]
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/trail.html", {"form": form, "page": None}, status=400)
    flt = form.to_filter() if form.is_bound else None
    qs = entries_for(access.organization, flt)
    # The export itself is an event (45 CFR 164.312(b)).
    record(
        Action.EXPORT,
        actor=request.user,  # type: ignore[arg-type]
        organization=access.organization,
        object_type="audit.auditentry",
        object_repr="Audit trail CSV",
        changes={"filter": request.GET.dict()},
    )

    def rows() -> Iterator[str]:
        yield from csv_lines(
            chain([CSV_COLUMNS], qs.values_list(*CSV_COLUMNS).iterator(chunk_size=2000))
        )

    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{access.organization.slug}-{stamp}.csv"'
    )
    return response
