"""Formatting shared by the verdict, the chat summary and the page: numbers, shares, dates."""

from __future__ import annotations

from datetime import date, datetime


def num(n: int) -> str:
    """Return `n` with thousands separators: 1,284."""
    return f"{n:,}"


def pct(share: float) -> str:
    """Return a share as a whole percent, keeping tiny non-zero shares visible (<1%)."""
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 < share < 1:
        return ">99%"
    return f"{share * 100:.0f}%"


def day(d: date) -> str:
    """Return "3 Nov 2026"."""
    return f"{d.day} {d:%b %Y}"


def day_range(start: date, end: date) -> str:
    """Return "3 Nov 2026", "2–4 Nov 2026", "30 Oct – 2 Nov 2026" or "30 Dec 2025 – 2 Jan 2026"."""
    if start == end:
        return day(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{day(start)} – {day(end)}"


def minutes(start: datetime, end: datetime) -> str:
    """Return how long a span lasted in words: "40 seconds", "12 minutes", "2.5 hours"."""
    secs = (end - start).total_seconds()
    if secs < 90:
        return f"{max(1, round(secs))} seconds"
    if secs < 5400:
        return f"{round(secs / 60)} minutes"
    return f"{secs / 3600:.1f} hours"


def clock(when: datetime) -> str:
    """Return "3 Nov 2026 14:05 UTC"."""
    return f"{day(when.date())} {when:%H:%M} UTC"
