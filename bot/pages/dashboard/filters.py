"""Jinja2 filters: numbers, dates and ages as people read them.

Times show in the page's timezone: the template context's `tz` (the channel's, set by the
page), UTC otherwise; each carries its zone's abbreviation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

import jinja2

from reports import zones


def num(value: int | float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", "\u202f")  # narrow no-break space between thousands


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _tz(context: Any) -> tzinfo:
    tz = context.get("tz")
    return tz if isinstance(tz, tzinfo) else UTC


@jinja2.pass_context
def when(context: Any, value: datetime | None) -> str:
    return "–" if value is None else zones.when(value, _tz(context))


@jinja2.pass_context
def day(context: Any, value: datetime | None) -> str:
    return "–" if value is None else zones.day(value, _tz(context))


def iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat().replace("+00:00", "Z")


def span(seconds: float) -> str:
    """Return a duration in the largest unit that fits: 42 s, 5 min, 3 h, 12 d, 2 y."""
    s = abs(seconds)
    for unit, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{int(s // size)} {unit}"
    return f"{int(s)} s"


def install(env: jinja2.Environment, clock: Callable[[], datetime]) -> None:
    """Add the filters to `env`; `ago` reads the dashboard's clock."""

    def ago(value: datetime | None) -> str:
        if value is None:
            return "never"
        return span((clock() - value).total_seconds()) + " ago"

    def age(value: datetime | None) -> str:
        return "unknown" if value is None else span((clock() - value).total_seconds())

    env.filters.update(num=num, pct=pct, when=when, day=day, iso=iso, ago=ago, age=age)
