"""The BAA register as a table (CSV, XLSX, PDF through ``core.tables``) and the chain from
covered entity to business associate to subcontractor as a picture."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hipaaops.vendors import selectors

if TYPE_CHECKING:
    from hipaaops.organizations.models import Organization

COLUMNS = [
    "vendor",
    "relationship",
    "agreement",
    "status",
    "effective_on",
    "term_ends",
    "auto_renews",
    "breach_report_days",
    "provisions_missing",
    "terminated_on",
    "phi_returned_or_destroyed",
    "risk_tier",
    "review_due",
]


def register_table(org: Organization) -> tuple[str, list[str], list[list[object]]]:
    rows: list[list[object]] = []
    for vrow in sorted(selectors.vendor_rows(org), key=lambda r: r.vendor.name.lower()):
        v = vrow.vendor
        for a in vrow.agreements or [None]:  # type: ignore[list-item]
            agreement = a.agreement if a else None
            days = ""
            if agreement and agreement.breach_report_days is not None:
                days = f"{agreement.breach_report_days} {agreement.breach_report_day_kind}"
            rows.append(
                [
                    v.name,
                    v.get_relationship_display(),
                    agreement.title if agreement else "none",
                    a.status_label if a else ("needed" if vrow.needs_agreement else ""),
                    agreement.effective_on if agreement and agreement.effective_on else "",
                    a.term_end if a and a.term_end else "",
                    "yes" if agreement and agreement.auto_renews else "",
                    days,
                    len(a.gaps) if a else "",
                    agreement.terminated_on if agreement and agreement.terminated_on else "",
                    (agreement.disposition or {}).get("confirmed_on", "") if agreement else "",
                    v.risk_tier,
                    v.review_due_on or "",
                ]
            )
    return "Business associate agreements", COLUMNS, rows


def chain_svg(roots: list[selectors.ChainNode]) -> bytes:
    """The chain drawn as a tree, one column per tier (covered entity, business associate,
    subcontractor, …), laid out by matplotlib; the page shows the same chain as a list."""
    from hipaaops.safeguards.charts import new_figure, svg_bytes

    columns: list[list[tuple[selectors.ChainNode, selectors.ChainNode | None]]] = []

    def walk(node: selectors.ChainNode, parent: selectors.ChainNode | None, depth: int) -> None:
        while len(columns) <= depth:
            columns.append([])
        columns[depth].append((node, parent))
        for child in node.children:
            walk(child, node, depth + 1)

    for root in roots:
        walk(root, None, 0)
    tallest = max(len(c) for c in columns)
    fig = new_figure(2.6 * len(columns) + 0.4, 0.8 * tallest + 0.6)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(-0.8, tallest - 0.2)
    where: dict[int, tuple[float, float]] = {}
    colors = {"us": "#1d4ed8", "upstream": "#047857", "vendor": "#374151"}
    for depth, column in enumerate(columns):
        for i, (node, _) in enumerate(column):
            y = tallest - 1 - i * (tallest / max(len(column), 1))
            where[id(node)] = (depth, y)
    for column in columns:
        for node, parent in column:
            x, y = where[id(node)]
            if parent is not None:
                px, py = where[id(parent)]
                ax.annotate(
                    "",
                    xy=(x - 0.42, y),
                    xytext=(px + 0.42, py),
                    arrowprops={"arrowstyle": "->", "color": "#6b7280"},
                )
            bad = node.status in ("no agreement", "expired", "not determined")
            ax.text(
                x,
                y,
                f"{node.name}\n{node.status}",
                ha="center",
                va="center",
                fontsize=8,
                color="white",
                bbox={
                    "boxstyle": "round,pad=0.4",
                    "facecolor": "#b91c1c" if bad else colors.get(node.kind, "#374151"),
                    "edgecolor": "none",
                },
            )
    return svg_bytes(fig)
