"""The posture pictures, drawn on the server by matplotlib (Agg, SVG output): the trend over
snapshots and implementation by family. No JavaScript; the numbers are also shown as tables."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from hipaaops.safeguards import rules

COLORS = {
    "overall": "#1f5fbf",
    "required": "#1e7a46",
    "addressable": "#9a6200",
    "implemented": "#1e7a46",
    "in_progress": "#e0a526",
    "not_started": "#b3261e",
}


def new_figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "hipaaops",  # stable element ids: the same data gives the same file
            "svg.fonttype": "none",  # text stays text: selectable, and read by screen readers
            "font.family": "DejaVu Sans",
            "font.size": 9,
        }
    )
    return Figure(figsize=(width, height), dpi=100)


def svg_bytes(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def _share(counts: dict[str, Any], group: str | None) -> float:
    if group is None:
        applicable = counts.get("applicable", 0)
        return 100.0 * counts.get("implemented", 0) / applicable if applicable else 0.0
    return 100.0 * rules.share_implemented(counts.get("by_requirement", {}).get(group, {}))


def trend_svg(points: Sequence[tuple[date, dict[str, Any]]]) -> bytes:
    """Share of applicable items implemented over time: overall, required, addressable."""
    fig = new_figure(7.5, 3.0)
    ax = fig.add_subplot()
    if points:
        days = [d for d, _ in points]
        for label, group in (
            ("All applicable", None),
            ("Required", "required"),
            ("Addressable", "addressable"),
        ):
            key = group or "overall"
            ax.plot(
                days,
                [_share(c, group) for _, c in points],
                marker="o",
                label=label,
                color=COLORS[key],
            )
        ax.legend(loc="upper left", frameon=False)
        fig.autofmt_xdate()
    else:
        ax.text(0.5, 0.5, "No snapshots yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Implemented (%)")
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return svg_bytes(fig)


def families_svg(by_family: dict[str, dict[str, int]]) -> bytes:
    """Applicable items of each safeguard family by status, as stacked horizontal bars."""
    families = list(by_family)
    fig = new_figure(7.5, 0.5 + 0.45 * max(len(families), 1))
    ax = fig.add_subplot()
    left = [0] * len(families)
    for status in ("implemented", "in_progress", "not_started"):
        values = [by_family[f].get(status, 0) for f in families]
        ax.barh(
            families,
            values,
            left=left,
            label=rules.Status(status).label,
            color=COLORS[status],
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("Applicable standards and specifications")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return svg_bytes(fig)
