"""The regulatory catalog as plain data: HIPAA Security, Breach Notification and Privacy Rule
provisions, NIST SP 800-66r2 key activities, the proposed 2025 Security Rule update and the civil
money penalty schedules.

Pure Python (standard library only, no Django). The JSON files in ``data/`` are read once with
``importlib.resources`` (so they work from an installed wheel) and turned into frozen
dataclasses; a file with a missing or unknown key fails loudly with :class:`CatalogDataError`.

Citations are written without the section sign, e.g. ``164.312(a)(2)(iv)``; see
:func:`normalize_citation`. A Security Rule entry may have *aliases*, other citations in use for
it (``164.308(a)(1)`` for the standard at ``164.308(a)(1)(i)``; Appendix A's ``164.308(b)(1)``
for the written-contract specification now at ``164.308(b)(3)``). :func:`entry` looks up
canonical citations first, then aliases.

Applicability vocabulary (``Entry.applicability``; ``None`` means every covered entity and
business associate, 45 CFR 164.302):

``clearinghouse_in_larger_org``
    Only a health care clearinghouse that is part of a larger organization
    (45 CFR 164.308(a)(4)(ii)(A)).
``group_health_plan``
    Only a group health plan (45 CFR 164.314(b)).
``business_associate_or_covered_entity_with_ba``
    A business associate (a party to a business associate contract), or a covered entity that
    has business associates (45 CFR 164.308(b)(1)-(2), 164.314(a)).
``business_associate_with_subcontractors``
    Only a business associate that has subcontractors handling ePHI
    (45 CFR 164.308(b)(2), 164.314(a)(2)(iii)).

Deadline vocabulary (``Deadline.kind``): ``no_later_than`` (act within the period),
``contemporaneous`` (at the same time as another notice, named in ``alongside``),
``minimum_period`` (keep something up for at least the period), ``maximum_delay`` (a delay may
last at most the period), ``retention`` (keep records for the period) and ``lookback`` (the
period a report covers). ``Deadline.from_event`` (JSON ``from``) is one of ``discovery``,
``end_of_calendar_year``, ``posting``, ``oral_statement``, ``receipt_of_request``, ``request``,
``material_revision`` and ``creation_or_last_effective_date``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "hipaaops.catalog.regulation.data"

KINDS = ("standard", "implementation_specification")
REQUIREMENTS = ("required", "addressable")
FAMILIES = ("administrative", "physical", "technical", "organizational", "documentation")
FAMILY_LABELS = {
    "administrative": "Administrative safeguards",
    "physical": "Physical safeguards",
    "technical": "Technical safeguards",
    "organizational": "Organizational requirements",
    "documentation": "Policies, procedures and documentation",
}
APPLICABILITY = (
    "clearinghouse_in_larger_org",
    "group_health_plan",
    "business_associate_or_covered_entity_with_ba",
    "business_associate_with_subcontractors",
)
COVERED_ENTITY_TYPES = ("provider", "health_plan", "clearinghouse", "hybrid")
ENTITY_TYPES = (*COVERED_ENTITY_TYPES, "business_associate")
DEADLINE_KINDS = (
    "no_later_than",
    "contemporaneous",
    "minimum_period",
    "maximum_delay",
    "retention",
    "lookback",
)
DEADLINE_EVENTS = (
    "discovery",
    "end_of_calendar_year",
    "posting",
    "oral_statement",
    "receipt_of_request",
    "request",
    "material_revision",
    "creation_or_last_effective_date",
)
CHANGE_EFFECTS = (
    "addressable_to_required",
    "new_obligation",
    "time_limit",
    "frequency",
    "contract_term",
)
PERIOD_UNITS = ("hours", "days", "months")
# 45 CFR 160.404(b)(2)(i)-(iv): the four culpability tiers, in order.
CULPABILITY = {
    "did_not_know": "Did not know, and by exercising reasonable diligence would not have known",
    "reasonable_cause": "Reasonable cause and not willful neglect",
    "willful_neglect_corrected": "Willful neglect, corrected within 30 days",
    "willful_neglect_not_corrected": "Willful neglect, not corrected within 30 days",
}

# One paragraph level: (a), (1), (iv), (A). Lower-case letters cover roman numerals too.
_LEVEL = r"\((?:[a-z]{1,5}|[0-9]{1,2}|[A-Z])\)"
CITATION_RE = re.compile(rf"^1[0-9]{{2}}\.[0-9]{{3}}(?:{_LEVEL})*$")
_PREFIX_RE = re.compile(
    r"^(?:45\s*C\.?\s*F\.?\s*R\.?\s*(?:part\s*)?)?(?:(?:§§?|sec\.|section)\s*)?", re.IGNORECASE
)


class CatalogDataError(ValueError):
    """A data file does not have the shape the dataclasses expect."""


class UnknownCitation(KeyError):
    """No catalog entry has this citation or alias."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def normalize_citation(text: str) -> str:
    """``§ 164.312(a)(2)(iv)``, ``45 CFR 164.312(a)(2)(iv)`` or ``164.312 (a)(2)(iv)`` ->
    ``164.312(a)(2)(iv)``. Raises ValueError for anything that is not a single CFR paragraph."""
    if not isinstance(text, str):
        raise ValueError(f"A citation must be text, not {type(text).__name__}")
    rest = _PREFIX_RE.sub("", text.strip(), count=1)
    compact = re.sub(r"\s+", "", rest)
    if not CITATION_RE.match(compact) or re.search(r"\s", rest.split("(", 1)[0].strip()):
        raise ValueError(
            f"Not a CFR citation: {text!r} (expected one paragraph, e.g. 164.312(a)(2)(iv))"
        )
    return compact


