"""What the chat analytics queries (`storage.chatters.Chatters`) answer: frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class HourLeader:
    """Who sent the most messages in one hour of the day (channel's clock), over all time."""

    hour: int  # 0-23 on the channel's clock
    user_id: int
    login: str
    messages: int


@dataclass(frozen=True, slots=True)
class Rival:
    """A chatter whose hour-of-day activity looks like another's (cosine similarity, 0..1)."""

    user_id: int
    login: str
    similarity: float
    messages: int


@dataclass(frozen=True, slots=True)
class Peak:
    """The one clock hour in which a chatter sent the most messages."""

    start: datetime  # UTC start of the hour
    messages: int


@dataclass(frozen=True, slots=True)
class Ranks:
    """A chatter's place on each leaderboard (None: not on it)."""

    all_time: int | None  # 1 + chatters with more messages over all time
    week: int | None  # the same over the last 7 days (None: silent this week)
    writer: int | None  # place among chatters with at least the writers' minimum messages
    rising: int | None  # place among the top risers (7 d against the 7 before), top 10 only
    hours_led: tuple[int, ...]  # hours of the day (channel's clock) this chatter leads


@dataclass(frozen=True, slots=True)
class Match:
    """One autocomplete answer: a chatter whose login, or an earlier name, starts so."""

    user_id: int
    login: str  # the newest login seen in the channel
    earlier: str | None  # the earlier name that matched, when it was not the current login
    messages: int
