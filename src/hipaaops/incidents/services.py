"""All writes of the incident register. Each runs in one transaction with its audit entry and
refuses bad input with a ``DomainError`` naming the field: nothing is half-saved."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import (
    PendingEntry,
    record,
    record_create,
    record_many,
    snapshot,
)
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.core.inputs import input_date
from hipaaops.core.roles import Capability
from hipaaops.incidents import rules
from hipaaops.incidents.models import (
    AffectedIndividual,
    Category,
    Determination,
    Incident,
    NotificationFacts,
    Severity,
    Status,
    Task,
    TimelineEntry,
)
from hipaaops.incidents.rules.inputs import incident_from_json, incident_to_json
from hipaaops.organizations.access import OrgAccess, member_of

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization

INCIDENT_FIELDS = {
    "title",
    "description",
    "category",
    "severity",
    "occurred_on",
    "discovered_on",
    "discovered_by",
    "reported_on",
    "handler",
    "affected_systems",
    "affected_vendors",
}
# The States, the District of Columbia and the territories: the "jurisdictions" of 164.406.
JURISDICTIONS = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)
CSV_COLUMNS = (
    "name",
    "address",
    "state",
    "email",
    "phone",
    "deceased",
    "minor",
    "contact_insufficient",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"", "no", "n", "false", "0"}
MAX_IMPORT_ERRORS = 200  # errors listed before the report stops (the import is refused anyway)


def _today() -> date:
    return timezone.localdate()


def _check_dates(occurred: date | None, discovered: date, reported: date) -> None:
    today = _today()
    for name, value in (
        ("occurred_on", occurred),
        ("discovered_on", discovered),
        ("reported_on", reported),
    ):
        if value is not None and value > today:
            raise DomainError(f"The {name.replace('_', ' ')} cannot be in the future.", field=name)
    if occurred is not None and occurred > discovered:
        raise DomainError("An incident is discovered on or after it occurs.", field="discovered_on")
    if reported < discovered:
        raise DomainError("An incident is reported on or after its discovery.", field="reported_on")


def _timeline(incident: Incident, kind: str, text: str, author: Any) -> TimelineEntry:
    return TimelineEntry.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        kind=kind,
        text=text,
        author=author,
    )


# ---------------------------------------------------------------------------- incidents


def report_incident(access: OrgAccess, **data: Any) -> Incident:
    """Open an incident in the register (45 CFR 164.308(a)(6)(ii)): what happened, when it was
    discovered and reported, by whom, and what it touched."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    unknown = set(data) - INCIDENT_FIELDS
    if unknown:
        raise DomainError(f"Unknown field {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError("Give the incident a short title.", field="title")
    if data.get("category") not in Category.values:
        raise DomainError(
            f"Category must be one of {', '.join(Category.values)}.", field="category"
        )
    severity = data.get("severity") or Severity.MODERATE
    if severity not in Severity.values:
        raise DomainError(
            f"Severity must be one of {', '.join(Severity.values)}.", field="severity"
        )
    occurred = input_date(data.get("occurred_on"), "occurred_on", required=False)
    discovered = input_date(data.get("discovered_on"), "discovered_on")
    reported = input_date(data.get("reported_on") or _today(), "reported_on")
    _check_dates(occurred, discovered, reported)
    handler = member_of(org, data["handler"], "handler").user if data.get("handler") else None
    with transaction.atomic():
        number = (
            Incident.objects.filter(organization=org).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        incident = Incident.objects.create(
            organization=org,
            number=number,
            title=title[:200],
            description=(data.get("description") or "").strip(),
            category=data["category"],
            severity=severity,
            occurred_on=occurred,
            discovered_on=discovered,
            discovered_by=(data.get("discovered_by") or "").strip()[:200],
            reported_on=reported,
            reported_by=access.user,
            handler=handler,
            affected_systems=(data.get("affected_systems") or "").strip(),
            affected_vendors=(data.get("affected_vendors") or "").strip(),
        )
        NotificationFacts.objects.create(organization=org, incident=incident)
        _timeline(incident, TimelineEntry.Kind.STATUS, "Reported.", access.user)
        record_create(incident, actor=access.user, organization=org)
    return incident


def update_incident(
    access: OrgAccess, incident: Incident, *, expected_version: int | None = None, **changes: Any
) -> Incident:
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    unknown = set(changes) - INCIDENT_FIELDS
    if unknown:
        raise DomainError(f"Cannot change {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk, organization=org)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(
                f"Someone else changed this incident (now version {locked.version}); reload it.",
                field="version",
            )
        before = snapshot(locked)
        for key, value in changes.items():
            if key in {"occurred_on", "discovered_on", "reported_on"}:
                value = input_date(value, key, required=key != "occurred_on")
            elif key == "handler":
                value = member_of(org, value, "handler").user if value else None
            elif key == "category" and value not in Category.values:
                raise DomainError("Unknown category.", field="category")
            elif key == "severity" and value not in Severity.values:
                raise DomainError("Unknown severity.", field="severity")
            elif key == "title":
                value = (value or "").strip()
                if not value:
                    raise DomainError("Give the incident a short title.", field="title")
            elif isinstance(value, str):
                value = value.strip()
            setattr(locked, key, value)
        _check_dates(locked.occurred_on, locked.discovered_on, locked.reported_on)
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save()
        after = snapshot(locked)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=org,
            target=locked,
            changes={
                k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)
            },
        )
    return locked


