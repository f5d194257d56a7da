"""Charts for the PDFs: matplotlib rendered to SVG with the text kept as text (so the PDF's
embedded font draws it and it can be searched). Every charted figure is also in a table."""

import io
import itertools
import re
from functools import cached_property

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        "font.family": "DejaVu Sans",
        "font.size": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)
COLOUR = "#2f5d8a"


class BarChart:
    """A bar chart drawn when the document shows it: drawing belongs to the rendering of the
    PDF, not to the reading of its figures (the two are timed apart)."""

    def __init__(self, rows: list[dict]):
        self.rows = rows

    def __bool__(self) -> bool:
        return bool(_drawable(self.rows))

    @cached_property
    def svg(self) -> str:
        return bar_chart(self.rows)

    def __html__(self) -> str:
        return self.svg

    __str__ = __html__


def _drawable(rows: list[dict], limit: int = 12) -> list[dict]:
    """The rows a chart shows: counts that are numbers (not withheld small cells), the first
    ``limit`` of them."""
    return [row for row in rows if isinstance(row.get("count"), int) and row["count"] > 0][:limit]


def bar_chart(rows: list[dict], *, limit: int = 12) -> str:
    """A horizontal bar chart of ``[{"name", "count"}]`` as an SVG document; rows whose count is
    not a number (withheld small cells) are left out. Returns "" when nothing can be drawn."""
    rows = _drawable(rows, limit)
    if not rows:
        return ""
    names = [_shorten(row["name"]) for row in reversed(rows)]
    counts = [row["count"] for row in reversed(rows)]
    figure, axes = plt.subplots(figsize=(6.3, 0.3 * len(rows) + 0.6))
    try:
        bars = axes.barh(names, counts, color=COLOUR)
        axes.bar_label(bars, padding=2)
        axes.xaxis.set_visible(False)
        axes.spines["bottom"].set_visible(False)
        axes.tick_params(axis="y", length=0)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        plt.close(figure)
    svg = buffer.getvalue()
    return _unique_ids(svg[svg.index("<svg") :])


_IDS = itertools.count(1)


def _unique_ids(svg: str) -> str:
    """matplotlib numbers the ids of every figure from 1: give this chart's ids a prefix of its
    own so several charts can share one document."""
    prefix = f"c{next(_IDS)}-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m[1]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m[1]})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m[1]}"', svg)


def _shorten(text: str, width: int = 45) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
