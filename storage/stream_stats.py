"""Stream analytics (issue 18): chat per viewer, returning chatters, how long chatters stay,
categories across streams and the channel's peak engagement times.

The stream page, the daily report, the dashboard, the API and `!stream` all read these (one
place). Counts read the hourly rollups for whole hours and raw rows at the ragged ends
(`storage.stats_rollups`), leaving out the accounts `Stats` leaves out. Chat per viewer is
messages per viewer-hour (`storage.stream_stats_results`).

A stream's category at each moment comes from its viewer samples (migration sqlite 0012 /
postgres 0009 stores what Get Streams said at each poll); samples from before that migration
carry none and fall back to the session's category.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage.engine import Store
from storage.models import StreamSession, ViewerSample, from_ms, ts_ms
from storage.stats import Stats
from storage.stats_results import Bucket
from storage.stats_rollups import HOUR_MS, per_user_rows, split
from storage.stream_stats_results import (
    RETENTION_MARKS_MIN,
    SPAN_BANDS_MIN,
    CategoryFigures,
    EngagementPoint,
    PeakSlot,
    PeakTimes,
    Retention,
    Returning,
    Segment,
    SpanBand,
)

PEAK_DAYS = 30  # peak engagement times look at this many days
MIN_LIVE_HOURS = 2  # a slot of the week is ranked only with this many live hours in the window
UNKNOWN_CATEGORY = "(no category)"
CARRY = timedelta(minutes=5)  # a slice with no sample takes the last one this recent


def retention_of(spans_ms: Sequence[int]) -> Retention:
    """How long chatters stayed, from each chatter's first-to-last message span (ms)."""
    minutes = sorted(s / 60_000 for s in spans_ms)
    bands = []
    for low, high in SPAN_BANDS_MIN:
        n = sum(1 for m in minutes if m >= low and (high is None or m < high))
        bands.append(SpanBand(low, high, n))
    curve = tuple((mark, sum(1 for m in minutes if m >= mark)) for mark in RETENTION_MARKS_MIN)
    return Retention(
        chatters=len(minutes),
        single=sum(1 for s in spans_ms if s == 0),
        bands=tuple(bands),
        curve=curve,
        median_min=statistics.median(minutes) if minutes else None,
    )


def engagement_series(
    series: Sequence[Bucket],
    width: timedelta,
    samples: Sequence[ViewerSample],
    category: str = "",
    *,
    live: Sequence[tuple[datetime, datetime]] = (),
) -> tuple[EngagementPoint, ...]:
    """Join chat slices with viewer samples: each slice's mean viewers, else the last sample
    before it when recent (`CARRY`) and the slice overlaps a `live` window (when given: the
    streams' [start, end)), else none (off air)."""
    points = []
    ordered = sorted(samples, key=lambda s: s.at)
    i = 0
    last: ViewerSample | None = None
    for b in series:
        end = b.start + width
        inside: list[ViewerSample] = []
        while i < len(ordered) and ordered[i].at < end:
            if ordered[i].at >= b.start:
                inside.append(ordered[i])
            last = ordered[i]
            i += 1
        if inside:
            viewers: float | None = sum(s.viewers for s in inside) / len(inside)
            cat = inside[-1].category
        elif (
            last is not None
            and b.start - last.at <= max(width, CARRY)
            and (not live or any(lo < end and b.start < hi for lo, hi in live))
        ):
            viewers, cat = float(last.viewers), last.category
        else:  # no sample in or just before the slice: off air
            viewers, cat = None, ""
        points.append(
            EngagementPoint(b.start, width, b.messages, b.chatters, viewers, cat or category)
        )
    return tuple(points)