ORDER = [s.value for s in Status]


def change_status(
    access: OrgAccess, incident: Incident, status: str, *, note: str = ""
) -> Incident:
    """Move an incident along its workflow. Notifying needs a finalized determination that it is a
    breach (45 CFR 164.402); closing needs a finalized determination of any conclusion, so the
    record shows how the incident was judged (164.414(b), 164.530(j))."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    if status not in ORDER:
        raise DomainError(f"Status must be one of {', '.join(ORDER)}.", field="status")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk, organization=org)
        if locked.status == status:
            raise ConflictError(
                f"The incident is already {locked.get_status_display().lower()}.", field="status"
            )
        final = current_determination(locked, finalized_only=True)
        if status == Status.NOTIFYING and (
            final is None or final.conclusion != rules.Conclusion.BREACH
        ):
            raise DomainError(
                "Notifying follows a finalized determination that the incident is a breach.",
                field="status",
            )
        if status == Status.CLOSED and final is None:
            raise DomainError(
                "Finalize the breach determination before closing: the record must show how the "
                "incident was judged (45 CFR 164.414(b)).",
                field="status",
            )
        old = locked.status
        locked.status = status
        locked.closed_at = timezone.now() if status == Status.CLOSED else None
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "closed_at", "version", "updated_at"])
        text = f"Status: {Status(old).label} → {Status(status).label}."
        if note.strip():
            text += f" {note.strip()}"
        _timeline(locked, TimelineEntry.Kind.STATUS, text, access.user)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=org,
            target=locked,
            changes={"status": [old, status]},
        )
    return locked


def add_timeline_entry(
    access: OrgAccess, incident: Incident, *, kind: str, text: str, at: Any = None
) -> TimelineEntry:
    access.require(Capability.EDIT_RECORDS)
    if kind not in (TimelineEntry.Kind.NOTE, TimelineEntry.Kind.ACTION, TimelineEntry.Kind.NOTICE):
        raise DomainError("Kind must be note, action or notice.", field="kind")
    text = (text or "").strip()
    if not text:
        raise DomainError("Write what happened or what was done.", field="text")
    moment = at or timezone.now()
    if moment > timezone.now():
        raise DomainError("A timeline entry cannot be in the future.", field="at")
    with transaction.atomic():
        entry = TimelineEntry.objects.create(
            organization=access.organization,
            incident=incident,
            kind=kind,
            text=text,
            author=access.user,
            at=moment,
        )
        record_create(entry, actor=access.user, organization=access.organization)
    return entry


def add_task(
    access: OrgAccess, incident: Incident, *, title: str, assignee: Any, due_on: Any = None
) -> Task:
    access.require(Capability.EDIT_RECORDS)
    title = (title or "").strip()
    if not title:
        raise DomainError("Say what must be done.", field="title")
    user = member_of(access.organization, assignee, "assignee").user
    due = input_date(due_on, "due_on", required=False)
    if due is not None and due < _today():
        raise DomainError("The due date is in the past.", field="due_on")
    with transaction.atomic():
        task = Task.objects.create(
            organization=access.organization,
            incident=incident,
            title=title[:300],
            assignee=user,
            due_on=due,
        )
        record_create(task, actor=access.user, organization=access.organization)
    return task


def complete_task(access: OrgAccess, task: Task) -> Task:
    access.require(Capability.EDIT_RECORDS)
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk, organization=access.organization)
        if locked.done_at is not None:
            raise ConflictError("This task is already done.", field="task")
        locked.done_at = timezone.now()
        locked.save(update_fields=["done_at"])
        _timeline(locked.incident, TimelineEntry.Kind.ACTION, f"Done: {locked.title}", access.user)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=locked,
            changes={"done": True},
        )
    return locked


# ---------------------------------------------------------------------------- determination


def current_determination(
    incident: Incident, *, finalized_only: bool = False
) -> Determination | None:
    qs = Determination.objects.filter(organization_id=incident.organization_id, incident=incident)
    if finalized_only:
        qs = qs.filter(finalized_at__isnull=False)
    return qs.order_by("-version").first()


def _result_json(result: rules.Determination) -> dict[str, Any]:
    return {
        "conclusion": result.conclusion.value,
        "notification_required": result.notification_required,
        "reasons": [{"text": r.text, "citation": r.citation} for r in result.reasons],
        "factors": [
            {
                "factor": f.factor,
                "risk": f.risk.value,
                "text": f.reason.text,
                "citation": f.reason.citation,
            }
            for f in result.factors
        ],
    }


def record_determination(
    access: OrgAccess, incident: Incident, *, inputs: Any, summary: str = ""
) -> Determination:
    """Record the breach determination (45 CFR 164.402) from its inputs; the rules compute the
    conclusion, and a breach is presumed unless the record shows otherwise (164.414(b)). A draft
    is replaced; after a finalized version, this starts the next version (an amendment)."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    try:
        parsed = incident_from_json(inputs)
        result = rules.determine(parsed)
    except rules.RuleInputError as exc:
        raise DomainError(exc.message, field=exc.field) from None
    with transaction.atomic():
        Incident.objects.select_for_update().get(pk=incident.pk, organization=org)
        latest = current_determination(incident)
        values = {
            "inputs": incident_to_json(parsed),
            "conclusion": result.conclusion.value,
            "result": _result_json(result),
            "summary": (summary or "").strip(),
            "recorded_by": access.user,
            "recorded_at": timezone.now(),
        }
        if latest is not None and not latest.finalized:
            for key, value in values.items():
                setattr(latest, key, value)
            latest.save()
            determination = latest
        else:
            determination = Determination.objects.create(
                organization=org,
                incident=incident,
                version=(latest.version + 1) if latest else 1,
                **values,
            )
        record(
            Action.UPDATE
            if latest is not None and latest.pk == determination.pk
            else Action.CREATE,
            actor=access.user,
            organization=org,
            target=determination,
            changes={"version": determination.version, "conclusion": determination.conclusion},
        )
    return determination


