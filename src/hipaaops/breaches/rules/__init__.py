"""The public breach record, pure rules (no Django): reading the HHS OCR breach portal's exports,
telling one reported breach from another, and turning what organizations of a kind reported into
counts and suggested likelihoods for the threats of our threat library.

The portal lists the breaches of unsecured PHI affecting 500 or more individuals that covered
entities reported to the Secretary (45 CFR 164.408(b)); the Secretary must post them publicly
(HITECH Act section 13402(e)(4), 42 U.S.C. 17932(e)(4)). A business associate tells the covered
entity of a breach (45 CFR 164.410(a)) and the covered entity reports it; the portal marks such a
report "Business Associate Present", and lists the business associate as the entity when it filed
for the covered entities it serves. The mapping to threats and the likelihood bands are data in
``data/``, each with its reasoning.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any, Protocol

DATA = Path(__file__).resolve().parent / "data"

DEFAULT_YEARS = 5
MIN_YEARS = 1
MAX_YEARS = 20

THREAT_KEYS = (
    "hacking_server",
    "phishing_email",
    "ransomware",
    "malware",
    "credential_compromise",
    "insider_snooping",
    "misdirected_disclosure",
    "misconfiguration",
    "theft_device",
    "loss_device",
    "improper_disposal",
    "vendor_compromise",
    "physical_intrusion",
)


class RuleInputError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


class FormatError(ValueError):
    """A file this module cannot read as any of the portal's export formats."""


# ---------------------------------------------------------------------------- the portal's terms


class EntityType(StrEnum):
    """The portal's 'Covered Entity Type': the three covered entities of 45 CFR 160.103, and the
    business associate (160.103) when it filed the report for the covered entities it serves."""

    PROVIDER = "provider"
    HEALTH_PLAN = "health_plan"
    BUSINESS_ASSOCIATE = "business_associate"
    CLEARINGHOUSE = "clearinghouse"


PORTAL_ENTITY_TYPES = {
    "Healthcare Provider": EntityType.PROVIDER,
    "Health Plan": EntityType.HEALTH_PLAN,
    "Business Associate": EntityType.BUSINESS_ASSOCIATE,
    "Healthcare Clearing House": EntityType.CLEARINGHOUSE,
}

ENTITY_PLURALS = {
    EntityType.PROVIDER: "health care providers",
    EntityType.HEALTH_PLAN: "health plans",
    EntityType.BUSINESS_ASSOCIATE: "business associates",
    EntityType.CLEARINGHOUSE: "health care clearinghouses",
}

# An organization's entity type (organizations.EntityType) read as the portal's. A hybrid entity
# is a covered entity with health care components (45 CFR 164.103, 164.105(a)); nearly all are
# providers (hospitals and health systems, universities with clinics), so it reads as a provider.
ORGANIZATION_ENTITY_TYPES = {
    "provider": EntityType.PROVIDER,
    "health_plan": EntityType.HEALTH_PLAN,
    "clearinghouse": EntityType.CLEARINGHOUSE,
    "hybrid": EntityType.PROVIDER,
    "business_associate": EntityType.BUSINESS_ASSOCIATE,
}

# The portal's 'Type of Breach' values. 'Unknown' appears in the older (archived) reports.
BREACH_TYPES = (
    "Hacking/IT Incident",
    "Unauthorized Access/Disclosure",
    "Theft",
    "Loss",
    "Improper Disposal",
    "Other",
    "Unknown",
)
# The portal's 'Location of Breached Information' values.
LOCATIONS = (
    "Network Server",
    "Email",
    "Electronic Medical Record",
    "Desktop Computer",
    "Laptop",
    "Other Portable Electronic Device",
    "Paper/Films",
    "Other",
)


def ocr_entity_type(value: str) -> EntityType:
    """The portal's entity type for an organization's (or the portal's own) entity type key."""
    found = ORGANIZATION_ENTITY_TYPES.get(str(value))
    if found is None:
        raise RuleInputError(
            f"Entity type must be one of {', '.join(ORGANIZATION_ENTITY_TYPES)}.", "entity_type"
        )
    return found


def check_years(value: Any) -> int:
    """The look-back window in whole years, 1 to 20."""
    try:
        years = int(str(value).strip())
    except (TypeError, ValueError):
        raise RuleInputError(f"Years must be a whole number, not {value!r}.", "years") from None
    if not MIN_YEARS <= years <= MAX_YEARS:
        raise RuleInputError(f"Years must be {MIN_YEARS} to {MAX_YEARS}.", "years")
    return years


