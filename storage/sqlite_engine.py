"""The SQLite engine: one aiosqlite connection in WAL mode, writes serialised by a lock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiosqlite

from storage.engine import SQLITE, Dialect, Executor, Row
from storage.errors import DatabaseClosedError, MigrationError, SchemaTooNewError, StorageError
from storage.migrations import latest, migrations

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\$(\d+)")
# The page cache's cap in KiB: the full one for chat ingest, the lean one during a capture
# (`Database.lean_cache`, issue 21: measured in docs/benchmarks.md, peak RSS).
CACHE_KIB = 65536
LEAN_CACHE_KIB = 16384
# SQLite's own checkpoint interval (its default), and the WAL size kept after one.
AUTOCHECKPOINT_PAGES = 1000
TRUNCATE_WAIT_MS = 100  # the WAL cut after a capture waits this long for readers and writers
WAL_LIMIT_BYTES = 64 * 1024 * 1024
# The reads-aside connection's cache (`SqliteEngine.aside`): small, its reads are few and brief.
ASIDE_CACHE_KIB = 2048


@lru_cache(maxsize=512)
def to_sqlite(sql: str) -> str:
    """Turn PostgreSQL's ``$n`` placeholders into SQLite's ``?n`` (they bind alike)."""
    return _PLACEHOLDER.sub(r"?\1", sql)


class SqliteExecutor:
    """Statements on one aiosqlite connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        async with self._conn.execute(to_sqlite(sql), args) as cur:
            return list(await cur.fetchall())

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        async with self._conn.execute(to_sqlite(sql), args) as cur:
            row: Row | None = await cur.fetchone()
            return row

    async def fetchval(self, sql: str, *args: object) -> Any:
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]

    async def execute(self, sql: str, *args: object) -> int:
        async with self._conn.execute(to_sqlite(sql), args) as cur:
            return int(cur.rowcount)

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        await self._conn.executemany(to_sqlite(sql), rows)

    async def copy_records(
        self, table: str, cols: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        marks = ", ".join(f"?{i}" for i in range(1, len(cols) + 1))
        await self._conn.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows
        )


