from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from storage import SCHEMA_VERSION, Database, DatabaseClosedError, SchemaTooNewError


async def test_migrates_an_empty_file_to_the_current_schema(tmp_path: Path) -> None:
    async with Database(tmp_path / "new.db") as db:
        assert await db.schema_version() == SCHEMA_VERSION
        async with db.conn.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
        async with db.conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1
        assert await db.integrity_check() == "ok"


async def test_reopening_an_up_to_date_database_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "same.db"
    async with Database(path):
        pass
    before = sqlite3.connect(path).execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    async with Database(path) as db:
        assert await db.schema_version() == SCHEMA_VERSION
    after = sqlite3.connect(path).execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert before == after


async def test_a_database_from_a_newer_botcheck_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.close()
    with pytest.raises(SchemaTooNewError, match="upgrade botcheck"):
        await Database(path).open()


async def test_the_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    async with Database(path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_close_is_safe_twice_and_use_after_close_is_clear(tmp_path: Path) -> None:
    db = await Database(tmp_path / "x.db").open()
    await db.close()
    await db.close()
    with pytest.raises(DatabaseClosedError):
        await db.schema_version()


async def test_a_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO audit_log (at, command, outcome) VALUES (1, 'x', 'ok')")
            raise RuntimeError("boom")
    assert await db.audit.recent() == []


async def test_chat_history_survives_the_move_to_a_rowid_table(tmp_path: Path) -> None:
    """Migration 0004 rebuilds chat_messages: every row, the indexes and dedupe stay."""
    from storage.database import migrations

    path = tmp_path / "v3.db"
    con = sqlite3.connect(path)
    for version, _, sql in migrations():
        if version <= 3:
            con.executescript(sql)
    con.execute(
        "INSERT INTO channels (channel_id, login, display_name, joined_at) VALUES (1, 'c', 'C', 0)"
    )
    rows = [
        (
            f"m{i}",
            1,
            100 + i % 3,
            f"u{i % 3}",
            f"U{i % 3}",
            f"text {i}",
            6,
            "",
            0,
            "Kappa" if i % 2 else "",
            "m0" if i == 5 else None,
            100 if i == 5 else None,
            1_000 + i,
            2_000 if i == 7 else None,
        )
        for i in range(10)
    ]
    con.executemany(f"INSERT INTO chat_messages VALUES ({', '.join('?' * 14)})", rows)
    before = con.execute("SELECT * FROM chat_messages ORDER BY message_id").fetchall()
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()

    async with Database(path) as db:
        assert await db.schema_version() == SCHEMA_VERSION
        async with db.conn.execute("SELECT * FROM chat_messages ORDER BY message_id") as cur:
            after = [tuple(r) for r in await cur.fetchall()]
        async with db.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'chat_messages' "
            "AND name NOT LIKE 'sqlite_autoindex%'"
        ) as cur:
            indexes = {r[0] for r in await cur.fetchall()}
        async with db.conn.execute(
            "INSERT OR IGNORE INTO chat_messages (message_id, channel_id, user_id, login, sent_at) "
            "VALUES ('m3', 1, 9, 'again', 9)"
        ) as cur:
            assert cur.rowcount == 0  # a redelivered message is still ignored
    assert after == before
    assert indexes == {
        "chat_messages_channel_time",
        "chat_messages_channel_user",
        "chat_messages_channel_login",
        "chat_messages_channel_emotes",
        "chat_messages_channel_replies",
    }
