"""The stream chart: chat messages per minute (bars) and viewers (line) over time, one panel.

matplotlib's object API on the Agg canvas, sized and lettered to be read on a phone: shown 358
CSS pixels wide (a 390 px phone), its smallest letters come out at 13 px. Time ticks fall on
whole minutes (or seconds, for a stream of a few minutes), so no two ticks read the same.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, tzinfo
from typing import Any

import numpy as np
from babel.dates import format_date, format_skeleton
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, HourLocator, MinuteLocator, SecondLocator, num2date
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter

from reports import chart_text, zones
from reports.i18n import DEFAULT, Speaker
from reports.stream_events import raid_marks
from reports.stream_model import StreamReport

CHAT = "#4263eb"
RAID = "#2b8a3e"
VIEWERS = "#e8590c"
MUTED = "#6c757d"
FONT_PT = 11.0  # the smallest letters; 4.2 in shown 358 px wide makes them 13 CSS px
STREAM_DPI = 170
SIZE = (4.2, 3.7)
MAX_TICKS = 5
# Tick steps in minutes, from a few seconds' stream to a marathon.
_STEPS_MIN = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # matplotlib's default date epoch, in days


def _x(when: datetime) -> float:
    return (when - _EPOCH).total_seconds() / 86_400


def stream_chart_png(
    report: StreamReport, timezone: str = zones.UTC_NAME, *, tr: Speaker | None = None
) -> bytes:
    """Return the chart as PNG bytes, its times in the channel's timezone (an IANA name), its
    words in `tr`'s language (whose timezone wins when given)."""
    tr = chart_text.chart_speaker(tr if tr is not None else Speaker(DEFAULT, timezone))
    tz = zones.zone(tr.timezone)
    fig = Figure(figsize=SIZE, dpi=STREAM_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_PT)
    ax.grid(axis="y", color="#e9ecef", linewidth=0.8)
    ax.set_axisbelow(True)
    minutes = report.bucket.total_seconds() / 60
    per = (
        tr.say("messages per minute")
        if minutes == 1
        else tr.say("messages per minute ({minutes}-min average)", minutes=f"{minutes:.0f}")
    )
    start = report.summary.session.started_at
    end = report.summary.until
    if not report.series or (not any(b.messages for b in report.series) and not report.viewers):
        ax.text(
            0.5,
            0.5,
            tr.say("no chat or viewer counts recorded"),
            ha="center",
            va="center",
            transform=ax.transAxes,
            color=MUTED,
            fontsize=FONT_PT + 1,
        )
        ax.set_yticks([])
        ax.set_xticks([])
        return _png(fig, tr)
    width = report.bucket.total_seconds() / 86_400
    edges = np.array([_x(b.start) for b in report.series] + [_x(report.series[-1].start) + width])
    rates = np.array([b.messages / minutes for b in report.series], dtype=np.float64)
    ax.stairs(rates, edges, fill=True, color=CHAT, alpha=0.85, linewidth=0.8, edgecolor=CHAT)
    ax.set_ylabel(per, fontsize=FONT_PT, color=CHAT)
    ax.tick_params(axis="y", colors=CHAT)
    ax.set_ylim(0, max(1.0, float(rates.max()) * 1.2))
    handles: list[Artist] = [Patch(color=CHAT, label=tr.say("chat messages / min"))]
    if report.viewers:
        vx = ax.twinx()
        vx.spines["top"].set_visible(False)
        xs = [_x(v.at) for v in report.viewers]
        ys = [v.viewers for v in report.viewers]
        (line,) = vx.plot(xs, ys, color=VIEWERS, linewidth=2.2, label=tr.say("viewers"))
        vx.set_ylim(0, max(ys) * 1.2 + 1)
        vx.tick_params(labelsize=FONT_PT, colors=VIEWERS)
        vx.set_ylabel(tr.say("viewers"), fontsize=FONT_PT, color=VIEWERS)
        handles.append(line)
    # Above the plot, where no bar or line can hide it.
    ax.legend(
        handles=handles,
        loc="lower left",
        fontsize=FONT_PT,
        frameon=False,
        ncols=2,
        bbox_to_anchor=(0, 1.0),
        borderaxespad=0.2,
    )
    right = max(_x(end), float(edges[-1]))
    _raid_marks(ax, report, _x(start), right, tr)
    _time_ticks(ax, (right - _x(start)) * 1440, tz, tr)
    ax.set_xlim(_x(start), right)
    ax.set_xlabel(tr.say("time ({zone})", zone=zones.abbreviation(start, tz)), fontsize=FONT_PT)
    return _png(fig, tr)


