"""What the stream analytics (`storage.stream_stats.StreamStats`) answer: one frozen dataclass each.

"Chat per viewer" is always messages per viewer-hour: messages divided by (average viewers x
hours), so slices, segments and streams of any length compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


def per_viewer_hour(messages: int, viewers: float | None, hours: float) -> float | None:
    """Messages per viewer-hour (None without viewers or time)."""
    if not viewers or hours <= 0:
        return None
    return messages / (viewers * hours)


@dataclass(frozen=True, slots=True)
class EngagementPoint:
    """One slice of a stream: chat, viewers and chat per viewer."""

    start: datetime
    width: timedelta
    messages: int
    chatters: int
    viewers: float | None  # mean of the slice's samples, else the last one before it
    category: str

    @property
    def per_viewer_hour(self) -> float | None:
        return per_viewer_hour(self.messages, self.viewers, self.width.total_seconds() / 3600)


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of one stream under one category (a stream changes category between them)."""

    session_id: int
    category: str
    start: datetime
    end: datetime
    messages: int
    avg_viewers: float | None  # mean of the segment's viewer samples

    @property
    def hours(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds() / 3600)

    @property
    def per_viewer_hour(self) -> float | None:
        return per_viewer_hour(self.messages, self.avg_viewers, self.hours)


@dataclass(frozen=True, slots=True)
class Returning:
    """How many of a window's chatters had chatted during the channel's earlier streams."""

    chatters: int
    returning: int
    earlier_streams: int

    @property
    def share(self) -> float | None:
        return self.returning / self.chatters if self.chatters else None


RETENTION_MARKS_MIN = (0, 5, 15, 30, 60, 120)  # the curve's points: still active after N minutes
SPAN_BANDS_MIN = ((0, 1), (1, 5), (5, 15), (15, 30), (30, 60), (60, 120), (120, None))


@dataclass(frozen=True, slots=True)
class SpanBand:
    """Chatters whose first-to-last message span fell in [low, high) minutes (high None: open)."""

    low_min: int
    high_min: int | None
    chatters: int

    @property
    def label(self) -> str:
        if self.high_min is None:
            return f"{self.low_min // 60} h or more"
        if self.high_min <= 1:
            return "under 1 min"
        if self.low_min >= 60:
            return f"{self.low_min // 60}–{self.high_min // 60} h"
        return f"{self.low_min}–{self.high_min} min"


@dataclass(frozen=True, slots=True)
class Retention:
    """How long chatters stayed active: the span from their first to their last message."""

    chatters: int
    single: int  # sent one message only
    bands: tuple[SpanBand, ...]
    curve: tuple[tuple[int, int], ...]  # (minutes, chatters whose span is at least that long)
    median_min: float | None

    def still_active(self, minutes: int) -> float | None:
        """Share of chatters whose span reached `minutes` (a point of the curve)."""
        found = dict(self.curve).get(minutes)
        return found / self.chatters if found is not None and self.chatters else None


@dataclass(frozen=True, slots=True)
class CategoryFigures:
    """One category across a channel's streams."""

    category: str
    streams: int
    hours: float
    viewer_hours: float
    messages: int

    @property
    def avg_viewers(self) -> float | None:
        return self.viewer_hours / self.hours if self.hours > 0 else None

    @property
    def per_viewer_hour(self) -> float | None:
        return self.messages / self.viewer_hours if self.viewer_hours > 0 else None


@dataclass(frozen=True, slots=True)
class PeakSlot:
    """One hour of the week (or of the day: weekday None) in the channel's timezone."""

    weekday: int | None  # 0 Monday .. 6 Sunday
    hour: int
    messages: int  # all messages in this slot's hours
    live_hours: int  # hours of this slot with viewer samples
    live_messages: int  # messages in those hours
    viewer_hours: float  # sum of those hours' average viewers

    @property
    def per_viewer_hour(self) -> float | None:
        return self.live_messages / self.viewer_hours if self.viewer_hours > 0 else None


@dataclass(frozen=True, slots=True)
class PeakTimes:
    """When chat is most engaged, over a window, in one timezone."""

    zone: str
    since: datetime
    until: datetime
    by_hour: tuple[PeakSlot, ...]  # 24, hour of day
    by_week: tuple[PeakSlot, ...]  # 168, Monday 00:00 first
    min_live_hours: int  # a slot is ranked only with this many live hours

    def top(self, n: int = 3) -> tuple[PeakSlot, ...]:
        """The week's slots with the most chat per viewer (enough live hours only)."""
        ranked = [s for s in self.by_week if s.live_hours >= self.min_live_hours]
        ranked.sort(key=lambda s: (-(s.per_viewer_hour or 0.0), s.weekday or 0, s.hour))
        return tuple(ranked[:n])
