"""Turn a finished capture into its analysis, chat summary and report files; find them again.

Reply first, write after: `prepare` analyses (what the chat answer needs); `write_later`
then waits for the capture's last writes, records the verdict and writes the files (PNG, CSV,
JSON, HTML) off the event loop. Meanwhile `preparing(token)` is true and the link serves the
"being prepared" page. A capture whose last writes failed, or whose files could not be written,
ends `failed` with the reason: its files are never linked, and the channel is told.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot import memory
from bot.capture.model import (
    CANCELLED,
    FILES_FAILED,
    NOT_STORED,
    CaptureResult,
    reason_said,
    stop_reason,
)
from bot.pages.links import Links
from bot.pages.signals import CaptureSignals, ChattedSoFar, Signals
from reports.analysis import analyze_audience
from reports.audience import Audience
from reports.i18n import ENGLISH, Phrase, Speaker
from reports.model import Analysis
from reports.render import ReportFiles, ReportLinks, write_report
from reports.summary import summary_text
from storage import CaptureStatus, Database

log = logging.getLogger(__name__)

_SERVED = (CaptureStatus.COMPLETE, CaptureStatus.PARTIAL)
PAGE_FILE = "index.html"  # written last: its presence means the report is whole
# How long a command waits for a check that just answered to be stored (`Reports.recorded`).
RECORDED_WAIT_S = 30.0


@dataclass(frozen=True, slots=True)
class BuiltReport:
    analysis: Analysis
    summary: str
    links: Links
    directory: Path
    speaker: Speaker = ENGLISH  # the channel's language and timezone when the check ran


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
        self._writing: dict[str, asyncio.Task[bool]] = {}
        # Per channel: its last check's stored result with the verdict recorded, or why not.
        self._recording: dict[int, asyncio.Task[CaptureResult | str]] = {}
        self._signals = signals  # issue 19: chatted, platform, multi_channel

    def links(self, token: str) -> Links:
        return Links.for_token(self._public_url, token)

    def read_along(self, channel_id: int) -> ChattedSoFar | None:
        """What a capture of the channel should read page by page for its analysis (its
        `on_chatters` is `.add`; `prepare` takes it back as `along`), or None for nothing."""
        return ChattedSoFar(self._db, channel_id) if self._signals is not None else None

    def directory(self, token: str) -> Path:
        return self._root / token

    async def prepare(
        self,
        result: CaptureResult,
        *,
        window: timedelta | None = None,
        along: ChattedSoFar | None = None,
    ) -> BuiltReport:
        """Analyse the capture (off the event loop) and word its summary: the chat answer.

        An early result's last writes may still run (issue 21): nothing here waits for them,
        and the verdict is recorded after them (`write_later`). `along`: what `read_along` read
        during the capture. The result's `audience` (its accounts in columns, filled during
        the capture) leaves the analysis only its last step.
        """
        capture = result.capture
        token = capture.report_token
        links = self.links(token)
        extra = CaptureSignals()
        if self._signals is not None:
            ids = [a.user_id for a in result.accounts]
            # Read aside (its cache is small): the capture's last writes may still run.
            extra = await self._signals.for_capture(
                capture.channel_id,
                capture.started_at,
                ids,
                along=along,
                capture_id=capture.capture_id,
            )
        audience = result.audience
        if audience is None or len(audience) != len(result.accounts):
            audience = Audience.of(result.accounts)  # read back from storage: in columns now
        analysing = asyncio.ensure_future(
            asyncio.to_thread(
                analyze_audience,
                audience,
                now=capture.finished_at or self._clock(),
                window=window,
                known_bot_logins=self._known() if callable(self._known) else self._known,
                viewer_count=result.viewer_count,
                renames=result.renames,
                chatted=extra.chatted,
                platform=extra.platform,
                multi_channel=extra.multi_channel,
                raid=extra.raid,
            )
        )
        try:
            # The channel's language and timezone, read while the analysis runs (aside: the
            # capture's last writes may still run on the main connection).
            channels = self._db.aside.channels
            tr = Speaker(
                await channels.language(capture.channel_id),
                await channels.timezone(capture.channel_id),
            )
        except BaseException:
            await asyncio.wait([analysing])  # a thread cannot be stopped: let it end
            raise
        analysis = await analysing
        summary = summary_text(analysis, links.page, tr)
        return BuiltReport(
            analysis=analysis,
            summary=summary,
            links=links,
            directory=self.directory(token),
            speaker=tr,
        )

    def write_later(
        self,
        result: CaptureResult,
        built: BuiltReport,
        *,
        title: str,
        on_failure: Callable[[str], Awaitable[object]] | None = None,
    ) -> None:
        """Record the verdict and write the files in the background; the link says "being
        prepared" meanwhile.

        An early result's last writes (`result.stored`) are waited for first: only a capture
        stored whole gets its verdict and files. When those writes fail, or the files cannot be
        written, the capture ends `failed` and `on_failure(reason)` may tell the channel that
        the link will not work.
        """
        token = result.capture.report_token
        channel_id = result.capture.channel_id
        recording = asyncio.create_task(self._record(result, built), name=f"verdict-{token[:6]}")
        self._recording[channel_id] = recording
        recording.add_done_callback(lambda t: _forget(self._recording, channel_id, t))
        task = asyncio.create_task(
            self._write(recording, built, title, on_failure), name=f"report-{token[:6]}"
        )
        self._writing[token] = task
        task.add_done_callback(lambda _: self._writing.pop(token, None))
        task.add_done_callback(_trim_soon)

    async def recorded(self, channel_id: int, within: float = RECORDED_WAIT_S) -> None:
        """Wait until the channel's last check is stored with its verdict, or has failed.

        At most `within` seconds: storage that stops answering must not keep a command from
        answering (it then reads what is stored)."""
        recording = self._recording.get(channel_id)
        if recording is not None:
            await asyncio.wait([recording], timeout=within)

    async def _record(self, result: CaptureResult, built: BuiltReport) -> CaptureResult | str:
        """Wait for the capture's last writes, then record its verdict; return the result as
        stored, or why it was not stored whole (a reason `reports.i18n.said` can say)."""
        capture = result.capture
        writes = result.stored
        if writes is not None:
            try:
                # Shielded: a stop (`Capturer.cancel_all`) lets these writes end, or stops them.
                result = await asyncio.shield(writes)
            except asyncio.CancelledError:
                if not writes.cancelled():
                    raise  # this task is cancelled, not the writes
                return Phrase(CANCELLED)
            except Exception as exc:
                log.error("capture %d could not be stored: %s", capture.capture_id, exc)
                return Phrase(NOT_STORED, error=str(exc))
            capture = result.capture
            if capture.status not in _SERVED:
                log.warning(
                    "capture %d ended %s after its answer: %s",
                    capture.capture_id,
                    capture.status.value,
                    capture.status_reason,
                )
                return stop_reason(capture)
        analysis = built.analysis
        try:
            await self._db.captures.set_result(
                capture.capture_id, verdict=analysis.verdict.level.value, summary=built.summary
            )
            # The dashboard's chart reads these two numbers, not every check's analysis.json.
            await self._db.dashboard.set_metrics(
                capture.capture_id, analysed=analysis.totals.analysed, flagged=analysis.flagged
            )
        except Exception as exc:  # the capture is stored whole: its files still serve
            log.error("the verdict of capture %d was not recorded: %s", capture.capture_id, exc)
        return result

    async def _write(
        self,
        recording: asyncio.Task[CaptureResult | str],
        built: BuiltReport,
        title: str,
        on_failure: Callable[[str], Awaitable[object]] | None,
    ) -> bool:
        stored = await recording
        if not isinstance(stored, CaptureResult):  # not stored whole: no files (logged)
            await _tell(on_failure, stored)
            return False
        result = stored
        capture = result.capture
        try:
            await asyncio.to_thread(
                _trimmed_then_written,
                built.analysis,
                result.accounts,
                built.directory,
                title=title,
                links=ReportLinks.for_token(capture.report_token),
                speaker=built.speaker,
                keep_phrases=True,  # the dashboard says the reasons in the channel's language
            )
            if self._signals is not None:
                self._signals.refresh_soon()  # after the answer and its files: off its path
            # A big check leaves cycles behind that the tuned collector (`bot.app.tune_gc`)
            # would keep for a long time: free them now, after the answer (issue 21: peak RSS).
            gc.collect()
            return True
        except OSError as exc:
            reason = Phrase(FILES_FAILED, error=str(exc.strerror or exc))
        log.warning("capture %d: %s", capture.capture_id, reason)
        await asyncio.to_thread(shutil.rmtree, built.directory, True)
        try:
            await self._db.captures.finish(
                capture.capture_id,
                status=CaptureStatus.FAILED,
                finished_at=capture.finished_at or self._clock(),
                reason=reason,
                reason_said=reason_said(reason),
                chatter_total=capture.chatter_total,
                looked_up_count=capture.looked_up_count,
                viewer_count=capture.viewer_count,
            )
        except Exception as exc:  # the disk that refused the files may refuse this too
            log.warning("capture %d could not be marked failed: %s", capture.capture_id, exc)
        await _tell(on_failure, reason)
        return False

    def preparing(self, token: str) -> bool:
        """True while the report's files are being written."""
        return token in self._writing

    async def written(self, token: str) -> bool:
        """Wait for the report's files; True when they are there."""
        task = self._writing.get(token)
        if task is not None:
            return await asyncio.shield(task)
        return (self.directory(token) / PAGE_FILE).is_file()

    async def drain(self) -> None:
        """Wait for every report still being written (at stop, before the database closes)."""
        while self._writing:
            await asyncio.wait(list(self._writing.values()))
        if self._signals is not None:
            await self._signals.close()

    async def available(self, token: str) -> bool:
        """True when a link to this report would serve it (or its "being prepared" page)."""
        return self.preparing(token) or await self.resolve(token) is not None

    async def resolve(self, token: str) -> Path | None:
        """Return the report's directory, or None when unknown, unfinished or expired."""
        capture = await self._db.captures.by_token(token)
        if capture is None or capture.status not in _SERVED:
            return None
        if not capture.pinned and capture.started_at < self._clock() - self._ttl:
            return None
        directory = self.directory(token)
        return directory if (directory / PAGE_FILE).is_file() else None

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


async def _tell(on_failure: Callable[[str], Awaitable[object]] | None, reason: str) -> None:
    if on_failure is not None:
        try:
            await on_failure(reason)
        except Exception:
            log.exception("could not say that a report failed (%s)", reason)


def _forget(tasks: dict[int, asyncio.Task[Any]], key: int, task: asyncio.Task[Any]) -> None:
    if tasks.get(key) is task:
        del tasks[key]


def _trimmed_then_written(*args: Any, **kwargs: Any) -> ReportFiles:
    """`write_report`, once the capture's freed memory is handed back (issue 21: peak RSS).

    The files' work (two charts, the CSV) otherwise grows the heap on top of what the capture
    left free but held: trimmed first, a 100,000-chatter check peaked at 283 MB, not 316 MB.
    """
    memory.trim()
    return write_report(*args, **kwargs)


def _trim_soon(_: object) -> None:
    """Hand the freed memory of a report back to the system, off the event loop (#21).

    Called once the writing task is done, when its capture, analysis and figures are garbage:
    the next capture then starts from a smaller heap instead of growing on top of this one.
    """
    asyncio.get_running_loop().run_in_executor(None, memory.trim)