def _raid_marks(ax: Axes, report: StreamReport, left: float, right: float, tr: Speaker) -> None:
    """A vertical line at each incoming raid's arrival, labelled at the top (issue 18)."""
    for mark in raid_marks(report.stream_events, tr):
        x = _x(mark.at)
        if not left <= x <= right:
            continue
        ax.axvline(x, color=RAID, linewidth=1.6, linestyle="--", zorder=3)
        # Labelled inside the plot on the side with room, so it never leaves the figure.
        after = x <= left + (right - left) * 0.6
        ax.annotate(
            mark.label,
            xy=(x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3 if after else -3, -3),
            textcoords="offset points",
            ha="left" if after else "right",
            va="top",
            fontsize=FONT_PT,
            color=RAID,
            zorder=4,
        )


class _UniqueTimes(Formatter):
    """Label ticks "18:30"; across more than a day, where a time would repeat, name the day at
    midnight ("22 Nov") and the weekday elsewhere ("Sat 12h"), in `tz`."""

    def __init__(self, tz: tzinfo = UTC, tr: Speaker | None = None) -> None:
        self.tz = tz
        self.tr = tr if tr is not None else Speaker()

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.format_ticks([x])[0]

    def format_ticks(self, values: Any) -> list[str]:
        times = [num2date(v, tz=self.tz) for v in values]  # type: ignore[no-untyped-call]
        labels = [t.strftime("%H:%M") for t in times]
        if len(set(labels)) == len(labels):
            return labels
        if self.tr.english:
            return [
                f"{t.day} {t:%b}" if (t.hour, t.minute) == (0, 0) else f"{t:%a %H}h" for t in times
            ]
        return [
            format_skeleton("MMMd", t, locale=self.tr.locale)
            if (t.hour, t.minute) == (0, 0)
            else f"{format_date(t, 'EEE', locale=self.tr.locale)} {t:%H}h"
            for t in times
        ]


def _time_ticks(ax: Axes, span_min: float, tz: tzinfo = UTC, tr: Speaker | None = None) -> None:
    """Put ticks on whole minutes (or hours) of `tz` so that every label differs from the
    others."""
    most = MAX_TICKS if span_min < 20 * 60 else MAX_TICKS - 1  # day labels are wider
    step = next((m for m in _STEPS_MIN if span_min / m <= most), _STEPS_MIN[-1])
    if span_min < 3:  # a stream of a few minutes: whole-minute labels would repeat
        ax.xaxis.set_major_locator(SecondLocator(bysecond=range(0, 60, 30), tz=tz))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(DateFormatter("%H:%M:%S", tz=tz))  # type: ignore[no-untyped-call]
        return
    if step < 60:
        locator: MinuteLocator | HourLocator = MinuteLocator(byminute=range(0, 60, step), tz=tz)  # type: ignore[no-untyped-call]
    else:
        locator = HourLocator(byhour=range(0, 24, step // 60), tz=tz)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_UniqueTimes(tz, tr))


def _png(fig: Figure, tr: Speaker) -> bytes:
    families = chart_text.families(tr)
    if families is not None:
        chart_text.use_families(fig, families)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
