"""What goes to HHS and to the public: the data sheet for the HHS breach portal (45 CFR
164.408), the annual log of breaches affecting fewer than 500 individuals (164.408(c)), and drafts
of the media notice (164.406) and the substitute web notice (164.404(d)(2)(i)). The portal's own
labels are used for its fields so the sheet can be copied across; the drafts are our words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from hipaaops.core.spreadsheet import csv_lines
from hipaaops.incidents import selectors
from hipaaops.incidents.models import Incident, NoticeContent, NotificationFacts
from hipaaops.incidents.rules.facts import SECRETARY_IMMEDIATE_AT_LEAST
from hipaaops.incidents.services import current_determination, state_counts

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization

BREACH_TYPES = {
    "lost_or_stolen_device": "Theft or Loss (choose one on the portal)",
    "misdirected": "Unauthorized Access/Disclosure",
    "unauthorized_access": "Unauthorized Access/Disclosure",
    "hacking": "Hacking/IT Incident",
    "malware": "Hacking/IT Incident",
    "phishing": "Hacking/IT Incident",
    "improper_disposal": "Improper Disposal",
    "vendor": "Other",
    "other": "Other",
}
LOCATIONS = {
    "phishing": "Email",
    "misdirected": "Paper/Films or Email (confirm)",
    "lost_or_stolen_device": "Laptop or Other Portable Electronic Device (confirm)",
    "hacking": "Network Server (confirm)",
    "malware": "Network Server (confirm)",
}
PHI_TYPES = {
    "clinical": "Clinical",
    "diagnosis": "Clinical",
    "medication": "Clinical",
    "financial": "Financial",
    "ssn": "Demographic",
    "name": "Demographic",
    "address": "Demographic",
    "dob": "Demographic",
    "mrn": "Demographic",
    "health_plan_id": "Demographic",
    "email": "Demographic",
    "phone": "Demographic",
    "other": "Other",
}


def affected_count(incident: Incident) -> tuple[int, dict[str, int]]:
    loaded = state_counts(incident)
    if loaded:
        by_state = loaded[0]
    else:  # read afresh: the incident object may hold the facts as they were when it was made
        facts = NotificationFacts.objects.filter(incident=incident).first()
        by_state = dict(facts.affected_by_state) if facts else {}
    return sum(by_state.values()), by_state


def _identifiers(incident: Incident) -> list[str]:
    d = current_determination(incident, finalized_only=True) or current_determination(incident)
    if d is None:
        return []
    nature = (d.inputs.get("assessment") or {}).get("nature") or {}
    return list(nature.get("identifiers") or [])


def hhs_data_sheet(incident: Incident) -> dict[str, Any]:
    """The fields of the HHS breach portal's report, filled from the register (45 CFR 164.408)."""
    org = incident.organization
    count, by_state = affected_count(incident)
    obligations, _ = selectors.plan(incident)
    ids = {o.id for o in obligations}
    notice: NoticeContent | None = NoticeContent.objects.filter(incident=incident).first()
    phi = sorted({PHI_TYPES[i] for i in _identifiers(incident) if i in PHI_TYPES})
    return {
        "Name of Covered Entity": org.name,
        "Type of Covered Entity": org.get_entity_type_display(),
        "Contact Phone": notice.phone if notice else "",
        "Contact Email": notice.email if notice else "",
        "Business Associate involved": "Yes"
        if incident.affected_vendors or incident.category == "vendor"
        else "No",
        "Breach Start Date": incident.occurred_on.isoformat() if incident.occurred_on else "",
        "Breach End Date": "",
        "Discovery Start Date": incident.discovered_on.isoformat(),
        "Approximate Number of Individuals Affected by the Breach": count,
        "Individuals affected by State": by_state,
        "Type of Breach": BREACH_TYPES.get(incident.category, "Other"),
        "Location of Breached Information": LOCATIONS.get(incident.category, "Other (confirm)"),
        "Type of Protected Health Information Involved in the Breach": phi,
        "Brief Description of the Breach": incident.description,
        "Safeguards in Place Prior to Breach": "",
        "Actions Taken in Response to Breach": notice.what_we_are_doing if notice else "",
        "Individual Notice Provided Start Date": "",
        "Was Substitute Notice Required?": "Yes" if "substitute_notice" in ids else "No",
        "Was Media Notice Required?": "Yes" if "media_notice" in ids else "No",
        "hipaaops reference": incident.reference,
    }


