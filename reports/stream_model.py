"""Everything a stream report shows, gathered once: pure data for the chart, page and exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.models import ChatMessage, ModerationEvent, ViewerSample
from storage.stats_results import Bucket, ChatterCount, EmoteCount, StreamSummary, Writer
from storage.stream_events import StreamEvent


@dataclass(frozen=True, slots=True)
class StreamReport:
    channel_login: str
    generated_at: datetime
    summary: StreamSummary
    bucket: timedelta  # width of one slice of `series`
    series: tuple[Bucket, ...]
    viewers: tuple[ViewerSample, ...]
    top_chatters: tuple[ChatterCount, ...]
    top_emotes: tuple[EmoteCount, ...]
    writers: tuple[Writer, ...]
    events: tuple[ModerationEvent, ...]
    messages: tuple[ChatMessage, ...]  # for the downloads
    # Subscriptions, raids and follows during the stream (issue 18), in time order.
    stream_events: tuple[StreamEvent, ...] = ()
    # Issue 18: returning chatters, retention, categories, chat per viewer
    # (reports.stream_analytics.stream_analytics_dict); None when not gathered.
    analytics: dict[str, Any] | None = None

    @property
    def live(self) -> bool:
        return self.summary.session.live


BUCKETS_MIN = (1, 2, 5, 10, 15, 30, 60, 120, 240)


def bucket_for(span: timedelta, *, max_slices: int = 120) -> timedelta:
    """Return the narrowest slice width that cuts `span` into at most `max_slices` slices."""
    for minutes in BUCKETS_MIN:
        if span <= timedelta(minutes=minutes * max_slices):
            return timedelta(minutes=minutes)
    return timedelta(minutes=BUCKETS_MIN[-1])
