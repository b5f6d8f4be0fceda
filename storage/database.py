"""The one SQLite database: connection, life cycle, migrations and transactions.

Exceptions::

    StorageError                the storage layer failed; the message is for people
    ├── SchemaTooNewError       the file was written by a newer botcheck
    ├── MigrationError          a migration failed and was rolled back
    └── DatabaseClosedError     used before open() or after close()
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import Enum, auto
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from storage.accounts import Accounts
from storage.audit import Audit
from storage.captures import Captures
from storage.channels import Channels
from storage.history import History
from storage.stats import Stats
from storage.tokens import Tokens

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StorageError(Exception):
    """The storage layer failed; the message is meant for people."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer botcheck."""


class MigrationError(StorageError):
    """A migration failed; nothing of it was applied."""


class DatabaseClosedError(StorageError):
    """The database is not open."""


class _State(Enum):
    UNOPENED = auto()
    OPENED = auto()
    CLOSED = auto()


def migrations() -> list[tuple[int, str, str]]:
    """Return the packaged migrations as (version, name, sql), in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(
            f"migrations must be numbered 0001, 0002, ... without gaps: {versions}"
        )
    return found


SCHEMA_VERSION = len(migrations())


class Database:
    """One aiosqlite connection in WAL mode, migrated on open.

    Use it as ``async with Database(path) as db:``. Writes go through ``transaction()``, which
    serialises them: the connection is shared by every coroutine of the process.
    """

    def __init__(self, path: Path | str, *, busy_timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._conn: aiosqlite.Connection | None = None
        self._state = _State.UNOPENED
        self._write_lock = asyncio.Lock()
        self.accounts = Accounts(self)
        self.channels = Channels(self)
        self.captures = Captures(self)
        self.audit = Audit(self)
        self.tokens = Tokens(self)
        self.history = History(self)
        self.stats = Stats(self)

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseClosedError(f"database {self.path} is not open")
        return self._conn

    async def open(self) -> Self:
        """Open the file (created 0600 if missing), set pragmas, apply pending migrations."""
        if self._state is not _State.UNOPENED:
            raise DatabaseClosedError("a Database can be opened once; make a new one")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            # Created here with 0600 so tokens at rest are readable by the owner only;
            # SQLite gives the -wal and -shm files the same mode.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {self.path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        self._conn = conn
        self._state = _State.OPENED
        try:
            await conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            # Up to 64 MiB of page cache (default 2 MiB), filled only as pages are read: chat
            # history inserts touch five indexes of chat_messages and its message-id key at
            # random places, account upserts the accounts table and its names; the small
            # default cache made a chat row cost about a third more SQLite CPU.
            await conn.execute("PRAGMA cache_size = -65536")
            await self._migrate()
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.schema_version()
        if current > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"database {self.path} has schema version {current}, but this botcheck knows "
                f"versions up to {SCHEMA_VERSION}: upgrade botcheck, or point BOTCHECK_DB at "
                "another file"
            )
        for version, name, sql in migrations():
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
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the body in one write transaction, committed on success, rolled back on error."""
        async with self._write_lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()

    async def integrity_check(self) -> str:
        """Return SQLite's integrity verdict ('ok' when healthy)."""
        async with self.conn.execute("PRAGMA integrity_check") as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else "no answer"
