"""The data-flow map, drawn on the server: networkx lays the graph out (one column per zone: the
workforce's devices, on premises, our cloud, vendors, outside parties) and matplotlib draws it as
SVG. Flows of ePHI without encryption are drawn red and dashed. It is the picture of where ePHI
lives and moves that 45 CFR 164.308(a)(1)(ii)(A) scoping needs (and the network map of the
proposed 2025 rule)."""

from __future__ import annotations

from typing import Any

from hipaaops.inventory.selectors import ZONE_LABELS, ZONES, MapGraph, zone_groups

NODE_COLORS = {"yes": "#b3261e", "unknown": "#c77c02", "no": "#6b7280"}
EDGE_STYLES = {
    # (carries ePHI, encrypted): colour, line style
    (True, "no"): ("#b3261e", "--"),
    (True, "unknown"): ("#c77c02", "--"),
    (True, "yes"): ("#1f6f43", "-"),
}


def layout(graph: MapGraph) -> dict[str, tuple[float, float]]:
    import networkx as nx

    g = nx.DiGraph()
    groups = zone_groups(graph)
    present = [z for z in ZONES if groups.get(z)]
    for layer, zone in enumerate(present):
        for node in sorted(groups[zone], key=lambda n: n.label.lower()):
            g.add_node(node.key, layer=layer)
    for edge in graph.edges:
        g.add_edge(edge.source, edge.target)
    if not g.number_of_nodes():
        return {}
    pos = nx.multipartite_layout(g, subset_key="layer", align="vertical", scale=1.0)
    return {k: (float(v[0]), float(v[1])) for k, v in pos.items()}


def draw(graph: MapGraph, *, title: str = "") -> bytes:
    from matplotlib.patches import FancyArrowPatch

    from hipaaops.safeguards.charts import new_figure, svg_bytes

    pos = layout(graph)
    groups = zone_groups(graph)
    tallest = max((len(v) for v in groups.values()), default=1)
    columns = max(1, sum(1 for z in ZONES if groups.get(z)))
    fig = new_figure(max(6.0, 3.0 * columns), max(3.0, 0.42 * tallest + 1.4))
    ax = fig.add_subplot()
    ax.set_axis_off()
    if not pos:
        ax.text(0.5, 0.5, "No asset in the inventory yet.", ha="center", va="center")
        return bytes(svg_bytes(fig))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad_x = 0.35 if len(set(xs)) > 1 else 1.0
    ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
    ax.set_ylim(min(ys) - 0.15, max(ys) + 0.22)
    for zone in ZONES:
        members = groups.get(zone)
        if not members:
            continue
        x = pos[members[0].key][0]
        ax.text(x, max(ys) + 0.16, ZONE_LABELS[zone], ha="center", va="bottom", weight="bold")
    for edge in graph.edges:
        color, style = EDGE_STYLES.get((edge.ephi, edge.encrypted), ("#9ca3af", ":"))
        arrow = FancyArrowPatch(
            pos[edge.source],
            pos[edge.target],
            arrowstyle="-|>",
            mutation_scale=9,
            color=color,
            linestyle=style,
            linewidth=0.9 + min(edge.count, 20) * 0.08,
            connectionstyle="arc3,rad=0.08",
            shrinkA=9,
            shrinkB=9,
            alpha=0.85,
        )
        ax.add_patch(arrow)
    by_key = {n.key: n for n in graph.nodes}
    for key, (x, y) in pos.items():
        node = by_key[key]
        ax.scatter([x], [y], s=70, color=NODE_COLORS.get(node.ephi, "#6b7280"), zorder=3)
        text = node.label if len(node.label) <= 34 else node.label[:33] + "…"
        if graph.grouped and node.count > 1:
            text = f"{text} x{node.count}"
        ax.text(x, y - 0.035, text, ha="center", va="top", fontsize=7.5, zorder=4)
    legend = [
        ("ePHI", NODE_COLORS["yes"]),
        ("ePHI unknown", NODE_COLORS["unknown"]),
        ("no ePHI", NODE_COLORS["no"]),
    ]
    handles: list[Any] = [
        ax.scatter([], [], s=40, color=color, label=label) for label, color in legend
    ]
    from matplotlib.lines import Line2D

    handles += [
        Line2D([], [], color="#1f6f43", linestyle="-", label="ePHI, encrypted"),
        Line2D([], [], color="#b3261e", linestyle="--", label="ePHI, not encrypted"),
        Line2D([], [], color="#c77c02", linestyle="--", label="ePHI, encryption unknown"),
        Line2D([], [], color="#9ca3af", linestyle=":", label="no ePHI"),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        ncol=4,
        frameon=False,
        fontsize=7.5,
    )
    if title:
        ax.set_title(title, loc="left")
    return bytes(svg_bytes(fig))