def data_sheet_csv(incident: Incident) -> Iterator[str]:
    sheet = hhs_data_sheet(incident)
    rows: list[list[object]] = [["field", "value"]]
    for key, value in sheet.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
        elif isinstance(value, list):
            value = ", ".join(value)
        rows.append([key, value])
    return csv_lines(rows)


def annual_log(org: Organization, year: int) -> list[dict[str, Any]]:
    """The breaches discovered in ``year`` that affected fewer than 500 individuals: what the
    Secretary gets within 60 days after the year ends (45 CFR 164.408(c))."""
    found = []
    incidents = Incident.objects.filter(
        organization=org, discovered_on__gte=date(year, 1, 1), discovered_on__lte=date(year, 12, 31)
    ).order_by("discovered_on", "number")
    for incident in incidents:
        d = current_determination(incident, finalized_only=True)
        if d is None or d.conclusion != "breach":
            continue
        count, _ = affected_count(incident)
        if count >= SECRETARY_IMMEDIATE_AT_LEAST.value:
            continue
        sheet = hhs_data_sheet(incident)
        found.append(
            {
                "reference": incident.reference,
                "discovered_on": incident.discovered_on.isoformat(),
                "occurred_on": sheet["Breach Start Date"],
                "individuals": count,
                "type": sheet["Type of Breach"],
                "location": sheet["Location of Breached Information"],
                "phi": ", ".join(
                    sheet["Type of Protected Health Information Involved in the Breach"]
                ),
                "description": incident.description,
                "actions": sheet["Actions Taken in Response to Breach"],
            }
        )
    return found


def annual_log_csv(org: Organization, year: int) -> Iterator[str]:
    entries = annual_log(org, year)
    columns = [
        "reference",
        "discovered_on",
        "occurred_on",
        "individuals",
        "type",
        "location",
        "phi",
        "description",
        "actions",
    ]
    return csv_lines([columns, *([e[c] for c in columns] for e in entries)])


def media_notice(incident: Incident) -> str:
    """A draft press release for the States with more than 500 affected residents (164.406(c):
    the content of the individual notice)."""
    notice = NoticeContent.objects.filter(incident=incident).first()
    _, by_state = affected_count(incident)
    states = sorted(s for s, n in by_state.items() if n > 500)
    org = incident.organization.name
    what = notice.what_happened if notice else incident.description
    doing = notice.what_we_are_doing if notice else ""
    contact = notice.phone if notice else ""
    return (
        f"{org} is notifying patients about a privacy incident.\n\n"
        f"{what}\n\nWe found out on {incident.discovered_on:%B} {incident.discovered_on.day}, "
        f"{incident.discovered_on.year}. About {sum(by_state.values()):,} people may be affected, "
        f"including residents of {', '.join(states) or 'the areas we serve'}. Each of them is "
        f"receiving a letter.\n\n{doing}\n\nPeople with questions can call {contact or '[toll-free number]'}."
    )


def web_notice(incident: Incident) -> str:
    """A draft of the substitute notice posted on the home page for 90 days when 10 or more
    people cannot be reached (164.404(d)(2)(ii)); it must include a toll-free number."""
    notice = NoticeContent.objects.filter(incident=incident).first()
    org = incident.organization.name
    return (
        f"Notice of a privacy incident at {org}\n\n"
        f"{notice.what_happened if notice else incident.description}\n\n"
        f"{notice.what_we_are_doing if notice else ''}\n\n"
        f"If you think you may be affected, call us toll-free at "
        f"{notice.phone if notice and notice.phone else '[toll-free number]'}; the number works "
        "for at least 90 days. This notice stays on our home page for 90 days."
    )


def annual_log_pdf(org: Organization, year: int) -> bytes:
    import json
    from datetime import UTC, datetime
    from pathlib import Path

    import typst

    template = Path(__file__).resolve().parent / "templates" / "incidents" / "annual_log.typ"
    data = {"organization": org.name, "year": year, "entries": annual_log(org, year)}
    pdf = typst.compile(
        template.read_bytes(),
        format="pdf",
        sys_inputs={"data": json.dumps(data, default=str)},
        ignore_system_fonts=True,
        timestamp=int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()),
    )
    assert isinstance(pdf, bytes)
    return pdf
