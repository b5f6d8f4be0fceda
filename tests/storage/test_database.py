from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import asyncpg
import pytest

from storage import (
    SCHEMA_VERSION,
    Database,
    DatabaseClosedError,
    DatabaseUrlError,
    SchemaTooNewError,
    StorageUnavailable,
)
from storage.migrations import latest
from tests.pgserver import PASSWORD, PgServer


async def schema_of(db: Database) -> list[tuple[object, ...]]:
    """Every table, column and index of the database, to compare two states."""
    if db.name == "sqlite":
        rows = await db.fetch("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    else:
        rows = await db.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' UNION ALL "
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "UNION ALL SELECT 'schema_version', name, version::text FROM schema_version "
            "ORDER BY 1, 2"
        )
    return [tuple(r) for r in rows]


async def test_migrates_an_empty_database_to_the_current_schema(db: Database) -> None:
    assert await db.schema_version() == db.known_schema_version == latest(db.name)
    assert await db.integrity_check() == "ok"
    assert await db.audit.recent() == []


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    async with Database(tmp_path / "new.db") as db:
        assert await db.schema_version() == SCHEMA_VERSION
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1


async def test_reopening_an_up_to_date_database_changes_nothing(db_target: Path | str) -> None:
    async with Database(db_target) as db:
        before = await schema_of(db)
    async with Database(db_target) as db:
        assert await db.schema_version() == db.known_schema_version
        assert await schema_of(db) == before


async def make_newer(db: Database) -> None:
    if db.name == "sqlite":
        await db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    else:
        await db.execute("INSERT INTO schema_version (version, name) VALUES (99, 'future.sql')")


async def test_a_database_from_a_newer_botcheck_is_refused(db_target: Path | str) -> None:
    async with Database(db_target) as db:
        await make_newer(db)
        known = db.known_schema_version
    with pytest.raises(SchemaTooNewError) as caught:
        await Database(db_target).open()
    message = str(caught.value)
    assert f"but this botcheck knows versions up to {known}: upgrade botcheck" in message
    assert PASSWORD not in message


async def test_the_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    async with Database(path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_close_is_safe_twice_and_use_after_close_is_clear(db_target: Path | str) -> None:
    db = await Database(db_target).open()
    await db.close()
    await db.close()
    with pytest.raises(DatabaseClosedError):
        await db.schema_version()
    with pytest.raises(DatabaseClosedError):
        await db.audit.recent()


async def test_a_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO audit_log (at, command, outcome) VALUES (1, 'x', 'ok')")
            raise RuntimeError("boom")
    assert await db.audit.recent() == []


async def test_two_processes_starting_together_migrate_once(pg_url: str) -> None:
    """The advisory lock: the second waits, then finds the schema current."""
    first, second = Database(pg_url), Database(pg_url)
    await asyncio.gather(first.open(), second.open())
    try:
        rows = await first.fetch("SELECT version FROM schema_version ORDER BY version")
        assert [r[0] for r in rows] == list(range(1, latest("postgres") + 1))
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("mysql://u:hunter2@h/db", "uses the scheme 'mysql'", id="mysql"),
        pytest.param("redis://:hunter2@h:6379/0", "uses the scheme 'redis'", id="redis"),
        pytest.param("postgresql://u:hunter2@h:5432", "names no database", id="no-dbname"),
    ],
)
def test_a_url_botcheck_cannot_use_is_refused_with_the_accepted_ones(
    url: str, expected: str
) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        Database(url)
    message = str(caught.value)
    assert expected in message
    assert "hunter2" not in message
    if "scheme" in expected:
        assert "postgresql://user:password@host:port/dbname" in message


def test_sqlite_urls_and_paths_name_a_file(tmp_path: Path) -> None:
    assert Database(f"sqlite:///{tmp_path}/a.db").path == tmp_path / "a.db"
    assert Database(str(tmp_path / "b.db")).path == tmp_path / "b.db"


