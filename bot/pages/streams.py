"""Stream reports: one page per stream session at `/r/<token>`, rendered on demand.

A session gets its random report token when it starts (storage/history). The files are
rendered into DATA_DIR/streams/<token>/ the first time the link is opened, again when a live
stream's files are older than `max_age`, and once more after the stream has ended. A link
lives `ttl` after the stream ended, forever while live or pinned (`!report stream keep`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.pages.links import TOKEN_RE, Links
from bot.speaking import speaker_of
from reports.i18n import Speaker
from reports.stream_analytics import stream_analytics_dict
from reports.stream_export import PAGE, write_stream_report
from reports.stream_model import StreamReport, bucket_for
from reports.stream_page import StreamLinks
from storage import Database, StreamSession, ViewerSample
from storage.stats_results import Bucket
from storage.stream_stats import engagement_series

log = logging.getLogger(__name__)

_STATE = ".rendered.json"  # {"ended": bool, "at": iso}: how fresh the files are


class StreamReports:
    """Finds, renders and expires stream report files."""

    def __init__(
        self,
        *,
        db: Database,
        data_dir: Path,
        public_url: str,
        ttl: timedelta,
        clock: Callable[[], datetime],
        max_age: timedelta = timedelta(seconds=60),
    ) -> None:
        self._db = db
        self._root = data_dir / "streams"
        self._public_url = public_url.rstrip("/")
        self._ttl = ttl
        self._clock = clock
        self._max_age = max_age
        self._locks: dict[str, asyncio.Lock] = {}
        self._speaker = speaker_of(db)

    def links(self, token: str) -> Links:
        return Links.for_token(self._public_url, token)

    def directory(self, token: str) -> Path:
        return self._root / token

    def expires_at(self, session: StreamSession) -> datetime | None:
        """When the link stops working (None: not while live or pinned)."""
        if session.pinned or session.ended_at is None:
            return None
        return session.ended_at + self._ttl

    def expired(self, session: StreamSession) -> bool:
        expires = self.expires_at(session)
        return expires is not None and expires <= self._clock()

    async def latest(self, channel_id: int) -> StreamSession | None:
        """The channel's current stream, or else its last one."""
        return await self._db.history.latest_session(channel_id)

    async def pin(self, session: StreamSession) -> None:
        """Keep the stream's report past the time-to-live."""
        await self._db.history.set_session_pinned(session.session_id, True)

    async def resolve(self, token: str) -> Path | None:
        """Return the stream report's directory, rendering it if needed; None if unknown."""
        if not TOKEN_RE.fullmatch(token):
            return None
        session = await self._db.history.session_by_token(token)
        if session is None or self.expired(session):
            return None
        # One render at a time per report: a page and its downloads are often asked at once.
        async with self._locks.setdefault(token, asyncio.Lock()):
            directory = self.directory(token)
            if self._stale(directory, session):
                await self.render(session)
        return directory

    def _stale(self, directory: Path, session: StreamSession) -> bool:
        if not (directory / PAGE).is_file():
            return True
        try:
            state = json.loads((directory / _STATE).read_text(encoding="utf-8"))
            ended, at = bool(state["ended"]), datetime.fromisoformat(state["at"])
        except (OSError, ValueError, KeyError, TypeError):
            return True
        if ended:
            return False
        return not session.live or self._clock() - at >= self._max_age

    async def render(self, session: StreamSession) -> Path:
        """Gather the stream's figures and write its files (off the event loop)."""
        report = await self.gather(session)
        directory = self.directory(session.report_token)
        tr = await self._speaker(session.channel_id)
        links = StreamLinks.for_token(session.report_token, self._expiry_text(session, tr))
        await asyncio.to_thread(write_stream_report, report, directory, links=links, speaker=tr)
        state = {"ended": not session.live, "at": report.generated_at.isoformat()}
        await asyncio.to_thread(
            (directory / _STATE).write_text, json.dumps(state), encoding="utf-8"
        )
        return directory

    async def gather(self, session: StreamSession) -> StreamReport:
        """Everything the stream's report shows."""
        now = self._clock()
        stats = self._db.stats
        summary = await stats.stream_summary(session, now=now)
        since, until = session.started_at, summary.until
        bucket = bucket_for(until - since)
        channel = await self._db.channels.get(session.channel_id)
        cid = session.channel_id
        viewers = tuple(await self._db.history.viewer_samples(session.session_id))
        series = await stats.series(cid, since=since, until=until, bucket=bucket)
        return StreamReport(
            channel_login=channel.login if channel else str(cid),
            generated_at=now,
            summary=summary,
            bucket=bucket,
            series=series,
            viewers=viewers,
            top_chatters=await stats.top_chatters(cid, since=since, until=until, limit=10),
            top_emotes=await stats.top_emotes(cid, since=since, until=until, limit=10),
            writers=await stats.writers(cid, since=since, until=until, limit=5),
            events=tuple(await self._db.history.events(cid, since=since, until=until)),
            stream_events=tuple(await self._db.stream_events.for_session(session.session_id)),
            messages=tuple(
                # What moderators deleted is never exported: the line stays, its text goes.
                replace(m, text=None) if m.deleted_at is not None else m
                for m in await self._db.history.messages(cid, since=since, until=until)
            ),
            analytics=await self._analytics(session, now, series, bucket, viewers),
        )

    async def _analytics(
        self,
        session: StreamSession,
        now: datetime,
        series: tuple[Bucket, ...],
        bucket: timedelta,
        viewers: tuple[ViewerSample, ...],
    ) -> dict[str, Any]:
        """The stream's analytics, from the queries the daily report and dashboard use."""
        ss, cid = self._db.stream_stats, session.channel_id
        since, until = session.started_at, session.ended_at or now
        return stream_analytics_dict(
            await ss.returning(cid, since, until),
            await ss.retention(cid, since, until),
            await ss.segments(session, now=now),
            engagement_series(series, bucket, viewers, session.category, live=[(since, until)]),
        )

    def _expiry_text(self, session: StreamSession, tr: Speaker) -> str:
        if session.pinned:
            return tr.say("never: it is pinned")
        expires = self.expires_at(session)
        if expires is None:
            return tr.say("{days} days after the stream ends, unless pinned", days=self._ttl.days)
        return tr.say("on {day} unless pinned", day=tr.day(expires.date()))

    async def purge_expired(self) -> int:
        """Delete the files of expired or unknown stream reports; return how many."""
        if not self._root.is_dir():
            return 0
        removed = 0
        for directory in sorted(self._root.iterdir()):
            if not directory.is_dir():
                continue
            session = await self._db.history.session_by_token(directory.name)
            if session is None or self.expired(session):
                await asyncio.to_thread(shutil.rmtree, directory, True)
                removed += 1
        if removed:
            log.info("removed %d expired stream report(s)", removed)
        return removed
