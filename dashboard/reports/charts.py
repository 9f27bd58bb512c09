"""Server-side SVG charts (pygal): no JavaScript, no CDN; the table sits under each chart."""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from .tables import Table

_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#111",
    foreground_subtle="#999",
    colors=("#1b6ec2", "#d9822b", "#2e9e5b", "#c23b3b", "#7b5ea7"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    tooltip_font_size=12,
)
# pygal always adds a small inline config script for its optional JS; the SVG needs none.
_SCRIPT = re.compile(r"<script.*?</script>", re.DOTALL)
_KINDS = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "line": pygal.Line}
MAX_BARS = 15


def chart_svg(table: Table) -> str:
    """The table's first numeric column as an SVG chart ('' when the table has no chart)."""
    if not table.chart or not table.rows:
        return ""
    rows = table.rows if table.chart == "line" else table.rows[:MAX_BARS]
    if table.chart == "hbar":
        rows = list(reversed(rows))  # pygal draws the first value at the bottom
    chart = _KINDS[table.chart](
        style=_STYLE,
        js=[],  # no script from a CDN: the SVG renders as a plain image
        show_legend=False,
        width=720,
        height=max(260, 28 * len(rows) + 60) if table.chart == "hbar" else 320,
        x_label_rotation=30 if table.chart != "hbar" else 0,
        truncate_label=28,
        print_values=table.chart != "line",
        disable_xml_declaration=True,
        title=None,
        margin=8,
        show_minor_x_labels=len(rows) <= 16,
        x_labels_major_every=max(1, len(rows) // 8) if table.chart == "line" else None,
    )
    chart.x_labels = [str(r[0]) for r in rows]
    chart.add(
        str(table.columns[1]), [r[1] if isinstance(r[1], int | float) else None for r in rows]
    )
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    return svg.replace("<svg ", f'<svg role="img" aria-label="{table.title}" ', 1)