# ---------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Entry:
    """A Security Rule standard or implementation specification (45 CFR 164.308-164.316)."""

    citation: str
    kind: str
    title: str
    text: str
    summary: str
    requirement: str | None
    family: str
    standard: str | None
    appendix_a: bool
    aliases: tuple[str, ...] = ()
    applicability: str | None = None

    @property
    def family_label(self) -> str:
        return FAMILY_LABELS[self.family]

    @property
    def is_standard(self) -> bool:
        return self.kind == "standard"


@dataclass(frozen=True)
class SampleQuestion:
    """A NIST SP 800-66r2 sample question; some have nested follow-up questions."""

    id: str
    text: str
    questions: tuple[SampleQuestion, ...] = ()


@dataclass(frozen=True)
class KeyActivity:
    """A NIST SP 800-66r2 key activity, linked to its standard (and specifications, if any)."""

    id: str
    title: str
    standard: str
    description: str
    nist_requirement: str | None
    implementation_specifications: tuple[str, ...]
    questions: tuple[SampleQuestion, ...]
    footnotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class NistStandard:
    """One of NIST SP 800-66r2's 22 standards with NIST's quotation of the standard."""

    citation: str
    nist_id: str
    nist_citation: str
    title: str
    text: str
    footnotes: tuple[str, ...]
    key_activities: tuple[KeyActivity, ...]


@dataclass(frozen=True)
class Deadline:
    """A time limit in a provision; see the module docstring for the vocabulary."""

    kind: str
    from_event: str
    days: int | None = None
    years: int | None = None
    calendar_days: bool = True
    extension_days: int | None = None
    alongside: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Provision:
    """A Breach Notification Rule or Privacy Rule paragraph."""

    citation: str
    title: str
    text: str
    summary: str
    text_is_excerpt: bool = False
    deadline: Deadline | None = None


@dataclass(frozen=True)
class ProposedChange:
    """How a proposed requirement would change a current catalog entry."""

    citation: str
    effect: str
    detail: str


@dataclass(frozen=True)
class Period:
    """A time period a proposed requirement would set (e.g. 72 hours to restore)."""

    value: int
    unit: str
    what: str


@dataclass(frozen=True)
class ProposedRequirement:
    """A requirement of the proposed 2025 Security Rule update (overlay, not in force)."""

    id: str
    title: str
    summary: str
    proposed_citation: str | None
    changes: tuple[ProposedChange, ...]
    periods: tuple[Period, ...] = ()
    status: str = "proposed"
    published: date = date(2025, 1, 6)

    @property
    def affects(self) -> tuple[str, ...]:
        """The current citations the requirement would change, each once, in order."""
        return tuple(dict.fromkeys(c.citation for c in self.changes))


