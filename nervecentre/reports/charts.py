"""Charts of the dashboards and reports, drawn on the server with matplotlib.

One drawing serves the web page (SVG, with a title, a description and a data table
beside it) and the PDF and XLSX (PNG of the same figure): nothing runs in the browser,
nothing is fetched, and the same figures appear everywhere.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import matplotlib

matplotlib.use("Agg")
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import MaxNLocator

matplotlib.rcParams["svg.hashsalt"] = "nervecentre"  # the same chart, the same bytes
matplotlib.rcParams["svg.fonttype"] = "path"  # no font needed where the SVG is shown
matplotlib.rcParams["text.parse_math"] = False  # a place named "$x$" is text, not TeX

PALETTE = ("#1f5f8b", "#d9822b", "#2e8b57", "#a23b72", "#6c757d", "#b8860b")


@dataclass
class Chart:
    """A chart and its data: ``headers`` and ``rows`` are the table that stands in for it."""

    id: str
    title: str
    desc: str
    kind: str  # bars, hbar, stacked, flows
    headers: list[str]
    rows: list[list[str | int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when there is nothing to draw."""
        return not self.rows


def _figure(height: float = 3.2) -> Figure:
    fig = Figure(figsize=(8.0, height), dpi=100)
    fig.set_layout_engine("constrained")
    return fig


def _bars(chart: Chart, fig: Figure) -> None:
    ax = fig.subplots()
    labels = [str(r[0]) for r in chart.rows]
    series = len(chart.headers) - 1
    width = 0.8 / max(series, 1)
    for s in range(series):
        xs = [i + (s - (series - 1) / 2) * width for i in range(len(labels))]
        ax.bar(
            xs,
            [int(r[s + 1]) for r in chart.rows],
            width,
            label=chart.headers[s + 1],
            color=PALETTE[s % len(PALETTE)],
        )
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right", fontsize=8)
    ax.legend(fontsize=8, frameon=False)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)


def _hbar(chart: Chart, fig: Figure) -> None:
    ax = fig.subplots()
    labels = [_short(str(r[0]), 48) for r in chart.rows][::-1]
    ax.barh(labels, [int(r[1]) for r in chart.rows][::-1], color=PALETTE[0])
    ax.tick_params(axis="y", labelsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)


def _stacked(chart: Chart, fig: Figure) -> None:
    ax = fig.subplots()
    labels = [str(r[0]) for r in chart.rows]
    bottom = [0] * len(labels)
    for s, name in enumerate(chart.headers[1:]):
        values = [int(r[s + 1]) for r in chart.rows]
        ax.bar(labels, values, bottom=bottom, label=name, color=PALETTE[s % len(PALETTE)])
        bottom = [a + b for a, b in zip(bottom, values, strict=True)]
    ax.legend(fontsize=8, frameon=False)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)


def _flow_end(ax: Axes, span: Sequence[float], label: str, *, bar: float, text: float) -> None:
    """One end of the flow chart: a dark bar over ``span`` at ``bar``, labelled at ``text``."""
    top, bottom = span
    box = matplotlib.transforms.Affine2D().scale(0.02, top - bottom).translate(bar, bottom)
    ax.add_patch(PathPatch(MplPath.unit_rectangle().transformed(box), color="#333"))
    align = "right" if text < bar else "left"
    ax.text(text, (top + bottom) / 2, label, ha=align, va="center", fontsize=8)


