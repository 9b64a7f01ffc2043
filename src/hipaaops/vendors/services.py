"""All writes of the business associate program. Each runs in one transaction with its audit
entry and refuses bad input with a ``DomainError`` naming the field: nothing is half-saved."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from hipaaops.audit.models import Action
from hipaaops.audit.services import record, record_create, record_update, snapshot
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.core.inputs import input_date
from hipaaops.core.roles import Capability
from hipaaops.core.spreadsheet import TableError, read_table
from hipaaops.organizations.access import OrgAccess
from hipaaops.organizations.models import Organization
from hipaaops.safeguards import evidence
from hipaaops.safeguards.models import Document
from hipaaops.safeguards.services import atomic_with_files
from hipaaops.vendors import rules
from hipaaops.vendors.models import (
    Agreement,
    AgreementDocument,
    PhiAccess,
    Relationship,
    ReviewStatus,
    SecurityReview,
    Vendor,
    VendorSettings,
    VendorStatus,
    Verification,
)

AGREEMENT_KINDS = (evidence.PDF, evidence.DOCX)
REPORT_KINDS = (evidence.PDF,)
MAX_IMPORT_ERRORS = 200


def _today() -> date:
    return timezone.localdate()


def _fail(exc: rules.RuleInputError) -> DomainError:
    return DomainError(exc.message, field=exc.field)


def settings_of(org: Organization) -> VendorSettings:
    """The organization's settings, or the defaults (unsaved) until someone changes them: reading
    never writes."""
    return VendorSettings.objects.filter(organization=org).first() or VendorSettings(
        organization=org
    )


def update_settings(
    access: OrgAccess, *, expiring_window_days: int, link_days: int
) -> VendorSettings:
    access.require(Capability.APPROVE)
    if not 1 <= int(expiring_window_days) <= 365:
        raise DomainError("The window is 1 to 365 days.", field="expiring_window_days")
    if not 1 <= int(link_days) <= 90:
        raise DomainError("A link lasts 1 to 90 days.", field="link_days")
    with transaction.atomic():
        found, _ = VendorSettings.objects.select_for_update().get_or_create(
            organization=access.organization
        )
        before = snapshot(found)
        found.expiring_window_days = int(expiring_window_days)
        found.link_days = int(link_days)
        found.save()
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=found,
            changes={"before": before, "after": snapshot(found)},
        )
    return found


# ---------------------------------------------------------------------------- vendors

VENDOR_FIELDS = (
    "name",
    "relationship",
    "services",
    "phi_access",
    "phi_kinds",
    "locations",
    "offshore",
    "operates",
    "contacts",
    "review_months",
)


def _clean_vendor(
    org: Organization, values: dict[str, Any], *, parent: Vendor | None, current: Vendor | None
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    unknown = set(values) - set(VENDOR_FIELDS) - {"parent"}
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"Unknown field {field}.", field=field)
    if "name" in values or current is None:
        name = str(values.get("name") or "").strip()
        if not name:
            raise DomainError("Give the vendor's name.", field="name")
        if len(name) > 200:
            raise DomainError("The name is at most 200 characters.", field="name")
        clash = Vendor.objects.filter(organization=org, name__iexact=name)
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            raise DomainError(f"There is already a vendor named {name}.", field="name")
        clean["name"] = name
    if "relationship" in values:
        if values["relationship"] not in Relationship.values:
            raise DomainError(
                f"Relationship must be one of {', '.join(Relationship.values)}.",
                field="relationship",
            )
        clean["relationship"] = values["relationship"]
    relationship = clean.get("relationship") or (current.relationship if current else "vendor")
    if relationship == Relationship.UPSTREAM and org.entity_type != "business_associate":
        raise DomainError(
            "Only a business associate serves covered entities upstream; set the "
            "organization's type first.",
            field="relationship",
        )
    if parent is not None:
        if relationship == Relationship.UPSTREAM:
            raise DomainError("A covered entity we serve has no parent vendor.", field="parent")
        node: Vendor | None = parent
        while node is not None:
            if current is not None and node.pk == current.pk:
                raise DomainError("A vendor cannot be its own subcontractor.", field="parent")
            node = node.parent
    if "phi_access" in values:
        if values["phi_access"] not in PhiAccess.values:
            raise DomainError(
                f"PHI access must be one of {', '.join(PhiAccess.values)}.", field="phi_access"
            )
        clean["phi_access"] = values["phi_access"]
    if "phi_kinds" in values:
        kinds = values["phi_kinds"]
        if isinstance(kinds, str):
            kinds = [k.strip() for k in kinds.replace(";", ",").split(",")]
        clean["phi_kinds"] = [str(k).strip()[:80] for k in kinds or [] if str(k).strip()]
    for text_field, limit in (("services", 5000), ("locations", 300), ("operates", 5000)):
        if text_field in values:
            clean[text_field] = str(values[text_field] or "").strip()[:limit]
    if "offshore" in values:
        clean["offshore"] = bool(values["offshore"])
    if "contacts" in values:
        contacts = values["contacts"] or []
        if not isinstance(contacts, list) or not all(isinstance(c, dict) for c in contacts):
            raise DomainError(
                "Contacts are a list of {name, email, phone, role}.", field="contacts"
            )
        clean["contacts"] = [
            {k: str(c.get(k) or "").strip()[:200] for k in ("name", "email", "phone", "role")}
            for c in contacts
            if any(c.values())
        ]
    if "review_months" in values and values["review_months"] not in (None, ""):
        try:
            months = int(values["review_months"])
        except (TypeError, ValueError):
            raise DomainError("Review every 1 to 36 months.", field="review_months") from None
        if not 1 <= months <= 36:
            raise DomainError("Review every 1 to 36 months.", field="review_months")
        clean["review_months"] = months
    return clean


def _parent(org: Organization, parent: Any) -> Vendor | None:
    if parent in (None, ""):
        return None
    if isinstance(parent, Vendor):
        if parent.organization_id != org.pk:
            raise DomainError("No such vendor in this organization.", field="parent")
        return parent
    found = (
        Vendor.objects.filter(organization=org, pk=parent).first()
        if str(parent).isdigit()
        else None
    )
    if found is None:
        found = Vendor.objects.filter(organization=org, name__iexact=str(parent).strip()).first()
    if found is None:
        raise DomainError(f"No vendor {parent} in this organization.", field="parent")
    return found


def create_vendor(access: OrgAccess, **values: Any) -> Vendor:
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    parent = _parent(org, values.pop("parent", None))
    clean = _clean_vendor(org, values, parent=parent, current=None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                vendor = Vendor.objects.create(organization=org, parent=parent, **clean)
        except IntegrityError:
            raise DomainError("There is already a vendor with this name.", field="name") from None
        record_create(vendor, actor=access.user, organization=org)
    return vendor


def _locked_vendor(access: OrgAccess, vendor: Vendor, expected_version: int | None) -> Vendor:
    locked = Vendor.objects.select_for_update().get(pk=vendor.pk, organization=access.organization)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            f"Someone else changed this vendor (now version {locked.version}); reload it.",
            field="version",
        )
    return locked


def _save_with_entry(access: OrgAccess, obj: Any, before: dict[str, Any]) -> None:
    obj.version += 1
    obj.updated_at = timezone.now()
    obj.save()
    record_update(obj, before, actor=access.user, organization=access.organization)


def update_vendor(
    access: OrgAccess, vendor: Vendor, *, expected_version: int | None = None, **values: Any
) -> Vendor:
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    has_parent = "parent" in values
    parent = _parent(org, values.pop("parent", None)) if has_parent else vendor.parent
    clean = _clean_vendor(org, values, parent=parent, current=vendor)
    with transaction.atomic():
        locked = _locked_vendor(access, vendor, expected_version)
        before = snapshot(locked)
        for key, value in clean.items():
            setattr(locked, key, value)
        locked.parent = parent
        _save_with_entry(access, locked, before)
    return locked


def offboard_vendor(access: OrgAccess, vendor: Vendor, *, reason: str) -> Vendor:
    """A vendor we no longer use. Its agreements stay (six years, 164.316(b)(2)); one still in
    force must be terminated first, so that return or destruction of PHI is tracked."""
    access.require(Capability.EDIT_RECORDS)
    if not (reason or "").strip():
        raise DomainError("Say why the vendor is offboarded.", field="reason")
    window = settings_of(access.organization).expiring_window_days
    for agreement in vendor.agreements.all():
        if rules.in_force(rules.status_on(agreement.terms, _today(), window)):
            raise DomainError(
                f"Terminate {agreement.title} first, so that the return or destruction of PHI "
                "is tracked (45 CFR 164.504(e)(2)(ii)(J)).",
                field="reason",
            )
    with transaction.atomic():
        locked = _locked_vendor(access, vendor, None)
        before = snapshot(locked)
        locked.status = VendorStatus.OFFBOARDED
        _save_with_entry(access, locked, before)
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=locked,
            changes={"offboarded": reason.strip()[:1000]},
        )
    return locked


DETERMINATION_FIELDS = tuple(
    f for f in rules.DeterminationFacts.__dataclass_fields__ if f != "we_are_business_associate"
)


def record_determination(
    access: OrgAccess, vendor: Vendor, *, note: str = "", **answers: Any
) -> Vendor:
    """The guided determination (45 CFR 160.103): the answers, the outcome and its reasons."""
    access.require(Capability.EDIT_RECORDS)
    unknown = set(answers) - set(DETERMINATION_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"Unknown question {field}.", field=field)
    if "handles_phi" not in answers:
        raise DomainError(
            "Say whether the vendor creates, receives, maintains or transmits PHI for us.",
            field="handles_phi",
        )
    if vendor.relationship == Relationship.UPSTREAM:
        raise DomainError(
            "A covered entity we serve is not our business associate; record our agreement "
            "with it instead.",
            field="handles_phi",
        )
    facts = rules.DeterminationFacts(
        **{k: bool(v) for k, v in answers.items()},
        we_are_business_associate=access.organization.entity_type == "business_associate",
    )
    result = rules.determine(facts)
    with transaction.atomic():
        locked = _locked_vendor(access, vendor, None)
        before = snapshot(locked)
        locked.outcome = result.outcome.value
        locked.determination = {
            "facts": {k: getattr(facts, k) for k in rules.DeterminationFacts.__dataclass_fields__},
            "outcome": result.outcome.value,
            "reasons": list(result.reasons),
            "note": (note or "").strip()[:5000],
            "by": access.user.email if access.user else "",
            "on": _today().isoformat(),
        }
        _save_with_entry(access, locked, before)
    return locked


# ---------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    rows: int
    errors: list[str]
    imported: bool


IMPORT_COLUMNS = (
    "name",
    "services",
    "phi_access",
    "phi_kinds",
    "locations",
    "offshore",
    "parent",
    "contact_name",
    "contact_email",
    "operates",
)
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}


def import_vendors(
    access: OrgAccess, data: bytes, *, filename: str = "vendors.csv", dry_run: bool = False
) -> ImportReport:
    """Vendors from CSV or XLSX. Every bad row is listed by line and column; nothing is loaded
    while any row is bad. A parent may be a vendor already here or one earlier in the file."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    try:
        header, lines = read_table(data, filename)
    except TableError as exc:
        raise DomainError(str(exc), field="file") from None
    missing = [c for c in ("name",) if c not in header]
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if missing or unknown:
        problem = f"missing column {missing[0]}" if missing else f"unknown column {unknown[0]}"
        raise DomainError(
            f"line 1: {problem}; the columns are {', '.join(IMPORT_COLUMNS)}.", field="file"
        )
    existing = {
        n.lower() for n in Vendor.objects.filter(organization=org).values_list("name", flat=True)
    }
    seen: dict[str, int] = {}
    errors: list[str] = []
    rows: list[tuple[dict[str, Any], str]] = []
    for line, raw in lines:
        problems = []
        name = raw.get("name", "")
        if not name:
            problems.append("name: give the vendor's name")
        elif len(name) > 200:
            problems.append("name: at most 200 characters")
        elif name.lower() in existing:
            problems.append(f"name: {name} is already a vendor")
        elif name.lower() in seen:
            problems.append(f"name: {name} is also on line {seen[name.lower()]}")
        access_level = (raw.get("phi_access") or "none").lower()
        if access_level not in PhiAccess.values:
            problems.append(f"phi_access: must be one of {', '.join(PhiAccess.values)}")
        offshore = (raw.get("offshore") or "").lower()
        if offshore not in TRUE | FALSE:
            problems.append("offshore: yes or no")
        email = raw.get("contact_email", "")
        if email and ("@" not in email or " " in email):
            problems.append("contact_email: not an e-mail address")
        parent = raw.get("parent", "")
        if parent and parent.lower() not in existing and parent.lower() not in seen:
            problems.append(f"parent: no vendor {parent} here or earlier in the file")
        if parent and parent.lower() == name.lower():
            problems.append("parent: a vendor cannot be its own subcontractor")
        if problems:
            errors.extend(f"line {line}, {p}" for p in problems)
            if len(errors) >= MAX_IMPORT_ERRORS:
                errors.append(f"stopped after {MAX_IMPORT_ERRORS} errors")
                break
            continue
        seen[name.lower()] = line
        contact = {"name": raw.get("contact_name", ""), "email": email, "phone": "", "role": ""}
        rows.append(
            (
                {
                    "name": name,
                    "services": raw.get("services", "")[:5000],
                    "phi_access": access_level,
                    "phi_kinds": [
                        k.strip()[:80]
                        for k in raw.get("phi_kinds", "").replace(";", ",").split(",")
                        if k.strip()
                    ],
                    "locations": raw.get("locations", "")[:300],
                    "offshore": offshore in TRUE,
                    "operates": raw.get("operates", "")[:5000],
                    "contacts": [contact] if contact["name"] or contact["email"] else [],
                },
                parent,
            )
        )
    if not errors and not rows:
        errors.append("the file has no rows")
    if errors or dry_run:
        return ImportReport(len(rows), errors, False)
    with transaction.atomic():
        by_name = {v.name.lower(): v for v in Vendor.objects.filter(organization=org)}
        for values, parent in rows:
            vendor = Vendor.objects.create(
                organization=org, parent=by_name.get(parent.lower()) if parent else None, **values
            )
            by_name[vendor.name.lower()] = vendor
            record_create(vendor, actor=access.user, organization=org)
    return ImportReport(len(rows), [], True)


