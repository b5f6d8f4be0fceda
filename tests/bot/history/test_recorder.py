"""The batched recorder over a real SQLite file: batching by count and by time, backpressure,
flush and close, and a bad item that costs only itself."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.history.convert import event_time
from bot.history.recorder import Recorder, RecorderClosed
from storage import ChatMessage, Database, ModAction, ModerationEvent
from storage.errors import StorageUnavailable
from storage.history import Removal
from tests.diskfaults import small_disk

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


def msg(i: int, channel: int = 42, user: int = 7) -> ChatMessage:
    return ChatMessage(
        message_id=f"m{i}",
        channel_id=channel,
        user_id=user,
        login="viewer",
        display_name="Viewer",
        text=f"line {i}",
        sent_at=T0 + timedelta(milliseconds=i),
    )


@pytest.fixture
async def chan(db: Database) -> Database:
    await db.channels.join(42, "chan", "Chan", at=T0)
    return db


async def test_a_full_batch_is_written_without_waiting_for_the_timer(chan: Database) -> None:
    async with Recorder(chan.history, max_batch=10, interval_s=3600, max_write=10) as rec:
        for i in range(25):
            await rec.put(msg(i))
        for _ in range(200):
            if rec.stats().written_batches >= 2:
                break
            await asyncio.sleep(0.01)
        assert await chan.history.count_messages(42) >= 20
        assert rec.pending == 5  # the rest waits for the timer, a flush or close
    assert await chan.history.count_messages(42) == 25


async def test_a_backlog_is_taken_in_larger_writes(chan: Database) -> None:
    async with Recorder(chan.history, max_batch=10, interval_s=3600, max_write=100) as rec:
        for i in range(95):
            await rec.put(msg(i))  # no await yields to the writer: all 95 wait
        await rec.flush()
        assert rec.stats().written_batches == 1
    assert await chan.history.count_messages(42) == 95


async def test_a_lone_message_is_written_after_the_interval(chan: Database) -> None:
    async with Recorder(chan.history, max_batch=1000, interval_s=0.05) as rec:
        await rec.put(msg(1))
        for _ in range(200):
            if rec.pending == 0:
                break
            await asyncio.sleep(0.01)
        assert await chan.history.message("m1") is not None
        assert rec.stats().max_lag_s >= 0.05


async def test_flush_stores_everything_put_before_it(chan: Database) -> None:
    async with Recorder(chan.history, max_batch=100, interval_s=3600) as rec:
        for i in range(250):
            await rec.put(msg(i))
        await rec.flush()
        assert await chan.history.count_messages(42) == 250
        assert rec.pending == 0


async def test_backpressure_bounds_memory_and_keeps_order(chan: Database) -> None:
    async with Recorder(chan.history, max_batch=10, interval_s=3600, max_pending=20) as rec:
        peak = 0
        order: list[int] = []

        async def producer(i: int) -> None:
            await rec.put(msg(i))
            order.append(i)

        tasks = [asyncio.create_task(producer(i)) for i in range(200)]
        while not all(t.done() for t in tasks):
            peak = max(peak, rec.pending)
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        await rec.flush()
        assert peak <= 20
        assert order == list(range(200))
    assert await chan.history.count_messages(42) == 200


async def test_removals_and_events_in_one_batch_mark_the_messages(chan: Database) -> None:
    async with Recorder(chan.history) as rec:
        for i in range(3):
            await rec.put(msg(i, user=i))
        await rec.put(Removal(42, T0 + timedelta(seconds=1), message_id="m0"))
        await rec.put(Removal(42, T0 + timedelta(seconds=1), user_id=1))
        await rec.put(ModerationEvent("e1", 42, ModAction.BAN, T0, moderator_id=5, target_id=9))
    removed = {m.message_id for m in await chan.history.messages(42) if m.deleted_at}
    assert removed == {"m0", "m1"}
    assert [e.dedupe_key for e in await chan.history.events(42)] == ["e1"]


async def test_a_bad_item_costs_only_itself(chan: Database) -> None:
    """A message for a channel the database does not know breaks the batch's transaction."""
    async with Recorder(chan.history, max_batch=100, interval_s=3600) as rec:
        await rec.put(msg(1))
        await rec.put(msg(2, channel=999))
        await rec.put(msg(3))
        await rec.flush()
        assert rec.stats().dropped == 1
    assert [m.message_id for m in await chan.history.messages(42)] == ["m1", "m3"]


async def test_close_flushes_is_idempotent_and_refuses_more(chan: Database) -> None:
    rec = Recorder(chan.history, max_batch=100, interval_s=3600)
    rec.start()
    for i in range(30):
        await rec.put(msg(i))
    await rec.close()
    await rec.close()
    assert await chan.history.count_messages(42) == 30
    with pytest.raises(RecorderClosed):
        await rec.put(msg(99))


async def test_flush_without_a_writer_writes_in_place(chan: Database) -> None:
    rec = Recorder(chan.history, max_batch=4)
    for i in range(9):
        await rec.put(msg(i))
    await rec.flush()
    assert await chan.history.count_messages(42) == 9


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        Recorder(None, max_batch=10, max_pending=5)  # type: ignore[arg-type]


