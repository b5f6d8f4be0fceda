"""Jinja2 filters: numbers, dates and ages as people read them.

Times show in the page's timezone: the template context's `tz` (the channel's, set by the
page), UTC otherwise; each carries its zone's abbreviation. Numbers, dates and ages are written
the way the page's language (the context's `lang`) writes them; English keeps the house formats.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import jinja2
from babel.dates import format_timedelta

from reports import i18n, zones


def num(value: int | float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", "\u202f")  # narrow no-break space between thousands


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


_BABEL_LOCALE = {"pt": "pt_BR"}  # as reports.i18n formats Portuguese


def _speaker(context: Any) -> i18n.Speaker:
    return i18n.Speaker(context.get("lang", i18n.DEFAULT), context.get("tz_name", zones.UTC_NAME))


@jinja2.pass_context
def page_num(context: Any, value: int | float | None) -> str:
    """`num` in the page's language: 1 234 in French, 1.234 in German."""
    tr = _speaker(context)
    if value is None or tr.english:
        return num(value)
    return tr.num(round(value))


def _tz(context: Any) -> tzinfo:
    tz = context.get("tz")
    return tz if isinstance(tz, tzinfo) else UTC


@jinja2.pass_context
def when(context: Any, value: datetime | None) -> str:
    if value is None:
        return "–"
    tr = _speaker(context)
    return zones.when(value, _tz(context)) if tr.english else tr.when(value)


@jinja2.pass_context
def day(context: Any, value: datetime | None) -> str:
    if value is None:
        return "–"
    tr = _speaker(context)
    local = value.astimezone(_tz(context))
    return zones.day(value, _tz(context)) if tr.english else tr.day(local.date())


def iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat().replace("+00:00", "Z")


def span(seconds: float) -> str:
    """Return a duration in the largest unit that fits: 42 s, 5 min, 3 h, 12 d, 2 y."""
    s = abs(seconds)
    for unit, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{int(s // size)} {unit}"
    return f"{int(s)} s"


def _span(tr: i18n.Speaker, seconds: float) -> str:
    """`span` in the language: "5 min", "3 h", "12 j", "2 年"."""
    if tr.english:
        return span(seconds)
    return format_timedelta(
        timedelta(seconds=abs(seconds)),
        threshold=1,
        format="short",
        locale=_BABEL_LOCALE.get(tr.language, tr.language),
    )


def install(env: jinja2.Environment, clock: Callable[[], datetime]) -> None:
    """Add the filters to `env`; `ago` reads the dashboard's clock."""

    @jinja2.pass_context
    def ago(context: Any, value: datetime | None) -> str:
        tr = _speaker(context)
        if value is None:
            return tr.say("never")
        return tr.say("{duration} ago", duration=_span(tr, (clock() - value).total_seconds()))

    @jinja2.pass_context
    def age(context: Any, value: datetime | None) -> str:
        tr = _speaker(context)
        return tr.say("unknown") if value is None else _span(tr, (clock() - value).total_seconds())

    env.filters.update(num=page_num, pct=pct, when=when, day=day, iso=iso, ago=ago, age=age)