def window_start(today: date, years: int) -> date:
    """The first day of the last ``years`` years up to ``today`` (29 February becomes the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


# ---------------------------------------------------------------------------- records


class Facts(Protocol):
    """What the counts need of a reported breach: a ``BreachRecord``, or the selector's lighter
    ``BreachFacts``."""

    @property
    def entity_type(self) -> str: ...
    @property
    def individuals_affected(self) -> int: ...
    @property
    def submitted_on(self) -> date: ...
    @property
    def breach_types(self) -> tuple[str, ...]: ...
    @property
    def locations(self) -> tuple[str, ...]: ...
    @property
    def business_associate_present(self) -> bool: ...


@dataclass(frozen=True)
class BreachFacts:
    entity_type: str
    individuals_affected: int
    submitted_on: date
    breach_types: tuple[str, ...]
    locations: tuple[str, ...]
    business_associate_present: bool


@dataclass(frozen=True)
class BreachRecord:
    """One reported breach, as every export format reads."""

    entity_name: str
    state: str  # two letters; blank on some reports
    entity_type: str  # EntityType
    individuals_affected: int
    submitted_on: date
    breach_types: tuple[str, ...]
    locations: tuple[str, ...]
    business_associate_present: bool
    description: str = ""

    @property
    def key(self) -> tuple[str, str, date]:
        return dedup_key(self.entity_name, self.state, self.submitted_on)


def name_key(name: str) -> str:
    """An entity's name as compared across exports: spacing and case do not count ("Katherine
    Shaw Bethea Hospital " is the same entity in every export)."""
    return " ".join(name.split()).casefold()


def dedup_key(name: str, state: str, submitted_on: date) -> tuple[str, str, date]:
    """One breach report: the entity, its State and the day the report reached the Secretary. A
    later export of the same report (a revised count, a new type) has the same key."""
    return (name_key(name), state.strip().upper(), submitted_on)


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field}: {self.message}"


# ---------------------------------------------------------------------------- the export formats


class Format(StrEnum):
    PORTAL = "portal"
    UNDER_INVESTIGATION = "under_investigation"
    ARCHIVE = "archive"


@dataclass(frozen=True)
class FormatSpec:
    key: Format
    label: str
    columns: tuple[str, ...]  # in the file's order
    date_format: str
    true: frozenset[str]
    false: frozenset[str]
    null: str = ""  # a cell meaning "no value" besides a blank one
    backslash_escapes: bool = False  # MySQL's export escapes: \\ for a backslash, \ at a break

    @property
    def date_hint(self) -> str:
        return self.date_format.replace("%m", "MM").replace("%d", "DD").replace("%Y", "YYYY")


_PORTAL_COLUMNS = (
    "Name of Covered Entity",
    "State",
    "Covered Entity Type",
    "Individuals Affected",
    "Breach Submission Date",
    "Type of Breach",
    "Location of Breached Information",
    "Business Associate Present",
    "Web Description",
)

FORMATS = (
    FormatSpec(
        Format.PORTAL,
        "the portal's own export",
        _PORTAL_COLUMNS,
        "%m/%d/%Y",
        frozenset({"yes"}),
        frozenset({"no"}),
    ),
    FormatSpec(
        Format.UNDER_INVESTIGATION,
        "the under-investigation list with a Year column",
        (*_PORTAL_COLUMNS, "Year"),
        "%Y-%m-%d",
        frozenset({"yes"}),
        frozenset({"no"}),
    ),
    FormatSpec(
        Format.ARCHIVE,
        "the archive (snake_case columns)",
        (
            "name_of_covered_entity",
            "state",
            "covered_entity_type",
            "individuals_affected",
            "breach_submission_date",
            "type_of_breach",
            "location_of_breached_information",
            "business_associate_present",
            "web_description",
        ),
        "%Y-%m-%d",
        frozenset({"true"}),
        frozenset({"false"}),
        null="\\N",
        backslash_escapes=True,
    ),
)

# What each position of a format's columns holds.
_FIELDS = (
    "name",
    "state",
    "entity_type",
    "individuals",
    "submitted_on",
    "types",
    "locations",
    "business_associate",
    "description",
    "year",
)

