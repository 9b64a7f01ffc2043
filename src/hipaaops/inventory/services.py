"""All writes of the ePHI inventory. Each runs in one transaction with its audit entry and refuses
bad input with a ``DomainError`` naming the field: nothing is half-saved. Imports check every row
first and load nothing while any row is bad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from hipaaops.audit.services import record_create, record_delete, record_update, snapshot
from hipaaops.core.errors import ConflictError, DomainError
from hipaaops.core.inputs import input_date
from hipaaops.core.roles import Capability
from hipaaops.core.spreadsheet import TableError, read_table
from hipaaops.inventory import rules
from hipaaops.inventory.models import Asset, DataFlow
from hipaaops.organizations.access import OrgAccess, member_of
from hipaaops.organizations.models import Membership, Organization

MAX_IMPORT_ERRORS = 200

ASSET_FIELDS = (
    "name",
    "asset_type",
    "description",
    "owner",
    "hosting",
    "location",
    "holds_ephi",
    "ephi_kinds",
    "records",
    "encrypted_at_rest",
    "encrypted_in_transit",
    "backup",
    "criticality",
    "lifecycle",
    "vendor",
    "vendor_name",
)
FLOW_FIELDS = (
    "source",
    "target",
    "outside_party",
    "ephi_kinds",
    "protocol",
    "encrypted",
    "frequency",
    "description",
)


class Problems(Exception):
    """Every bad field of one record, as (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems[0][1])
        self.problems = problems


def _raise_first(exc: Problems) -> DomainError:
    field, message = exc.problems[0]
    return DomainError(message, field=field)


class _Checker:
    def __init__(self) -> None:
        self.clean: dict[str, Any] = {}
        self.problems: list[tuple[str, str]] = []

    def run(self, field: str, fn: Any, *args: Any, **kwargs: Any) -> None:
        try:
            self.clean[field] = fn(*args, **kwargs)
        except (rules.InventoryInputError, DomainError) as exc:
            self.problems.append((exc.field or field, exc.message))

    def done(self) -> dict[str, Any]:
        if self.problems:
            raise Problems(self.problems)
        return self.clean


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise rules.InventoryInputError(f"Give the {field.replace('_', ' ')}.", field)
    if len(text) > limit:
        raise rules.InventoryInputError(f"{field} is at most {limit} characters.", field)
    return text


def _records(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).replace(",", "").strip())
    except ValueError:
        raise rules.InventoryInputError("records is a whole number.", "records") from None
    if number < 0 or number > 2_000_000_000:
        raise rules.InventoryInputError("records is between 0 and 2,000,000,000.", "records")
    return number


def _owner(org: Organization, value: Any, members: dict[str, Membership] | None = None) -> Any:
    if value in (None, ""):
        return None
    if members is not None and isinstance(value, str) and "@" in value:
        found = members.get(value.strip().lower())
        if found is None:
            raise DomainError(f"The owner must be a member of {org.name}.", field="owner")
        return found.user
    return member_of(org, value, "owner").user


def _vendor(org: Organization, value: Any) -> Any:
    from hipaaops.vendors.models import Vendor

    if value in (None, ""):
        return None
    if isinstance(value, Vendor):
        value = value.pk
    found = None
    try:
        found = Vendor.objects.filter(organization=org, pk=int(value)).first()
    except (TypeError, ValueError):
        found = Vendor.objects.filter(organization=org, name__iexact=str(value).strip()).first()
    if found is None:
        raise DomainError(
            "The vendor must be in this organization's vendor registry; otherwise give its "
            "name as vendor_name.",
            field="vendor",
        )
    return found


