"""Reads of the incident register, always within one organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from hipaaops.incidents import rules
from hipaaops.incidents.models import Incident, NotificationFacts, Status
from hipaaops.incidents.services import breach_facts, current_determination

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization

TITLES = {
    "individual_notice": "Notice to individuals",
    "media_notice": "Notice to prominent media",
    "hhs_notice": "Notice to the Secretary (HHS)",
    "hhs_annual_log": "Annual log to the Secretary (HHS)",
    "substitute_notice": "Substitute notice",
    "covered_entity_notice": "Notice to the covered entity",
}


def incidents(org: Organization, *, status: str = "", open_only: bool = False) -> list[Incident]:
    qs = Incident.objects.filter(organization=org).select_related("handler", "reported_by")
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.exclude(status=Status.CLOSED)
    return list(qs)


@dataclass
class PlannedObligation:
    incident: Incident
    id: str
    title: str
    due: date
    citation: str
    state: str | None
    form: str | None
    notes: list[str]

    @property
    def days_left(self) -> int:
        return (self.due - timezone.localdate()).days


def plan(incident: Incident) -> tuple[list[PlannedObligation], str]:
    """The notification obligations of an incident and why (or why not) there are any: owed only
    when the current determination concludes a breach (45 CFR 164.404(a)(1))."""
    determination = current_determination(incident)
    if determination is None:
        return (
            [],
            "No determination yet: a breach is presumed until one is recorded (45 CFR 164.402(2)).",
        )
    if determination.conclusion != rules.Conclusion.BREACH:
        return [], "The determination concludes that no notification is owed."
    facts = NotificationFacts.objects.filter(incident=incident).first()
    if facts is None:
        return [], "No notification facts."
    try:
        obligations = rules.plan(breach_facts(incident, facts))
    except rules.RuleInputError as exc:
        return [], f"The notification facts are incomplete: {exc.field}: {exc.message}"
    note = (
        ""
        if determination.finalized
        else "Draft determination: the plan follows it until it is finalized."
    )
    return [
        PlannedObligation(
            incident,
            o.id.value,
            TITLES.get(o.id.value, o.id.value),
            o.due,
            o.citation,
            o.state,
            o.form.value if o.form else None,
            list(o.notes),
        )
        for o in obligations
    ], note


def upcoming_deadlines(org: Organization) -> list[PlannedObligation]:
    """Every notification obligation of the open incidents, soonest first (the dashboard's list
    and the reminders' source)."""
    found: list[PlannedObligation] = []
    for incident in incidents(org, open_only=True):
        obligations, _ = plan(incident)
        found.extend(obligations)
    return sorted(found, key=lambda o: (o.due, o.incident.number, o.id))


def determination_view(incident: Incident) -> dict[str, Any] | None:
    d = current_determination(incident)
    if d is None:
        return None
    return {"determination": d, "result": d.result, "inputs": d.inputs}
