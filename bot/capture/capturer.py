"""Chatter capture: every chatter of a channel, with creation dates, as fast as Helix allows.

`Capturer` runs captures, one per channel at a time and a few in all; each is a `CaptureRun`
(`bot.capture.pipeline`: fetcher, matcher, lookup workers, writer). The capture row is written
first and ends ``complete``, ``partial`` (with the reason), ``failed`` or ``interrupted``. A
process that dies leaves it ``running``, and `Capturer.recover` marks it interrupted at the next
start: never counted as complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.capture.model import (
    PROCESS_STOPPED,
    CaptureBusy,
    CaptureProgress,
    CaptureResult,
)
from bot.capture.pipeline import CaptureRun
from bot.helix.client import Helix
from storage import CaptureStatus, Database

__all__ = ["Capturer"]

log = logging.getLogger(__name__)


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
        self._runs: dict[int, CaptureRun] = {}

    def progress(self, channel_id: int) -> CaptureProgress | None:
        """Return the progress of the channel's running capture, if one runs."""
        run = self._runs.get(channel_id)
        return run.progress() if run is not None else None

    async def recover(self) -> int:
        """Mark captures left running by a dead process as interrupted; return how many."""
        count = await self._db.captures.mark_interrupted(at=self._clock(), reason=PROCESS_STOPPED)
        if count:
            log.warning("marked %d capture(s) interrupted: the process stopped during them", count)
        return count

    async def cancel(self, channel_id: int, reason: str) -> bool:
        """Stop the channel's running capture (it ends interrupted); False if none ran."""
        run = self._runs.get(channel_id)
        if run is None or run.task is None:
            return False
        run.cancel_reason = reason
        run.task.cancel()
        await asyncio.wait([run.task])
        return True

    async def cancel_all(self, reason: str) -> None:
        """Stop every running capture; each ends interrupted with `reason`."""
        tasks = []
        for run in list(self._runs.values()):
            run.cancel_reason = reason
            if run.task is not None:
                run.task.cancel()
                tasks.append(run.task)
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
    ) -> CaptureResult:
        """Capture the channel's chatters; raise CaptureBusy if a capture of it already runs.

        The channel must be in storage (`db.channels.join`). The result's capture row says how
        it ended; a capture stopped by `cancel`/`cancel_all` returns as interrupted.
        """
        running = self._runs.get(channel_id)
        if running is not None:
            raise CaptureBusy(running.progress())
        run = CaptureRun(
            db=self._db,
            helix=self._helix,
            channel_id=channel_id,
            moderator_id=moderator_id,
            started_at=self._clock(),
            clock=self._clock,
            on_progress=on_progress,
            lookup_workers=self._lookup_workers,
        )
        self._runs[channel_id] = run
        try:
            run.task = asyncio.create_task(
                self._execute(run, requested_by_id, requested_by_login, report_token),
                name=f"capture-{channel_id}",
            )
            try:
                return await asyncio.shield(run.task)
            except asyncio.CancelledError:
                # Our caller was cancelled: stop the capture too, let it record how it ended.
                if not run.task.done():
                    run.cancel_reason = run.cancel_reason or "the request was cancelled"
                    run.task.cancel()
                    await asyncio.wait([run.task])
                raise
        finally:
            self._runs.pop(channel_id, None)

    async def _execute(
        self,
        run: CaptureRun,
        requested_by_id: int | None,
        requested_by_login: str,
        report_token: str,
    ) -> CaptureResult:
        async with self._slots:
            run.started_at = self._clock()
            run.t0 = time.monotonic()
            row = await self._db.captures.start(
                channel_id=run.channel_id,
                requested_by_id=requested_by_id,
                requested_by_login=requested_by_login,
                report_token=report_token,
                started_at=run.started_at,
            )
            run.capture_id = row.capture_id
            try:
                reason = await run.fetch()
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                status, reason = CaptureStatus.INTERRUPTED, run.cancel_reason or "cancelled"
                with contextlib.suppress(Exception):
                    await run.flush()
            except Exception as exc:
                log.exception("capture %d of channel %d failed", row.capture_id, run.channel_id)
                status, reason = CaptureStatus.FAILED, f"internal error: {exc}"
                with contextlib.suppress(Exception):
                    await run.flush()
            else:
                if not reason:
                    status = CaptureStatus.COMPLETE
                elif run.seen:
                    status = CaptureStatus.PARTIAL
                else:
                    status = CaptureStatus.FAILED
            await self._db.captures.finish(
                row.capture_id,
                status=status,
                finished_at=self._clock(),
                reason=reason,
                chatter_total=run.total,
                looked_up_count=run.looked_up,
                viewer_count=run.viewer_count,
            )
            run.report()
            log.info(
                "capture %d of channel %d: %s, %d chatters, %d looked up, %.1f s %s",
                row.capture_id,
                run.channel_id,
                status.value,
                len(run.seen),
                run.looked_up,
                time.monotonic() - run.t0,
                reason,
            )
            accounts = run.all_accounts()
            renames = await self._db.accounts.earlier_logins(run.known_before)
            final = await self._db.captures.get(row.capture_id)
            assert final is not None
            return CaptureResult(final, accounts, run.viewer_count, renames)