def clean_asset(
    org: Organization,
    values: dict[str, Any],
    *,
    current: Asset | None,
    members: dict[str, Membership] | None = None,
) -> dict[str, Any]:
    unknown = set(values) - set(ASSET_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise Problems([(field, f"Unknown field {field}.")])
    c = _Checker()
    fresh = current is None
    if "name" in values or fresh:
        c.run("name", _text, values.get("name"), "name", 200, required=True)
    if "asset_type" in values or fresh:
        c.run("asset_type", rules.check_one, "asset_types", values.get("asset_type"), "asset_type")
    for field, limit in (("description", 5000), ("location", 200), ("vendor_name", 200)):
        if field in values:
            c.run(field, _text, values[field], field, limit)
    if "owner" in values:
        c.run("owner", _owner, org, values["owner"], members)
    if "hosting" in values:
        c.run("hosting", rules.check_one, "hosting", values["hosting"], "hosting")
    if "holds_ephi" in values:
        c.run("holds_ephi", rules.check_in, rules.TRISTATE, values["holds_ephi"], "holds_ephi")
    if "ephi_kinds" in values:
        c.run("ephi_kinds", rules.check_kinds, values["ephi_kinds"])
    if "records" in values:
        c.run("records", _records, values["records"])
    for field in ("encrypted_at_rest", "encrypted_in_transit"):
        if field in values:
            c.run(field, rules.check_in, rules.ENCRYPTION, values[field], field)
    if "backup" in values:
        c.run("backup", rules.check_one, "backup", values["backup"], "backup")
    if "criticality" in values:
        c.run("criticality", rules.check_one, "criticality", values["criticality"], "criticality")
    if "lifecycle" in values:
        if values["lifecycle"] == "disposed" and (
            current is None or current.lifecycle != "disposed"
        ):
            c.problems.append(("lifecycle", "Record the disposal to mark an asset disposed."))
        else:
            c.run("lifecycle", rules.check_in, rules.LIFECYCLE, values["lifecycle"], "lifecycle")
    if "vendor" in values:
        c.run("vendor", _vendor, org, values["vendor"])
    clean = c.done()
    name = clean.get("name")
    if name:
        clash = Asset.objects.filter(organization=org, name__iexact=name)
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            raise Problems([("name", f"There is already an asset named {name}.")])
    holds = clean.get("holds_ephi", current.holds_ephi if current else "unknown")
    kinds = clean.get("ephi_kinds", current.ephi_kinds if current else [])
    if holds == rules.NO and kinds:
        raise Problems([("ephi_kinds", "An asset holding no ePHI lists no kinds of ePHI.")])
    return clean


def _check_version(obj: Any, expected: int | None, what: str) -> None:
    if expected is not None and obj.version != expected:
        raise ConflictError(
            f"Someone else changed this {what} (now version {obj.version}); reload it.",
            field="version",
        )


def _save_with_entry(access: OrgAccess, obj: Any, before: dict[str, Any]) -> None:
    obj.version += 1
    obj.updated_at = timezone.now()
    obj.save()
    record_update(obj, before, actor=access.user, organization=access.organization)


def create_asset(access: OrgAccess, **values: Any) -> Asset:
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    try:
        clean = clean_asset(org, values, current=None)
    except Problems as exc:
        raise _raise_first(exc) from None
    with transaction.atomic():
        try:
            with transaction.atomic():
                asset = Asset.objects.create(organization=org, **clean)
        except IntegrityError:
            raise DomainError("There is already an asset with this name.", field="name") from None
        record_create(asset, actor=access.user, organization=org)
    return asset


def update_asset(
    access: OrgAccess, asset: Asset, *, expected_version: int | None = None, **values: Any
) -> Asset:
    access.require(Capability.EDIT_RECORDS)
    try:
        clean = clean_asset(access.organization, values, current=asset)
    except Problems as exc:
        raise _raise_first(exc) from None
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(
            pk=asset.pk, organization=access.organization
        )
        _check_version(locked, expected_version, "asset")
        if locked.lifecycle == "disposed":
            raise DomainError("A disposed asset is kept as it was disposed.", field="lifecycle")
        before = snapshot(locked)
        for key, value in clean.items():
            setattr(locked, key, value)
        _save_with_entry(access, locked, before)
    return locked


def dispose_asset(
    access: OrgAccess,
    asset: Asset,
    *,
    method: str,
    disposed_on: Any,
    performed_by: str,
    certificate: str = "",
    notes: str = "",
) -> Asset:
    """45 CFR 164.310(d)(2)(i): the final disposition of ePHI and of the hardware or media it was
    on, recorded with the method, the day, who did it and the certificate, if any."""
    access.require(Capability.EDIT_RECORDS)
    try:
        method = rules.check_one("disposal_methods", method, "method")
    except rules.InventoryInputError as exc:
        raise DomainError(exc.message, field=exc.field) from None
    day = input_date(disposed_on, "disposed_on", required=True)
    if day > timezone.localdate():
        raise DomainError("A disposal is recorded once it has happened.", field="disposed_on")
    who = str(performed_by or "").strip()
    if not who:
        raise DomainError("Say who performed the disposal.", field="performed_by")
    if method == "vendor_certificate" and not str(certificate).strip():
        raise DomainError("Give the certificate of destruction's reference.", field="certificate")
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(
            pk=asset.pk, organization=access.organization
        )
        if locked.lifecycle == "disposed":
            raise DomainError("This asset's disposal is already recorded.", field="method")
        before = snapshot(locked)
        locked.lifecycle = "disposed"
        locked.disposal = {
            "method": method,
            "on": day.isoformat(),
            "by": who[:200],
            "certificate": str(certificate).strip()[:200],
            "notes": str(notes).strip()[:2000],
            "recorded_by": access.user.email,
        }
        _save_with_entry(access, locked, before)
    return locked


# ---------------------------------------------------------------------------- flows


def _asset_ref(org: Organization, value: Any, field: str, by_name: dict[str, Asset] | None) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, Asset):
        value = value.pk
    if by_name is not None:
        found = by_name.get(str(value).strip().lower())
    else:
        try:
            found = Asset.objects.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            found = Asset.objects.filter(organization=org, name__iexact=str(value).strip()).first()
    if found is None or found.organization_id != org.pk:
        raise DomainError(f"{field}: no asset {value} in {org.name}.", field=field)
    return found