@dataclass(frozen=True)
class PenaltyTier:
    """One culpability tier of 45 CFR 160.404(b)(2), per violation."""

    tier: int
    culpability: str
    minimum: int
    maximum: int
    enforcement_discretion_annual_cap: int | None

    @property
    def description(self) -> str:
        return CULPABILITY[self.culpability]


@dataclass(frozen=True)
class PenaltySchedule:
    """The civil money penalty amounts in force from ``effective_date``."""

    effective_date: date
    source: str
    calendar_year_cap: int
    tiers: tuple[PenaltyTier, ...]
    note: str | None = None
    enforcement_discretion_source: str = ""

    def tier(self, number: int) -> PenaltyTier:
        for t in self.tiers:
            if t.tier == number:
                return t
        raise KeyError(f"No penalty tier {number}; tiers run from 1 to {len(self.tiers)}")


@dataclass(frozen=True)
class OrgProfile:
    """What the catalog needs to know about an organization to decide applicability."""

    entity_type: str
    is_clearinghouse_in_larger_org: bool = False
    is_group_health_plan: bool = False
    is_business_associate: bool = False
    has_business_associates: bool = False

    def __post_init__(self) -> None:
        if self.entity_type not in ENTITY_TYPES:
            raise ValueError(
                f"Unknown entity type {self.entity_type!r}; use one of {', '.join(ENTITY_TYPES)}"
            )

    @property
    def acts_as_business_associate(self) -> bool:
        return self.entity_type == "business_associate" or self.is_business_associate


# ---------------------------------------------------------------------------- loading


def _read(name: str) -> dict[str, Any]:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise CatalogDataError(f"{name}: the top level must be an object")
    return data


def _keys(
    record: Any, where: str, required: set[str], optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Check a JSON object's keys: every required one present, nothing unknown."""
    if not isinstance(record, dict):
        raise CatalogDataError(f"{where}: expected an object, got {type(record).__name__}")
    missing = required - record.keys()
    unknown = record.keys() - required - optional
    if missing or unknown:
        raise CatalogDataError(
            f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}"
        )
    return record


def _field_names(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}


def _one_of(value: Any, allowed: tuple[str, ...], where: str) -> None:
    if value not in allowed:
        raise CatalogDataError(f"{where}: {value!r} is not one of {', '.join(allowed)}")


def _citation(value: Any, where: str) -> str:
    if not isinstance(value, str) or not CITATION_RE.match(value):
        raise CatalogDataError(f"{where}: {value!r} is not a well-formed citation")
    return value


def _entry(raw: Any, where: str) -> Entry:
    rec = _keys(raw, where, _field_names(Entry))
    where = f"{where} ({rec['citation']})"
    _citation(rec["citation"], where)
    _one_of(rec["kind"], KINDS, where)
    _one_of(rec["family"], FAMILIES, where)
    if rec["requirement"] is not None:
        _one_of(rec["requirement"], REQUIREMENTS, where)
    if rec["applicability"] is not None:
        _one_of(rec["applicability"], APPLICABILITY, where)
    if rec["standard"] is not None:
        _citation(rec["standard"], where)
    for alias in rec["aliases"]:
        _citation(alias, where)
    return Entry(**{**rec, "aliases": tuple(rec["aliases"])})


def _question(raw: Any, where: str) -> SampleQuestion:
    rec = _keys(raw, where, _field_names(SampleQuestion))
    return SampleQuestion(
        id=rec["id"],
        text=rec["text"],
        questions=tuple(_question(q, f"{where} > {rec['id']}") for q in rec["questions"]),
    )


def _key_activity(raw: Any, where: str) -> KeyActivity:
    rec = _keys(raw, where, _field_names(KeyActivity))
    where = f"{where} ({rec['id']})"
    _citation(rec["standard"], where)
    if rec["nist_requirement"] is not None:
        _one_of(rec["nist_requirement"], REQUIREMENTS, where)
    return KeyActivity(
        id=rec["id"],
        title=rec["title"],
        standard=rec["standard"],
        description=rec["description"],
        nist_requirement=rec["nist_requirement"],
        implementation_specifications=tuple(
            _citation(c, where) for c in rec["implementation_specifications"]
        ),
        questions=tuple(_question(q, where) for q in rec["questions"]),
        footnotes=tuple(rec["footnotes"]),
    )


