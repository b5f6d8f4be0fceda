"""`Database.lean_cache`: a small SQLite page cache inside the block, the full one after."""

from __future__ import annotations

from storage import Database
from storage.sqlite_engine import CACHE_KIB, LEAN_CACHE_KIB, SqliteEngine


async def _cache(db: Database) -> int | None:
    if not isinstance(db.engine, SqliteEngine):
        return None
    return int(await db.engine.reader.fetchval("PRAGMA cache_size"))


async def test_lean_cache_nests_and_restores_the_full_cache(db: Database) -> None:
    sqlite = isinstance(db.engine, SqliteEngine)
    assert await _cache(db) == (-CACHE_KIB if sqlite else None)
    async with db.lean_cache():
        async with db.lean_cache():
            assert await _cache(db) == (-LEAN_CACHE_KIB if sqlite else None)
        assert await _cache(db) == (-LEAN_CACHE_KIB if sqlite else None)  # still one inside
        assert await db.channels.active() == []  # the database works as before inside
    assert await _cache(db) == (-CACHE_KIB if sqlite else None)