def clean_flow(
    org: Organization,
    values: dict[str, Any],
    *,
    current: DataFlow | None,
    by_name: dict[str, Asset] | None = None,
) -> dict[str, Any]:
    unknown = set(values) - set(FLOW_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise Problems([(field, f"Unknown field {field}.")])
    c = _Checker()
    fresh = current is None
    if "source" in values or fresh:
        c.run("source", _asset_ref, org, values.get("source"), "source", by_name)
        if c.clean.get("source") is None and not any(f == "source" for f, _ in c.problems):
            c.problems.append(("source", "Give the asset the ePHI leaves."))
    if "target" in values:
        # A flow's ends must both be ours: an asset of another organization is refused here.
        target = values["target"]
        if target not in (None, ""):
            try:
                other = Asset.objects.filter(pk=int(target)).exclude(organization=org).exists()
            except (TypeError, ValueError):
                other = False
            if other:
                c.problems.append(
                    ("target", "Both ends of a flow belong to the same organization.")
                )
            else:
                c.run("target", _asset_ref, org, target, "target", by_name)
        else:
            c.clean["target"] = None
    if "outside_party" in values:
        c.run("outside_party", _text, values["outside_party"], "outside_party", 200)
    if "ephi_kinds" in values:
        c.run("ephi_kinds", rules.check_kinds, values["ephi_kinds"])
    if "protocol" in values:
        c.run("protocol", _text, values["protocol"], "protocol", 80)
    if "encrypted" in values:
        c.run("encrypted", rules.check_in, rules.TRISTATE, values["encrypted"], "encrypted")
    if "frequency" in values:
        c.run("frequency", rules.check_one, "frequencies", values["frequency"], "frequency")
    if "description" in values:
        c.run("description", _text, values["description"], "description", 5000)
    clean = c.done()
    source = clean.get("source", current.source if current else None)
    target = clean.get("target", current.target if current else None)
    outside = clean.get("outside_party", current.outside_party if current else "")
    try:
        rules.check_flow_ends(
            source.organization_id if source else org.pk,
            target.organization_id if target else None,
            outside,
            bool(source and target and source.pk == target.pk),
        )
    except rules.InventoryInputError as exc:
        raise Problems([(exc.field, exc.message)]) from None
    return clean


def create_flow(access: OrgAccess, **values: Any) -> DataFlow:
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    try:
        clean = clean_flow(org, values, current=None)
    except Problems as exc:
        raise _raise_first(exc) from None
    with transaction.atomic():
        flow = DataFlow.objects.create(organization=org, **clean)
        record_create(flow, actor=access.user, organization=org)
    return flow


def update_flow(
    access: OrgAccess, flow: DataFlow, *, expected_version: int | None = None, **values: Any
) -> DataFlow:
    access.require(Capability.EDIT_RECORDS)
    try:
        clean = clean_flow(access.organization, values, current=flow)
    except Problems as exc:
        raise _raise_first(exc) from None
    with transaction.atomic():
        locked = DataFlow.objects.select_for_update().get(
            pk=flow.pk, organization=access.organization
        )
        _check_version(locked, expected_version, "flow")
        before = snapshot(locked)
        for key, value in clean.items():
            setattr(locked, key, value)
        _save_with_entry(access, locked, before)
    return locked


def delete_flow(access: OrgAccess, flow: DataFlow) -> None:
    access.require(Capability.EDIT_RECORDS)
    with transaction.atomic():
        record_delete(flow, actor=access.user, organization=access.organization)
        flow.delete()


# ---------------------------------------------------------------------------- imports

ASSET_COLUMNS = (*tuple(c for c in ASSET_FIELDS if c != "vendor_name"), "vendor_name")
FLOW_COLUMNS = FLOW_FIELDS


@dataclass
class ImportReport:
    kind: str
    rows: int
    errors: list[str]
    imported: bool


def _read(data: bytes, filename: str, columns: tuple[str, ...], required: tuple[str, ...]) -> Any:
    try:
        header, lines = read_table(data, filename)
    except TableError as exc:
        raise DomainError(str(exc), field="file") from None
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h and h not in columns]
    if missing or unknown:
        problem = f"missing column {missing[0]}" if missing else f"unknown column {unknown[0]}"
        raise DomainError(f"line 1: {problem}; the columns are {', '.join(columns)}.", field="file")
    return lines