# ---------------------------------------------------------------------------- agreements

AGREEMENT_FIELDS = (
    "title",
    "parties",
    "signatories",
    "effective_on",
    "expires_on",
    "auto_renews",
    "renewal_months",
    "breach_report_days",
    "breach_report_day_kind",
)


def _clean_agreement(values: dict[str, Any], current: Agreement | None) -> dict[str, Any]:
    unknown = set(values) - set(AGREEMENT_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"Unknown field {field}.", field=field)
    clean: dict[str, Any] = {}
    if "title" in values or current is None:
        title = str(values.get("title") or "").strip()
        if not title:
            raise DomainError("Give the agreement a title.", field="title")
        clean["title"] = title[:200]
    if "parties" in values:
        clean["parties"] = str(values["parties"] or "").strip()[:2000]
    if "signatories" in values:
        signatories = values["signatories"] or []
        if not isinstance(signatories, list) or not all(isinstance(s, dict) for s in signatories):
            raise DomainError(
                "Signatories are a list of {name, title, party, signed_on}.", field="signatories"
            )
        clean["signatories"] = []
        for i, s in enumerate(signatories):
            signed = input_date(s.get("signed_on"), f"signatories.{i}.signed_on", required=False)
            clean["signatories"].append(
                {
                    **{k: str(s.get(k) or "").strip()[:200] for k in ("name", "title", "party")},
                    "signed_on": signed.isoformat() if signed else "",
                }
            )
    for field in ("effective_on", "expires_on"):
        if field in values:
            clean[field] = input_date(values[field], field, required=False)
    if "auto_renews" in values:
        clean["auto_renews"] = bool(values["auto_renews"])
    # The reporting limit's bounds are the rule's (rules.reporting_calendar_days, below).
    for field, top in (("renewal_months", 120), ("breach_report_days", None)):
        if field in values:
            value = values[field]
            if value in (None, ""):
                clean[field] = None
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise DomainError(
                    f"The {field.replace('_', ' ')} is a whole number.", field=field
                ) from None
            if top is not None and not 0 <= number <= top:
                raise DomainError(f"The {field.replace('_', ' ')} is 0 to {top}.", field=field)
            clean[field] = number
    if "breach_report_day_kind" in values:
        clean["breach_report_day_kind"] = values["breach_report_day_kind"] or "calendar"
    days = clean.get("breach_report_days", current.breach_report_days if current else None)
    kind = clean.get(
        "breach_report_day_kind", current.breach_report_day_kind if current else "calendar"
    )
    try:
        rules.reporting_calendar_days(days, kind)
    except rules.RuleInputError as exc:
        raise _fail(exc) from None
    return clean


