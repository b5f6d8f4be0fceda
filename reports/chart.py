"""The PNG chart: creation days with waves highlighted, a monthly view, the young-account share.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global state), in two
shapes: `PHONE` (tall and narrow, also the downloadable chart.png) and `DESKTOP` (wide and no
taller than a laptop screen). Each shape's letters are sized for the width the page shows it
at, so no text on the chart reads smaller than 12 CSS pixels (`Shape.min_text_px`).

Fast enough for a 100,000-chatter report (bench/render.py): each thread keeps one figure per
shape with its axes, spines, grids and ticks made once (`_Frame`), and each render only swaps
the data; the panels sit at fixed places (no constrained layout, which measures every label
twice); the day histogram is one precomputed polygon added without autoscaling; the PNG is
drawn and compressed lightly without savefig.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.text import Text
from matplotlib.ticker import AutoLocator, ScalarFormatter
from PIL import Image

from reports import chart_text
from reports.i18n import ENGLISH, N_, Speaker
from reports.model import Analysis

WAVE = "#d9480f"
BURST = "#9c36b5"
BAR = "#4263eb"
MUTED = "#6c757d"
GRID = "#e9ecef"
DAILY_MAX_SPAN = 730  # days shown in the daily panel when no window is set
YOUNGER = N_("Share of accounts younger than…")
PNG_OPTIONS = {"compress_level": 1}  # zlib 6 (the default) costs a fifth of the render

_EPOCH = date(1970, 1, 1)  # matplotlib's default date epoch: a date is days since it

Rect = tuple[float, float, float, float]  # left, bottom, width, height (figure fractions)


@dataclass(frozen=True, slots=True)
class Shape:
    """One rendering of the chart: its size, where its panels go, its letter sizes."""

    name: str
    size: tuple[float, float]  # inches
    dpi: int
    shown_px: int  # the CSS width the page shows it at (at most)
    panels: tuple[Rect, Rect, Rect]  # daily, monthly, young
    title_y: float
    font: float  # points: ticks and labels; panel titles and the figure title are larger

    @property
    def min_text_px(self) -> float:
        """The smallest text, in CSS pixels, when the chart is shown `shown_px` wide."""
        return self.font * self.shown_px / (72 * self.size[0])

    @property
    def pixels(self) -> tuple[int, int]:
        return round(self.size[0] * self.dpi), round(self.size[1] * self.dpi)


# A 390 px phone shows the chart 358 px wide: 11 pt on 4.2 in comes out at 13 CSS px.
PHONE = Shape(
    "phone",
    (4.2, 7.2),
    150,
    358,
    ((0.15, 0.615, 0.80, 0.30), (0.15, 0.285, 0.80, 0.22), (0.25, 0.05, 0.68, 0.14)),
    0.985,
    11.0,
)
# The page is at most 928 px wide on a desktop; 5.4 in high keeps it within a 720 px screen.
DESKTOP = Shape(
    "desktop",
    (9.0, 5.4),
    120,
    928,
    ((0.07, 0.52, 0.90, 0.36), (0.07, 0.08, 0.48, 0.30), (0.67, 0.08, 0.30, 0.30)),
    0.975,
    10.0,
)


def _x(d: date) -> float:
    return float((d - _EPOCH).days)


@dataclass(slots=True)
class _Frame:
    """A drawn-once figure in one shape: axes, spines, grids and titles, reused by every render
    in the thread that made it (Agg figures are not safe to share between threads)."""

    fig: Figure
    canvas: FigureCanvasAgg
    title: Text
    axes: tuple[Axes, Axes, Axes]
    titles: tuple[Text, Text, Text]
    fixed: tuple[frozenset[Artist], ...]  # each panel's children that belong to the frame


_frames = threading.local()


def _frame(shape: Shape, families: tuple[str, ...] | None = None) -> _Frame:
    """Return this thread's frame for `shape` and font `families` (None: the default), made
    on first use."""
    cache: dict[tuple[Shape, tuple[str, ...] | None], _Frame] = _frames.__dict__.setdefault(
        "by_shape", {}
    )
    frame = cache.get((shape, families))
    if frame is None:
        fig = Figure(figsize=shape.size, dpi=shape.dpi)
        canvas = FigureCanvasAgg(fig)
        title = fig.text(0.02, shape.title_y, "", fontsize=shape.font + 3, weight="bold", va="top")
        daily, monthly, young = (fig.add_axes(rect) for rect in shape.panels)
        titles = (
            _style(daily, shape.font, grid="y"),
            _style(monthly, shape.font, grid="y"),
            _style(young, shape.font, grid="x"),
        )
        axes = (daily, monthly, young)
        fixed = tuple(frozenset(ax.get_children()) for ax in axes)
        frame = cache[shape, families] = _Frame(fig, canvas, title, axes, titles, fixed)
    return frame


def chart_png(
    analysis: Analysis, *, title: str = "", shape: Shape = PHONE, tr: Speaker = ENGLISH
) -> bytes:
    """Return the chart as PNG bytes, in `shape`, its words in `tr`'s language."""
    tr = chart_text.chart_speaker(tr)
    families = chart_text.families(tr)
    frame = _frame(shape, families)
    frame.title.set_text(title or tr.say("Account creation dates"))
    for ax, fixed in zip(frame.axes, frame.fixed, strict=True):
        _clear(ax, fixed)
    daily, monthly, young = frame.axes
    frame.titles[0].set_text(_daily(daily, analysis, shape.font, tr))
    frame.titles[1].set_text(_monthly(monthly, analysis, shape.font, tr))
    frame.titles[2].set_text(_young(young, analysis, shape.font, tr))
    if families is not None:  # every text of the figure, this render's new ones too
        chart_text.use_families(frame.fig, families)
    # Draw and encode directly: savefig would also copy the figure's settings and bounding box.
    frame.canvas.draw()  # type: ignore[no-untyped-call]
    buf = io.BytesIO()
    rgba = np.asarray(frame.canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    Image.fromarray(rgba).save(buf, format="png", **PNG_OPTIONS)
    return buf.getvalue()


def write_chart(analysis: Analysis, path: Path, *, title: str = "", tr: Speaker = ENGLISH) -> None:
    path.write_bytes(chart_png(analysis, title=title, tr=tr))


def _style(ax: Axes, font: float, *, grid: Literal["x", "y"]) -> Text:
    """Style a panel once; return its title (placed as set_title would, without set_title's
    search for overlapping artists at every draw)."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=font)
    ax.grid(axis=grid, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    return ax.text(0, 1.02, "", transform=ax.transAxes, fontsize=font + 1.5, va="bottom")


def _clear(ax: Axes, fixed: frozenset[Artist]) -> None:
    """Take the last render's data off a panel and give its axes their default ticks back."""
    for artist in ax.get_children():
        if artist not in fixed:
            artist.remove()
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(AutoLocator())  # type: ignore[no-untyped-call]
        axis.set_major_formatter(ScalarFormatter())  # type: ignore[no-untyped-call]


def _empty(ax: Axes, message: str, font: float) -> None:
    ax.text(
        0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=MUTED, size=font
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _steps(ax: Axes, edges: np.ndarray, heights: np.ndarray, color: str) -> None:
    """Draw a filled histogram as one polygon (no per-bar artists, no autoscaling)."""
    xs = np.repeat(edges, 2)
    ys = np.concatenate(([0.0], np.repeat(heights, 2), [0.0]))
    # The edge line keeps one-day spikes visible when a day is narrower than a pixel.
    poly = Polygon(
        np.column_stack((xs, ys)), closed=True, facecolor=color, edgecolor=color, linewidth=1.0
    )
    ax.add_artist(poly)  # add_patch would walk every vertex to update the data limits


def _daily(ax: Axes, a: Analysis, font: float, tr: Speaker) -> str:
    """Draw the day histogram; return the panel's title."""
    today = a.generated_at.date()
    if a.window_days is not None:
        start = today - timedelta(days=a.window_days - 1)
        label = tr.nsay(
            "Accounts created per day, the last day",
            "Accounts created per day, last {n} days",
            a.window_days,
        )
    else:
        first = a.days[0].day if a.days else today
        start = max(first, today - timedelta(days=DAILY_MAX_SPAN - 1))
        if a.waves:  # never hide a wave: reach back to the earliest one
            start = min(start, min(w.start for w in a.waves) - timedelta(days=30))
            start = max(start, first)
        years = (today - start).days / 365.25
        label = (
            tr.say("Accounts created per day, last {years} years", years=f"{years:.0f}")
            if first < start
            else tr.say("Accounts created per day")
        )
    n_days = (today - start).days + 1
    index = np.array([(d.day - start).days for d in a.days], dtype=np.int64)
    values = np.array([d.count for d in a.days], dtype=np.float64)
    keep = (index >= 0) & (index < n_days)
    if not keep.any():
        _empty(ax, tr.say("no accounts in this range"), font)
        return label
    counts = np.zeros(n_days)
    counts[index[keep]] = values[keep]
    waved = np.zeros(n_days)
    for w in a.waves:
        lo, hi = max(0, (w.start - start).days), min(n_days, (w.end - start).days + 1)
        if lo < hi:
            waved[lo:hi] = counts[lo:hi]
    edges = _x(start) + np.arange(n_days + 1, dtype=np.float64)
    _steps(ax, edges, counts, BAR)
    if waved.any():
        _steps(ax, edges, waved, WAVE)
    for w in a.waves:
        if w.end >= start:
            ax.axvspan(_x(max(w.start, start)), _x(w.end) + 1, color=WAVE, alpha=0.18, linewidth=0)
            lo, hi = max(0, (w.start - start).days), min(n_days, (w.end - start).days + 1)
            peak = float(counts[lo:hi].max()) if lo < hi else 0.0
            # Near either edge, anchor the label inward so it is not cut off.
            where = (w.start - start).days / max(1, n_days - 1)
            ha = "left" if where < 0.12 else "right" if where > 0.88 else "center"
            ax.annotate(
                f"{tr.num(w.count)} ({tr.pct(w.share)})",
                xy=((_x(w.start) + _x(w.end) + 1) / 2, peak),
                xytext=(0, 4),
                textcoords="offset points",
                ha=ha,
                va="bottom",
                fontsize=font,
                color=WAVE,
                weight="bold",
            )
    for b in a.bursts:
        if b.start.date() >= start and not any(w.start <= b.start.date() <= w.end for w in a.waves):
            ax.axvline(_x(b.start.date()), color=BURST, linewidth=1.2, alpha=0.7)
    _dates(ax, 5, tr)
    ax.set_xlim(_x(start), _x(today) + 1)
    ax.set_ylim(0, float(counts.max()) * 1.18 + 0.5)
    return label


def _dates(ax: Axes, most: int, tr: Speaker) -> None:
    locator = AutoDateLocator(minticks=3, maxticks=most)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_Dates(locator, tr))


class _Dates(ConciseDateFormatter):
    """Matplotlib's concise dates with the month names of the chart's language."""

    def __init__(self, locator: AutoDateLocator, tr: Speaker) -> None:
        super().__init__(locator)  # type: ignore[no-untyped-call]
        self._tr = tr

    def format_ticks(self, values: Any) -> list[str]:
        labels = super().format_ticks(values)  # type: ignore[no-untyped-call]
        return [chart_text.months(str(label), self._tr) for label in labels]

    def get_offset(self) -> str:
        return chart_text.months(str(super().get_offset()), self._tr)  # type: ignore[no-untyped-call]


def _monthly(ax: Axes, a: Analysis, font: float, tr: Speaker) -> str:
    """Draw the month histogram; return the panel's title."""
    label = tr.say("Accounts created per month")
    if not a.months:
        _empty(ax, tr.say("no creation dates"), font)
        return label
    months = [date.fromisoformat(m.month + "-01") for m in a.months]
    nxt = date(months[-1].year + months[-1].month // 12, months[-1].month % 12 + 1, 1)
    edges = np.array([*(_x(m) for m in months), _x(nxt)], dtype=np.float64)
    counts = np.array([m.count for m in a.months], dtype=np.float64)
    waved = np.array(
        [
            m.count if any(_month_overlaps(d, w.start, w.end) for w in a.waves) else 0
            for m, d in zip(a.months, months, strict=True)
        ],
        dtype=np.float64,
    )
    _steps(ax, edges, counts, BAR)
    if waved.any():
        _steps(ax, edges, waved, WAVE)
    ax.set_xlim(float(edges[0]), float(edges[-1]))
    ax.set_ylim(0, float(counts.max()) * 1.08 + 0.5)
    _dates(ax, 5, tr)
    return label


def _month_overlaps(month: date, start: date, end: date) -> bool:
    return (start.year, start.month) <= (month.year, month.month) <= (end.year, end.month)


def _young(ax: Axes, a: Analysis, font: float, tr: Speaker) -> str:
    """Draw the young-account shares; return the panel's title."""
    labels = [
        tr.nsay("{n} day", "{n} days", b.days) if b.days < 365 else tr.say("1 year")
        for b in a.young
    ]
    shares = [b.share * 100 for b in a.young]
    ys = np.arange(len(labels), dtype=np.float64)
    bars = ax.barh(ys, shares, color=[WAVE if s >= 25 else BAR for s in shares], height=0.6)
    for bar, b in zip(bars, a.young, strict=True):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"{tr.pct(b.share)} ({tr.num(b.count)})",
            va="center",
            fontsize=font,
        )
    ax.set_xlim(0, 130)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # the youngest on top
    ax.set_yticks(ys, labels)
    ax.set_xticks([0, 50, 100], ["0", "50%", "100%"])
    return tr.say(YOUNGER)
