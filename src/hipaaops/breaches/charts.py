"""The picture of the public breach record: what organizations of a kind reported, by type of
breach and by location of the information, drawn on the server by matplotlib (SVG). The page
shows the same numbers as tables."""

from __future__ import annotations

from hipaaops.breaches import rules
from hipaaops.safeguards.charts import new_figure, svg_bytes

COLORS = {"types": "#b3261e", "locations": "#1f5fbf"}


def record_svg(summary: rules.Summary) -> bytes:
    """Two bar charts side by side: reports by type of breach and by location. A report listing
    two types (or locations) counts under each."""
    panels = (
        ("Type of breach", summary.by_type, COLORS["types"]),
        ("Location of the information", summary.by_location, COLORS["locations"]),
    )
    rows = max(len(summary.by_type), len(summary.by_location), 3)
    fig = new_figure(9.0, 0.9 + 0.32 * rows)
    for i, (title, counts, color) in enumerate(panels, start=1):
        ax = fig.add_subplot(1, 2, i)
        ax.set_title(title, loc="left", fontsize=10)
        if counts:
            labels = list(counts)
            values = list(counts.values())
            bars = ax.barh(labels, values, color=color)
            ax.bar_label(bars, padding=3, fontsize=8)
            ax.invert_yaxis()
            ax.set_xlim(0, max(values) * 1.18)
        else:
            ax.text(0.5, 0.5, "No reports", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        ax.set_xlabel("Reports")
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(
        f"Breaches reported by {summary.entity_plural}, {summary.since:%b %Y} to "
        f"{summary.until:%b %Y} ({summary.breaches} reports)",
        x=0.01,
        ha="left",
        fontsize=10,
    )
    fig.tight_layout()
    return svg_bytes(fig)
