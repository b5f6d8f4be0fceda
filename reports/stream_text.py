"""English phrases for the stream page and the figures the statistics commands gather.

The commands' chat sentences, in the channel's language, are in commands/stats_text.py; this
module keeps the figures they share (`ChannelFigures`, `busiest_hour`) and the stream page's
English phrases (durations, rates, moderation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from reports.text import num
from storage.stats_results import (
    ActionCount,
    Activity,
    EmoteCount,
    HourCount,
)

_PLURAL = {
    "ban": "bans",
    "timeout": "timeouts",
    "unban": "unbans",
    "untimeout": "untimeouts",
    "delete": "deletes",
    "clear": "clears",
    "other": "other",
}


TOP_SHARE_FROM = 10  # chatters in the channel before "top 5%" means anything
TOP_SHARE_MAX = 0.5  # "top 80%" says nothing: leave it out


def count(n: int, noun: str) -> str:
    """Return "1 chatter", "2 chatters", "1,204 messages"."""
    return f"{num(n)} {noun}" if n == 1 else f"{num(n)} {noun}s"


def ordinal(n: int) -> str:
    """Return "1st", "2nd", "3rd", "11th", "100th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def duration(span: timedelta) -> str:
    """Return "45 min", "2 h 05 min" or "3 days 4 h"."""
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h"


def rate(per_minute: float) -> str:
    """Return a messages-per-minute figure with sensible precision."""
    return f"{per_minute:.1f}" if per_minute < 100 else num(round(per_minute))


def hour(h: int) -> str:
    return f"{h:02d}:00 UTC"


def busiest_hour(hours: Sequence[HourCount]) -> int | None:
    best = max(hours, key=lambda h: (h.messages, -h.hour), default=None)
    return best.hour if best is not None and best.messages else None


def moderation_phrase(actions: Sequence[ActionCount]) -> str:
    """Return "5 mod actions (3 timeouts, 2 bans)" or "no mod actions"."""
    total = sum(a.count for a in actions)
    if not total:
        return "no mod actions"
    parts = ", ".join(
        f"{num(a.count)} {a.action if a.count == 1 else _PLURAL.get(a.action, a.action)}"
        for a in actions[:3]
    )
    noun = "mod action" if total == 1 else "mod actions"
    return f"{num(total)} {noun} ({parts})"


@dataclass(frozen=True, slots=True)
class ChannelFigures:
    """What `!chatstats` shows."""

    now: Activity  # the last 10 minutes
    active_5m: int
    viewers: int | None  # the live stream's latest count
    week: Activity
    week_hours: tuple[HourCount, ...]
    week_emotes: tuple[EmoteCount, ...]
    all_time: Activity
