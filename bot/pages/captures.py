"""Turn a finished capture into its analysis, chat summary and report files; find them again."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.capture.model import CaptureResult
from bot.pages.links import Links
from bot.pages.signals import CaptureSignals, Signals
from reports.analysis import analyze
from reports.model import Analysis
from reports.render import ReportLinks, write_report
from reports.summary import summary_text
from storage import CaptureStatus, Database

log = logging.getLogger(__name__)

_SERVED = (CaptureStatus.COMPLETE, CaptureStatus.PARTIAL)


@dataclass(frozen=True, slots=True)
class BuiltReport:
    analysis: Analysis
    summary: str
    links: Links
    directory: Path


class Reports:
    """Report files live in DATA_DIR/reports/<token>/ and are served while the capture lives."""

    def __init__(
        self,
        *,
        db: Database,
        data_dir: Path,
        public_url: str,
        ttl: timedelta,
        known_bot_logins: frozenset[str] | Callable[[], frozenset[str]],
        clock: Callable[[], datetime],
        signals: Signals | None = None,
    ) -> None:
        self._db = db
        self._root = data_dir / "reports"
        self._public_url = public_url.rstrip("/")
        self._ttl = ttl
        # A callable is a list refreshed while the bot runs (bot.knownbots, issue 19).
        self._known = known_bot_logins
        self._clock = clock
        self._signals = signals  # issue 19: chatted, platform, multi_channel

    def links(self, token: str) -> Links:
        return Links.for_token(self._public_url, token)

    def directory(self, token: str) -> Path:
        return self._root / token

    async def build(
        self, result: CaptureResult, *, title: str, window: timedelta | None = None
    ) -> BuiltReport:
        """Analyse the capture, write its files (off the event loop) and record the verdict."""
        capture = result.capture
        token = capture.report_token
        links = self.links(token)
        extra = CaptureSignals()
        if self._signals is not None:
            ids = [a.user_id for a in result.accounts]
            extra = await self._signals.for_capture(capture.channel_id, capture.started_at, ids)
        analysis = await asyncio.to_thread(
            analyze,
            result.accounts,
            now=capture.finished_at or self._clock(),
            window=window,
            known_bot_logins=self._known() if callable(self._known) else self._known,
            viewer_count=result.viewer_count,
            renames=result.renames,
            chatted=extra.chatted,
            platform=extra.platform,
            multi_channel=extra.multi_channel,
        )
        summary = summary_text(analysis, links.page)
        directory = self.directory(token)
        page_links = ReportLinks.for_token(token)
        await asyncio.to_thread(
            write_report, analysis, result.accounts, directory, title=title, links=page_links
        )
        await self._db.captures.set_result(
            capture.capture_id, verdict=analysis.verdict.level.value, summary=summary
        )
        return BuiltReport(analysis=analysis, summary=summary, links=links, directory=directory)

    async def resolve(self, token: str) -> Path | None:
        """Return the report's directory, or None when unknown, unfinished or expired."""
        capture = await self._db.captures.by_token(token)
        if capture is None or capture.status not in _SERVED:
            return None
        if not capture.pinned and capture.started_at < self._clock() - self._ttl:
            return None
        directory = self.directory(token)
        return directory if directory.is_dir() else None

    async def purge_expired(self) -> int:
        """Delete the files of reports past their time (pinned ones stay); return how many."""
        expired = await self._db.captures.expired(before=self._clock() - self._ttl)
        removed = 0
        for capture in expired:
            directory = self.directory(capture.report_token)
            if directory.exists():
                await asyncio.to_thread(shutil.rmtree, directory, True)
                removed += 1
        if removed:
            log.info("removed %d expired report(s)", removed)
        return removed
