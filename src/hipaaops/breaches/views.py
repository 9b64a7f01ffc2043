"""The public breach record page: what organizations like yours suffer, as a picture, tables and
suggested likelihoods for the threats of the risk analysis."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from hipaaops.breaches import charts, rules, selectors
from hipaaops.breaches.forms import WindowForm
from hipaaops.core.roles import Capability
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.decorators import org_view
from hipaaops.safeguards.views import SVG_CSP


def _access(request: HttpRequest) -> OrgAccess:
    return request.org_access  # type: ignore[attr-defined]


@org_view(Capability.VIEW_RECORDS)
@require_GET
def record(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    org = access.organization
    form = WindowForm(request.GET)
    years = form.window()
    coverage = selectors.coverage()
    reads_as = rules.ocr_entity_type(org.entity_type)
    context: dict[str, object] = {
        "form": form,
        "entity_plural": rules.ENTITY_PLURALS[reads_as],
        "bands": rules.likelihood_bands(),
        "coverage": coverage,
    }
    if years is None:
        return render(request, "breaches/record.html", context, status=400)
    today = timezone.localdate()
    facts = selectors.breach_facts(org.entity_type, years, today)
    summary = rules.summary(facts, org.entity_type, years, today)
    context.update(
        {
            "years": years,
            "summary": summary,
            "suggestions": rules.suggest(facts, org.entity_type, years, today),
            "by_year": [(y, n, y in coverage.years) for y, n in summary.by_year.items()],
            "few": 0 < summary.breaches < rules.likelihood_bands().few_records,
        }
    )
    return render(request, "breaches/record.html", context)


@csp_override(SVG_CSP)
@org_view(Capability.VIEW_RECORDS)
@require_GET
def record_svg(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    years = WindowForm(request.GET).window()
    if years is None:
        return HttpResponse(
            f"years: a whole number from {rules.MIN_YEARS} to {rules.MAX_YEARS}.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    summary = selectors.summary(access.organization.entity_type, years)
    response = HttpResponse(charts.record_svg(summary), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response