class StreamStats:
    """Analytics over streams; every answer is a frozen dataclass."""

    def __init__(self, db: Store, stats: Stats) -> None:
        self._db = db
        self._stats = stats

    async def _all(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self._db.fetch(sql, *params)]

    async def messages(self, channel_id: int, since: datetime, until: datetime) -> int:
        """Messages in [since, until), left-out accounts skipped (no distinct count: cheap)."""
        skip = await self._stats.left_out_clause(channel_id)
        cut = split(ts_ms(since), ts_ms(until))
        total = 0
        if cut.first_hour < cut.end_hour:
            total += int(
                await self._db.fetchval(
                    "SELECT COALESCE(sum(messages), 0) FROM chat_user_hours WHERE channel_id = $1 "
                    f"AND hour >= $2 AND hour < $3{skip}",
                    channel_id,
                    cut.first_hour,
                    cut.end_hour,
                )
            )
        for lo, hi in cut.raw:
            total += int(
                await self._db.fetchval(
                    "SELECT count(*) FROM chat_messages WHERE channel_id = $1 AND sent_at >= $2 "
                    f"AND sent_at < $3{skip}",
                    channel_id,
                    lo,
                    hi,
                )
            )
        return total

    # -- who stays, who comes back ---------------------------------------------------------------

    async def spans(self, channel_id: int, since: datetime, until: datetime) -> list[int]:
        """Each chatter's span from first to last message in [since, until), in ms."""
        skip = await self._stats.left_out_clause(channel_id)
        lo, hi = ts_ms(since), ts_ms(until)
        # The window's chatters from the rollups, then two seeks each on (channel, user, time):
        # grouping a busy day's raw rows by user took ten times as long.
        edge = (
            "(SELECT {f}(sent_at) FROM chat_messages m WHERE m.channel_id = $1 "
            "AND m.user_id = t.user_id AND m.sent_at >= $2 AND m.sent_at < $3)"
        )
        rows = await self._all(
            f"SELECT {edge.format(f='max')} - {edge.format(f='min')} FROM (SELECT DISTINCT "
            f"user_id FROM ({per_user_rows(lo, hi, skip)}) AS w) AS t",
            channel_id,
            lo,
            hi,
        )
        return [int(r[0]) for r in rows]

    async def retention(self, channel_id: int, since: datetime, until: datetime) -> Retention:
        """How long the chatters of [since, until) stayed active (first to last message)."""
        return retention_of(await self.spans(channel_id, since, until))

    async def returning(
        self, channel_id: int, since: datetime, until: datetime, *, before: datetime | None = None
    ) -> Returning:
        """The chatters of [since, until) who chatted during an earlier stream of the channel.

        Earlier streams are those that started before `before` (default `since`); only their
        part before `before` counts.
        """
        cutoff = ts_ms(before or since)
        skip = await self._stats.left_out_clause(channel_id)
        lo, hi = ts_ms(since), ts_ms(until)
        row = await self._db.fetchrow(
            "SELECT count(*), count(*) FILTER (WHERE EXISTS ("
            "SELECT 1 FROM stream_sessions s WHERE s.channel_id = $1 AND s.started_at < $2 "
            "AND EXISTS (SELECT 1 FROM chat_messages m WHERE m.channel_id = $1 "
            "AND m.user_id = t.user_id AND m.sent_at >= s.started_at "
            "AND m.sent_at < COALESCE(s.ended_at, $2) AND m.sent_at < $2))) "
            f"FROM (SELECT DISTINCT user_id FROM ({per_user_rows(lo, hi, skip)}) AS w) AS t",
            channel_id,
            cutoff,
        )
        earlier = await self._db.fetchval(
            "SELECT count(*) FROM stream_sessions WHERE channel_id = $1 AND started_at < $2",
            channel_id,
            cutoff,
        )
        assert row is not None
        return Returning(int(row[0]), int(row[1]), int(earlier or 0))

    # -- categories ------------------------------------------------------------------------------

    async def _segments(
        self, session: StreamSession, end: datetime, samples: Sequence[ViewerSample]
    ) -> tuple[Segment, ...]:
        runs: list[tuple[str, datetime, list[int]]] = []
        for s in samples:
            cat = s.category or session.category or UNKNOWN_CATEGORY
            if runs and runs[-1][0] == cat:
                runs[-1][2].append(s.viewers)
            else:
                runs.append((cat, session.started_at if not runs else s.at, [s.viewers]))
        if not runs:
            runs.append((session.category or UNKNOWN_CATEGORY, session.started_at, []))
        out = []
        for i, (cat, start, viewers) in enumerate(runs):
            stop = runs[i + 1][1] if i + 1 < len(runs) else max(end, start)
            out.append(
                Segment(
                    session_id=session.session_id,
                    category=cat,
                    start=start,
                    end=stop,
                    messages=await self.messages(session.channel_id, start, stop),
                    avg_viewers=sum(viewers) / len(viewers) if viewers else None,
                )
            )
        return tuple(out)

    async def streams_between(
        self, channel_id: int, since: datetime, until: datetime
    ) -> list[StreamSession]:
        """The channel's streams that overlap [since, until), oldest first."""
        rows = await self._db.fetch(
            "SELECT * FROM stream_sessions WHERE channel_id = $1 AND started_at < $2 "
            "AND (ended_at IS NULL OR ended_at > $3) ORDER BY started_at, session_id",
            channel_id,
            ts_ms(until),
            ts_ms(since),
        )
        return [StreamSession.from_row(r) for r in rows]

    async def samples(self, session_id: int) -> list[ViewerSample]:
        rows = await self._db.fetch(
            "SELECT * FROM viewer_samples WHERE session_id = $1 ORDER BY at", session_id
        )
        return [ViewerSample.from_row(r) for r in rows]

    async def segments(self, session: StreamSession, *, now: datetime) -> tuple[Segment, ...]:
        """The stream cut where its category changed, each stretch with its chat and viewers."""
        return await self._segments(
            session, session.ended_at or now, await self.samples(session.session_id)
        )

    async def categories(
        self, channel_id: int, *, since: datetime, until: datetime
    ) -> tuple[CategoryFigures, ...]:
        """Each category shown in the streams that started in [since, until), most hours first."""
        found: dict[str, list[float]] = {}  # category -> [hours, viewer_hours, messages]
        streams: dict[str, set[int]] = {}
        for session in await self.streams_between(channel_id, since, until):
            if session.started_at < since:
                continue
            for seg in await self.segments(session, now=until):
                acc = found.setdefault(seg.category, [0.0, 0.0, 0.0])
                acc[0] += seg.hours
                acc[1] += (seg.avg_viewers or 0.0) * seg.hours
                acc[2] += seg.messages
                streams.setdefault(seg.category, set()).add(seg.session_id)
        rows = [
            CategoryFigures(cat, len(streams[cat]), h, vh, int(m))
            for cat, (h, vh, m) in found.items()
        ]
        rows.sort(key=lambda c: (-c.hours, c.category))
        return tuple(rows)

    # -- when the channel is most engaged ----------------------------------------------------------

    async def peak_times(
        self, channel_id: int, *, zone: str, now: datetime, days: int = PEAK_DAYS
    ) -> PeakTimes:
        """Messages and chat per viewer by hour of day and of week, in the zone, last `days`.

        Whole UTC hours only (the rollup's): each is placed at its start's local hour, so a
        half-hour zone shows it at the local hour it starts in.
        """
        tz = UTC if zone == "UTC" else ZoneInfo(zone)
        until = now.replace(minute=0, second=0, microsecond=0)
        since = until - timedelta(days=days)
        cut = split(ts_ms(since), ts_ms(until))
        skip = await self._stats.left_out_clause(channel_id)
        messages = {
            int(h): int(n)
            for h, n in await self._all(
                "SELECT hour, sum(messages) FROM chat_user_hours WHERE channel_id = $1 "
                f"AND hour >= $2 AND hour < $3{skip} GROUP BY hour",
                channel_id,
                cut.first_hour,
                cut.end_hour,
            )
        }
        viewers = {
            int(h): float(v)
            for h, v in await self._all(
                f"SELECT v.at / {HOUR_MS} AS h, avg(v.viewers) FROM viewer_samples v "
                "JOIN stream_sessions s ON s.session_id = v.session_id "
                "WHERE s.channel_id = $1 AND v.at >= $2 AND v.at < $3 GROUP BY h",
                channel_id,
                ts_ms(since),
                ts_ms(until),
            )
        }
        week: dict[tuple[int, int], list[float]] = {}
        for h in set(messages) | set(viewers):
            start = from_ms(h * HOUR_MS)
            assert start is not None
            local = start.astimezone(tz)
            acc = week.setdefault((local.weekday(), local.hour), [0, 0, 0, 0.0])
            n = messages.get(h, 0)
            acc[0] += n
            if h in viewers:
                acc[1] += 1
                acc[2] += n
                acc[3] += viewers[h]
        by_week = tuple(
            PeakSlot(d, hr, *_slot(week.get((d, hr)))) for d in range(7) for hr in range(24)
        )
        by_hour = tuple(
            PeakSlot(
                None,
                hr,
                sum(s.messages for s in by_week if s.hour == hr),
                sum(s.live_hours for s in by_week if s.hour == hr),
                sum(s.live_messages for s in by_week if s.hour == hr),
                sum(s.viewer_hours for s in by_week if s.hour == hr),
            )
            for hr in range(24)
        )
        return PeakTimes(zone, since, until, by_hour, by_week, MIN_LIVE_HOURS)


def _slot(acc: list[float] | None) -> tuple[int, int, int, float]:
    if acc is None:
        return (0, 0, 0, 0.0)
    return (int(acc[0]), int(acc[1]), int(acc[2]), float(acc[3]))
