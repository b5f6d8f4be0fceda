"""What the statistics queries (`storage.stats.Stats`) answer: one frozen dataclass each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.emotes import EmoteRef, decode
from storage.models import StreamSession


@dataclass(frozen=True, slots=True)
class Activity:
    """How much was said in a window: messages and distinct chatters."""

    messages: int
    chatters: int
    since: datetime | None  # None: since the first stored message
    until: datetime | None

    @property
    def per_minute(self) -> float:
        """Messages per minute over the window (0 without a bounded window)."""
        if self.since is None or self.until is None:
            return 0.0
        minutes = (self.until - self.since).total_seconds() / 60
        return self.messages / minutes if minutes > 0 else 0.0


@dataclass(frozen=True, slots=True)
class ChatterCount:
    user_id: int
    login: str  # the newest login the user chatted under
    messages: int


@dataclass(frozen=True, slots=True)
class RisingChatter:
    user_id: int
    login: str
    recent: int  # messages in the last period
    before: int  # messages in the period before it

    @property
    def gain(self) -> int:
        return self.recent - self.before


@dataclass(frozen=True, slots=True)
class HourCount:
    hour: int  # 0-23, UTC
    messages: int


@dataclass(frozen=True, slots=True)
class EmoteCount:
    """One emote's uses; `name` is the column's token (see `storage.emotes`)."""

    name: str
    count: int

    @property
    def ref(self) -> EmoteRef:
        """The emote the token names: its name and, if third-party, provider and id."""
        return decode(self.name)

    @property
    def label(self) -> str:
        """The emote's name as chat shows it (no provider or id)."""
        return decode(self.name).name


@dataclass(frozen=True, slots=True)
class Writer:
    user_id: int
    login: str
    messages: int
    avg_length: float  # characters per message


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    user_id: int
    login: str
    replies: int


@dataclass(frozen=True, slots=True)
class UserStats:
    """One chatter's figures in one channel, over all stored history."""

    user_id: int
    login: str
    messages: int
    rank: int  # 1 + how many chatters sent more messages
    chatters: int  # how many chatters the channel has had
    favourite_hour: int | None  # UTC hour with most of the user's messages
    first_seen: datetime
    last_seen: datetime
    timeouts: int  # received
    bans: int
    avg_length: float  # characters a message, over the latest LENGTH_SAMPLE messages

    @property
    def percentile(self) -> float:
        """Share of the channel's other chatters who sent fewer messages (0..1)."""
        if self.chatters <= 1:
            return 1.0
        below = self.chatters - self.rank
        return max(0, below) / (self.chatters - 1)


@dataclass(frozen=True, slots=True)
class ActionCount:
    action: str
    count: int


@dataclass(frozen=True, slots=True)
class CaptureBrief:
    """A `!botcheck` capture, as a stream summary lists it."""

    capture_id: int
    started_at: datetime
    status: str
    verdict: str | None
    chatter_count: int
    viewer_count: int | None
    report_token: str


@dataclass(frozen=True, slots=True)
class Bucket:
    """Chat in one time slice of a stream."""

    start: datetime
    messages: int
    chatters: int


@dataclass(frozen=True, slots=True)
class StreamSummary:
    """One stream in figures (a live stream: up to `until`)."""

    session: StreamSession
    until: datetime  # ended_at, or now for a live stream
    messages: int
    chatters: int
    moderation: tuple[ActionCount, ...]
    captures: tuple[CaptureBrief, ...]

    @property
    def duration(self) -> timedelta:
        return max(timedelta(0), self.until - self.session.started_at)

    @property
    def per_minute(self) -> float:
        minutes = self.duration.total_seconds() / 60
        return self.messages / minutes if minutes > 0 else 0.0

    @property
    def moderation_total(self) -> int:
        return sum(a.count for a in self.moderation)

    @property
    def chatter_ratio(self) -> float | None:
        """Distinct chatters against peak viewers (None without viewer counts)."""
        peak = self.session.peak_viewers
        return self.chatters / peak if peak else None