def _nist_standard(raw: Any, where: str) -> NistStandard:
    rec = _keys(raw, where, _field_names(NistStandard))
    where = f"{where} ({rec['citation']})"
    return NistStandard(
        citation=_citation(rec["citation"], where),
        nist_id=rec["nist_id"],
        nist_citation=_citation(rec["nist_citation"], where),
        title=rec["title"],
        text=rec["text"],
        footnotes=tuple(rec["footnotes"]),
        key_activities=tuple(_key_activity(k, where) for k in rec["key_activities"]),
    )


_DEADLINE_JSON = {"kind", "from"}
_DEADLINE_OPTIONAL = frozenset(
    {"days", "years", "calendar_days", "extension_days", "alongside", "note"}
)


def _deadline(raw: Any, where: str) -> Deadline:
    rec = _keys(raw, where, _DEADLINE_JSON, _DEADLINE_OPTIONAL)
    _one_of(rec["kind"], DEADLINE_KINDS, where)
    _one_of(rec["from"], DEADLINE_EVENTS, where)
    if (rec.get("days") is None) == (rec.get("years") is None):
        raise CatalogDataError(f"{where}: a deadline needs exactly one of days or years")
    if rec.get("alongside") is not None:
        _citation(rec["alongside"], where)
    values = {k: v for k, v in rec.items() if k not in _DEADLINE_JSON}
    return Deadline(kind=rec["kind"], from_event=rec["from"], **values)


def _provision(raw: Any, where: str) -> Provision:
    names = _field_names(Provision)
    rec = _keys(raw, where, names - {"deadline"}, frozenset({"deadline"}))
    where = f"{where} ({rec['citation']})"
    _citation(rec["citation"], where)
    deadline = rec.get("deadline")
    return Provision(
        citation=rec["citation"],
        title=rec["title"],
        text=rec["text"],
        summary=rec["summary"],
        text_is_excerpt=bool(rec["text_is_excerpt"]),
        deadline=_deadline(deadline, f"{where} deadline") if deadline is not None else None,
    )


def _provisions(name: str) -> tuple[Provision, ...]:
    doc = _keys(_read(name), name, {"title", "source", "provisions"})
    return tuple(_provision(p, f"{name}[{i}]") for i, p in enumerate(doc["provisions"]))


# ---------------------------------------------------------------------------- Security Rule


@cache
def security_entries() -> tuple[Entry, ...]:
    """All 68 Security Rule standards and implementation specifications, in regulation order."""
    doc = _keys(_read("security_rule.json"), "security_rule.json", {"title", "source", "entries"})
    return tuple(_entry(e, f"security_rule.json[{i}]") for i, e in enumerate(doc["entries"]))


@cache
def _index() -> tuple[dict[str, Entry], dict[str, Entry]]:
    canonical = {e.citation: e for e in security_entries()}
    aliases: dict[str, Entry] = {}
    for e in security_entries():
        for alias in e.aliases:
            # A canonical citation always wins over an alias (164.308(b)(1) is the standard).
            if alias not in canonical:
                aliases.setdefault(alias, e)
    return canonical, aliases


@cache
def entry(citation: str) -> Entry:
    """The entry for a citation or alias, in any form :func:`normalize_citation` accepts."""
    try:
        normal = normalize_citation(citation)
    except ValueError as exc:
        raise UnknownCitation(str(exc)) from None
    canonical, aliases = _index()
    found = canonical.get(normal) or aliases.get(normal)
    if found is None:
        raise UnknownCitation(
            f"{normal} is not a Security Rule standard or implementation specification in the "
            "catalog (45 CFR 164.308-164.316)"
        )
    return found


@cache
def standards() -> tuple[Entry, ...]:
    """The 22 standards."""
    return tuple(e for e in security_entries() if e.kind == "standard")