def _check_terms(agreement: Agreement) -> None:
    try:
        rules.check_terms(agreement.terms)
    except rules.RuleInputError as exc:
        raise _fail(exc) from None


def create_agreement(access: OrgAccess, vendor: Vendor, **values: Any) -> Agreement:
    """An agreement with a vendor (its business associate agreement, or for a business
    associate its subcontractor agreement, 164.504(e)(5)) or with a covered entity we serve."""
    access.require(Capability.EDIT_RECORDS)
    if vendor.organization_id != access.organization.pk:
        raise DomainError("No such vendor in this organization.", field="vendor")
    stage = values.pop("stage", rules.AgreementStatus.NEEDED)
    if stage not in rules.STAGES or stage == rules.AgreementStatus.TERMINATED:
        raise DomainError(
            "A new agreement is needed, requested, in review or signed.", field="stage"
        )
    clean = _clean_agreement(values, None)
    agreement = Agreement(organization=access.organization, vendor=vendor, stage=stage, **clean)
    _check_terms(agreement)
    with transaction.atomic():
        agreement.save()
        record_create(agreement, actor=access.user, organization=access.organization)
    return agreement


def _locked_agreement(
    access: OrgAccess, agreement: Agreement, expected_version: int | None
) -> Agreement:
    locked = Agreement.objects.select_for_update().get(
        pk=agreement.pk, organization=access.organization
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            f"Someone else changed this agreement (now version {locked.version}); reload it.",
            field="version",
        )
    return locked