def finalize_determination(access: OrgAccess, determination: Determination) -> Determination:
    """Sign the determination: who and when. It can no longer change (45 CFR 164.530(j))."""
    access.require(Capability.APPROVE)
    org = access.organization
    with transaction.atomic():
        locked = (
            Determination.objects.select_for_update()
            .select_related("incident")
            .get(pk=determination.pk, organization=org)
        )
        if locked.finalized:
            raise ConflictError(
                "This determination is already finalized; record an amendment instead.",
                field="determination",
            )
        if (
            locked.conclusion == rules.Conclusion.LOW_PROBABILITY_OF_COMPROMISE
            and not locked.summary
        ):
            raise DomainError(
                "A low probability of compromise is documented in writing before it is signed "
                "(45 CFR 164.402(2), 164.414(b)).",
                field="summary",
            )
        locked.finalized_by = access.user
        locked.finalized_at = timezone.now()
        locked.save(update_fields=["finalized_by", "finalized_at"])
        label = rules.Conclusion(locked.conclusion).value.replace("_", " ")
        _timeline(
            locked.incident,
            TimelineEntry.Kind.DETERMINATION,
            f"Determination v{locked.version} finalized: {label}.",
            access.user,
        )
        record(
            Action.UPDATE,
            actor=access.user,
            organization=org,
            target=locked,
            changes={"finalized": True, "conclusion": locked.conclusion},
        )
    return locked


