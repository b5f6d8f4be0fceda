"""An early result (issue 21): the chatters are handed on while their last writes run.

`Capturer.capture(early=True)` returns once every chatter is in memory; `stored` is the result
as written. `Checks` analyses meanwhile and answers only once the writes are done, so a capture
whose last writes fail is answered as not finished and never gets a verdict.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.capture import CaptureBusy, Capturer, CaptureResult
from bot.checks import CheckRequest, Checks
from bot.pages import Reports
from bot.pages.signals import Signals
from reports.i18n import ENGLISH
from storage import Capture, CaptureStatus, Database, StorageError
from storage.capture_batches import CaptureBatch
from tests.bot.conftest import SimWorld, join
from twitchsim.scenarios import organic

SIZE = 2_345


def hold_writes(db: Database) -> asyncio.Event:
    """Make every capture write wait for the returned event."""
    release = asyncio.Event()
    write = db.capture_batches.write

    async def held(batch: CaptureBatch) -> None:
        await release.wait()
        await write(batch)

    db.capture_batches.write = held  # type: ignore[method-assign]
    return release


def fail_writes(db: Database) -> None:
    async def refused(batch: CaptureBatch) -> None:
        raise StorageError("disk full")

    db.capture_batches.write = refused  # type: ignore[method-assign]


async def capture(capturer: Capturer, world: SimWorld, token: str = "t" * 32) -> CaptureResult:
    return await capturer.capture(
        channel_id=world.channel_id,
        moderator_id=world.bot_id,
        requested_by_id=None,
        requested_by_login="mod",
        report_token=token,
        early=True,
    )


async def test_the_early_result_comes_before_the_writes_and_equals_the_stored_one(
    world: SimWorld, db: Database
) -> None:
    world.state.load_scenario(world.channel_id, organic(5, SIZE))
    await join(db, world.channel_id)
    release = hold_writes(db)
    async with world.helix() as helix:
        capturer = Capturer(db=db, helix=helix)
        early = await asyncio.wait_for(capture(capturer, world), 30)
        # Nothing written yet, and the channel stays busy until it is.
        assert early.stored is not None and not early.stored.done()
        assert await db.captures.chatters(early.capture.capture_id) == []
        assert capturer.progress(world.channel_id) is not None
        with pytest.raises(CaptureBusy):
            await capture(capturer, world, "u" * 32)
        release.set()
        stored = await asyncio.wait_for(early.stored, 30)
    assert capturer.progress(world.channel_id) is None
    assert stored.capture == early.capture  # the row as stored is the row handed on
    assert stored.capture.status is CaptureStatus.COMPLETE
    assert stored.capture.chatter_count == early.capture.chatter_count == SIZE
    assert stored.accounts == early.accounts and dict(stored.renames) == dict(early.renames)
    assert len(await db.captures.chatters(stored.capture.capture_id)) == SIZE


async def test_failed_last_writes_end_the_stored_result_failed(
    world: SimWorld, db: Database
) -> None:
    world.state.load_scenario(world.channel_id, organic(6, SIZE))
    await join(db, world.channel_id)
    fail_writes(db)
    async with world.helix() as helix:
        early = await capture(Capturer(db=db, helix=helix), world)
        assert early.capture.status is CaptureStatus.COMPLETE  # as far as Twitch goes
        assert early.stored is not None
        stored = await asyncio.wait_for(early.stored, 30)
    assert stored.capture.status is CaptureStatus.FAILED
    assert "disk full" in stored.capture.status_reason


def make_checks(db: Database, helix: object, tmp_path: Path) -> Checks:
    reports = Reports(
        db=db,
        data_dir=tmp_path,
        public_url="http://127.0.0.1:1",
        ttl=timedelta(days=30),
        known_bot_logins=frozenset(),
        clock=lambda: datetime.now(UTC),
        signals=Signals(db=db),
    )
    return Checks(capturer=Capturer(db=db, helix=helix), reports=reports)  # type: ignore[arg-type]


def request(world: SimWorld) -> CheckRequest:
    return CheckRequest(
        channel_id=world.channel_id,
        channel_name="streamer",
        moderator_id=world.bot_id,
        requested_by_id=1,
        requested_by_login="mod",
        speaker=ENGLISH,
    )


async def test_a_check_answers_once_its_capture_is_written(
    world: SimWorld, db: Database, tmp_path: Path
) -> None:
    world.state.load_scenario(world.channel_id, organic(7, SIZE))
    await join(db, world.channel_id)
    release = hold_writes(db)
    async with world.helix() as helix:
        checks = make_checks(db, helix, tmp_path)
        running = asyncio.create_task(checks.run(request(world), announce=_silent))
        await asyncio.sleep(1.0)
        assert not running.done()  # the analysis may be done; the answer waits for storage
        release.set()
        answer = await asyncio.wait_for(running, 30)
    assert answer.outcome == "complete", answer
    last = await latest(db)
    assert last.verdict is not None and last.chatter_count == SIZE


async def test_a_check_whose_last_writes_fail_is_answered_and_gets_no_verdict(
    world: SimWorld, db: Database, tmp_path: Path
) -> None:
    world.state.load_scenario(world.channel_id, organic(8, SIZE))
    await join(db, world.channel_id)
    fail_writes(db)
    async with world.helix() as helix:
        answer = await make_checks(db, helix, tmp_path).run(request(world), announce=_silent)
    assert answer.outcome == "failed"
    assert answer.text.startswith("The check did not finish")
    assert "disk full" in answer.text
    last = await latest(db)
    assert last.status is CaptureStatus.FAILED and last.verdict is None


async def latest(db: Database) -> Capture:
    capture_id = await db.fetchval("SELECT max(capture_id) FROM captures")
    capture = await db.captures.get(capture_id)
    assert capture is not None
    return capture


async def _silent(text: str) -> None:
    return None