def _fresh(access: OrgAccess, agreement: Agreement) -> Agreement:
    """The agreement as stored now, so that checks never run on a stale copy."""
    return Agreement.objects.get(pk=agreement.pk, organization=access.organization)


def update_agreement(
    access: OrgAccess, agreement: Agreement, *, expected_version: int | None = None, **values: Any
) -> Agreement:
    access.require(Capability.EDIT_RECORDS)
    agreement = _fresh(access, agreement)
    if agreement.stage == rules.AgreementStatus.TERMINATED:
        raise DomainError("A terminated agreement is kept as it was.", field="title")
    clean = _clean_agreement(values, agreement)
    with transaction.atomic():
        locked = _locked_agreement(access, agreement, expected_version)
        before = snapshot(locked)
        for key, value in clean.items():
            setattr(locked, key, value)
        _check_terms(locked)
        _save_with_entry(access, locked, before)
    return locked


def move_agreement(access: OrgAccess, agreement: Agreement, *, stage: str) -> Agreement:
    """Move an agreement to its next stage: needed, requested, in review, signed."""
    access.require(Capability.EDIT_RECORDS)
    agreement = _fresh(access, agreement)
    current = rules.AgreementStatus(agreement.stage)
    if stage == rules.AgreementStatus.TERMINATED:
        raise DomainError("Terminate through the termination form.", field="stage")
    if stage not in rules.NEXT_STAGES[current]:
        allowed = ", ".join(rules.NEXT_STAGES[current]) or "none"
        raise DomainError(
            f"From {current.value} the agreement can move to: {allowed}.", field="stage"
        )
    with transaction.atomic():
        locked = _locked_agreement(access, agreement, None)
        before = snapshot(locked)
        locked.stage = stage
        _check_terms(locked)
        _save_with_entry(access, locked, before)
    return locked


