"""The PNG chart: creation days with waves highlighted, a monthly view, the young-account share.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global state), tall and
narrow so it reads on a phone.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from reports import text
from reports.model import Analysis

WAVE = "#d9480f"
BURST = "#9c36b5"
BAR = "#4263eb"
MUTED = "#868e96"
DAILY_MAX_SPAN = 730  # days shown in the daily panel when no window is set

_EPOCH = date(1970, 1, 1)  # matplotlib's default date epoch: a date is days since it


def _x(d: date) -> float:
    return float((d - _EPOCH).days)


def chart_png(analysis: Analysis, *, title: str = "") -> bytes:
    """Return the chart as PNG bytes."""
    fig = Figure(figsize=(4.6, 7.6), dpi=170, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(3, 1, height_ratios=(3.2, 2.4, 1.4))
    fig.suptitle(title or "Account creation dates", fontsize=14, weight="bold")
    _daily(axes[0], analysis)
    _monthly(axes[1], analysis)
    _young(axes[2], analysis)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def write_chart(analysis: Analysis, path: Path, *, title: str = "") -> None:
    path.write_bytes(chart_png(analysis, title=title))


def _style(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=11.5)
    ax.grid(axis="y", color="#e9ecef", linewidth=0.8)
    ax.set_axisbelow(True)


def _daily(ax: Axes, a: Analysis) -> None:
    _style(ax)
    today = a.generated_at.date()
    if a.window_days is not None:
        start = today - timedelta(days=a.window_days - 1)
        label = f"Accounts created per day, last {text.num(a.window_days)} days"
    else:
        first = a.days[0].day if a.days else today
        start = max(first, today - timedelta(days=DAILY_MAX_SPAN - 1))
        if a.waves:  # never hide a wave: reach back to the earliest one
            start = min(start, min(w.start for w in a.waves) - timedelta(days=30))
            start = max(start, first)
        years = (today - start).days / 365.25
        label = "Accounts created per day" + (f", last {years:.0f} years" if first < start else "")
    ax.set_title(label, loc="left", fontsize=12.5)
    shown = [d for d in a.days if d.day >= start]
    if not shown:
        ax.text(
            0.5,
            0.5,
            "no accounts in this range",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color=MUTED,
            fontsize=12,
        )
        return
    # One filled step line per colour, not a bar per day: thousands of bars are slow to draw.
    n_days = (today - start).days + 1
    counts = np.zeros(n_days)
    waved = np.zeros(n_days)
    for d in shown:
        i = (d.day - start).days
        if i < n_days:
            counts[i] = d.count
            if any(w.start <= d.day <= w.end for w in a.waves):
                waved[i] = d.count
    edges = _x(start) + np.arange(n_days + 1, dtype=np.float64)
    # The edge line keeps one-day spikes visible when a day is narrower than a pixel.
    ax.stairs(counts, edges, fill=True, color=BAR, linewidth=1.0, edgecolor=BAR)
    if waved.any():
        ax.stairs(waved, edges, fill=True, color=WAVE, linewidth=1.2, edgecolor=WAVE)
    for w in a.waves:
        if w.end >= start:
            ax.axvspan(_x(max(w.start, start)), _x(w.end) + 1, color=WAVE, alpha=0.18, linewidth=0)
            peak = max((d.count for d in shown if w.start <= d.day <= w.end), default=0)
            # Near either edge, anchor the label inward so it is not cut off.
            where = ((w.start - start).days) / max(1, (today - start).days)
            ha = "left" if where < 0.12 else "right" if where > 0.88 else "center"
            ax.annotate(
                f"{text.num(w.count)} ({text.pct(w.share)})",
                xy=((_x(w.start) + _x(w.end) + 1) / 2, peak),
                xytext=(0, 4),
                textcoords="offset points",
                ha=ha,
                va="bottom",
                fontsize=11,
                color=WAVE,
                weight="bold",
            )
    for b in a.bursts:
        if b.start.date() >= start and not any(w.start <= b.start.date() <= w.end for w in a.waves):
            ax.axvline(_x(b.start.date()), color=BURST, linewidth=1.2, alpha=0.7)
    locator = AutoDateLocator(minticks=3, maxticks=6)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_xlim(_x(start), _x(today) + 1)
    ax.set_ylim(0, max(d.count for d in shown) * 1.18 + 0.5)


def _monthly(ax: Axes, a: Analysis) -> None:
    _style(ax)
    ax.set_title("Accounts created per month", loc="left", fontsize=12.5)
    if not a.months:
        ax.text(
            0.5,
            0.5,
            "no creation dates",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color=MUTED,
            fontsize=12,
        )
        return
    months = [date.fromisoformat(m.month + "-01") for m in a.months]
    xs = [_x(m) for m in months]
    nxt = date(months[-1].year + months[-1].month // 12, months[-1].month % 12 + 1, 1)
    edges = np.array([*xs, _x(nxt)], dtype=np.float64)
    counts = np.array([m.count for m in a.months], dtype=np.float64)
    waved = np.array(
        [
            m.count if any(_month_overlaps(d, w.start, w.end) for w in a.waves) else 0
            for m, d in zip(a.months, months, strict=True)
        ],
        dtype=np.float64,
    )
    ax.stairs(counts, edges, fill=True, color=BAR, linewidth=0.8, edgecolor=BAR)
    if waved.any():
        ax.stairs(waved, edges, fill=True, color=WAVE, linewidth=1.2, edgecolor=WAVE)
    ax.set_ylim(0, float(counts.max()) * 1.08 + 0.5)
    locator = AutoDateLocator(minticks=3, maxticks=7)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _month_overlaps(month: date, start: date, end: date) -> bool:
    return (month.year, month.month) >= (start.year, start.month) and (month.year, month.month) <= (
        end.year,
        end.month,
    )


def _young(ax: Axes, a: Analysis) -> None:
    _style(ax)
    ax.set_title("Share of accounts younger than…", loc="left", fontsize=12.5)
    labels = [f"{b.days} days" if b.days < 365 else "1 year" for b in a.young]
    shares = [b.share * 100 for b in a.young]
    bars = ax.barh(labels, shares, color=[WAVE if s >= 25 else BAR for s in shares], height=0.6)
    for bar, b in zip(bars, a.young, strict=True):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"{text.pct(b.share)} ({text.num(b.count)})",
            va="center",
            fontsize=11,
        )
    ax.set_xlim(0, 115)
    ax.invert_yaxis()
    ax.set_xticks([0, 25, 50, 75, 100], ["0", "25%", "50%", "75%", "100%"])
    ax.grid(axis="x", color="#e9ecef", linewidth=0.8)
    ax.grid(axis="y", visible=False)