# ---------------------------------------------------------------------------- notification facts


def set_notification_facts(access: OrgAccess, incident: Incident, **data: Any) -> NotificationFacts:
    """The facts the plan needs besides the register's dates: counts per State (when no
    individuals are loaded), unreachable individuals, a law-enforcement delay (164.412), the
    business associate's discovery and notice (164.410, 164.404(a)(2)), the BAA's shorter limit."""
    access.require(Capability.EDIT_RECORDS)
    allowed = {
        "affected_by_state",
        "insufficient_contact_info",
        "law_enforcement_delay",
        "business_associate",
        "baa_reporting_days",
    }
    unknown = set(data) - allowed
    if unknown:
        raise DomainError(f"Unknown field {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    with transaction.atomic():
        facts = NotificationFacts.objects.select_for_update().get(
            incident=incident, organization=access.organization
        )
        before = snapshot(facts)
        for key, value in data.items():
            setattr(facts, key, value)
        try:
            rules.plan(breach_facts(incident, facts))
        except rules.RuleInputError as exc:
            raise DomainError(exc.message, field=exc.field) from None
        facts.updated_at = timezone.now()
        facts.save()
        after = snapshot(facts)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=facts,
            changes={
                k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)
            },
        )
    return facts


def role_of(org: Organization) -> str:
    return "business_associate" if org.entity_type == "business_associate" else "covered_entity"


def state_counts(incident: Incident) -> tuple[dict[str, int], int] | None:
    """Affected individuals per State and how many lack contact information, from the loaded
    list (no decryption needed: State and flags are stored in clear)."""
    rows = AffectedIndividual.objects.filter(
        organization_id=incident.organization_id, incident=incident
    )
    if not rows.exists():
        return None
    counts: dict[str, int] = {}
    for state in rows.values_list("state", flat=True).iterator():
        counts[state] = counts.get(state, 0) + 1
    return counts, rows.filter(contact_insufficient=True).count()


def breach_facts(incident: Incident, facts: NotificationFacts) -> rules.BreachFacts:
    loaded = state_counts(incident)
    by_state, unreachable = (
        loaded if loaded else (dict(facts.affected_by_state), facts.insufficient_contact_info)
    )
    data = {
        "role": role_of(incident.organization),
        "discovered_on": incident.discovered_on.isoformat(),
        "affected_by_state": by_state,
        "insufficient_contact_info": unreachable,
        "law_enforcement_delay": facts.law_enforcement_delay,
        "business_associate": facts.business_associate,
    }
    if facts.baa_reporting_days is not None:
        data["baa_reporting_days"] = facts.baa_reporting_days
    elif data["role"] == "business_associate":
        # 45 CFR 164.410(b): the agreement may set a shorter limit than 60 days; the shortest one
        # in force with the covered entities we serve applies unless the incident says otherwise.
        from hipaaops.vendors.selectors import breach_reporting_days

        agreed = breach_reporting_days(incident.organization)
        if agreed is not None:
            data["baa_reporting_days"] = agreed
    return rules.parse_breach_facts(data)


# ---------------------------------------------------------------------------- affected individuals


