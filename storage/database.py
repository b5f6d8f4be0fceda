"""The database: one engine (SQLite or PostgreSQL), its life cycle, and the repositories.

``Database(path)`` opens a SQLite file; ``Database("postgresql://…")`` a PostgreSQL pool. Both
give the same repositories (``db.accounts``, ``db.captures``, ``db.history``, ``db.stats``,
``db.channels``, ``db.audit``, ``db.tokens``, ``db.dashboard``,
``db.api_tokens``, ``db.marks``) returning the same frozen dataclasses. The exceptions are in
`storage.errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from enum import Enum, auto
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from storage.accounts import Accounts
from storage.api_tokens import ApiTokens
from storage.aside import ReadsAside
from storage.audit import Audit
from storage.capture_batches import CaptureBatches
from storage.captures import Captures
from storage.channel_state import ChannelMarks
from storage.channels import Channels
from storage.chatters import Chatters
from storage.daily_reports import DailyReports
from storage.dashboard import Dashboard
from storage.detection import Detection
from storage.engine import Dialect, Executor, Row
from storage.errors import DatabaseClosedError
from storage.history import History
from storage.migrations import latest
from storage.migrations import migrations as _migrations
from storage.search import ChatterSearch
from storage.stats import Stats
from storage.stream_events import StreamEvents
from storage.stream_stats import StreamStats
from storage.tokens import Tokens
from storage.url import Target, parse

SCHEMA_VERSION = latest("sqlite")


def migrations() -> tuple[tuple[int, str, str], ...]:
    """Return SQLite's packaged migrations as (version, name, sql), in order."""
    return _migrations("sqlite")


class Engine(Protocol):
    """What `Database` needs of an engine (storage.sqlite_engine, storage.postgres_engine)."""

    dialect: Dialect

    @property
    def reader(self) -> Executor: ...

    async def aside(self) -> Executor: ...

    def describe(self) -> str: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def schema_version(self) -> int: ...

    async def migrate(self) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[Executor]: ...

    async def integrity_check(self) -> str: ...

    def stream(self, sql: str, *args: object, batch: int = ...) -> AsyncIterator[list[Row]]: ...

    async def after_copy(self, tx: Executor) -> None: ...


class _State(Enum):
    UNOPENED = auto()
    OPENED = auto()
    CLOSED = auto()


def _engine(target: Target, *, pool_size: int, busy_timeout_s: float) -> Engine:
    if target.engine == "postgres":
        from storage.postgres_engine import PostgresEngine  # asyncpg only when asked for

        assert target.url is not None
        return PostgresEngine(target.url, pool_size=pool_size)
    from storage.sqlite_engine import SqliteEngine

    assert target.path is not None
    return SqliteEngine(target.path, busy_timeout_s=busy_timeout_s)