@cache
def specifications(standard: str | None = None) -> tuple[Entry, ...]:
    """The 46 implementation specifications, or those of one standard (citation or alias)."""
    specs = tuple(e for e in security_entries() if e.kind == "implementation_specification")
    if standard is None:
        return specs
    parent = entry(standard)
    if parent.kind != "standard":
        raise ValueError(f"{parent.citation} is an implementation specification, not a standard")
    return tuple(e for e in specs if e.standard == parent.citation)


# ---------------------------------------------------------------------------- NIST SP 800-66r2


@cache
def nist_standards() -> tuple[NistStandard, ...]:
    """NIST SP 800-66r2's 22 standards with their key activities."""
    name = "nist_sp800_66r2.json"
    doc = _keys(_read(name), name, {"title", "source", "generated_by", "standards"})
    return tuple(_nist_standard(s, f"{name}[{i}]") for i, s in enumerate(doc["standards"]))


@cache
def key_activities(standard_citation: str | None = None) -> tuple[KeyActivity, ...]:
    """NIST's 104 key activities; or those of one standard; or, given a specification's
    citation, the key activities that carry that specification out."""
    activities = tuple(ka for s in nist_standards() for ka in s.key_activities)
    if standard_citation is None:
        return activities
    target = entry(standard_citation)
    if target.kind == "standard":
        return tuple(ka for ka in activities if ka.standard == target.citation)
    return tuple(ka for ka in activities if target.citation in ka.implementation_specifications)


# ---------------------------------------------------------------------------- Breach, Privacy


@cache
def breach_provisions() -> tuple[Provision, ...]:
    """Breach Notification Rule paragraphs, 45 CFR 164.400-164.414."""
    return _provisions("breach_rule.json")


@cache
def privacy_provisions() -> tuple[Provision, ...]:
    """The Privacy Rule paragraphs other modules use (164.502(e) to 164.530(j))."""
    return _provisions("privacy_rule.json")


@cache
def general_provisions() -> tuple[Provision, ...]:
    """The Security Rule's general rules, 45 CFR 164.306(a)-(e)."""
    return _provisions("general_rules.json")


@cache
def provision(citation: str) -> Provision:
    """A general rule (164.306), Breach Notification or Privacy Rule provision by citation."""
    try:
        normal = normalize_citation(citation)
    except ValueError as exc:
        raise UnknownCitation(str(exc)) from None
    for p in (*general_provisions(), *breach_provisions(), *privacy_provisions()):
        if p.citation == normal:
            return p
    raise UnknownCitation(
        f"{normal} is not a general rule, Breach Notification or Privacy Rule provision here"
    )


# ---------------------------------------------------------------------------- OCR audit protocol

AUDIT_TYPES = ("privacy", "security", "breach")
PROTOCOL_ID_RE = re.compile(r"^[PSB][0-9]{3}$")


@dataclass(frozen=True)
class ProtocolInquiry:
    """One row of the HHS OCR HIPAA Audit Protocol (Phase 2, July 2018), kept as published.

    ``citations`` are the paragraphs the published section names (after the quirk fixes listed
    in ``notes``); ``catalog`` the catalog entries or provisions the row links to.
    """

    id: str
    audit_type: str
    section: str
    citations: tuple[str, ...]
    catalog: tuple[str, ...]
    key_activity: str
    performance_criteria: str
    audit_inquiry: str
    requirement: str | None
    has_questions: bool
    notes: tuple[str, ...]

    @property
    def citation(self) -> str:
        """The first paragraph the row names (its label in lists)."""
        return self.citations[0]


def _inquiry(raw: Any, where: str) -> ProtocolInquiry:
    rec = _keys(raw, where, _field_names(ProtocolInquiry))
    where = f"{where} ({rec['id']})"
    if not isinstance(rec["id"], str) or not PROTOCOL_ID_RE.match(rec["id"]):
        raise CatalogDataError(f"{where}: {rec['id']!r} is not a protocol id like S012")
    _one_of(rec["audit_type"], AUDIT_TYPES, f"{where} audit_type")
    if rec["requirement"] is not None:
        _one_of(rec["requirement"], REQUIREMENTS, f"{where} requirement")
    for c in (*rec["citations"], *rec["catalog"]):
        _citation(c, where)
    if not rec["catalog"]:
        raise CatalogDataError(f"{where}: links to no catalog entry")
    return ProtocolInquiry(
        id=rec["id"],
        audit_type=rec["audit_type"],
        section=rec["section"],
        citations=tuple(rec["citations"]),
        catalog=tuple(rec["catalog"]),
        key_activity=rec["key_activity"],
        performance_criteria=rec["performance_criteria"],
        audit_inquiry=rec["audit_inquiry"],
        requirement=rec["requirement"],
        has_questions=bool(rec["has_questions"]),
        notes=tuple(rec["notes"]),
    )


