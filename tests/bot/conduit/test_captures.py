"""One capture per channel across processes: the capture lock in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.capture.model import CaptureBusy
from bot.conduit.captures import SharedCapturer
from storage import CaptureStatus, Database
from storage.conduit import Claims

BIG_ID = 3_000_000_000  # past int4: the lock key is shifted into range


async def test_a_capture_running_elsewhere_is_busy_here_and_spared_by_recover(
    pg_url: str,
) -> None:
    now = datetime.now(UTC)
    other, here = Claims(pg_url, "other"), Claims(pg_url, "here")
    await other.connect()
    await here.connect()
    try:
        async with Database(pg_url) as db:
            for channel_id in (11, BIG_ID):
                await db.channels.join(channel_id, f"c{channel_id}", "C", at=now)
            running = await db.captures.start(
                channel_id=11,
                requested_by_id=None,
                requested_by_login="mod",
                report_token="a" * 22,
                started_at=now,
            )
            dead = await db.captures.start(
                channel_id=BIG_ID,
                requested_by_id=None,
                requested_by_login="mod",
                report_token="b" * 22,
                started_at=now,
            )
            assert await other.hold_channel(11)  # another process captures channel 11
            assert await here.busy_channels() == {11}
            capturer = SharedCapturer(claims=here, db=db, helix=Any)
            assert await capturer.recover() == 1
            kept, gone = (
                await db.captures.get(running.capture_id),
                await db.captures.get(dead.capture_id),
            )
            assert kept is not None and kept.status is CaptureStatus.RUNNING
            assert gone is not None and gone.status is CaptureStatus.INTERRUPTED

            with pytest.raises(CaptureBusy):
                await capturer.capture(
                    channel_id=11,
                    moderator_id=1,
                    requested_by_id=None,
                    requested_by_login="mod",
                    report_token="c" * 22,
                )
            assert await here.hold_channel(BIG_ID)
            assert await other.busy_channels() == {11, BIG_ID}
            await here.let_go_channel(BIG_ID)
            await other.close()  # the other process dies: its capture lock goes with it
            assert await here.busy_channels() == set()
    finally:
        await other.close()
        await here.close()