@dataclass
class ImportReport:
    rows: int
    errors: list[str]
    imported: bool
    by_state: dict[str, int]


def _flag(value: str, line: int, column: str, errors: list[str]) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        errors.append(f"line {line}, {column}: {value!r} is not yes or no")
    return False


def _csv_source(data: Any) -> Any:
    """A text stream over the upload, from its start: bytes, text or a binary file (an upload
    on disk is read as it goes, never whole)."""
    if isinstance(data, str):
        return io.StringIO(data)
    if isinstance(data, bytes):
        try:
            return io.StringIO(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise DomainError("The file is not UTF-8 text.", field="file") from None
    data.seek(0)
    return io.TextIOWrapper(data, encoding="utf-8-sig", newline="")


def _rows(data: Any) -> Iterator[tuple[int, dict[str, str | None]]]:
    """(line, row) for every data row, after checking the header (line 1)."""
    stream = _csv_source(data)
    try:
        reader = csv.DictReader(stream)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in ("name", "state") if c not in header]
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if missing or unknown:
            problem = f"missing column {missing[0]}" if missing else f"unknown column {unknown[0]}"
            raise DomainError(
                f"line 1: {problem}; the columns are {', '.join(CSV_COLUMNS)}.", field="file"
            )
        reader.fieldnames = header
        yield from enumerate(reader, start=2)
    except UnicodeDecodeError:
        raise DomainError("The file is not UTF-8 text.", field="file") from None
    finally:
        if isinstance(stream, io.TextIOWrapper):
            stream.detach()  # leave the upload open for its owner


def _checked(line: int, raw: dict[str, Any], errors: list[str]) -> dict[str, Any] | None:
    """The row's values, or None after adding its problems to ``errors``."""
    if None in raw:
        errors.append(f"line {line}: more cells than columns")
        return None
    before = len(errors)
    name = (raw.get("name") or "").strip()
    state = (raw.get("state") or "").strip().upper()
    email = (raw.get("email") or "").strip()
    if not name:
        errors.append(f"line {line}, name: missing")
    if state not in JURISDICTIONS:
        errors.append(
            f"line {line}, state: {raw.get('state')!r} is not a US State or territory code"
        )
    if email and not _EMAIL.match(email):
        errors.append(f"line {line}, email: {email!r} is not an e-mail address")
    flags = {
        c: _flag(raw.get(c) or "", line, c, errors)
        for c in ("deceased", "minor", "contact_insufficient")
    }
    if len(errors) > before:
        return None
    return {
        "line": line,
        "name": name,
        "address": (raw.get("address") or "").strip(),
        "email": email,
        "phone": (raw.get("phone") or "").strip(),
        "state": state,
        **flags,
    }


IMPORT_BATCH = 5000


