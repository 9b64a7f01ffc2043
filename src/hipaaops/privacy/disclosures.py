"""The disclosures log and the accounting of disclosures (45 CFR 164.528): entered by hand or
imported from CSV (all or nothing, every bad row by line and column), and the accounting for a
person and period as a PDF letter with the exclusions of 164.528(a) applied."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from hipaaops.audit.models import Action
from hipaaops.audit.services import PendingEntry, record, record_create, record_many
from hipaaops.core.errors import DomainError
from hipaaops.core.roles import Capability
from hipaaops.organizations.access import OrgAccess
from hipaaops.privacy import rules
from hipaaops.privacy.models import AccountingRecord, Disclosure

CSV_COLUMNS = (
    "individual_name",
    "individual_id",
    "disclosed_on",
    "recipient",
    "description",
    "purpose",
    "exemption",
    "suspended_until",
)
TEMPLATE = Path(__file__).resolve().parent / "templates" / "privacy" / "accounting.typ"
MAX_ERRORS = 200


def individual_key(org_id: int, identifier: str) -> str:
    """A keyed hash of the individual's record identifier, to find their disclosures without
    storing the identifier in clear (keyed with the installation's SECRET_KEY)."""
    normal = " ".join(identifier.split()).upper()
    return salted_hmac(
        "hipaaops.privacy.individual", f"{org_id}:{normal}", algorithm="sha256"
    ).hexdigest()


def _check(values: dict[str, Any], where: str, errors: list[str]) -> dict[str, Any] | None:
    before = len(errors)
    out: dict[str, Any] = {}
    for name in ("individual_name", "individual_id", "recipient", "description", "purpose"):
        text = (values.get(name) or "").strip()
        if not text:
            errors.append(f"{where}, {name}: missing")
        out[name] = text
    for name, required in (("disclosed_on", True), ("suspended_until", False)):
        text = (
            (values.get(name) or "").strip()
            if isinstance(values.get(name), str)
            else values.get(name)
        )
        if not text:
            if required:
                errors.append(f"{where}, {name}: missing")
            out[name] = None
            continue
        if isinstance(text, date):
            out[name] = text
            continue
        try:
            out[name] = date.fromisoformat(text)
        except ValueError:
            errors.append(f"{where}, {name}: {text!r} is not a date (YYYY-MM-DD)")
    if out.get("disclosed_on") and out["disclosed_on"] > timezone.localdate():
        errors.append(f"{where}, disclosed_on: in the future")
    exemption = (values.get("exemption") or "").strip()
    if exemption and exemption not in {e.value for e in rules.Exemption}:
        errors.append(
            f"{where}, exemption: {exemption!r} is not one of {', '.join(e.value for e in rules.Exemption)}"
        )
    out["exemption"] = exemption
    return out if len(errors) == before else None


def _row(access: OrgAccess, values: dict[str, Any], source: str) -> Disclosure:
    org = access.organization
    return Disclosure(
        organization=org,
        individual_key=individual_key(org.pk, values["individual_id"]),
        individual={"name": values["individual_name"], "identifier": values["individual_id"]},  # type: ignore[misc]
        disclosed_on=values["disclosed_on"],
        recipient=values["recipient"][:300],
        description=values["description"],
        purpose=values["purpose"],
        exemption=values["exemption"],
        suspended_until=values["suspended_until"],
        source=source,
        recorded_by=access.user,
    )


def record_disclosure(access: OrgAccess, **values: Any) -> Disclosure:
    access.require(Capability.EDIT_RECORDS)
    errors: list[str] = []
    checked = _check(values, "disclosure", errors)
    if checked is None:
        first = errors[0]
        field = first.split(",", 1)[1].split(":", 1)[0].strip()
        raise DomainError(first.split(": ", 1)[1] if ": " in first else first, field=field)
    with transaction.atomic():
        disclosure = _row(access, checked, "manual")
        disclosure.save()
        record_create(disclosure, actor=access.user, organization=access.organization)
    return disclosure


@dataclass
class ImportReport:
    rows: int
    errors: list[str]
    imported: bool


def import_disclosures(
    access: OrgAccess, data: bytes | str, *, dry_run: bool = False, source: str = "import"
) -> ImportReport:
    """Disclosures from the systems that make them, as CSV; nothing is loaded while a row is bad."""
    access.require(Capability.EDIT_RECORDS)
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("The file is not UTF-8 text.", field="file") from None
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS[:6] if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing or unknown:
        problem = f"missing column {missing[0]}" if missing else f"unknown column {unknown[0]}"
        raise DomainError(
            f"line 1: {problem}; the columns are {', '.join(CSV_COLUMNS)}.", field="file"
        )
    reader.fieldnames = header
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    for line, raw in enumerate(reader, start=2):
        if None in raw:
            errors.append(f"line {line}: more cells than columns")
        else:
            checked = _check(raw, f"line {line}", errors)
            if checked is not None:
                rows.append(checked)
        if len(errors) >= MAX_ERRORS:
            errors.append(f"stopped after {MAX_ERRORS} errors")
            break
    if not errors and not rows:
        errors.append("the file has no rows")
    if errors or dry_run:
        return ImportReport(len(rows), errors, False)
    with transaction.atomic():
        Disclosure.objects.bulk_create([_row(access, r, source) for r in rows], batch_size=2000)
        record_many(
            [
                PendingEntry(
                    action=Action.CREATE,
                    actor=access.user,
                    organization=access.organization,
                    object_type="privacy.disclosure",
                    object_repr=f"{len(rows)} disclosures imported",
                    changes={"rows": len(rows), "source": source},
                )
            ]
        )
    return ImportReport(len(rows), [], True)


@dataclass
class AccountingResult:
    accounting: rules.Accounting
    charge: rules.AccountingCharge
    pdf: bytes


def produce_accounting(
    access: OrgAccess,
    *,
    individual_id: str,
    individual_name: str,
    requested_on: Any,
    period_start: Any = None,
    period_end: Any = None,
) -> AccountingResult:
    """The accounting of disclosures for a person (45 CFR 164.528(b)), with the exclusions of
    164.528(a) applied and whether it is the free one of its 12 months (164.528(c)(2)); the read
    of the person's disclosures is recorded, and the accounting is kept."""
    access.require(Capability.VIEW_SENSITIVE)
    org = access.organization
    if not individual_id.strip():
        raise DomainError("Give the individual's record identifier.", field="individual_id")

    def as_date(value: Any, field: str) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise DomainError(
                f"The {field.replace('_', ' ')} must be a date.", field=field
            ) from None

    requested = as_date(requested_on, "requested_on") or timezone.localdate()
    key = individual_key(org.pk, individual_id)
    found = list(Disclosure.objects.filter(organization=org, individual_key=key))
    items = [
        rules.Disclosure(
            disclosed_on=d.disclosed_on,
            recipient=d.recipient,
            description=d.description,
            purpose=d.purpose,
            exemption=rules.Exemption(d.exemption) if d.exemption else None,
            suspended_until=d.suspended_until,
        )
        for d in found
    ]
    earlier = AccountingRecord.objects.filter(
        organization=org, individual_key=key, requested_on__lte=requested
    ).values_list("requested_on", flat=True)
    try:
        accounting = rules.account_for(
            items,
            requested,
            as_date(period_start, "period_start"),
            as_date(period_end, "period_end"),
        )
        charge = rules.accounting_charge(requested, list(earlier))
    except rules.RuleInputError as exc:
        raise DomainError(exc.message, field=exc.field) from None
    pdf = _letter(org.name, individual_name.strip() or "the individual", accounting, charge)
    with transaction.atomic():
        kept = AccountingRecord.objects.create(
            organization=org,
            individual_key=key,
            requested_on=requested,
            period_start=accounting.period_start,
            period_end=accounting.period_end,
            listed=len(accounting.included),
            free=charge.free,
            produced_by=access.user,
        )
        record(
            Action.READ_SENSITIVE,
            actor=access.user,
            organization=org,
            target=kept,
            changes={
                "viewed": "disclosures of an individual",
                "listed": len(accounting.included),
                "excluded": len(accounting.excluded),
            },
        )
    return AccountingResult(accounting, charge, pdf)


def _letter(
    org_name: str, name: str, accounting: rules.Accounting, charge: rules.AccountingCharge
) -> bytes:
    import typst

    data = {
        "organization": org_name,
        "name": name,
        "requested_on": accounting.requested_on.isoformat(),
        "period_start": accounting.period_start.isoformat(),
        "period_end": accounting.period_end.isoformat(),
        "free": charge.free,
        "charge_reason": charge.reason,
        "disclosures": [
            {
                "date": d.disclosed_on.isoformat(),
                "recipient": d.recipient,
                "description": d.description,
                "purpose": d.purpose,
            }
            for d in accounting.included
        ],
    }
    stamp = timezone.now()
    pdf = typst.compile(
        TEMPLATE.read_bytes(),
        format="pdf",
        sys_inputs={"data": json.dumps(data)},
        ignore_system_fonts=True,
        timestamp=int(stamp.timestamp()),
    )
    assert isinstance(pdf, bytes)
    return pdf
