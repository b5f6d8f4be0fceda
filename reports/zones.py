"""Channel timezones: check an IANA name, and show a UTC time in a zone, labelled.

Times are kept in UTC everywhere; a channel's timezone only changes how they are shown. Every
shown time carries its zone's abbreviation (or UTC offset where the zone has none), so a
reader never has to guess which clock it is.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC_NAME = "UTC"


@cache
def names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (for suggestions in forms)."""
    return tuple(sorted(available_timezones() | {UTC_NAME}))


def parse_zone(text: str) -> str:
    """Return the canonical spelling of an IANA zone name; raise ValueError when unknown.

    Case does not matter ("europe/paris" is "Europe/Paris"); "UTC", "utc" and "Z" are UTC.
    """
    raw = text.strip()
    if raw.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
        return UTC_NAME
    by_lower = _by_lower()
    name = by_lower.get(raw.lower())
    if name is None:
        raise ValueError(f"{raw[:60]!r} is not a timezone name like Europe/Paris")
    return name


@cache
def _by_lower() -> dict[str, str]:
    return {n.lower(): n for n in names()}


@cache
def zone(name: str) -> tzinfo:
    """Return the tzinfo of a name `parse_zone` accepted (UTC for anything unknown)."""
    if name == UTC_NAME:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def abbreviation(at: datetime, tz: tzinfo) -> str:
    """The zone's short name at that moment ("CET", "CEST"), or its offset ("UTC+13")."""
    local = at.astimezone(tz)
    short = local.tzname() or ""
    if short and not short.startswith(("+", "-")):
        return short
    return offset(local)


def offset(local: datetime) -> str:
    """ "UTC+05:30", "UTC-03", "UTC" for an aware local time."""
    delta = local.utcoffset()
    if not delta:
        return "UTC"
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")


def when(at: datetime, tz: tzinfo) -> str:
    """A UTC time as "2026-12-01 21:05 CET" in the zone."""
    local = at.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {abbreviation(at, tz)}"


def clock(at: datetime, tz: tzinfo, *, seconds: bool = False) -> str:
    """A UTC time as "21:05 CET" (or "21:05:09 CET") in the zone."""
    shown = f"{at.astimezone(tz):%H:%M:%S}" if seconds else f"{at.astimezone(tz):%H:%M}"
    return f"{shown} {abbreviation(at, tz)}"


def day(at: datetime, tz: tzinfo) -> str:
    """The date of a UTC time in the zone."""
    return f"{at.astimezone(tz):%Y-%m-%d}"


def describe(name: str, *, now: datetime | None = None) -> str:
    """The zone for a page footer: "Europe/Paris (UTC+01 now)", or "UTC"."""
    if name == UTC_NAME:
        return UTC_NAME
    moment = now or datetime.now(UTC)
    return f"{name} ({offset(moment.astimezone(zone(name)))} now)"