@cache
def audit_protocol() -> tuple[ProtocolInquiry, ...]:
    """The 180 inquiries (89 Privacy, 72 Security, 19 Breach) in the published order, generated
    by scripts/import_ocr_audit_protocol.py."""
    name = "ocr_audit_protocol.json"
    doc = _keys(_read(name), name, {"title", "source", "inquiries"})
    return tuple(_inquiry(r, f"{name}[{i}]") for i, r in enumerate(doc["inquiries"]))


def protocol_inquiries(audit_type: str | None = None) -> tuple[ProtocolInquiry, ...]:
    """The inquiries of one audit type (privacy, security, breach), or all of them."""
    if audit_type is None:
        return audit_protocol()
    if audit_type not in AUDIT_TYPES:
        raise ValueError(f"Unknown audit type {audit_type!r}; one of {', '.join(AUDIT_TYPES)}")
    return tuple(i for i in audit_protocol() if i.audit_type == audit_type)


def protocol_inquiry(inquiry_id: str) -> ProtocolInquiry:
    """One inquiry by its id (P001-P089, S001-S072, B001-B019)."""
    wanted = inquiry_id.strip().upper()
    for inquiry in audit_protocol():
        if inquiry.id == wanted:
            return inquiry
    raise UnknownCitation(f"{inquiry_id!r} is not an audit protocol inquiry (ids like S012)")


def linked_item(citation: str) -> Entry | Provision:
    """The catalog entry or provision a protocol row links to."""
    try:
        return entry(citation)
    except UnknownCitation:
        return provision(citation)


# ---------------------------------------------------------------------------- proposed 2025 rule


@cache
def proposed_requirements() -> tuple[ProposedRequirement, ...]:
    """The proposed 2025 Security Rule update (90 FR 898) as an overlay; not in force."""
    name = "proposed_2025.json"
    header = {
        "title",
        "status",
        "published",
        "federal_register",
        "fr_document",
        "rin",
        "docket",
        "comments_closed",
        "proposed_compliance",
        "status_note",
        "source",
        "requirements",
    }
    doc = _keys(_read(name), name, header)
    status, published = doc["status"], date.fromisoformat(doc["published"])
    result = []
    own = _field_names(ProposedRequirement) - {"status", "published"}
    for i, raw in enumerate(doc["requirements"]):
        where = f"{name}[{i}]"
        rec = _keys(raw, where, own)
        where = f"{where} ({rec['id']})"
        changes = []
        for change in rec["changes"]:
            c = _keys(change, where, _field_names(ProposedChange))
            _citation(c["citation"], where)
            _one_of(c["effect"], CHANGE_EFFECTS, where)
            changes.append(ProposedChange(**c))
        periods = []
        for period in rec["periods"]:
            p = _keys(period, where, _field_names(Period))
            _one_of(p["unit"], PERIOD_UNITS, where)
            periods.append(Period(**p))
        result.append(
            ProposedRequirement(
                id=rec["id"],
                title=rec["title"],
                summary=rec["summary"],
                proposed_citation=rec["proposed_citation"],
                changes=tuple(changes),
                periods=tuple(periods),
                status=status,
                published=published,
            )
        )
    return tuple(result)


# ---------------------------------------------------------------------------- penalties


