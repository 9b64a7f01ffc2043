"""The readiness picture: score by CFR section, drawn on the server by matplotlib (SVG)."""

from __future__ import annotations

from hipaaops.readiness import rules
from hipaaops.safeguards.charts import new_figure, svg_bytes


def sections_svg(readiness: rules.Readiness) -> bytes:
    """Horizontal bars: the readiness percentage of each CFR section, with its inquiry count."""
    items = [(k, s) for k, s in readiness.by_section.items() if s.applicable]
    height = max(1.6, 0.28 * len(items) + 0.8)
    fig = new_figure(7.5, height)
    ax = fig.add_subplot()
    labels = [f"{k} ({s.applicable})" for k, s in items]
    values = [s.percent or 0 for _, s in items]
    colors = ["#1e7a46" if v >= 80 else "#e0a526" if v >= 50 else "#b3261e" for v in values]
    ax.barh(labels, values, color=colors)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Readiness (%) of the applicable inquiries, by CFR section")
    for y, v in enumerate(values):
        ax.text(min(v + 1, 94), y, f"{v}%", va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    if not items:
        ax.text(50, 0, "No applicable inquiry yet", ha="center", va="center")
        ax.set_yticks([])
    return svg_bytes(fig)