def set_provisions(access: OrgAccess, agreement: Agreement, checklist: dict[str, Any]) -> Agreement:
    """Mark required provisions present (with the page or section), missing or not applicable
    (with the reason). Keys not given keep their state."""
    access.require(Capability.EDIT_RECORDS)
    agreement = _fresh(access, agreement)
    try:
        clean = rules.check_checklist(checklist)
    except rules.RuleInputError as exc:
        raise _fail(exc) from None
    with transaction.atomic():
        locked = _locked_agreement(access, agreement, None)
        before = snapshot(locked)
        merged = dict(locked.provisions or {})
        merged.update(clean)
        locked.provisions = merged
        _save_with_entry(access, locked, before)
    return locked


def add_agreement_document(
    access: OrgAccess, agreement: Agreement, upload: Any, *, note: str = ""
) -> AgreementDocument:
    """A new version of the agreement's document: PDF or DOCX only, hashed; older ones stay."""
    from hipaaops.safeguards.services import store_document

    access.require(Capability.EDIT_RECORDS)
    with atomic_with_files() as stored:
        locked = _locked_agreement(access, agreement, None)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        document = store_document(
            access.organization,
            upload,
            title=f"{locked.title}, version {number}",
            user=access.user,
            accepted=AGREEMENT_KINDS,
        )
        stored.append(document)
        version = AgreementDocument.objects.create(
            organization=access.organization,
            agreement=locked,
            number=number,
            document=document,
            note=(note or "").strip()[:300],
        )
        record_create(version, actor=access.user, organization=access.organization)
    return version