@cache
def penalty_schedules() -> tuple[PenaltySchedule, ...]:
    """Every civil money penalty schedule in the data, oldest first."""
    name = "penalties.json"
    doc = _keys(_read(name), name, {"title", "source", "enforcement_discretion", "schedules"})
    discretion = _keys(
        doc["enforcement_discretion"],
        f"{name} enforcement_discretion",
        {"effective_date", "source", "base_annual_caps", "note"},
    )
    result = []
    for i, raw in enumerate(doc["schedules"]):
        where = f"{name}[{i}]"
        rec = _keys(raw, where, {"effective_date", "source", "calendar_year_cap", "tiers", "note"})
        tiers = []
        for raw_tier in rec["tiers"]:
            t = _keys(raw_tier, where, _field_names(PenaltyTier))
            _one_of(t["culpability"], tuple(CULPABILITY), where)
            tiers.append(PenaltyTier(**t))
        result.append(
            PenaltySchedule(
                effective_date=date.fromisoformat(rec["effective_date"]),
                source=rec["source"],
                calendar_year_cap=rec["calendar_year_cap"],
                tiers=tuple(tiers),
                note=rec["note"],
                enforcement_discretion_source=discretion["source"],
            )
        )
    return tuple(sorted(result, key=lambda s: s.effective_date))


def penalty_schedule(on: date) -> PenaltySchedule:
    """The penalty schedule in force on a date (the latest adjustment effective by then).

    Raises ValueError for a date before the earliest adjustment in the data."""
    if isinstance(on, datetime):
        on = on.date()
    in_force = [s for s in penalty_schedules() if s.effective_date <= on]
    if not in_force:
        earliest = penalty_schedules()[0].effective_date
        raise ValueError(
            f"No penalty schedule in the catalog for {on.isoformat()}; the earliest takes "
            f"effect on {earliest.isoformat()}"
        )
    return in_force[-1]


# ---------------------------------------------------------------------------- applicability


def applicable(item: Entry | str, profile: OrgProfile) -> tuple[bool, str]:
    """Whether a Security Rule entry applies to an organization, and why."""
    e = entry(item) if isinstance(item, str) else item
    rule = e.applicability
    if rule is None:
        # 45 CFR 164.302: Subpart C applies to every covered entity and business associate.
        return True, "Applies to every covered entity and business associate (45 CFR 164.302)."
    if rule == "clearinghouse_in_larger_org":
        # 45 CFR 164.308(a)(4)(ii)(A)
        if profile.is_clearinghouse_in_larger_org:
            return True, (
                "Applies: a health care clearinghouse that is part of a larger "
                "organization must isolate its ePHI (45 CFR 164.308(a)(4)(ii)(A))."
            )
        return False, (
            "Applies only to a health care clearinghouse that is part of a larger "
            "organization (45 CFR 164.308(a)(4)(ii)(A))."
        )
    if rule == "group_health_plan":
        # 45 CFR 164.314(b)
        if profile.is_group_health_plan:
            return True, "Applies: the organization is a group health plan (45 CFR 164.314(b))."
        return False, (
            "Applies only to a group health plan and its plan documents (45 CFR 164.314(b))."
        )
    if rule == "business_associate_or_covered_entity_with_ba":
        # 45 CFR 164.308(b)(1)-(2) and 164.314(a)
        if profile.acts_as_business_associate:
            return True, (
                "Applies: a business associate is a party to business associate "
                "contracts (45 CFR 164.308(b), 164.314(a))."
            )
        if profile.has_business_associates:
            return True, (
                "Applies: the covered entity lets business associates handle ePHI "
                "(45 CFR 164.308(b)(1), 164.314(a))."
            )
        return False, (
            "Applies only to business associates and to covered entities that have "
            "business associates (45 CFR 164.308(b), 164.314(a))."
        )
    if rule == "business_associate_with_subcontractors":
        # 45 CFR 164.308(b)(2) and 164.314(a)(2)(iii)
        if profile.acts_as_business_associate and profile.has_business_associates:
            return True, (
                "Applies: a business associate with subcontractors needs contracts "
                "with them (45 CFR 164.314(a)(2)(iii))."
            )
        return False, (
            "Applies only to a business associate that has subcontractors handling "
            "ePHI (45 CFR 164.308(b)(2), 164.314(a)(2)(iii))."
        )
    raise CatalogDataError(f"{e.citation}: unknown applicability {rule!r}")