def import_individuals(
    access: OrgAccess, incident: Incident, data: Any, *, dry_run: bool = False
) -> ImportReport:
    """Load the affected individuals from CSV (name, address, state, email, phone, deceased,
    minor, contact_insufficient). Every bad row is listed by line and column; nothing is loaded
    while any row is bad, and a new list replaces the old one.

    Two passes over the file: the first checks every row and counts, keeping no row; the second
    writes them in batches inside one transaction. Memory does not grow with the file."""
    access.require(Capability.VIEW_SENSITIVE)
    access.require(Capability.EDIT_RECORDS)
    errors: list[str] = []
    counts: dict[str, int] = {}
    rows = 0
    for line, raw in _rows(data):
        values = _checked(line, raw, errors)
        if len(errors) >= MAX_IMPORT_ERRORS:
            errors.append(f"stopped after {MAX_IMPORT_ERRORS} errors")
            break
        if values is not None:
            rows += 1
            counts[values["state"]] = counts.get(values["state"], 0) + 1
    if not errors and not rows:
        errors.append("the file has no rows")
    if errors or dry_run:
        return ImportReport(rows, errors, False, counts)
    contact_field = AffectedIndividual._meta.get_field("contact")
    table, quote = AffectedIndividual._meta.db_table, connection.ops.quote_name
    columns = (
        "organization_id",
        "incident_id",
        "line",
        "contact",
        "state",
        "deceased",
        "minor",
        "contact_insufficient",
    )
    insert = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with transaction.atomic():
        AffectedIndividual.objects.filter(
            organization_id=incident.organization_id, incident=incident
        ).delete()
        # One prepared INSERT for the rows: building a model instance for each of a million
        # people cost more than encrypting them (bench/breach_letters.py).
        batch: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for line, raw in _rows(data):
                values = _checked(line, raw, errors)
                assert values is not None  # the first pass checked every row
                contact = {k: values[k] for k in ("name", "address", "email", "phone")}
                batch.append(
                    (
                        incident.organization_id,
                        incident.pk,
                        line,
                        contact_field.get_prep_value(contact),
                        values["state"],
                        values["deceased"],
                        values["minor"],
                        values["contact_insufficient"],
                    )
                )
                if len(batch) == IMPORT_BATCH:
                    cursor.executemany(insert, batch)
                    batch = []
            if batch:
                cursor.executemany(insert, batch)
        record_many(
            [
                PendingEntry(
                    action=Action.CREATE,
                    actor=access.user,
                    organization=access.organization,
                    object_type="incidents.affectedindividual",
                    object_id=str(incident.pk),
                    object_repr=f"{rows} affected individuals of {incident.reference}",
                    changes={"rows": rows, "by_state": counts},
                )
            ]
        )
        _timeline(
            incident,
            TimelineEntry.Kind.ACTION,
            f"Affected individuals loaded: {rows}.",
            access.user,
        )
    return ImportReport(rows, [], True, counts)


def read_individuals(access: OrgAccess, incident: Incident) -> list[AffectedIndividual]:
    """The affected individuals, decrypted, for a role with the right; the read is recorded."""
    access.require(Capability.VIEW_SENSITIVE)
    people = list(
        AffectedIndividual.objects.filter(organization=access.organization, incident=incident)
    )
    record(
        Action.READ_SENSITIVE,
        actor=access.user,
        organization=access.organization,
        target=incident,
        changes={"viewed": "affected individuals", "count": len(people)},
    )
    return people


# ---------------------------------------------------------------------------- notice content

NOTICE_FIELDS = {
    "what_happened",
    "information",
    "steps",
    "what_we_are_doing",
    "phone",
    "email",
    "website",
    "postal_address",
    "signer",
}


def set_notice_content(access: OrgAccess, incident: Incident, **data: Any) -> Any:
    """What the letters say (45 CFR 164.404(c)(1)(A)-(E)). Saved even when incomplete (a draft);
    letters are refused until every element is there."""
    from hipaaops.incidents.models import NoticeContent
    from hipaaops.incidents.rules.letters import INFORMATION_WORDS

    access.require(Capability.EDIT_RECORDS)
    unknown = set(data) - NOTICE_FIELDS
    if unknown:
        raise DomainError(f"Unknown field {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    information = data.get("information")
    if information is not None and (
        not isinstance(information, list) or any(i not in INFORMATION_WORDS for i in information)
    ):
        raise DomainError(
            f"Information must be among {', '.join(INFORMATION_WORDS)}.", field="information"
        )
    email = (data.get("email") or "").strip()
    if email and not _EMAIL.match(email):
        raise DomainError("That is not an e-mail address.", field="email")
    with transaction.atomic():
        notice, _ = NoticeContent.objects.get_or_create(
            organization=access.organization, incident=incident
        )
        before = snapshot(notice)
        for key, value in data.items():
            setattr(notice, key, value.strip() if isinstance(value, str) else value)
        notice.updated_at = timezone.now()
        notice.save()
        after = snapshot(notice)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=notice,
            changes={
                k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)
            },
        )
    return notice


def record_letters_export(access: OrgAccess, incident: Incident, *, what: str, count: int) -> None:
    """Letters and mail-house files carry PHI: producing them is a sensitive read (164.312(b))."""
    access.require(Capability.VIEW_SENSITIVE)
    record(
        Action.EXPORT,
        actor=access.user,
        organization=access.organization,
        target=incident,
        changes={"export": what, "count": count},
    )