class Database:
    """One database, migrated on open.

    Use it as ``async with Database(path_or_url) as db:``. Writes go through ``transaction()``;
    on SQLite they are serialised (one connection for the process), on PostgreSQL each takes a
    pooled connection (``pool_size``, default 10).
    """

    def __init__(
        self, target: Path | str, *, pool_size: int = 10, busy_timeout_s: float = 5.0
    ) -> None:
        self.target = parse(target)
        self.engine = _engine(self.target, pool_size=pool_size, busy_timeout_s=busy_timeout_s)
        self._state = _State.UNOPENED
        self._lean = 0  # lean_cache blocks running
        self.accounts = Accounts(self)
        self.channels = Channels(self)
        self.captures = Captures(self)
        self.capture_batches = CaptureBatches(self, self.accounts, self.captures)  # issue 21
        self.audit = Audit(self)
        self.tokens = Tokens(self)
        self.history = History(self)
        self.stats = Stats(self)
        self.stream_stats = StreamStats(self, self.stats)  # issue 18
        self.daily_reports = DailyReports(self)
        self.chatters = Chatters(self, self.stats)  # issue 18: chat analytics pages
        self.search = ChatterSearch(self, self.stats)
        self.dashboard = Dashboard(self)
        self.api_tokens = ApiTokens(self)
        self.detection = Detection(self)  # issue 19: chatted, signup rates, presence
        self.marks = ChannelMarks(self)  # issue 16: cooldown, forget confirmation, shared
        self.stream_events = StreamEvents(self)  # issue 18: subs, raids, follows
        self.aside = ReadsAside(self.dialect, self._aside)  # issue 21: reads that skip writes

    def __repr__(self) -> str:
        return f"Database({self.target.describe()})"

    @property
    def path(self) -> Path:
        """The SQLite file (only for a SQLite database)."""
        if self.target.path is None:
            raise AttributeError("a PostgreSQL database has no file path")
        return self.target.path

    @property
    def dialect(self) -> Dialect:
        return self.engine.dialect

    @property
    def name(self) -> str:
        """The engine's name: 'sqlite' or 'postgres'."""
        return self.engine.dialect.name

    @property
    def known_schema_version(self) -> int:
        """The newest schema version this botcheck knows for the engine."""
        return latest(self.name)

    def describe(self) -> str:
        """The engine and where it is, the password masked."""
        return self.engine.describe()

    async def open(self) -> Self:
        """Connect, apply pending migrations; refuse a schema from a newer botcheck."""
        if self._state is not _State.UNOPENED:
            raise DatabaseClosedError("a Database can be opened once; make a new one")
        self._state = _State.OPENED
        try:
            await self.engine.open()
            await self.engine.migrate()
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        """Close the connection (or pool); safe to call twice."""
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        await self.engine.close()

    @asynccontextmanager
    async def lean_cache(self) -> AsyncIterator[None]:
        """Keep SQLite's page cache small while this runs, then free it (issue 21).

        A 100,000-chatter capture fills the 64 MiB cache with account pages it reads once, on top
        of its own accounts and the report that follows: the peak memory of a big command. Chat
        ingest keeps the full cache outside captures. A no-op on PostgreSQL.
        """
        from storage.sqlite_engine import CACHE_KIB, LEAN_CACHE_KIB, SqliteEngine

        engine = self.engine if isinstance(self.engine, SqliteEngine) else None
        self._lean += 1
        try:
            if engine is not None and self._lean == 1:
                await engine.set_cache(LEAN_CACHE_KIB)
            yield
        finally:
            self._lean -= 1
            if engine is not None and self._lean == 0 and self._state is _State.OPENED:
                # Hand back every page the capture read; chat ingest refills the full cache.
                await engine.set_cache(CACHE_KIB)

    @asynccontextmanager
    async def checkpoints_deferred(self) -> AsyncIterator[None]:
        """Let SQLite's WAL grow while this runs, checkpointed after (issue 21).

        A no-op on PostgreSQL.
        """
        from storage.sqlite_engine import SqliteEngine

        if isinstance(self.engine, SqliteEngine):
            async with self.engine.checkpoints_deferred():
                yield
        else:
            yield

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def check_open(self) -> None:
        """Raise DatabaseClosedError unless the database is open."""
        if self._state is not _State.OPENED:
            raise DatabaseClosedError(f"database {self.target.describe()} is not open")

    def _reader(self) -> Executor:
        self.check_open()
        return self.engine.reader

    async def _aside(self) -> Executor:
        self.check_open()
        return await self.engine.aside()

    async def schema_version(self) -> int:
        self._reader()
        return await self.engine.schema_version()

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """Run the body in one write transaction, committed on success, rolled back on error."""
        self._reader()
        return self.engine.transaction()

    async def integrity_check(self) -> str:
        """Return the engine's integrity verdict ('ok' when healthy)."""
        self._reader()
        return await self.engine.integrity_check()

    # -- reads outside a transaction (the Executor protocol) -------------------------------------

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        return await self._reader().fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        return await self._reader().fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: object) -> Any:
        return await self._reader().fetchval(sql, *args)

    async def execute(self, sql: str, *args: object) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, *args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def copy_records(
        self, table: str, cols: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        async with self.transaction() as tx:
            await tx.copy_records(table, cols, rows)
