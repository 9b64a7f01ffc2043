"""The public breach record for the organization's entity type, through
/api/v1/orgs/{org}/breaches (django-ninja)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from hipaaops.api.auth import api_access
from hipaaops.api.schemas import ErrorOut
from hipaaops.breaches import rules, selectors
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability

router = Router(tags=["breaches"])
ERRORS: dict[int | tuple[int, ...], type] = {(400, 401, 403, 404): ErrorOut}


class BreachSuggestionOut(Schema):
    threat_key: str
    title: str
    breaches: int
    share: float = Field(description="0 to 1: of the entity type's reports in the window")
    individuals: int
    level_of_5: int = Field(
        description="1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain"
    )
    level_label: str
    reason: str


class BreachRecordOut(Schema):
    entity_type: str = Field(description="the portal's entity type the organization reads as")
    years: int
    since: date
    until: date
    breaches: int
    individuals: int
    by_type: dict[str, int]
    by_location: dict[str, int]
    by_year: dict[str, int]
    only_paper: int
    suggestions: list[BreachSuggestionOut]


@router.get("", response={200: BreachRecordOut, **ERRORS})
def breach_record(
    request: HttpRequest, org: Path[str], years: Query[int] = rules.DEFAULT_YEARS
) -> Any:
    """What organizations of this organization's entity type reported to the Secretary in the
    last ``years`` years (1-20), with a suggested likelihood per threat."""
    access = api_access(request, org)
    access.require(Capability.VIEW_RECORDS)
    entity_type = access.organization.entity_type
    try:
        years = rules.check_years(years)
    except rules.RuleInputError as exc:
        raise DomainError(exc.message, field=exc.field) from None
    today = timezone.localdate()
    facts = selectors.breach_facts(entity_type, years, today)
    found = rules.summary(facts, entity_type, years, today)
    return {
        "entity_type": found.entity_type,
        "years": years,
        "since": found.since,
        "until": found.until,
        "breaches": found.breaches,
        "individuals": found.individuals,
        "by_type": found.by_type,
        "by_location": found.by_location,
        "by_year": {str(y): n for y, n in found.by_year.items()},
        "only_paper": found.only_paper,
        "suggestions": [asdict(s) for s in rules.suggest(facts, entity_type, years, today)],
    }
