"""Chatter capture: every chatter of a channel, with creation dates, as fast as Helix allows.

`Capturer` runs captures, one per channel at a time and a few in all; each is a `CaptureRun`
(`bot.capture.pipeline`: fetcher, matcher, lookup workers, writer). The capture row is written
first and ends ``complete``, ``partial`` (with the reason), ``failed`` or ``interrupted``. A
process that dies leaves it ``running``, and `Capturer.recover` marks it interrupted at the next
start: never counted as complete.

An early capture (`capture(early=True)`, issue 21) hands its chatters on while its last writes
run. The channel is not busy then: its next capture waits for those writes and starts, and
`progress` says nothing is running. A stop lets those writes end (`cancel_all`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot import metrics
from bot.capture.model import (
    CANCELLED,
    PROCESS_STOPPED,
    REQUEST_CANCELLED,
    CaptureBusy,
    CaptureProgress,
    CaptureResult,
    RunOutcome,
    reason_said,
)
from bot.capture.pipeline import CaptureRun
from bot.helix.client import Helix
from reports.i18n import Phrase
from storage import CaptureStatus, Database

__all__ = ["Capturer"]

log = logging.getLogger(__name__)

# How long a stop waits for the last writes of captures whose answer already went out.
FINISH_ON_STOP_S = 15.0
# How long the channel's next capture waits for them before it is told "busy" instead.
FINISHING_WAIT_S = 30.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Capturer:
    """Runs captures: one per channel at a time, at most `max_concurrent` in all."""

    def __init__(
        self,
        *,
        db: Database,
        helix: Helix,
        max_concurrent: int = 3,
        clock: Callable[[], datetime] = _utc_now,
        lookup_workers: int = 10,
    ) -> None:
        self._db = db
        self._helix = helix
        self._clock = clock
        self._slots = asyncio.Semaphore(max_concurrent)
        self._lookup_workers = lookup_workers
        self._jobs: dict[int, _Job] = {}

    def progress(self, channel_id: int) -> CaptureProgress | None:
        """Return the progress of the channel's running (or queued) capture, if there is one.

        A capture that only writes its last rows (its early result handed on) is not running.
        """
        job = self._jobs.get(channel_id)
        return job.progress() if job is not None and not job.finishing else None

    async def recover(self) -> int:
        """Mark captures left running by a dead process as interrupted; return how many."""
        stopped = Phrase(PROCESS_STOPPED)
        count = await self._db.captures.mark_interrupted(
            at=self._clock(), reason=stopped, reason_said=reason_said(stopped)
        )
        if count:
            log.warning("marked %d capture(s) interrupted: the process stopped during them", count)
        return count

    async def cancel(self, channel_id: int, reason: str) -> bool:
        """Stop the channel's running capture (it ends interrupted); False if none ran.

        `reason`: a message id (`bot.capture.model`) or a `Phrase`, said in the channel's
        language where the capture is shown."""
        job = self._jobs.get(channel_id)
        if job is None or job.task is None:
            return False
        job.cancel_reason = reason
        job.task.cancel()
        await asyncio.wait([job.task])
        return True

    async def cancel_all(self, reason: str) -> None:
        """Stop every running capture; each ends interrupted with `reason`.

        A capture whose answer went out (early) only writes its last rows: those are let end,
        for up to FINISH_ON_STOP_S, so its link works after a restart.
        """
        finishing, tasks = [], []
        for job in list(self._jobs.values()):
            if job.task is not None and job.finishing:
                finishing.append(job.task)
                continue
            job.cancel_reason = reason
            if job.task is not None:
                job.task.cancel()
                tasks.append(job.task)
        if finishing:
            _, late = await asyncio.wait(finishing, timeout=FINISH_ON_STOP_S)
            for task in late:  # storage that does not answer: stop waiting for it
                log.warning("a capture's last writes did not end in %.0f s", FINISH_ON_STOP_S)
                task.cancel()
                tasks.append(task)
        if tasks:
            await asyncio.wait(tasks)

    async def capture(
        self,
        *,
        channel_id: int,
        moderator_id: int,
        requested_by_id: int | None,
        requested_by_login: str,
        report_token: str,
        on_progress: Callable[[CaptureProgress], None] | None = None,
        early: bool = False,
        on_chatters: Callable[[list[int]], Awaitable[object]] | None = None,
    ) -> CaptureResult:
        """Capture the channel's chatters; raise CaptureBusy if a capture of it already runs.

        The channel must be in storage (`db.channels.join`). The result's capture row says how
        it ended; a capture stopped by `cancel`/`cancel_all` returns as interrupted.

        `early`: return as soon as every chatter is in memory, while the last of them are still
        being written (issue 21: the analysis need not wait for storage). The result's capture
        row is then what storage will hold, and `stored` the task that returns the result as
        stored: its row may still end `failed` if the writes fail.

        `on_chatters`: awaited with each page's new chatter ids as they are matched, for what
        else is read of them page by page (`bot.pages.signals.ChattedSoFar`); its failures
        are logged and the capture goes on.
        """
        running = self._jobs.get(channel_id)
        while running is not None and running.finishing and running.task is not None:
            # The last check's last writes: not busy, unless storage stops answering.
            done, _ = await asyncio.wait([running.task], timeout=FINISHING_WAIT_S)
            if not done:
                break
            running = self._jobs.get(channel_id)
        if running is not None:
            raise CaptureBusy(running.progress())
        job = _Job(channel_id=channel_id, queued_at=self._clock())
        self._jobs[channel_id] = job
        if early:
            job.gathered = asyncio.get_running_loop().create_future()
        handed_on = False
        try:
            job.task = asyncio.create_task(
                self._execute(
                    job,
                    moderator_id=moderator_id,
                    requested_by_id=requested_by_id,
                    requested_by_login=requested_by_login,
                    report_token=report_token,
                    on_progress=on_progress,
                    on_chatters=on_chatters,
                ),
                name=f"capture-{channel_id}",
            )
            try:
                if job.gathered is not None:
                    await asyncio.wait(
                        [job.gathered, job.task], return_when=asyncio.FIRST_COMPLETED
                    )
                    if job.gathered.done() and not job.task.done():
                        # The channel stays busy until its capture is written.
                        job.task.add_done_callback(lambda _: self._release(job))
                        handed_on = True
                        return job.gathered.result()
                return await asyncio.shield(job.task)
            except asyncio.CancelledError:
                # Our caller was cancelled: stop the capture too, let it record how it ended.
                if not job.task.done():
                    job.cancel_reason = job.cancel_reason or REQUEST_CANCELLED
                    job.task.cancel()
                    await asyncio.wait([job.task])
                raise
        finally:
            if not handed_on:
                self._release(job)

    def _release(self, job: _Job) -> None:
        if self._jobs.get(job.channel_id) is job:
            del self._jobs[job.channel_id]

    async def _execute(
        self,
        job: _Job,
        *,
        moderator_id: int,
        requested_by_id: int | None,
        requested_by_login: str,
        report_token: str,
        on_progress: Callable[[CaptureProgress], None] | None,
        on_chatters: Callable[[list[int]], Awaitable[object]] | None = None,
    ) -> CaptureResult:
        async with self._slots:
            started_at = self._clock()
            t0 = time.monotonic()
            row = await self._db.captures.start(
                channel_id=job.channel_id,
                requested_by_id=requested_by_id,
                requested_by_login=requested_by_login,
                report_token=report_token,
                started_at=started_at,
            )
            finished_at: datetime | None = None

            def gathered(out: RunOutcome) -> None:
                nonlocal finished_at
                if job.gathered is None or job.gathered.done():
                    return
                # The stored row will say the same (storage keeps whole seconds).
                finished_at = self._clock().replace(microsecond=0)
                early = dataclasses.replace(
                    row,
                    status=out.status,
                    status_reason=str(out.reason),
                    status_said=reason_said(out.reason),
                    finished_at=finished_at,
                    chatter_total=out.total,
                    chatter_count=out.chatters,
                    looked_up_count=out.looked_up,
                    viewer_count=out.viewer_count,
                )
                job.gathered.set_result(
                    CaptureResult(
                        early,
                        out.accounts,
                        out.viewer_count,
                        out.renames,
                        job.task,
                        audience=out.audience,
                    )
                )

            job.run = CaptureRun(
                db=self._db,
                helix=self._helix,
                channel_id=job.channel_id,
                moderator_id=moderator_id,
                capture_id=row.capture_id,
                started_at=started_at,
                clock=self._clock,
                on_progress=on_progress,
                lookup_workers=self._lookup_workers,
                on_gathered=gathered if job.gathered is not None else None,
                on_chatters=on_chatters,
            )
            # A small SQLite cache while the capture runs: it lowers the command's peak memory.
            # And the WAL copied into the file once, after (`Database.checkpoints_deferred`).
            async with self._db.lean_cache(), self._db.checkpoints_deferred():
                out = await job.run.execute()
            reason = out.reason
            if out.status is CaptureStatus.INTERRUPTED:
                reason = _phrase(job.cancel_reason or CANCELLED)
            await self._db.captures.finish(
                row.capture_id,
                status=out.status,
                finished_at=finished_at or self._clock(),
                reason=reason,
                reason_said=reason_said(reason),
                chatter_total=out.total,
                looked_up_count=out.looked_up,
                viewer_count=out.viewer_count,
            )
            job.run.report()
            metrics.bump("captures", out.status.value)
            log.info(
                "capture %d of channel %d: %s, %d chatters, %d looked up, %.1f s %s",
                row.capture_id,
                job.channel_id,
                out.status.value,
                out.chatters,
                out.looked_up,
                time.monotonic() - t0,
                reason,
            )
            final = await self._db.captures.get(row.capture_id)
            assert final is not None
            return CaptureResult(
                final, out.accounts, out.viewer_count, out.renames, audience=out.audience
            )


@dataclass(slots=True)
class _Job:
    """One requested capture: queued for a slot, then running (`run`)."""

    channel_id: int
    queued_at: datetime
    task: asyncio.Task[CaptureResult] | None = None
    run: CaptureRun | None = None
    gathered: asyncio.Future[CaptureResult] | None = None  # the early result (`early=True`)
    cancel_reason: str | None = None

    @property
    def finishing(self) -> bool:
        """True once the early result is handed on: only the last writes run."""
        return self.gathered is not None and self.gathered.done()

    def progress(self) -> CaptureProgress:
        if self.run is not None:
            return self.run.progress()
        return CaptureProgress(
            channel_id=self.channel_id,
            pages=0,
            chatters_seen=0,
            total=None,
            looked_up=0,
            to_look_up=0,
            eta_s=None,
            started_at=self.queued_at,
        )


def _phrase(reason: str) -> str:
    """A cancel reason as a phrase: message ids are said in the channel's language (an id the
    catalogs do not know is said as it is)."""
    return reason if isinstance(reason, Phrase) else Phrase(reason)