class SqliteEngine:
    """One file, created 0600, migrated on open."""

    dialect: Dialect = SQLITE

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0) -> None:
        self.path = path
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._conn: aiosqlite.Connection | None = None
        self._aside: aiosqlite.Connection | None = None
        self._aside_lock = asyncio.Lock()
        self._deferring = 0  # `checkpoints_deferred` blocks running
        self._checkpoint: asyncio.Task[None] | None = None
        self._write_lock = asyncio.Lock()

    def describe(self) -> str:
        return f"SQLite file {self.path}"

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseClosedError(f"database {self.path} is not open")
        return self._conn

    @property
    def reader(self) -> Executor:
        return SqliteExecutor(self.conn)

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            # Created here with 0600 so tokens at rest are readable by the owner only;
            # SQLite gives the -wal and -shm files the same mode.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = self._conn = await self._connect()
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # Up to 64 MiB of page cache (default 2 MiB), filled only as pages are read: chat
        # history inserts touch five indexes of chat_messages and its message-id key at
        # random places, account upserts the accounts table and its names; the small
        # default cache made a chat row cost about a third more SQLite CPU.
        await conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        # A WAL grown by a capture (`checkpoints_deferred`) is cut back to this once reset.
        await conn.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")

    async def _connect(self, *, read_only: bool = False) -> aiosqlite.Connection:
        """A connection to the file: rows by name, waiting up to the busy timeout for locks."""
        target = self.path.resolve().as_uri() + "?mode=ro" if read_only else str(self.path)
        try:
            conn = await aiosqlite.connect(target, uri=read_only, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {self.path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        return conn

    async def checkpointed(self) -> None:
        """Wait for the checkpoint after a capture, if one runs (`checkpoints_deferred`)."""
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)

    async def aside(self) -> Executor:
        """Return a second, read-only connection, for reads that must not wait for writes.

        The one connection runs its statements one after another: a read queues behind a
        write transaction's statements (issue 21: a capture's per-page matching waited for
        its own write-behind batches, and its lookups started late). WAL lets this
        connection read the last committed state while a write runs. Opened on first use.
        """
        if self._conn is None:
            raise DatabaseClosedError(f"database {self.path} is not open")
        async with self._aside_lock:
            if self._aside is None:
                conn = await self._connect(read_only=True)
                await conn.execute(f"PRAGMA cache_size = -{ASIDE_CACHE_KIB}")
                self._aside = conn
            return SqliteExecutor(self._aside)

    @asynccontextmanager
    async def checkpoints_deferred(self) -> AsyncIterator[None]:
        """Copy the WAL into the database file after the body, in the background (issue 21).

        A capture's writes land all over the accounts table; the automatic checkpoint every
        1,000 pages copied and synced them again and again inside the capture's commits, which
        doubled the writer's time. Here they pile up in the WAL (about 300 MB for 100,000 new
        accounts) and one checkpoint on a connection of its own copies them once, after.
        """
        self._deferring += 1
        try:
            if self._deferring == 1:
                await self.conn.execute("PRAGMA wal_autocheckpoint = 0")
            yield
        finally:
            self._deferring -= 1
            idle = self._checkpoint is None or self._checkpoint.done()
            if self._deferring == 0 and self._conn is not None and idle:
                self._checkpoint = asyncio.create_task(
                    self._checkpoint_now(), name="sqlite-checkpoint"
                )

    async def _checkpoint_now(self) -> None:
        """Checkpoint on a connection of its own, then let SQLite checkpoint by itself again."""
        try:
            conn = await self._connect()
            try:
                # PASSIVE: copies what it can without waiting for, or blocking, anyone.
                await conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                # Then cut the WAL file down here, off the next write's path: the next write
                # after a copied WAL would itself truncate 300 MB to `journal_size_limit`, and
                # that write was the next capture's first (0.16-0.3 s of a 100,000-chatter
                # check, issue 21). TRUNCATE takes the write lock only for the cut itself:
                # everything was copied above. It also waits for readers, and writers wait
                # meanwhile: so it waits briefly, and when busy the WAL stays as it is.
                await conn.execute(f"PRAGMA busy_timeout = {TRUNCATE_WAIT_MS}")
                await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                await conn.close()
        except (sqlite3.Error, StorageError) as exc:
            log.warning("checkpoint of %s after a capture failed: %s", self.path, exc)
        if self._deferring == 0 and self._conn is not None:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self._conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")

    async def set_cache(self, kib: int) -> None:
        """Cap the page cache at `kib` KiB and hand back the memory of the pages it drops."""
        await self.conn.execute(f"PRAGMA cache_size = -{int(kib)}")
        await self.conn.execute("PRAGMA shrink_memory")

    async def close(self) -> None:
        await self.checkpointed()
        aside, self._aside = self._aside, None
        if aside is not None:
            with contextlib.suppress(sqlite3.Error):
                await aside.close()
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply pending migrations, each in one transaction; refuse a newer schema."""
        current = await self.schema_version()
        if current > latest("sqlite"):
            raise SchemaTooNewError(
                too_new_sentence(f"database {self.path}", current, latest("sqlite"), "BOTCHECK_DB")
            )
        for version, name, sql in migrations("sqlite"):
            if version <= current:
                continue
            log.info("applying migration %s to %s", name, self.path)
            script = f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;\n"
            try:
                await self.conn.executescript(script)
            except sqlite3.Error as exc:
                if self.conn.in_transaction:
                    await self.conn.rollback()
                raise MigrationError(f"migration {name} failed and was rolled back: {exc}") from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """One write transaction (BEGIN IMMEDIATE), committed on success, else rolled back."""
        async with self._write_lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteExecutor(conn)
            except BaseException:
                await conn.rollback()
                raise
            try:
                await conn.commit()
            except BaseException:
                # A commit the disk refused leaves the transaction open; without the rollback
                # every later BEGIN fails ("cannot start a transaction within a transaction").
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        await conn.rollback()
                raise

    async def integrity_check(self) -> str:
        async with self.conn.execute("PRAGMA integrity_check") as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else "no answer"

    async def stream(
        self, sql: str, *args: object, batch: int = 10_000
    ) -> AsyncIterator[list[Row]]:
        """Yield a query's rows in batches without holding them all."""
        async with self.conn.execute(to_sqlite(sql), args) as cur:
            while rows := await cur.fetchmany(batch):
                yield list[Row](rows)

    async def after_copy(self, tx: Executor) -> None:
        """Nothing to do: AUTOINCREMENT follows the largest id inserted."""


def too_new_sentence(what: str, current: int, known: int, setting: str) -> str:
    """The one sentence both engines give for a schema from a newer botcheck."""
    return (
        f"{what} has schema version {current}, but this botcheck knows versions up to {known}: "
        f"upgrade botcheck, or point {setting} at another database"
    )