def _flows(chart: Chart, fig: Figure) -> None:
    """A two-column flow diagram (Sankey): sources left, destinations right, band width ∝ cases."""
    ax = fig.subplots()
    ax.set_axis_off()
    sources: dict[str, int] = {}
    targets: dict[str, int] = {}
    for src, dst, n in chart.rows:
        sources[str(src)] = sources.get(str(src), 0) + int(n)
        targets[str(dst)] = targets.get(str(dst), 0) + int(n)
    total = sum(sources.values()) or 1
    gap = 0.02

    def stack(nodes: dict[str, int]) -> dict[str, list[float]]:
        scale = (1 - gap * (len(nodes) - 1)) / total
        out, y = {}, 1.0
        for name, n in sorted(nodes.items(), key=lambda kv: -kv[1]):
            out[name] = [y, y - n * scale]  # top, bottom; the top moves down as bands leave
            y -= n * scale + gap
        return out

    left, right = stack(sources), stack(targets)
    left_scale = (1 - gap * (len(sources) - 1)) / total
    right_scale = (1 - gap * (len(targets) - 1)) / total
    for i, (src, dst, n) in enumerate(sorted(chart.rows, key=lambda r: -int(r[2]))):
        h, h2 = int(n) * left_scale, int(n) * right_scale
        y0, y1 = left[str(src)][0], right[str(dst)][0]
        left[str(src)][0] -= h
        right[str(dst)][0] -= h2
        verts = [
            (0.3, y0),
            (0.5, y0),
            (0.5, y1),
            (0.7, y1),
            (0.7, y1 - h2),
            (0.5, y1 - h2),
            (0.5, y0 - h),
            (0.3, y0 - h),
            (0.3, y0),
        ]
        codes = [
            MplPath.MOVETO,
            MplPath.CURVE4,
            MplPath.CURVE4,
            MplPath.CURVE4,
            MplPath.LINETO,
            MplPath.CURVE4,
            MplPath.CURVE4,
            MplPath.CURVE4,
            MplPath.CLOSEPOLY,
        ]
        ax.add_patch(
            PathPatch(MplPath(verts, codes), alpha=0.45, lw=0, color=PALETTE[i % len(PALETTE)])
        )
    for name, span in stack(sources).items():
        _flow_end(ax, span, f"{_short(name, 28)} ({sources[name]:,})", bar=0.28, text=0.27)
    for name, span in stack(targets).items():
        _flow_end(ax, span, f"{_short(name, 28)} ({targets[name]:,})", bar=0.70, text=0.73)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)


_DRAW = {"bars": _bars, "hbar": _hbar, "stacked": _stacked, "flows": _flows}


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def draw(chart: Chart) -> Figure:
    """The matplotlib figure of a chart (an empty note when there is no data)."""
    height = 3.6 if chart.kind == "flows" else 3.2
    if chart.kind == "hbar":
        height = max(2.0, 0.3 * len(chart.rows) + 0.8)
    fig = _figure(height)
    if chart.empty:
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No data in this period", ha="center", va="center")
        return fig
    _DRAW[chart.kind](chart, fig)
    return fig


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def svg(chart: Chart) -> str:
    """The chart as inline SVG with role, title and description (for screen readers)."""
    buffer = io.StringIO()
    draw(chart).savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    opening = _SVG_OPEN.search(text)
    assert opening is not None
    tag = opening.group(0)
    head = tag[:-1] + f' role="img" aria-labelledby="{chart.id}-title {chart.id}-desc">'
    head = re.sub(r'\s(width|height)="[^"]*"', "", head, count=2)
    labels = (
        f'<title id="{chart.id}-title">{escape(chart.title)}</title>'
        f'<desc id="{chart.id}-desc">{escape(chart.desc)}</desc>'
    )
    return head + labels + text[opening.end() :]


def png(chart: Chart, dpi: int = 150) -> bytes:
    """The same chart as PNG, for the PDF and XLSX reports."""
    return png_sized(chart, dpi)[0]


def png_sized(chart: Chart, dpi: int = 150) -> tuple[bytes, tuple[float, float]]:
    """The chart as PNG and its size in inches."""
    buffer = io.BytesIO()
    fig = draw(chart)
    fig.savefig(buffer, format="png", dpi=dpi)
    width, height = fig.get_size_inches()
    return buffer.getvalue(), (float(width), float(height))


def rows_total(rows: Sequence[Sequence[str | int]]) -> int:
    """The sum of the last column of a chart's rows."""
    return sum(int(r[-1]) for r in rows)