def terminate_agreement(
    access: OrgAccess, agreement: Agreement, *, terminated_on: Any, reason: str
) -> Agreement:
    """End an agreement; the return or destruction of PHI is then tracked to a certificate."""
    access.require(Capability.EDIT_RECORDS)
    agreement = _fresh(access, agreement)
    ended = input_date(terminated_on, "terminated_on")
    if not (reason or "").strip():
        raise DomainError("Say why the agreement ends.", field="reason")
    if agreement.stage == rules.AgreementStatus.TERMINATED:
        raise DomainError("The agreement is already terminated.", field="terminated_on")
    if agreement.effective_on and ended < agreement.effective_on:
        raise DomainError("An agreement cannot end before it took effect.", field="terminated_on")
    if ended > _today():
        raise DomainError(
            "Record a termination on or after the day it happens.", field="terminated_on"
        )
    with transaction.atomic():
        locked = _locked_agreement(access, agreement, None)
        before = snapshot(locked)
        locked.stage = rules.AgreementStatus.TERMINATED
        locked.terminated_on = ended
        locked.termination_reason = reason.strip()[:5000]
        locked.disposition = {"method": "", "confirmed_on": "", "note": ""}
        _save_with_entry(access, locked, before)
    return locked


DISPOSITION_METHODS = {
    "returned": "Returned to us",
    "destroyed": "Destroyed",
    "infeasible": "Return or destruction infeasible; protections extended (164.504(e)(2)(ii)(J))",
}


def record_disposition(
    access: OrgAccess,
    agreement: Agreement,
    *,
    method: str,
    confirmed_on: Any,
    note: str = "",
    certificate: Any = None,
) -> Agreement:
    """The return or destruction of PHI after termination (164.504(e)(2)(ii)(J)), with the
    vendor's certificate (PDF). Infeasibility needs its explanation instead."""
    from hipaaops.safeguards.services import store_document

    access.require(Capability.EDIT_RECORDS)
    agreement = _fresh(access, agreement)
    if agreement.stage != rules.AgreementStatus.TERMINATED:
        raise DomainError("Terminate the agreement first.", field="method")
    if method not in DISPOSITION_METHODS:
        raise DomainError(
            f"Method must be one of {', '.join(DISPOSITION_METHODS)}.", field="method"
        )
    confirmed = input_date(confirmed_on, "confirmed_on")
    if agreement.terminated_on and confirmed < agreement.terminated_on:
        raise DomainError("Confirmation comes after the termination.", field="confirmed_on")
    if method == "infeasible" and not (note or "").strip():
        raise DomainError(
            "Explain why return or destruction is infeasible and how the protections continue.",
            field="note",
        )
    if method != "infeasible" and certificate is None and agreement.certificate_id is None:
        raise DomainError(
            "Upload the vendor's certificate of return or destruction.", field="certificate"
        )
    with atomic_with_files() as stored:
        locked = _locked_agreement(access, agreement, None)
        before = snapshot(locked)
        if certificate is not None:
            document = store_document(
                access.organization,
                certificate,
                title=f"{locked.title}: certificate of {method}",
                user=access.user,
                accepted=(evidence.PDF,),
            )
            stored.append(document)
            locked.certificate = document
        locked.disposition = {
            "method": method,
            "confirmed_on": confirmed.isoformat(),
            "note": (note or "").strip()[:5000],
        }
        _save_with_entry(access, locked, before)
    return locked


def record_verification(
    access: OrgAccess,
    agreement: Agreement,
    *,
    received_on: Any,
    note: str = "",
    upload: Any = None,
) -> Verification:
    """A written verification of technical safeguards received from the business associate
    (proposed 164.308(b)(1), 90 FR 898)."""
    from hipaaops.safeguards.services import store_document

    access.require(Capability.EDIT_RECORDS)
    agreement = _fresh(access, agreement)
    received = input_date(received_on, "received_on")
    if received > _today():
        raise DomainError("A verification cannot be received in the future.", field="received_on")
    document: Document | None = None
    with atomic_with_files() as stored:
        if upload is not None:
            document = store_document(
                access.organization,
                upload,
                title=f"{agreement.title}: verification {received.isoformat()}",
                user=access.user,
                accepted=AGREEMENT_KINDS,
            )
            stored.append(document)
        found = Verification.objects.create(
            organization=access.organization,
            agreement=agreement,
            received_on=received,
            document=document,
            note=(note or "").strip()[:5000],
            recorded_by=access.user,
        )
        record_create(found, actor=access.user, organization=access.organization)
    return found