# A line break inside a cell. The archive ends its rows with CR LF and breaks lines inside a
# description with a bare CR, quoted or not; held as this character while the row is split.
_INNER_BREAK = "\ue000"


def detect_format(header: list[str]) -> FormatSpec:
    """The export format a header row names, or ``FormatError``."""
    names = tuple(h.strip().lstrip("\ufeff").strip() for h in header)
    for spec in FORMATS:
        if names == spec.columns:
            return spec
    shown = ", ".join(names[:4]) + ("…" if len(names) > 4 else "")
    raise FormatError(
        f"line 1: not an OCR breach portal export (header {shown or 'empty'}); expected "
        + "; or ".join(f"{spec.label} ({spec.columns[0]}, …)" for spec in FORMATS)
    )


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252, which
    spreadsheet programs write. A file with NUL bytes is not text."""
    if b"\x00" in data:
        raise FormatError("not a text file (it has NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise FormatError("not a text file in UTF-8 or Windows-1252") from None


@dataclass
class ParseResult:
    format: FormatSpec
    rows: int  # data rows read (the header not counted)
    records: list[tuple[int, BreachRecord]]  # (line, record) of every good row, in file order
    errors: list[RowError]

    @property
    def skipped_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of every CSV record. Lines are counted as the file's line feeds."""
    text = text.replace("\r\n", "\n").replace("\r", _INNER_BREAK)
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _clean_description(value: str, backslash_escapes: bool) -> str:
    if backslash_escapes:
        # MySQL's escapes: a backslash beside a line break or alone at the end of the cell marks
        # the break; two stand for one.
        value = re.sub(rf"\\(?={_INNER_BREAK}|\s*$)|(?<={_INNER_BREAK})\\", "", value)
        value = value.replace("\\\\", "\\")
    lines = (" ".join(part.split()) for part in value.split(_INNER_BREAK))
    return "\n".join(part for part in lines if part)


_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def _record(
    spec: FormatSpec, line: int, cells: list[str], errors: list[RowError]
) -> BreachRecord | None:
    """The row as a record, or None with its every problem added to ``errors``."""
    raw: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, field, cell in zip(spec.columns, _FIELDS, cells, strict=False):
        value = cell.replace(_INNER_BREAK, " ").strip() if field != "description" else cell
        raw[field] = "" if value == spec.null and spec.null else value
        names[field] = name
    found: list[RowError] = []

    def fail(field: str, message: str) -> None:
        found.append(RowError(line, names[field], message))

    name = " ".join(raw["name"].split())
    if not name:
        fail("name", "blank; the covered entity's name is required")
    state = raw["state"].upper()
    if state and not re.fullmatch(r"[A-Z]{2}", state):
        fail("state", f"{raw['state']!r} is not a two-letter State or territory code")
    entity_type = PORTAL_ENTITY_TYPES.get(raw["entity_type"])
    if entity_type is None:
        fail(
            "entity_type",
            (f"unknown type {raw['entity_type']!r}" if raw["entity_type"] else "blank")
            + f"; expected one of {', '.join(PORTAL_ENTITY_TYPES)}",
        )
    count = raw["individuals"]
    individuals = 0
    if _COUNT.fullmatch(count):
        individuals = int(count.replace(",", ""))
    else:
        fail("individuals", f"{count!r} is not a whole number" if count else "blank")
    submitted_on = None
    try:
        submitted_on = datetime.strptime(raw["submitted_on"], spec.date_format).date()
    except ValueError:
        fail(
            "submitted_on",
            f"{raw['submitted_on']!r} is not a date in the form {spec.date_hint}"
            if raw["submitted_on"]
            else "blank",
        )
    checked: dict[str, tuple[str, ...]] = {}
    for field, known, what in (
        ("types", BREACH_TYPES, "type of breach"),
        ("locations", LOCATIONS, "location"),
    ):
        values = _split_list(raw[field])
        unknown = [v for v in values if v not in known]
        if not values:
            fail(field, "blank")
        elif unknown:
            fail(field, f"unknown {what} {unknown[0]!r}; expected one of {', '.join(known)}")
        checked[field] = tuple(sorted(set(values), key=known.index)) if not unknown else ()
    flag = raw["business_associate"].lower()
    if flag not in spec.true | spec.false:
        expected = " or ".join(sorted(spec.true | spec.false, reverse=True))
        fail(
            "business_associate",
            f"{raw['business_associate']!r} is not {expected}" if flag else "blank",
        )
    if "year" in raw and submitted_on is not None and raw["year"] != str(submitted_on.year):
        fail("year", f"{raw['year']!r} is not the year of the submission date {submitted_on}")
    if found:
        errors.extend(found)
        return None
    assert entity_type is not None and submitted_on is not None
    return BreachRecord(
        entity_name=name,
        state=state,
        entity_type=entity_type.value,
        individuals_affected=individuals,
        submitted_on=submitted_on,
        breach_types=checked["types"],
        locations=checked["locations"],
        business_associate_present=flag in spec.true,
        description=_clean_description(raw["description"], spec.backslash_escapes),
    )