def test_the_password_never_shows_in_the_database_repr() -> None:
    db = Database("postgresql://bot:hunter2@db.example:5432/botcheck?sslmode=require")
    assert "hunter2" not in repr(db)
    assert "hunter2" not in db.describe()
    assert "bot:***@db.example:5432/botcheck?sslmode=require" in db.describe()


async def test_a_wrong_password_is_one_sentence_with_the_password_masked(
    pg_server: PgServer,
) -> None:
    url = pg_server.url("postgres", password="wrong-pw-123")
    with pytest.raises(StorageUnavailable) as caught:
        await Database(url).open()
    message = str(caught.value)
    assert "BOTCHECK_DATABASE_URL" in message
    assert "wrong-pw-123" not in message
    assert "***" in message


async def test_an_unreachable_server_is_one_sentence(pg_server: PgServer) -> None:
    from tests.pgserver import free_port

    url = f"postgresql://botcheck:hunter2@127.0.0.1:{free_port()}/postgres"
    with pytest.raises(StorageUnavailable, match="BOTCHECK_DATABASE_URL") as caught:
        await Database(url).open()
    assert "hunter2" not in str(caught.value)


async def test_a_server_restart_is_storage_unavailable_then_writes_work_again(
    pg_server: PgServer, pg_url: str
) -> None:
    """The recorder's contract: a lost server raises StorageUnavailable, nothing half-written,
    and the same batch stores once the server is back (new connections, new staging tables)."""
    from datetime import UTC, datetime

    from storage import ChatMessage

    at = datetime(2026, 11, 20, tzinfo=UTC)
    batch = [ChatMessage(f"m{i}", 42, 7, "u", "U", "hi", at, emotes=("Kappa",)) for i in range(3)]
    async with Database(pg_url, pool_size=2) as db:
        await db.channels.join(42, "chan", "Chan", at=at)
        await asyncio.to_thread(pg_server.halt)
        try:
            with pytest.raises(StorageUnavailable) as caught:
                await db.history.write_batch(messages=batch)
            assert "BOTCHECK_DATABASE_URL" in str(caught.value)
            assert PASSWORD not in str(caught.value)
        finally:
            await asyncio.to_thread(pg_server.resume)
        for _ in range(100):  # a pooled connection may find out once; the pool reconnects
            try:
                await db.history.write_batch(messages=batch)
                break
            except StorageUnavailable:
                await asyncio.sleep(0.1)
        assert [m.message_id for m in await db.history.messages(42)] == ["m0", "m1", "m2"]
        # A restart while connections are idle in the pool: they reconnect on their own.
        await asyncio.to_thread(pg_server.restart)
        for _ in range(100):
            try:
                await db.history.write_batch(
                    messages=[*batch, ChatMessage("m3", 42, 7, "u", "U", "again", at)]
                )
                break
            except StorageUnavailable:
                await asyncio.sleep(0.1)
        assert await db.history.count_messages(42) == 4


async def test_chat_history_survives_the_move_to_a_rowid_table(tmp_path: Path) -> None:
    """SQLite migration 0004 rebuilds chat_messages: every row, the indexes and dedupe stay."""
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
        after = [
            tuple(r) for r in await db.fetch("SELECT * FROM chat_messages ORDER BY message_id")
        ]
        indexes = {
            r[0]
            for r in await db.fetch(
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'chat_messages' AND name NOT LIKE 'sqlite_autoindex%'"
            )
        }
        changed = await db.execute(
            "INSERT OR IGNORE INTO chat_messages (message_id, channel_id, user_id, login, sent_at) "
            "VALUES ('m3', 1, 9, 'again', 9)"
        )
        assert changed == 0  # a redelivered message is still ignored
    assert after == before
    assert indexes == {
        "chat_messages_channel_time",
        "chat_messages_channel_user",
        "chat_messages_channel_login",
        "chat_messages_channel_emotes",
        "chat_messages_channel_replies",
    }


def test_asyncpg_is_importable() -> None:
    assert asyncpg.__version__
