"""The channel's checks over time as an inline SVG whose values show on hover, focus or tap.

No script: every point is a focusable group with a `<title>` (hover) and a label that the
stylesheet shows on `:hover` and `:focus` (a tap focuses it on phones). Colours come from
classes in dashboard.css, so dark mode and the CSP (no inline styles) both hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo

from markupsafe import Markup, escape

from reports import zones
from reports.i18n import ENGLISH, Speaker
from storage.dashboard import CheckPoint

W, H = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 16, 62


def _nice_max(value: int) -> int:
    for step in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        if value <= step:
            return step
    return ((value // 100_000) + 1) * 100_000


def _short(value: int) -> str:
    """Return an axis number people read at a glance: 800, 2k, 15k, 1.5M."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return str(value)


def _values(p: CheckPoint, tr: Speaker) -> str:
    share = p.flagged_share
    parts = [
        tr.say("{count} chatters", count=tr.num(p.chatters)),
        tr.say("{count} viewers", count=tr.num(p.viewers))
        if p.viewers is not None
        else tr.say("offline"),
        tr.say("{share} flagged", share=tr.whole_pct(share))
        if share is not None
        else tr.say("flagged n/a"),
        tr.say("verdict {level}", level=tr.say(p.verdict) if p.verdict else tr.say("n/a")),
    ]
    return " · ".join(parts)


def _when(p: CheckPoint, tz: tzinfo, tr: Speaker) -> str:
    return tr.say("Check {id}, {when}", id=p.capture_id, when=zones.when(p.started_at, tz))


def checks_chart(points: Sequence[CheckPoint], tz: tzinfo = UTC, tr: Speaker = ENGLISH) -> Markup:
    """Return the SVG for `points` (oldest first), times in `tz`, words in `tr`'s language;
    the page lists the same values in a table."""
    if not points:
        return Markup("")
    top = _nice_max(max(max(p.chatters, p.viewers or 0) for p in points))
    n = len(points)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    inset = 16.0  # keep the first and last points off the axis labels
    step = (plot_w - 2 * inset) / (n - 1) if n > 1 else 0.0

    def x(i: int) -> float:
        return LEFT + (inset + i * step if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - (v / top) * plot_h

    about = tr.nsay(
        "Checks over time: {n} check, chatters and viewers (left axis), flagged share "
        "(right axis, bars)",
        "Checks over time: {n} checks, chatters and viewers (left axis), flagged share "
        "(right axis, bars)",
        n,
    )
    out = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="group" '
        f'aria-label="{escape(about)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for frac in (0, 0.5, 1):
        yy = y(top * frac)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
        out.append(
            f'<text class="axis" x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end">'
            f"{_short(int(top * frac))}</text>"
        )
        out.append(
            f'<text class="axis" x="{W - 2}" y="{yy + 4:.1f}" text-anchor="end">'
            f"{int(frac * 100)}%</text>"
        )
    bar_w = max(2.0, min(14.0, step * 0.6 if n > 1 else 14.0))
    for i, p in enumerate(points):
        share = p.flagged_share
        if share:
            top_y = TOP + plot_h - share * plot_h
            out.append(
                f'<rect class="flagged" x="{x(i) - bar_w / 2:.1f}" y="{top_y:.1f}" '
                f'width="{bar_w:.1f}" height="{TOP + plot_h - top_y:.1f}"/>'
            )
    series: tuple[tuple[str, list[int | None]], ...] = (
        ("chatters", [p.chatters for p in points]),
        ("viewers", [p.viewers for p in points]),
    )
    for cls, counts in series:
        coords = [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(counts) if v is not None]
        if len(coords) > 1:
            out.append(f'<polyline class="line {cls}" points="{" ".join(coords)}"/>')
    for i, p in enumerate(points):
        when, values = escape(_when(p, tz, tr)), escape(_values(p, tr))
        label = escape(f"{_when(p, tz, tr)}: {_values(p, tr)}")
        viewers = ""
        if p.viewers is not None:
            viewers = (
                f'<rect class="vdot" x="{x(i) - 4:.1f}" y="{y(p.viewers) - 4:.1f}" '
                'width="8" height="8"/>'
            )
        out.append(
            f'<g class="pt" tabindex="0" role="img" aria-label="{label}">'
            f"<title>{label}</title>{viewers}"
            f'<circle class="dot verdict-{escape(p.verdict or "none")}" cx="{x(i):.1f}" '
            f'cy="{y(p.chatters):.1f}" r="6"/>'
            f'<g class="tip"><rect x="{LEFT}" y="{H - BOTTOM + 6}" width="{plot_w}" '
            f'height="{BOTTOM - 8}" rx="6"/>'
            f'<text x="{LEFT + plot_w / 2:.1f}" y="{H - BOTTOM + 28}" text-anchor="middle">'
            f'{when}</text><text x="{LEFT + plot_w / 2:.1f}" y="{H - BOTTOM + 49}" '
            f'text-anchor="middle">{values}</text></g></g>'
        )
    out.append("</svg>")
    # Every value above is a number or went through escape().
    return Markup("".join(out))  # noqa: S704