class _Stamped:
    def __init__(self, raw: str | None) -> None:
        self.raw = raw

    @property
    def timestamp(self) -> datetime | None:
        return datetime.fromisoformat(self.raw) if self.raw is not None else None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "2026-11-21T20:00:01.123456789Z",
            datetime(2026, 11, 21, 20, 0, 1, 123456, tzinfo=UTC),
            id="nanoseconds",
        ),
        pytest.param("2026-11-21T20:00:01Z", datetime(2026, 11, 21, 20, 0, 1, tzinfo=UTC), id="s"),
        pytest.param(None, T0, id="missing: the fallback"),
        pytest.param("yesterday", T0, id="garbage: the fallback"),
    ],
)
def test_event_times_come_from_the_notification(raw: str | None, expected: datetime) -> None:
    assert event_time(_Stamped(raw), T0) == expected


async def test_close_waits_for_producers_held_back_by_backpressure(chan: Database) -> None:
    rec = Recorder(chan.history, max_batch=5, interval_s=3600, max_pending=5)
    rec.start()
    producers = [asyncio.create_task(rec.put(msg(i))) for i in range(40)]
    await asyncio.sleep(0)  # all started; most wait for room
    await rec.close()
    await asyncio.gather(*producers)
    assert await chan.history.count_messages(42) == 40


async def test_offer_queues_at_once_only_when_nobody_waits_for_room(chan: Database) -> None:
    async with Recorder(chan.history, max_batch=10, interval_s=3600, max_pending=10) as rec:
        assert all(rec.offer(msg(i)) for i in range(10))
        assert not rec.offer(msg(10))  # full: the caller has to `put` (and wait)
        held = asyncio.create_task(rec.put(msg(10)))
        await asyncio.sleep(0)
        await rec.flush()
        await held
        # Room again, but a waiting `put` goes first: offer never jumps the queue.
        waiting = [asyncio.create_task(rec.put(msg(i))) for i in range(11, 22)]
        await asyncio.sleep(0)
        assert rec.stats().received == 20 and not rec.offer(msg(99))
        await asyncio.gather(*waiting)
        await rec.flush()
    assert await chan.history.count_messages(42) == 22
    assert await chan.history.message("m99") is None
    with pytest.raises(RecorderClosed):
        rec.offer(msg(100))


async def test_a_full_disk_loses_nothing_and_later_writes_are_not_jammed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Disk full (a real tmpfs filled up): the recorder holds, retries, then stores it all."""
    with small_disk(tmp_path / "disk") as disk:
        async with Database(disk.path / "botcheck.db") as database:
            await database.channels.join(42, "chan", "Chan", at=T0)
            rec = Recorder(
                database.history, max_batch=50, interval_s=0.01, retry_s=0.05, max_retry_s=0.2
            )
            async with rec:
                disk.fill()
                for i in range(500):
                    await rec.put(msg(i))
                for _ in range(300):
                    if rec.refusing:
                        break
                    await asyncio.sleep(0.01)
                assert rec.refusing
                assert rec.stats().dropped == 0
                assert rec.pending == 500  # all held, nothing dropped
                disk.free()
                await asyncio.wait_for(rec.flush(), 20)
                assert not rec.refusing
            assert await database.history.count_messages(42) == 500
            assert rec.stats().dropped == 0
            # A later ordinary write is not jammed by the failed commit.
            await database.channels.join(43, "other", "Other", at=T0)
    text = caplog.text
    assert "refuses writes" in text and "takes writes again" in text
    assert "line 1" not in text  # counts, never the chat text


async def test_past_its_bound_a_refused_recorder_drops_and_counts(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        async with Database(disk.path / "botcheck.db") as database:
            await database.channels.join(42, "chan", "Chan", at=T0)
            rec = Recorder(
                database.history,
                max_batch=10,
                max_pending=40,
                interval_s=0.01,
                retry_s=0.05,
                max_retry_s=0.1,
            )
            async with rec:
                disk.fill()
                for i in range(40):
                    await rec.put(msg(i))
                for _ in range(300):
                    if rec.refusing:
                        break
                    await asyncio.sleep(0.01)
                for i in range(40, 100):
                    await asyncio.wait_for(rec.put(msg(i)), 5)  # never waits for ever
                assert rec.stats().dropped == 60
                disk.free()
                await asyncio.wait_for(rec.flush(), 20)
            assert await database.history.count_messages(42) == 40


async def test_close_gives_up_on_a_database_that_never_takes_writes(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        async with Database(disk.path / "botcheck.db") as database:
            await database.channels.join(42, "chan", "Chan", at=T0)
            rec = Recorder(database.history, interval_s=0.01, retry_s=0.05, close_timeout_s=0.5)
            rec.start()
            disk.fill()
            for i in range(20):
                await rec.put(msg(i))
            await asyncio.wait_for(rec.close(), 10)
            assert rec.stats().dropped == 20
            disk.free()


class RestartingServer:
    """History in front of a database server that is restarting: the first writes fail."""

    def __init__(self, history: Any, failures: int) -> None:
        self.history = history
        self.failures = failures

    async def write_batch(self, **batch: Any) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise StorageUnavailable("PostgreSQL at ***@db (BOTCHECK_DATABASE_URL) is unavailable")
        await self.history.write_batch(**batch)


async def test_a_restarting_database_server_loses_nothing(chan: Database) -> None:
    server = RestartingServer(chan.history, failures=4)
    rec = Recorder(server, max_batch=10, interval_s=0.01, retry_s=0.01)  # type: ignore[arg-type]
    async with rec:
        for i in range(30):
            await rec.put(msg(i))
        await asyncio.wait_for(rec.flush(), 10)
    assert server.failures == 0
    assert await chan.history.count_messages(42) == 30
    assert rec.stats().dropped == 0