def parse(text: str) -> ParseResult:
    """Every row of an export in any of the three formats (told by the header). A malformed row
    is left out and each of its problems listed by line and column (the file's own name)."""
    rows = _rows(text)
    first = next(rows, None)
    spec = detect_format(first[1] if first else [])
    result = ParseResult(spec, 0, [], [])
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue  # a blank line is no row
        result.rows += 1
        if len(cells) != len(spec.columns):
            result.errors.append(
                RowError(
                    line,
                    "(row)",
                    f"{len(cells)} columns where {spec.label} has {len(spec.columns)}",
                )
            )
            continue
        record = _record(spec, line, cells, result.errors)
        if record is not None:
            result.records.append((line, record))
    return result


# ---------------------------------------------------------------------------- threats


@dataclass(frozen=True)
class Threat:
    key: str
    title: str
    predicate: str  # completes "N of M breaches reported by ... (P%) ..."


@dataclass(frozen=True)
class ThreatMap:
    threats: dict[str, Threat]
    pairs: dict[tuple[str, str], tuple[str, ...]]
    business_associate: tuple[str, ...]
    not_electronic: frozenset[str]


@cache
def threat_map() -> ThreatMap:
    """The (type, location) pairs and the business-associate flag, as threats (``data/``)."""
    raw = json.loads((DATA / "threat_map.json").read_text(encoding="utf-8"))
    threats = {k: Threat(k, v["title"], v["predicate"]) for k, v in raw["threats"].items()}
    pairs: dict[tuple[str, str], tuple[str, ...]] = {}
    for entry in raw["pairs"]:
        for pair in product(entry["types"], entry["locations"]):
            pairs[pair] = (*pairs.get(pair, ()), *entry["threats"])
    return ThreatMap(
        threats=threats,
        pairs=pairs,
        business_associate=tuple(raw["business_associate_present"]),
        not_electronic=frozenset(raw["not_electronic"]),
    )


def threats_of(record: Facts) -> frozenset[str]:
    """The threats one reported breach stands for: those of each (type, location) pair it lists,
    and the business associate's when one was present."""
    found = threat_map()
    keys: set[str] = set()
    for pair in product(record.breach_types, record.locations):
        keys.update(found.pairs.get(pair, ()))
    if record.business_associate_present:
        keys.update(found.business_associate)
    return frozenset(keys)


def only_paper(record: Facts) -> bool:
    """Every location is paper or film: no electronic PHI, so no threat of the Security Rule's
    risk analysis (45 CFR 164.302, 164.308(a)(1)(ii)(A))."""
    return all(loc in threat_map().not_electronic for loc in record.locations)


# ---------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class Summary:
    entity_type: str
    years: int
    since: date
    until: date
    breaches: int
    individuals: int
    by_type: dict[str, int]  # a report listing two types counts under each; most first
    by_location: dict[str, int]
    by_year: dict[int, int]  # every year of the window, in order
    only_paper: int  # reports of paper or film alone: counted, no electronic threat
    unmapped: int  # electronic reports whose pairs point at no threat (e.g. Other, Other)

    @property
    def entity_plural(self) -> str:
        return ENTITY_PLURALS[EntityType(self.entity_type)]


def in_window(
    records: Iterable[Facts], entity_type: str, years: int, today: date
) -> tuple[date, list[Facts]]:
    """The window's first day and the reports of the entity type submitted in it."""
    kind = ocr_entity_type(entity_type).value
    years = check_years(years)
    since = window_start(today, years)
    return since, [r for r in records if r.entity_type == kind and since <= r.submitted_on <= today]