def _collect(errors: list[str], line: int, problems: list[tuple[str, str]]) -> bool:
    errors.extend(f"line {line}, {field}: {message}" for field, message in problems)
    if len(errors) >= MAX_IMPORT_ERRORS:
        errors.append(f"stopped after {MAX_IMPORT_ERRORS} errors")
        return False
    return True


def import_assets(
    access: OrgAccess, data: bytes, *, filename: str = "assets.csv", dry_run: bool = False
) -> ImportReport:
    """Assets from CSV or XLSX. Every bad row is listed by line and column; nothing is loaded
    while any row is bad. ``owner`` is a member's e-mail; ``vendor`` a registry vendor's name."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    lines = _read(data, filename, ASSET_COLUMNS, ("name", "asset_type"))
    members = {
        m.user.email.lower(): m
        for m in Membership.objects.select_related("user").filter(organization=org)
    }
    seen: dict[str, int] = {}
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    for line, raw in lines:
        values = {k: v for k, v in raw.items() if k in ASSET_COLUMNS and v != ""}
        values.setdefault("name", "")
        values.setdefault("asset_type", "")
        problems: list[tuple[str, str]] = []
        try:
            clean = clean_asset(org, values, current=None, members=members)
        except Problems as exc:
            problems = exc.problems
            clean = {}
        name = str(values.get("name", "")).strip().lower()
        if name and name in seen:
            problems.append(("name", f"{values['name']} is also on line {seen[name]}"))
        if problems:
            if not _collect(errors, line, problems):
                break
            continue
        seen[name] = line
        rows.append(clean)
    if not errors and not rows:
        errors.append("the file has no rows")
    if errors or dry_run:
        return ImportReport("assets", len(rows), errors, False)
    with transaction.atomic():
        for clean in rows:
            asset = Asset.objects.create(organization=org, **clean)
            record_create(asset, actor=access.user, organization=org)
    return ImportReport("assets", len(rows), [], True)


def import_flows(
    access: OrgAccess, data: bytes, *, filename: str = "flows.csv", dry_run: bool = False
) -> ImportReport:
    """Data flows from CSV or XLSX; ``source`` and ``target`` name assets already inventoried."""
    access.require(Capability.EDIT_RECORDS)
    org = access.organization
    lines = _read(data, filename, FLOW_COLUMNS, ("source",))
    by_name = {a.name.lower(): a for a in Asset.objects.filter(organization=org)}
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    for line, raw in lines:
        values = {k: v for k, v in raw.items() if k in FLOW_COLUMNS and v != ""}
        values.setdefault("source", "")
        try:
            rows.append(clean_flow(org, values, current=None, by_name=by_name))
        except Problems as exc:
            if not _collect(errors, line, exc.problems):
                break
    if not errors and not rows:
        errors.append("the file has no rows")
    if errors or dry_run:
        return ImportReport("flows", len(rows), errors, False)
    with transaction.atomic():
        for clean in rows:
            flow = DataFlow.objects.create(organization=org, **clean)
            record_create(flow, actor=access.user, organization=org)
    return ImportReport("flows", len(rows), [], True)
