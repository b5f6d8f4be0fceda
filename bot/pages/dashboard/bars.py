"""Bar charts as inline SVG (hours of the day, the last 24 hours), values on hover, focus or tap.

Like `chart.py`: no script, no inline style; each bar is a focusable group with a `<title>` and
a label the stylesheet shows on `:hover` and `:focus`. Bar labels are given by the caller, on
the channel's clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from bot.pages.dashboard.chart import _nice_max, _short

W, H = 480, 230
LEFT, RIGHT, TOP, BOTTOM = 40, 6, 12, 66


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # under the bar when `tick` (e.g. "21")
    value: float
    tip: str  # the full sentence shown on hover/focus and read by screen readers
    tick: bool = True
    mark: bool = False  # drawn in the accent colour (e.g. this chatter's favourite hour)


def bar_chart(bars: Sequence[Bar], *, title: str, css: str = "") -> Markup:
    """Return the SVG of `bars`, left to right, scaled from 0 to a round top."""
    if not bars:
        return Markup("")
    top = _nice_max(max(1, round(max(b.value for b in bars) + 0.4999)))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    step = plot_w / len(bars)
    width = max(2.0, step * 0.72)
    out = [
        f'<svg class="chart bars {escape(css)}" viewBox="0 0 {W} {H}" role="group" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for frac in (0, 0.5, 1):
        yy = TOP + plot_h - frac * plot_h
        out.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
        value = top * frac
        text = _short(int(value)) if value == int(value) else f"{value:g}"
        out.append(
            f'<text class="axis" x="{LEFT - 6}" y="{yy + 5:.1f}" text-anchor="end">{text}</text>'
        )
    for i, b in enumerate(bars):
        x = LEFT + i * step + (step - width) / 2
        h = (b.value / top) * plot_h
        y = TOP + plot_h - h
        tip = escape(b.tip)
        cls = "bar mark" if b.mark else "bar"
        tick = ""
        if b.tick:
            tick = (
                f'<text class="axis" x="{x + width / 2:.1f}" y="{TOP + plot_h + 20}" '
                f'text-anchor="middle">{escape(b.label)}</text>'
            )
        out.append(
            f'{tick}<g class="pt" tabindex="0" role="img" aria-label="{tip}"><title>{tip}</title>'
            f'<rect class="hit" x="{LEFT + i * step:.1f}" y="{TOP}" width="{step:.1f}" '
            f'height="{plot_h}"/><rect class="{cls}" x="{x:.1f}" y="{y:.1f}" '
            f'width="{width:.1f}" height="{max(h, 0.0):.1f}"/>'
            f'<g class="tip"><rect x="{LEFT}" y="{H - BOTTOM + 28}" width="{plot_w}" '
            f'height="{BOTTOM - 30}" rx="6"/><text x="{LEFT + plot_w / 2:.1f}" '
            f'y="{H - BOTTOM + 53}" text-anchor="middle">{tip}</text></g></g>'
        )
    out.append("</svg>")
    # Every value above is a number or went through escape().
    return Markup("".join(out))  # noqa: S704
