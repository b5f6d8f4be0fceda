"""Reads aside (issue 21): reads that never queue behind a write transaction, and take no writes."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Account, Database, DatabaseClosedError
from storage.sqlite_engine import SqliteEngine

AT = datetime(2026, 11, 1, tzinfo=UTC)


def account(uid: int) -> Account:
    return Account(uid, f"user{uid}", f"User{uid}", created_at=AT)


async def test_a_read_aside_does_not_wait_for_a_running_write(db: Database) -> None:
    await db.accounts.upsert_many([account(1)], seen_at=AT)
    writing, release = asyncio.Event(), asyncio.Event()

    async def long_write() -> None:
        async with db.transaction() as tx:
            await db.accounts.write_looked_up(tx, [account(2)], seen_at=AT)
            writing.set()
            await release.wait()

    writer = asyncio.create_task(long_write())
    await writing.wait()
    try:
        # The write holds its transaction open; the read aside answers with what is committed.
        known = await asyncio.wait_for(db.aside.accounts.get_brief([1, 2]), 5)
        assert set(known) == {1}
    finally:
        release.set()
        await writer
    assert set(await db.aside.accounts.get_brief([1, 2])) == {1, 2}


async def test_reads_aside_take_no_writes(db: Database) -> None:
    with pytest.raises(TypeError, match="no writes"):
        await db.aside.execute("DELETE FROM accounts")
    with pytest.raises(TypeError, match="no writes"):
        await db.aside.executemany("DELETE FROM accounts WHERE user_id = $1", [(1,)])
    with pytest.raises(TypeError, match="no writes"):
        db.aside.transaction()


async def test_reads_aside_of_a_closed_database_say_so(db_target: Path | str) -> None:
    db = Database(db_target)
    async with db:
        assert await db.aside.fetchval("SELECT 1") == 1
    with pytest.raises(DatabaseClosedError):
        await db.aside.fetchval("SELECT 1")


async def test_the_aside_connection_cannot_write_even_when_asked_directly(tmp_path: Path) -> None:
    async with Database(tmp_path / "a.db") as db:
        executor = await db.engine.aside()
        with pytest.raises(Exception, match=r"readonly|read-only"):
            await executor.execute("DELETE FROM accounts")


async def test_checkpoints_wait_until_a_capture_ends_then_run_once(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    async with Database(path) as db:
        async with db.checkpoints_deferred(), db.checkpoints_deferred():  # two captures
            assert await db.fetchval("PRAGMA wal_autocheckpoint") == 0
            ids = random.Random(5).sample(range(10**9), 20_000)  # pages all over the table
            for k in range(0, 20_000, 2_000):
                await db.accounts.upsert_many(
                    [account(uid) for uid in ids[k : k + 2_000]], seen_at=AT
                )
            wal = path.with_name(path.name + "-wal")
            assert wal.stat().st_size > 4_096 * 1_000  # past where SQLite would have copied it
        assert isinstance(db.engine, SqliteEngine)
        await db.engine.checkpointed()  # the one checkpoint, after
        assert await db.fetchval("PRAGMA wal_autocheckpoint") == 1_000
        # Everything the capture wrote was copied into the file.
        row = await db.fetchrow("PRAGMA wal_checkpoint(PASSIVE)")
        assert row is not None
        busy, log_frames, copied = row[0], row[1], row[2]
        assert busy == 0 and log_frames == copied
        assert wal.stat().st_size < 4_096 * 10  # and the file cut down, off the next write's path
        assert len(await db.aside.accounts.get_brief(ids)) == 20_000


async def test_checkpoints_deferred_is_a_no_op_on_postgres_and_safe_on_close(
    db: Database,
) -> None:
    async with db.checkpoints_deferred():
        await db.accounts.upsert_many([account(1)], seen_at=AT)
    await db.close()  # waits for a checkpoint still running
