"""One capture per channel across every process of the conduit (conduit mode).

`SharedCapturer` is a `Capturer` that also holds the channel's capture lock in PostgreSQL
(`storage.conduit.Claims.hold_channel`) while a capture runs, so a second process asked to
check the same channel (after a rebalance moved its shard) answers "busy" instead of starting
another; and its `recover` spares the captures that a live process still runs.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.capture import Capturer
from bot.capture.model import (
    PROCESS_STOPPED,
    CaptureBusy,
    CaptureProgress,
    CaptureResult,
    reason_said,
)
from reports.i18n import Phrase
from storage.conduit import Claims

log = logging.getLogger(__name__)


class SharedCapturer(Capturer):
    """A Capturer whose per-channel rule holds across processes."""

    def __init__(self, *, claims: Claims, **kw: Any) -> None:
        super().__init__(**kw)
        self._claims = claims

    async def recover(self) -> int:
        """Mark interrupted the captures no live process runs any more; return how many."""
        busy = await self._claims.busy_channels()
        count = await self._db.captures.mark_interrupted(
            at=self._clock(),
            reason=PROCESS_STOPPED,
            reason_said=reason_said(Phrase(PROCESS_STOPPED)),
            keep_channels=busy,
        )
        if count:
            log.warning("marked %d capture(s) interrupted: their process stopped", count)
        return count

    async def capture(self, *, channel_id: int, **kw: Any) -> CaptureResult:
        held = False
        if self.progress(channel_id) is None:  # one running here answers busy by itself
            if not await self._claims.hold_channel(channel_id):
                now = self._clock()
                raise CaptureBusy(CaptureProgress(channel_id, 0, 0, None, 0, 0, None, now))
            held = True  # each take is matched by one release (the lock counts them)
        try:
            return await super().capture(channel_id=channel_id, **kw)
        finally:
            if held:
                await self._claims.let_go_channel(channel_id)
