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
