"""The heat map: likelihood against impact, each cell coloured by its risk band and showing how
many risks sit there. Drawn on the server by matplotlib (SVG)."""

from __future__ import annotations

from hipaaops.sra import rules

BAND_COLORS = {"low": "#bbf7d0", "moderate": "#fef08a", "high": "#fdba74", "critical": "#fca5a5"}


def heatmap_svg(scale: rules.Scale, counts: dict[tuple[int, int], int], *, title: str) -> bytes:
    from matplotlib.patches import Rectangle

    from hipaaops.safeguards.charts import new_figure, svg_bytes

    n = scale.levels
    fig = new_figure(1.1 * n + 1.8, 1.0 * n + 1.2)
    ax = fig.add_subplot()
    for lk in range(1, n + 1):
        for im in range(1, n + 1):
            band = scale.band(lk, im)
            ax.add_patch(
                Rectangle(
                    (im - 0.5, lk - 0.5),
                    1,
                    1,
                    facecolor=BAND_COLORS.get(band.key, "#e5e7eb"),
                    edgecolor="white",
                    linewidth=2,
                )
            )
            count = counts.get((lk, im), 0)
            if count:
                ax.text(im, lk, str(count), ha="center", va="center", fontsize=12, weight="bold")
    ax.set_xlim(0.5, n + 0.5)
    ax.set_ylim(0.5, n + 0.5)
    ax.set_xticks(range(1, n + 1), [f"{lv.value}\n{lv.label}" for lv in scale.impact], fontsize=7.5)
    ax.set_yticks(
        range(1, n + 1), [f"{lv.label} {lv.value}" for lv in scale.likelihood], fontsize=7.5
    )
    ax.set_xlabel("Impact")
    ax.set_ylabel("Likelihood")
    ax.set_title(title, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return bytes(svg_bytes(fig))
