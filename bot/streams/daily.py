"""Daily reports: at each local midnight, one report per channel for the day that ended.

One asyncio task a process checks every `interval_s` whether a channel's last local day (in
its timezone, DST included) has a report; missing days within `catch_up_days` (downtime) are
written too, oldest first. The day is claimed by inserting its row (storage.daily_reports), so
in conduit mode only one process writes it and a restart never writes it twice. Reports are
kept like stream reports: files under DATA_DIR/daily/<token>/, rendered from the stored JSON
on first open, expiring `ttl` after the day.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.pages.links import TOKEN_RE, Links, new_report_token
from bot.speaking import speaker_of
from reports import zones
from reports.daily import DayFigures, DayStream, insights, report_dict
from reports.daily_page import PAGE, DailyLinks, write_daily_report
from storage import Database
from storage.stream_stats import engagement_series

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of the day in the zone, in UTC."""
    tz = zones.zone(zone)
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


def last_full_day(now: datetime, zone: str) -> date:
    """The latest local day that has ended at `now`."""
    return now.astimezone(zones.zone(zone)).date() - timedelta(days=1)


async def gather_day(
    db: Database, channel_id: int, day: date, zone: str, now: datetime
) -> dict[str, Any]:
    """The day's figures and observations, as the JSON the report stores."""
    start, end = day_bounds(day, zone)
    stats, ss = db.stats, db.stream_stats
    channel = await db.channels.get(channel_id)
    act = await stats.activity(channel_id, since=start, until=end)
    series = await stats.series(channel_id, since=start, until=end, bucket=HOUR)
    sessions = await ss.streams_between(channel_id, start, end)
    samples = [v for s in sessions for v in await ss.samples(s.session_id)]
    streams = []
    for s in sessions:
        lo, hi = max(s.started_at, start), min(s.ended_at or now, end)
        segments = tuple(
            g for g in await ss.segments(s, now=now) if g.end > start and g.start < end
        )
        streams.append(
            DayStream(
                session_id=s.session_id,
                title=s.title,
                category=s.category,
                started_at=s.started_at,
                ended_at=s.ended_at,
                peak_viewers=s.peak_viewers,
                avg_viewers=s.avg_viewers,
                messages=await ss.messages(channel_id, lo, hi),
                returning=await ss.returning(channel_id, lo, hi, before=s.started_at),
                segments=segments,
            )
        )
    week_start = start - timedelta(days=7)
    previous = None
    if channel is not None and channel.joined_at <= week_start:
        before = await stats.activity(channel_id, since=week_start, until=start)
        previous = before.messages / 7
    figures = DayFigures(
        channel_login=channel.login if channel else str(channel_id),
        day=day,
        zone=zone,
        start=start,
        end=end,
        generated_at=now,
        messages=act.messages,
        chatters=act.chatters,
        hours=engagement_series(
            series, HOUR, samples, live=[(s.started_at, s.ended_at or now) for s in sessions]
        ),
        streams=tuple(streams),
        retention=await ss.retention(channel_id, start, end),
        top_chatters=await stats.top_chatters(channel_id, since=start, until=end, limit=5),
        moderation=await stats.moderation(channel_id, since=start, until=end),
        previous_avg=previous,
    )
    found = insights(figures, zones.zone(zone))
    return report_dict(replace(figures, insights=found))


class DailyReporter:
    """Writes, serves and expires daily reports; see the module docstring."""

    def __init__(
        self,
        *,
        db: Database,
        data_dir: Path,
        public_url: str,
        ttl: timedelta,
        clock: Callable[[], datetime],
        channels: Callable[[], Iterable[int]],
        interval_s: float = 60.0,
        catch_up_days: int = 7,
    ) -> None:
        self._db = db
        self._speaker = speaker_of(db)
        self._root = data_dir / "daily"
        self._public_url = public_url.rstrip("/")
        self._ttl = ttl
        self._clock = clock
        self._channels = channels
        self.interval_s = interval_s
        self.catch_up_days = catch_up_days
        self._task: asyncio.Task[None] | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        # (channel, zone) -> the last day known done: the minutes between midnights ask nothing.
        self._settled: dict[tuple[int, str], date] = {}

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="botcheck-daily-reports")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # a bad minute must not end the reports
                log.exception("daily reports failed")
            await asyncio.sleep(self.interval_s)

    async def run_once(self) -> list[tuple[int, date]]:
        """Write every due report of every channel; return the (channel, day) written."""
        written = []
        for channel_id in sorted(set(self._channels())):
            for day in await self.write_due(channel_id):
                written.append((channel_id, day))
        return written

    async def write_due(self, channel_id: int) -> list[date]:
        """Write the channel's missing days (up to `catch_up_days` back), oldest first."""
        channel = await self._db.channels.get(channel_id)
        if channel is None:
            return []
        zone = await self._db.channels.timezone(channel_id)
        now = self._clock()
        last = last_full_day(now, zone)
        if self._settled.get((channel_id, zone)) == last:
            return []
        first = max(
            last - timedelta(days=self.catch_up_days - 1),
            channel.joined_at.astimezone(zones.zone(zone)).date(),
        )
        written = []
        settled = True
        day = first
        while day <= last:
            found = await self._db.daily_reports.get(channel_id, day)
            if found is None or not found.done:
                if await self.write(channel_id, day, zone):
                    written.append(day)
                else:
                    settled = False  # another process is writing it: look again next time
            day += timedelta(days=1)
        if settled:
            self._settled[(channel_id, zone)] = last
        return written

    async def write(self, channel_id: int, day: date, zone: str) -> bool:
        """Claim and write one day's report; False when another process has it."""
        reports = self._db.daily_reports
        token = await reports.claim(
            channel_id, day, timezone=zone, token=new_report_token(), now=self._clock()
        )
        if token is None:
            return False
        body = await gather_day(self._db, channel_id, day, zone, self._clock())
        await reports.finish(channel_id, day, body=json.dumps(body), now=self._clock())
        log.info("wrote the daily report of channel %s for %s", channel_id, day)
        return True

    # -- links ------------------------------------------------------------------------------------

    def links(self, token: str) -> Links:
        return Links.for_token(self._public_url, token)

    def expires_at(self, day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time(0), UTC) + self._ttl

    async def resolve(self, token: str) -> Path | None:
        """The daily report's directory, rendered from its row if needed; None if unknown."""
        if not TOKEN_RE.fullmatch(token):
            return None
        row = await self._db.daily_reports.by_token(token)
        if row is None or not row.done or self.expires_at(row.day) <= self._clock():
            return None
        directory = self._root / token
        async with self._locks.setdefault(token, asyncio.Lock()):
            if not (directory / PAGE).is_file():
                tr = await self._speaker(row.channel_id)
                expiry = tr.say("on {day}", day=tr.day(self.expires_at(row.day).date()))
                links = DailyLinks.for_token(token, expiry)
                await asyncio.to_thread(
                    write_daily_report, json.loads(row.body), directory, links=links, speaker=tr
                )
        return directory

    async def purge_expired(self) -> int:
        """Delete the files of expired or unknown daily reports; return how many."""
        if not self._root.is_dir():
            return 0
        removed = 0
        for directory in sorted(self._root.iterdir()):
            row = await self._db.daily_reports.by_token(directory.name)
            if row is None or self.expires_at(row.day) <= self._clock():
                await asyncio.to_thread(shutil.rmtree, directory, True)
                removed += 1
        return removed
