"""An early result (issue 21): the chatters are handed on while their last writes run.

`Capturer.capture(early=True)` returns once every chatter is in memory; `stored` is the result
as written. `Checks` analyses and answers meanwhile; the verdict and the report files follow the
writes (`Reports.write_later`). A capture whose last writes fail gets no verdict and no files,
and the channel hears that the link will not work. The channel is not busy while they run: its
next capture waits for them, and a stop lets them end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot.capture.capturer as capturer_module
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


async def held_channel(world: SimWorld, db: Database, *, seed: int) -> asyncio.Event:
    """Load an audience into the channel, join it, and hold every capture write (`release`)."""
    world.state.load_scenario(world.channel_id, organic(seed, SIZE))
    await join(db, world.channel_id)
    return hold_writes(db)


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
    release = await held_channel(world, db, seed=5)
    async with world.helix() as helix:
        capturer = Capturer(db=db, helix=helix)
        early = await asyncio.wait_for(capture(capturer, world), 30)
        # Nothing written yet; the channel is not busy, its next capture waits for the writes.
        assert early.stored is not None and not early.stored.done()
        assert await db.captures.chatters(early.capture.capture_id) == []
        assert capturer.progress(world.channel_id) is None
        following = asyncio.create_task(capture(capturer, world, "u" * 32))
        await asyncio.sleep(0.3)
        assert not following.done() and not early.stored.done()
        release.set()
        stored = await asyncio.wait_for(early.stored, 30)
        second = await asyncio.wait_for(following, 30)
        assert second.stored is not None
        await asyncio.wait_for(second.stored, 30)
    assert capturer.progress(world.channel_id) is None
    assert second.capture.capture_id != early.capture.capture_id
    assert stored.capture == early.capture  # the row as stored is the row handed on
    assert stored.capture.status is CaptureStatus.COMPLETE
    assert stored.capture.chatter_count == early.capture.chatter_count == SIZE
    assert stored.accounts == early.accounts and dict(stored.renames) == dict(early.renames)
    assert len(await db.captures.chatters(stored.capture.capture_id)) == SIZE


async def test_a_capture_still_running_is_busy(world: SimWorld, db: Database) -> None:
    world.state.load_scenario(world.channel_id, organic(5, SIZE))
    world.sim.config.latency_s = 0.2  # pages slow enough to ask in between
    await join(db, world.channel_id)
    async with world.helix() as helix:
        capturer = Capturer(db=db, helix=helix)
        first = asyncio.create_task(capture(capturer, world))
        await asyncio.sleep(0.1)
        assert capturer.progress(world.channel_id) is not None
        with pytest.raises(CaptureBusy):
            await capture(capturer, world, "u" * 32)
        early = await asyncio.wait_for(first, 30)
        assert early.stored is not None
        await asyncio.wait_for(early.stored, 30)


async def test_a_stop_lets_an_answered_captures_last_writes_end(
    world: SimWorld, db: Database
) -> None:
    release = await held_channel(world, db, seed=5)
    async with world.helix() as helix:
        capturer = Capturer(db=db, helix=helix)
        early = await asyncio.wait_for(capture(capturer, world), 30)
        stopping = asyncio.create_task(capturer.cancel_all("botcheck was stopped"))
        await asyncio.sleep(0.3)
        assert not stopping.done()  # waits for the writes instead of cutting them off
        release.set()
        await asyncio.wait_for(stopping, 30)
        assert early.stored is not None
        stored = early.stored.result()
    assert stored.capture.status is CaptureStatus.COMPLETE
    assert len(await db.captures.chatters(stored.capture.capture_id)) == SIZE


async def test_writes_that_never_end_make_the_next_capture_busy_not_stuck(
    world: SimWorld, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Storage that stops answering must not keep a command from answering.
    monkeypatch.setattr(capturer_module, "FINISHING_WAIT_S", 0.3)
    release = await held_channel(world, db, seed=5)
    async with world.helix() as helix:
        checks, reports = make_checks(db, helix, tmp_path)
        answer = await asyncio.wait_for(checks.run(request(world), announce=_silent), 30)
        assert answer.outcome == "complete"
        again = await asyncio.wait_for(checks.run(request(world), announce=_silent), 5)
        assert again.outcome == "busy" and again.text.startswith("Already checking"), again
        await asyncio.wait_for(reports.recorded(world.channel_id, within=0.3), 5)
        assert reports.preparing((await latest(db)).report_token)  # still waiting, not lost
        release.set()
        await asyncio.wait_for(reports.recorded(world.channel_id), 30)
    assert (await latest(db)).status is CaptureStatus.COMPLETE


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


def make_checks(db: Database, helix: object, tmp_path: Path) -> tuple[Checks, Reports]:
    reports = Reports(
        db=db,
        data_dir=tmp_path,
        public_url="http://127.0.0.1:1",
        ttl=timedelta(days=30),
        known_bot_logins=frozenset(),
        clock=lambda: datetime.now(UTC),
        signals=Signals(db=db),
    )
    capturer = Capturer(db=db, helix=helix)  # type: ignore[arg-type]
    return Checks(capturer=capturer, reports=reports), reports


def request(world: SimWorld) -> CheckRequest:
    return CheckRequest(
        channel_id=world.channel_id,
        channel_name="streamer",
        moderator_id=world.bot_id,
        requested_by_id=1,
        requested_by_login="mod",
        speaker=ENGLISH,
    )


async def test_a_check_answers_before_its_last_writes_and_records_the_verdict_after(
    world: SimWorld, db: Database, tmp_path: Path
) -> None:
    release = await held_channel(world, db, seed=7)
    told: list[str] = []
    async with world.helix() as helix:
        checks, reports = make_checks(db, helix, tmp_path)
        answer = await asyncio.wait_for(checks.run(request(world), announce=_into(told)), 30)
        assert answer.outcome == "complete", answer
        assert "/r/" in answer.text
        running = await latest(db)
        assert running.status is CaptureStatus.RUNNING and running.verdict is None
        token = running.report_token
        assert reports.preparing(token)  # the link says "being prepared" meanwhile
        assert checks.busy(world.channel_id) is None  # not busy: a new check waits for them
        release.set()
        await asyncio.wait_for(reports.recorded(world.channel_id), 30)
        last = await latest(db)
        assert last.status is CaptureStatus.COMPLETE and last.verdict is not None
        assert last.chatter_count == SIZE
        assert await asyncio.wait_for(reports.written(token), 60)
        assert await reports.resolve(token) is not None
    assert told == []


async def test_a_check_whose_last_writes_fail_is_told_and_gets_no_verdict_nor_files(
    world: SimWorld, db: Database, tmp_path: Path
) -> None:
    world.state.load_scenario(world.channel_id, organic(8, SIZE))
    await join(db, world.channel_id)
    fail_writes(db)
    told: list[str] = []
    async with world.helix() as helix:
        checks, reports = make_checks(db, helix, tmp_path)
        answer = await checks.run(request(world), announce=_into(told))
        assert answer.outcome == "complete"  # as far as the chatters go: the answer is out
        await reports.recorded(world.channel_id)
        last = await latest(db)
        assert not await reports.written(last.report_token)
        assert await reports.resolve(last.report_token) is None
    assert last.status is CaptureStatus.FAILED and last.verdict is None
    assert len(told) == 1 and "disk full" in told[0] and "will not work" in told[0], told


def _into(told: list[str]) -> Callable[[str], Awaitable[None]]:
    async def announce(text: str) -> None:
        told.append(text)

    return announce


async def latest(db: Database) -> Capture:
    capture_id = await db.fetchval("SELECT max(capture_id) FROM captures")
    capture = await db.captures.get(capture_id)
    assert capture is not None
    return capture


async def _silent(text: str) -> None:
    return None