def summary(records: Iterable[Facts], entity_type: str, years: int, today: date) -> Summary:
    """What organizations of the entity type reported in the last ``years`` years: by type, by
    location and by year of submission."""
    since, chosen = in_window(records, entity_type, years, today)
    by_type: Counter[str] = Counter()
    by_location: Counter[str] = Counter()
    by_year = dict.fromkeys(range(since.year, today.year + 1), 0)
    paper = unmapped = 0
    vendor_only = set(threat_map().business_associate)
    for r in chosen:
        by_type.update(r.breach_types)
        by_location.update(r.locations)
        by_year[r.submitted_on.year] += 1
        if only_paper(r):
            paper += 1
        elif not threats_of(r) - vendor_only:
            unmapped += 1
    order = {name: i for i, name in enumerate((*BREACH_TYPES, *LOCATIONS))}

    def ranked(counts: Counter[str]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99))))

    return Summary(
        entity_type=ocr_entity_type(entity_type).value,
        years=years,
        since=since,
        until=today,
        breaches=len(chosen),
        individuals=sum(r.individuals_affected for r in chosen),
        by_type=ranked(by_type),
        by_location=ranked(by_location),
        by_year=by_year,
        only_paper=paper,
        unmapped=unmapped,
    )


# ---------------------------------------------------------------------------- likelihood


@dataclass(frozen=True)
class Band:
    level: int
    label: str
    at_least: float  # the smallest share of the reports in this band

    @property
    def percent(self) -> str:
        return as_percent(self.at_least)


@dataclass(frozen=True)
class Bands:
    bands: tuple[Band, ...]  # highest first
    few_records: int  # fewer reports than this make the shares unsteady
    about: str


@cache
def likelihood_bands() -> Bands:
    raw = json.loads((DATA / "likelihood_bands.json").read_text(encoding="utf-8"))
    bands = tuple(
        sorted(
            (Band(b["level"], b["label"], float(b["at_least"])) for b in raw["bands"]),
            key=lambda b: -b.at_least,
        )
    )
    return Bands(bands, int(raw["few_records"]), raw["about"])


def band_for(share: float) -> Band:
    """The likelihood band a share of the reported breaches falls in (``data/``)."""
    for band in likelihood_bands().bands:
        if share >= band.at_least:
            return band
    return likelihood_bands().bands[-1]


@dataclass(frozen=True)
class Suggestion:
    """A suggested likelihood for one threat, from the public breach record."""

    threat_key: str
    title: str  # the threat's name
    breaches: int  # reports in the window that stand for this threat
    share: float  # 0..1 of the entity type's reports in the window
    individuals: int  # individuals affected by those reports
    level_of_5: int  # 1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain
    level_label: str
    reason: str  # one sentence, with the numbers

    @property
    def percent(self) -> str:
        return as_percent(self.share)


def as_percent(share: float) -> str:
    """A share as people read it; one decimal below 10%, so that a share is never shown rounded
    across a band's edge (2.5% is 'unlikely', not a rounded 3% that reads 'possible')."""
    if share == 0:
        return "0%"
    return f"{share:.0%}" if share >= 0.1 else f"{share:.1%}"


def suggest(
    records: Iterable[Facts], entity_type: str, years: int, today: date
) -> list[Suggestion]:
    """A likelihood for every threat of the library from how often it stands behind the breaches
    organizations of the entity type reported in the window: most reported first. Nothing when
    no report is in the window (there is then no basis for a suggestion)."""
    since, chosen = in_window(records, entity_type, years, today)
    total = len(chosen)
    if not total:
        return []
    plural = ENTITY_PLURALS[ocr_entity_type(entity_type)]
    counts: Counter[str] = Counter()
    individuals: Counter[str] = Counter()
    for r in chosen:
        for key in threats_of(r):
            counts[key] += 1
            individuals[key] += r.individuals_affected
    threats = threat_map().threats
    found = []
    for key in THREAT_KEYS:
        n = counts[key]
        share = n / total
        band = band_for(share)
        lead = f"{n} of {total}" if n else f"None of the {total}"
        share_text = f" ({as_percent(share)})" if n else ""
        found.append(
            Suggestion(
                threat_key=key,
                title=threats[key].title,
                breaches=n,
                share=share,
                individuals=individuals[key],
                level_of_5=band.level,
                level_label=band.label,
                reason=(
                    f"{lead} breaches reported by {plural} since {since:%B %Y}{share_text} "
                    f"{threats[key].predicate}."
                ),
            )
        )
    found.sort(key=lambda s: (-s.breaches, THREAT_KEYS.index(s.threat_key)))
    return found
