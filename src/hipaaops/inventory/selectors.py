"""Reads of the ePHI inventory, always scoped to one organization: the asset and flow lists, the
observations the inventory yields, its summary, and the graph the data-flow map draws."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from hipaaops.inventory import rules
from hipaaops.inventory.models import Asset, DataFlow
from hipaaops.organizations.models import Organization


def assets(org: Organization) -> QuerySet[Asset]:
    return Asset.objects.filter(organization=org).select_related("owner", "vendor")


def flows(org: Organization) -> QuerySet[DataFlow]:
    return DataFlow.objects.filter(organization=org).select_related("source", "target")


def agreement_in_force(org: Organization) -> dict[int, bool]:
    """For each registry vendor: whether a business associate agreement is in force (45 CFR
    164.308(b)(1)). A vendor determined not to be a business associate counts as covered."""
    from hipaaops.vendors import selectors as vendor_selectors

    return {
        row.vendor.pk: row.in_force is not None or not row.needs_agreement
        for row in vendor_selectors.vendor_rows(org)
    }


def facts(asset: Asset, in_force: dict[int, bool]) -> rules.AssetFacts:
    return rules.AssetFacts(
        name=asset.name,
        asset_type=asset.asset_type,
        holds_ephi=asset.holds_ephi,
        encrypted_at_rest=asset.encrypted_at_rest,
        backup=asset.backup,
        criticality=asset.criticality,
        lifecycle=asset.lifecycle,
        hosting=asset.hosting,
        has_owner=asset.owner_id is not None,
        disposed_recorded=bool(asset.disposal),
        vendor_agreement=in_force.get(asset.vendor_id) if asset.vendor_id else None,
    )


@dataclass
class AssetObservation:
    asset: Asset | None
    flow: DataFlow | None
    observation: rules.Observation


def observations(org: Organization) -> list[AssetObservation]:
    """What the inventory shows by itself: unencrypted portable ePHI, flows in clear text, no
    backup, retired media never wiped, vendors without a BAA, ePHI in logs and tickets."""
    in_force = agreement_in_force(org)
    found: list[AssetObservation] = []
    for asset in Asset.objects.filter(organization=org).only(
        "id",
        "name",
        "asset_type",
        "holds_ephi",
        "encrypted_at_rest",
        "backup",
        "criticality",
        "lifecycle",
        "hosting",
        "owner_id",
        "disposal",
        "vendor_id",
    ):
        found.extend(
            AssetObservation(asset, None, o) for o in rules.observe_asset(facts(asset, in_force))
        )
    for flow in flows(org).only(
        "id", "source__name", "target__name", "outside_party", "ephi_kinds", "encrypted"
    ):
        label = f"{flow.source.name} → {flow.destination}"
        found.extend(
            AssetObservation(None, flow, o)
            for o in rules.observe_flow(rules.FlowFacts(label, flow.carries_ephi, flow.encrypted))
        )
    return found


@dataclass
class Summary:
    assets: int = 0
    in_use: int = 0
    with_ephi: int = 0
    ephi_unknown: int = 0
    flows: int = 0
    unencrypted_flows: int = 0
    outside_parties: int = 0
    by_type: list[tuple[str, int, int]] = field(default_factory=list)  # label, all, with ePHI
    by_criticality: list[tuple[str, int]] = field(default_factory=list)


def summary(org: Organization) -> Summary:
    s = Summary()
    types: Counter[str] = Counter()
    types_ephi: Counter[str] = Counter()
    crit: Counter[str] = Counter()
    for asset_type, holds, lifecycle, criticality in Asset.objects.filter(
        organization=org
    ).values_list("asset_type", "holds_ephi", "lifecycle", "criticality"):
        s.assets += 1
        if lifecycle != "in_use":
            continue
        s.in_use += 1
        types[asset_type] += 1
        crit[criticality] += 1
        if holds == "yes":
            s.with_ephi += 1
            types_ephi[asset_type] += 1
        elif holds == "unknown":
            s.ephi_unknown += 1
    parties = set()
    for kinds, encrypted, outside in DataFlow.objects.filter(organization=org).values_list(
        "ephi_kinds", "encrypted", "outside_party"
    ):
        s.flows += 1
        if kinds and encrypted != "yes":
            s.unencrypted_flows += 1
        if outside:
            parties.add(outside.lower())
    s.outside_parties = len(parties)
    s.by_type = [
        (c.label, types[c.key], types_ephi[c.key])
        for c in rules.choices("asset_types")
        if types[c.key]
    ]
    s.by_criticality = [(c.label, crit[c.key]) for c in rules.choices("criticality") if crit[c.key]]
    return s


# ---------------------------------------------------------------------------- the map


@dataclass
class MapNode:
    key: str
    label: str
    zone: str
    ephi: str  # yes / no / unknown
    count: int = 1


@dataclass
class MapEdge:
    source: str
    target: str
    ephi: bool
    encrypted: str  # yes / no / unknown (the worst of the flows it stands for)
    count: int = 1


@dataclass
class MapGraph:
    nodes: list[MapNode]
    edges: list[MapEdge]
    grouped: bool
    assets: int


ZONES = ("remote", "on_premises", "cloud", "vendor", "outside")
ZONE_LABELS = {
    "remote": "With the workforce",
    "on_premises": "On premises",
    "cloud": "Our cloud",
    "vendor": "Vendors",
    "outside": "Outside parties",
}
_WORST = {"no": 0, "unknown": 1, "yes": 2}  # encryption: lower is worse
_EPHI_RANK = {"no": 0, "unknown": 1, "yes": 2}


def map_graph(org: Organization, *, limit: int | None = None) -> MapGraph:
    """The data-flow map's graph: one node per asset in use (or, past ``limit`` assets, one per
    kind of asset in each zone, with its count) and per outside party; one edge per flow (or per
    pair of groups, marked by its worst encryption)."""
    limit = rules.large_map_threshold() if limit is None else limit
    rows = list(
        Asset.objects.filter(organization=org)
        .exclude(lifecycle="disposed")
        .values_list("id", "name", "asset_type", "hosting", "holds_ephi")
    )
    grouped = len(rows) > limit
    key_of: dict[int, str] = {}
    nodes: dict[str, MapNode] = {}
    for pk, name, asset_type, hosting, holds in rows:
        if grouped:
            key = f"{hosting}:{asset_type}"
            node = nodes.get(key)
            if node is None:
                node = nodes[key] = MapNode(
                    key, rules.label("asset_types", asset_type), hosting, holds, 0
                )
            node.count += 1
            if _EPHI_RANK.get(holds, 1) > _EPHI_RANK.get(node.ephi, 1):
                node.ephi = holds
        else:
            key = f"a{pk}"
            nodes[key] = MapNode(key, name, hosting, holds)
        key_of[pk] = key
    edges: dict[tuple[str, str], MapEdge] = {}
    for source_id, target_id, outside, kinds, encrypted in DataFlow.objects.filter(
        organization=org
    ).values_list("source_id", "target_id", "outside_party", "ephi_kinds", "encrypted"):
        source = key_of.get(source_id)
        if source is None:
            continue
        if target_id is not None:
            target = key_of.get(target_id)
            if target is None:
                continue
        else:
            target = "x:" + outside.strip().lower()
            if target not in nodes:
                nodes[target] = MapNode(
                    target, outside.strip(), "outside", "yes" if kinds else "no", 0
                )
            nodes[target].count += 1 if grouped else 0
        if source == target:
            continue
        edge = edges.get((source, target))
        if edge is None:
            edges[(source, target)] = MapEdge(source, target, bool(kinds), encrypted, 1)
        else:
            edge.count += 1
            edge.ephi = edge.ephi or bool(kinds)
            if _WORST[encrypted] < _WORST[edge.encrypted]:
                edge.encrypted = encrypted
    return MapGraph(list(nodes.values()), list(edges.values()), grouped, len(rows))


def zone_groups(graph: MapGraph) -> dict[str, list[MapNode]]:
    groups: dict[str, list[MapNode]] = defaultdict(list)
    for node in graph.nodes:
        groups[node.zone].append(node)
    return groups


def asset_options(org: Organization) -> list[tuple[int, str]]:
    return list(
        Asset.objects.filter(organization=org)
        .exclude(lifecycle="disposed")
        .values_list("id", "name")
    )