# ---------------------------------------------------------------------------- security reviews


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_questionnaire(
    access: OrgAccess, vendor: Vendor, *, sent_to: str, due_on: Any = None, base_url: str = ""
) -> tuple[SecurityReview, str]:
    """A review link for one vendor of one organization: single use, expiring. Returns the review
    and the link's token, shown once (only its hash is kept); the e-mail goes on commit."""
    from django.conf import settings as django_settings
    from django.core.mail import send_mail

    access.require(Capability.EDIT_RECORDS)
    sent_to = (sent_to or "").strip()
    if "@" not in sent_to or " " in sent_to or len(sent_to) > 254:
        raise DomainError("Give the vendor contact's e-mail address.", field="sent_to")
    if vendor.status != VendorStatus.ACTIVE:
        raise DomainError("The vendor is offboarded.", field="sent_to")
    link_days = settings_of(access.organization).link_days
    due = input_date(due_on, "due_on", required=False) or (_today() + timedelta(days=link_days))
    if due < _today():
        raise DomainError("The due date is in the past.", field="due_on")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        review = SecurityReview.objects.create(
            organization=access.organization,
            vendor=vendor,
            token_hash=_hash(token),
            sent_to=sent_to,
            sent_at=now,
            link_expires_at=now + timedelta(days=link_days),
            due_on=due,
            requested_by=access.user,
        )
        record_create(review, actor=access.user, organization=access.organization)
        org_name = access.organization.name

        def mail() -> None:
            from django.urls import reverse

            path = reverse("vendor_questionnaire", args=[token])
            base = base_url.rstrip("/")
            send_mail(
                subject=f"{org_name}: security review questionnaire",
                message=(
                    f"{org_name} asks you to answer its vendor security questionnaire by "
                    f"{due.isoformat()}.\n\n{base}{path}\n\nThe link works once and expires on "
                    f"{review.link_expires_at:%Y-%m-%d}."
                ),
                from_email=django_settings.DEFAULT_FROM_EMAIL,
                recipient_list=[sent_to],
            )

        transaction.on_commit(mail)
    return review, token


class LinkRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def review_for_link(token: str) -> SecurityReview:
    """The review a link opens, or ``LinkRefused`` with a message for the vendor. Refusals are
    recorded against the organization when the link was one of its own."""
    review = (
        SecurityReview.objects.select_related("vendor", "organization")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    if review is None:
        raise LinkRefused("This link is not valid. Ask the organization for a new one.")
    reason = ""
    if review.used_at is not None:
        reason = "This link has been used already: the answers were sent. Each link works once."
    elif review.status == ReviewStatus.CANCELLED:
        reason = "This request was withdrawn by the organization."
    elif review.link_expires_at and review.link_expires_at < timezone.now():
        reason = (
            f"This link expired on {timezone.localtime(review.link_expires_at):%Y-%m-%d}. "
            "Ask the organization for a new one."
        )
    if reason:
        with transaction.atomic():
            record(
                Action.SYSTEM,
                actor=None,
                organization=review.organization,
                target=review,
                changes={"link_refused": reason},
            )
        raise LinkRefused(reason)
    return review


def submit_answers(
    token: str,
    *,
    respondent: dict[str, str],
    answers: dict[str, Any],
    comments: dict[str, str],
    reports: list[dict[str, Any]],
) -> SecurityReview:
    """The vendor's answers through its link: checked whole, stored once, the link spent.
    ``reports`` are {kind, expires_on, upload}; each upload lands as a document (PDF)."""
    from hipaaops.safeguards.services import store_document

    review = review_for_link(token)
    if not (respondent.get("name") or "").strip():
        raise DomainError("Give your name.", field="respondent_name")
    try:
        clean = rules.check_answers(answers)
    except rules.RuleInputError as exc:
        raise _fail(exc) from None
    kinds = rules.questionnaire().report_types
    with atomic_with_files() as stored:
        locked = SecurityReview.objects.select_for_update().get(pk=review.pk)
        if locked.used_at is not None:
            raise LinkRefused("This link has been used already. Each link works once.")
        kept_reports = []
        for i, report in enumerate(reports):
            kind = report.get("kind") or ""
            if kind not in kinds:
                raise DomainError("Choose the kind of report.", field=f"reports.{i}.kind")
            expires = input_date(
                report.get("expires_on"), f"reports.{i}.expires_on", required=False
            )
            document_id = None
            if report.get("upload") is not None:
                document = store_document(
                    locked.organization,
                    report["upload"],
                    title=f"{locked.vendor.name}: {kinds[kind]}",
                    user=None,
                    accepted=REPORT_KINDS,
                )
                stored.append(document)
                locked.documents.add(document)
                document_id = document.pk
            kept_reports.append(
                {
                    "kind": kind,
                    "expires_on": expires.isoformat() if expires else "",
                    "document_id": document_id,
                }
            )
        locked.respondent = {
            k: str(respondent.get(k) or "").strip()[:200] for k in ("name", "title", "email")
        }
        locked.answers = clean
        locked.comments = {
            k: str(v).strip()[:2000] for k, v in comments.items() if k in clean and str(v).strip()
        }
        locked.reports = kept_reports
        locked.used_at = timezone.now()
        locked.submitted_at = locked.used_at
        locked.status = ReviewStatus.SUBMITTED
        _score(locked)
        locked.save()
        record(
            Action.UPDATE,
            actor=None,
            organization=locked.organization,
            target=locked,
            changes={
                "submitted_by": locked.respondent.get("name"),
                "answers": clean,
                "reports": kept_reports,
                "tier": locked.tier,
            },
        )
    return locked


def _reports(review: SecurityReview) -> list[rules.AuditReport]:
    return [
        rules.AuditReport(
            r["kind"], date.fromisoformat(r["expires_on"]) if r.get("expires_on") else None
        )
        for r in review.reports
    ]


def _score(review: SecurityReview) -> None:
    result = rules.tier_for(
        review.answers,
        _reports(review),
        _today(),
        phi_access=review.vendor.phi_access,
        offshore=review.vendor.offshore,
    )
    review.tier, review.points, review.reasons = result.tier, result.points, list(result.reasons)


def decide_review(
    access: OrgAccess, review: SecurityReview, *, accept: bool, note: str = ""
) -> SecurityReview:
    """Accept the answers (the vendor takes the tier, the next review falls due) or return them
    with a note (a new link is then needed)."""
    access.require(Capability.APPROVE)
    if not accept and not (note or "").strip():
        raise DomainError("Say what the vendor should fix.", field="note")
    with transaction.atomic():
        locked = SecurityReview.objects.select_for_update().get(
            pk=review.pk, organization=access.organization
        )
        if locked.status != ReviewStatus.SUBMITTED:
            raise DomainError("Only answered reviews are accepted or returned.", field="accept")
        _score(locked)  # the tier as of the decision: an audit report may have expired since
        locked.status = ReviewStatus.ACCEPTED if accept else ReviewStatus.RETURNED
        locked.decided_by = access.user
        locked.decided_at = timezone.now()
        locked.decision_note = (note or "").strip()[:5000]
        locked.save()
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=locked,
            changes={"status": locked.status, "tier": locked.tier, "note": locked.decision_note},
        )
        if accept:
            vendor = _locked_vendor(access, locked.vendor, None)
            before = snapshot(vendor)
            vendor.risk_tier = locked.tier
            vendor.tier_reasons = locked.reasons
            vendor.last_reviewed_on = _today()
            _save_with_entry(access, vendor, before)
    return locked


def cancel_review(access: OrgAccess, review: SecurityReview) -> SecurityReview:
    access.require(Capability.EDIT_RECORDS)
    with transaction.atomic():
        locked = SecurityReview.objects.select_for_update().get(
            pk=review.pk, organization=access.organization
        )
        if locked.status != ReviewStatus.SENT or locked.used_at is not None:
            raise DomainError(
                "Only a review still with the vendor can be cancelled.", field="status"
            )
        locked.status = ReviewStatus.CANCELLED
        locked.save(update_fields=["status"])
        record(
            Action.UPDATE,
            actor=access.user,
            organization=access.organization,
            target=locked,
            changes={"status": "cancelled"},
        )
    return locked
