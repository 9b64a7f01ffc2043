"""The ePHI inventory's rules, in plain Python: the kinds of assets and ePHI, criticality for the
applications and data criticality analysis, and the observations an inventory yields by itself
(an unencrypted laptop with ePHI, a flow in clear text, a retired disk never wiped).

Scope comes first: 45 CFR 164.308(a)(1)(ii)(A) asks for an assessment of the risks to *all* ePHI
the organization creates, receives, maintains or transmits, so every place it lives and every way
it moves is inventoried, including the less obvious places (logs, tickets, analytics, backups).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")

YES, NO, UNKNOWN, PARTIAL = "yes", "no", "unknown", "partial"
TRISTATE = (YES, NO, UNKNOWN)
ENCRYPTION = (YES, PARTIAL, NO, UNKNOWN)
LIFECYCLE = ("in_use", "retired", "disposed")


class InventoryInputError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    extra: dict[str, Any]


@cache
def _data() -> dict[str, Any]:
    with (DATA / "inventory.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@cache
def choices(kind: str) -> tuple[Choice, ...]:
    """One list of the data file: asset_types, ephi_kinds, hosting, criticality, backup,
    disposal_methods or frequencies."""
    return tuple(
        Choice(r["key"], r["label"], {k: v for k, v in r.items() if k not in ("key", "label")})
        for r in _data()[kind]
    )


def keys(kind: str) -> tuple[str, ...]:
    return tuple(c.key for c in choices(kind))


def label(kind: str, key: str) -> str:
    for c in choices(kind):
        if c.key == key:
            return c.label
    return key


def large_map_threshold() -> int:
    return int(_data()["large_map_threshold"])


def portable_types() -> frozenset[str]:
    return frozenset(c.key for c in choices("asset_types") if c.extra.get("portable"))


def less_obvious_types() -> frozenset[str]:
    return frozenset(c.key for c in choices("asset_types") if c.extra.get("less_obvious"))


def criticality_rank(key: str) -> int:
    for c in choices("criticality"):
        if c.key == key:
            return int(c.extra["rank"])
    return 0


def check_one(kind: str, value: Any, field: str) -> str:
    value = str(value or "").strip().lower()
    allowed = keys(kind)
    if value not in allowed:
        raise InventoryInputError(f"{field} must be one of {', '.join(allowed)}.", field)
    return value


def check_in(allowed: tuple[str, ...], value: Any, field: str) -> str:
    value = str(value or "").strip().lower()
    if value not in allowed:
        raise InventoryInputError(f"{field} must be one of {', '.join(allowed)}.", field)
    return value


def check_kinds(values: Any, field: str = "ephi_kinds") -> list[str]:
    """Kinds of ePHI, as keys; a string may list them separated by commas or semicolons."""
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",")]
    allowed = keys("ephi_kinds")
    found: list[str] = []
    for raw in values or []:
        value = str(raw).strip().lower()
        if not value:
            continue
        if value not in allowed:
            raise InventoryInputError(
                f"{field}: {value!r} is not a kind of ePHI; use {', '.join(allowed)}.", field
            )
        if value not in found:
            found.append(value)
    return found


# ---------------------------------------------------------------------------- observations


@dataclass(frozen=True)
class AssetFacts:
    name: str
    asset_type: str
    holds_ephi: str
    encrypted_at_rest: str
    backup: str
    criticality: str
    lifecycle: str
    hosting: str
    has_owner: bool
    disposed_recorded: bool = False
    vendor_agreement: bool | None = None  # None: no vendor named, or not known to the registry


@dataclass(frozen=True)
class FlowFacts:
    label: str
    carries_ephi: bool
    encrypted: str


@dataclass(frozen=True)
class Observation:
    """Something the inventory shows by itself that an assessment must consider. ``key`` is what
    the risk analysis maps to a vulnerability; ``citation`` the paragraph behind it."""

    key: str
    subject: str
    message: str
    citation: str


def observe_asset(a: AssetFacts) -> list[Observation]:
    found: list[Observation] = []
    if a.lifecycle == "disposed":
        return found
    if a.lifecycle == "retired":
        if a.holds_ephi != NO and not a.disposed_recorded:
            # 45 CFR 164.310(d)(2)(i): final disposition of ePHI and the hardware holding it.
            found.append(
                Observation(
                    "retired_not_disposed",
                    a.name,
                    "retired without a disposal record; the ePHI on it may still exist",
                    "164.310(d)(2)(i)",
                )
            )
        return found
    if a.holds_ephi == UNKNOWN:
        # 45 CFR 164.308(a)(1)(ii)(A): the analysis covers all ePHI; an unknown is a scope gap.
        found.append(
            Observation(
                "ephi_unknown",
                a.name,
                "nobody knows whether it holds ePHI",
                "164.308(a)(1)(ii)(A)",
            )
        )
    if a.holds_ephi == NO:
        return found
    if a.encrypted_at_rest in (NO, UNKNOWN, PARTIAL):
        portable = a.asset_type in portable_types()
        # 45 CFR 164.312(a)(2)(iv) (addressable encryption at rest); portable devices and media
        # are what is lost and stolen (164.310(d)(1)).
        found.append(
            Observation(
                "unencrypted_portable" if portable else "unencrypted_at_rest",
                a.name,
                f"ePHI at rest is {'not' if a.encrypted_at_rest == NO else 'not known to be'}"
                f"{' fully' if a.encrypted_at_rest == PARTIAL else ''} encrypted"
                + (" on a portable device" if portable else ""),
                "164.312(a)(2)(iv)",
            )
        )
    if a.backup in ("none", "unknown") and a.asset_type not in ("endpoint", "mobile_device"):
        # 45 CFR 164.308(a)(7)(ii)(A): retrievable exact copies of ePHI.
        found.append(
            Observation(
                "no_backup",
                a.name,
                "holds ePHI with no known backup",
                "164.308(a)(7)(ii)(A)",
            )
        )
    elif a.backup == "local" and criticality_rank(a.criticality) >= 3:
        # 45 CFR 164.308(a)(7)(ii)(B): a disaster that takes the site takes its only copy.
        found.append(
            Observation(
                "single_site_backup",
                a.name,
                f"{label('criticality', a.criticality).lower()} asset backed up on site only",
                "164.308(a)(7)(ii)(B)",
            )
        )
    if a.asset_type in less_obvious_types() - {"backup", "email", "file_share"}:
        # 45 CFR 164.502(b) and 164.312(b): ePHI in logs, tickets or analytics spreads beyond
        # the systems built to protect it.
        found.append(
            Observation(
                "ephi_in_secondary_store",
                a.name,
                f"ePHI in {label('asset_types', a.asset_type).lower()}",
                "164.502(b)",
            )
        )
    if a.hosting == "vendor" and a.vendor_agreement is False:
        # 45 CFR 164.308(b)(1) and 164.502(e): a vendor running ePHI needs a BAA.
        found.append(
            Observation(
                "vendor_without_baa",
                a.name,
                "run by a vendor with no business associate agreement in force",
                "164.308(b)(1)",
            )
        )
    if not a.has_owner:
        # 45 CFR 164.310(d)(2)(iii): accountability for hardware and media, and who answers
        # for the asset.
        found.append(
            Observation("no_owner", a.name, "has no owner", "164.310(d)(2)(iii)"),
        )
    return found


def observe_flow(f: FlowFacts) -> list[Observation]:
    if not f.carries_ephi or f.encrypted == YES:
        return []
    # 45 CFR 164.312(e)(1) and (e)(2)(ii): ePHI sent over a network is guarded against
    # interception; encryption is the addressable specification.
    return [
        Observation(
            "unencrypted_flow",
            f.label,
            "carries ePHI "
            + ("without encryption" if f.encrypted == NO else "with no known encryption"),
            "164.312(e)(2)(ii)",
        )
    ]


def check_flow_ends(
    source_org: int, target_org: int | None, outside_party: str, same: bool
) -> None:
    """A flow goes from an asset to another asset of the same organization, or to a named
    outside party; never between two organizations' assets and never from an asset to itself."""
    if target_org is None and not outside_party.strip():
        raise InventoryInputError("Give the asset it goes to or the outside party.", "target")
    if target_org is not None and outside_party.strip():
        raise InventoryInputError(
            "A flow goes to an asset or to an outside party, not both.", "outside_party"
        )
    if target_org is not None and target_org != source_org:
        raise InventoryInputError("Both ends of a flow belong to the same organization.", "target")
    if same:
        raise InventoryInputError("A flow goes from one asset to another.", "target")
