"""Chat sentences for the statistics commands: figures in, one short message out.

Pure functions: the commands gather the figures from storage and pass them here. Every answer
fits one chat message with room to spare; logins and emote names come from Twitch (letters,
digits and underscores), never free text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from reports.text import clock, day, num, pct
from storage.stats import LENGTH_SAMPLE
from storage.stats_results import (
    ActionCount,
    Activity,
    ChatterCount,
    EmoteCount,
    HourCount,
    ReplyTarget,
    RisingChatter,
    StreamSummary,
    UserStats,
)
from storage.stream_stats_results import Returning

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


def chatstats_text(f: ChannelFigures) -> str:
    if f.all_time.messages == 0:
        return "No chat recorded in this channel yet: statistics start with the next message."
    ratio = ""
    if f.viewers:
        ratio = f" while {count(f.viewers, 'viewer')} watch"
    parts = [
        f"Chat now: {rate(f.now.per_minute)} msg/min over 10 min, "
        f"{count(f.active_5m, 'chatter')} in the last 5 min{ratio}."
    ]
    week = (
        f"Last 7 days: {count(f.week.messages, 'message')} from {count(f.week.chatters, 'chatter')}"
    )
    busiest = busiest_hour(f.week_hours)
    if busiest is not None:
        week += f", busiest hour {hour(busiest)}"
    if f.week_emotes:
        week += ", top emotes " + ", ".join(f"{e.label} {num(e.count)}" for e in f.week_emotes[:3])
    parts.append(week + ".")
    parts.append(
        f"All time: {count(f.all_time.messages, 'message')} from "
        f"{count(f.all_time.chatters, 'chatter')}."
    )
    return " ".join(parts)


def top_text(
    top: Sequence[ChatterCount], *, week: bool, rising: Sequence[RisingChatter] = ()
) -> str:
    when = "last 7 days" if week else "all time"
    if not top:
        return "No chat recorded here in the last 7 days." if week else "No chat recorded here yet."
    ranked = " · ".join(f"{i}. {c.login} {num(c.messages)}" for i, c in enumerate(top, 1))
    out = f"Top chatters, {when}: {ranked}."
    if week:
        if rising:
            up = ", ".join(f"{r.login} +{num(r.gain)}" for r in rising[:3])
            out += f" Rising against the 7 days before: {up}."
        else:
            out += " Nobody is rising against the 7 days before."
    return out


def user_text(u: UserStats, replies: Sequence[ReplyTarget], *, now: datetime) -> str:
    standing = f"#{num(u.rank)} of {count(u.chatters, 'chatter')}"
    if u.chatters >= TOP_SHARE_FROM and u.rank / u.chatters <= TOP_SHARE_MAX:
        # Rounded up: the first of 200 is in the top 1%, never the "top 0%".
        standing += f", top {math.ceil(100 * u.rank / u.chatters)}%"
    lately = " lately" if u.messages > LENGTH_SAMPLE else ""
    hour_part = ""
    if u.favourite_hour is not None:
        hour_part = f", most often around {hour(u.favourite_hour)}"
    out = (
        f"{u.login}: {count(u.messages, 'message')} here ({standing}), "
        f"{u.avg_length:.0f} characters on average{lately}{hour_part}. "
        f"First seen {day(u.first_seen.date())}, last seen {_ago(u.last_seen, now)}."
    )
    received = []
    if u.timeouts:
        received.append(f"{num(u.timeouts)} timeout{'s' if u.timeouts != 1 else ''}")
    if u.bans:
        received.append(f"{num(u.bans)} ban{'s' if u.bans != 1 else ''}")
    out += f" Received {' and '.join(received)}." if received else " No timeouts or bans."
    if replies:
        out += " Replies most to " + ", ".join(f"{r.login} ({num(r.replies)})" for r in replies)
        out += "."
    return out


def _ago(when: datetime, now: datetime) -> str:
    span = now - when
    if span < timedelta(minutes=1):
        return "just now"
    if span < timedelta(days=2):
        return f"{duration(span)} ago"
    return day(when.date())


def stream_text(
    s: StreamSummary,
    *,
    now: datetime,
    link: str | None = None,
    returning: Returning | None = None,
) -> str:
    """The `!stream` answer; `returning` is the stream page's returning-chatters figure."""
    session = s.session
    about = ", ".join(x for x in (session.title[:60], session.category[:40]) if x)
    about = f" ({about})" if about else ""
    if session.live:
        head = f"Live for {duration(s.duration)}{about}"
    else:
        ended = session.ended_at or now
        head = f"Last stream {clock(session.started_at)}, {duration(s.duration)}{about}"
        if now - ended < timedelta(days=1):
            head += f", ended {duration(now - ended)} ago"
    viewers = ""
    if session.peak_viewers:
        avg = f" (avg {num(round(session.avg_viewers or 0))})" if session.avg_viewers else ""
        viewers = f", peak {count(session.peak_viewers, 'viewer')}{avg}"
        if s.chatter_ratio is not None:
            viewers += f", chatters/peak {pct(s.chatter_ratio)}"
    captures = len(s.captures)
    checks = f", {captures} botcheck{'s' if captures != 1 else ''}" if captures else ""
    back = ""
    if returning is not None and returning.share is not None and returning.earlier_streams:
        back = f" ({pct(returning.share)} returning)"
    out = (
        f"{head}: {count(s.messages, 'message')} ({rate(s.per_minute)}/min) from "
        f"{count(s.chatters, 'chatter')}{back}{viewers}, {moderation_phrase(s.moderation)}"
        f"{checks}."
    )
    return f"{out} {link}" if link else out