def attach_file(access: OrgAccess, incident: Incident, upload: Any, *, title: str = "") -> Any:
    """Keep a file with the incident (evidence, a police report, a forensic report): the kind is
    read from its first bytes, it is hashed and never changes (45 CFR 164.316(b), 164.530(j))."""
    from hipaaops.safeguards.services import attach_document

    access.require(Capability.EDIT_RECORDS)
    with transaction.atomic():
        document = attach_document(access, upload, title=title)
        incident.documents.add(document)
        _timeline(
            incident, TimelineEntry.Kind.ACTION, f"File attached: {document.title}.", access.user
        )
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=incident,
            changes={"attached": document.pk, "sha256": document.sha256},
        )
    return document


def link_vendors(access: OrgAccess, incident: Incident, vendor_ids: list[int]) -> Incident:
    """The registry's vendors involved in the incident (a business associate's breach reaches us
    under 164.410; its agreement says how fast it must tell us)."""
    from hipaaops.vendors.models import Vendor

    access.require(Capability.EDIT_RECORDS)
    ids = {int(v) for v in vendor_ids}
    found = list(Vendor.objects.filter(organization=access.organization, pk__in=ids))
    if len(found) != len(ids):
        raise DomainError("No such vendor in this organization.", field="vendors")
    with transaction.atomic():
        before = sorted(incident.vendors.values_list("name", flat=True))
        incident.vendors.set(found)
        after = sorted(v.name for v in found)
        if before != after:
            _timeline(
                incident,
                TimelineEntry.Kind.ACTION,
                f"Vendors involved: {', '.join(after) or 'none'}.",
                access.user,
            )
            record(
                Action.UPDATE,
                actor=access.user,
                organization=access.organization,
                target=incident,
                changes={"vendors": [before, after]},
            )
    return incident


def business_associate_notice(incident: Incident) -> str:
    """A business associate's notice of a breach to the covered entity (45 CFR 164.410(c)): what
    is known, with the individuals identified in the attached list."""
    from hipaaops.incidents.models import NoticeContent

    notice = NoticeContent.objects.filter(incident=incident).first()
    loaded = state_counts(incident)
    count = sum(loaded[0].values()) if loaded else sum(incident.facts.affected_by_state.values())
    occurred = (
        f"on {incident.occurred_on.isoformat()}"
        if incident.occurred_on
        else "on a date not yet known"
    )
    return (
        f"Notice of a breach of unsecured protected health information (45 CFR 164.410)\n\n"
        f"From: {incident.organization.name}, business associate\n"
        f"Our reference: {incident.reference}\n\n"
        f"What happened: {(notice.what_happened if notice else incident.description) or incident.title}\n"
        f"The breach occurred {occurred} and we discovered it on {incident.discovered_on.isoformat()}.\n"
        f"Individuals affected: {count}. Each is identified in the attached list (164.410(c)(1)).\n"
        f"What we are doing: {(notice.what_we_are_doing if notice else '') or 'see our contact below'}\n"
        f"Contact: {(notice.phone if notice else '') or '[phone]'} {(notice.email if notice else '') or ''}\n\n"
        "We will send any further information you need for your notices as we learn it "
        "(164.410(c)(2))."
    )


def business_associate_identities(access: OrgAccess, incident: Incident) -> Iterator[str]:
    """The identities of the affected individuals for the covered entity (164.410(c)(1)); the read
    is recorded."""
    from hipaaops.core.spreadsheet import csv_lines

    people = read_individuals(access, incident)
    rows: list[list[object]] = [
        ["line", "name", "address", "state", "email", "phone", "deceased", "minor"]
    ]
    rows += [
        [
            p.line,
            p.name,
            p.address,
            p.state,
            p.email,
            p.phone,
            "yes" if p.deceased else "no",
            "yes" if p.minor else "no",
        ]
        for p in people
    ]
    return csv_lines(rows)
