"""The PostgreSQL engine: an asyncpg pool, migrations under an advisory lock.

Connection faults (server down or restarting, wrong password, pool closed under a query) become
`StorageUnavailable`, whose message names the URL with its password masked; the caller may retry.
Other errors (a constraint, a bad statement) pass through as asyncpg raised them, like sqlite3's.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg

from storage.engine import POSTGRES, STAGING, Dialect, Executor, Row
from storage.errors import (
    DatabaseClosedError,
    MigrationError,
    SchemaTooNewError,
    StorageUnavailable,
)
from storage.migrations import latest, migrations
from storage.sqlite_engine import too_new_sentence
from storage.url import mask

log = logging.getLogger(__name__)

# Per-connection settings: the "PRAGMA tuning" of this engine. JIT compiling costs ~25 ms a
# statement, more than it saves on the statistics queries; 32 MB of work_mem lets their sorts
# and hash aggregates over a million-message channel stay in memory (4 MB spilled to disk).
SERVER_SETTINGS = {"application_name": "botcheck", "jit": "off", "work_mem": "32MB"}

# pg_advisory_lock key for migrations: any constant, the same in every botcheck process.
MIGRATION_LOCK = 0x626F74636865636B  # "botcheck"

# Identity columns: after a copy inserts explicit ids, each sequence moves past the largest.
IDENTITIES = (
    ("captures", "capture_id"),
    ("audit_log", "audit_id"),
    ("moderation_events", "event_id"),
    ("stream_sessions", "session_id"),
    ("chat_messages", "seq"),
    ("check_sessions", "session_id"),
    ("api_tokens", "token_id"),
    ("ban_runs", "run_id"),  # chat defence (sqlite 0007, postgres 0004)
    ("defence_actions", "action_id"),
    ("stream_events", "event_id"),  # issue 18 (sqlite 0011, postgres 0008)
)

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidPasswordError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
)


class PostgresExecutor:
    """Statements on one pooled connection (or on the pool, for single reads)."""

    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool, where: str) -> None:
        self._conn = conn
        self._where = where

    @contextmanager
    def _faults(self) -> Iterator[None]:
        with unavailable_as_storage_error(self._where):
            yield

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        with self._faults():
            return list(await self._conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        with self._faults():
            row: Row | None = await self._conn.fetchrow(sql, *args)
            return row

    async def fetchval(self, sql: str, *args: object) -> Any:
        with self._faults():
            return await self._conn.fetchval(sql, *args)

    async def execute(self, sql: str, *args: object) -> int:
        with self._faults():
            status: str = await self._conn.execute(sql, *args)
        # "UPDATE 3", "INSERT 0 5", "DELETE 1"; statements without a count say 0.
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        with self._faults():
            await self._conn.executemany(sql, rows)

    async def copy_records(
        self, table: str, cols: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        with self._faults():
            await self._conn.copy_records_to_table(table, records=rows, columns=list(cols))


@contextmanager
def unavailable_as_storage_error(where: str) -> Iterator[None]:
    """Turn a lost or refused connection into `StorageUnavailable` naming `where` (masked)."""
    try:
        yield
    except StorageUnavailable:
        raise
    except _UNAVAILABLE as exc:
        raise StorageUnavailable(
            f"PostgreSQL at {where} (BOTCHECK_DATABASE_URL) is unavailable: "
            f"{mask(str(exc)) or type(exc).__name__}"
        ) from exc


async def _create_staging(conn: asyncpg.Connection) -> None:
    """Create the bulk paths' temporary tables on a new pooled connection (see STAGING)."""
    for name, columns in STAGING.items():
        await conn.execute(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DELETE ROWS")


class PostgresEngine:
    """A pool of `pool_size` connections to one database."""

    dialect: Dialect = POSTGRES

    def __init__(self, url: str, *, pool_size: int = 10, connect_timeout_s: float = 10.0) -> None:
        self._url = url
        self.where = mask(url)
        self._pool_size = pool_size
        self._timeout = connect_timeout_s
        self._pool: asyncpg.Pool | None = None

    def __repr__(self) -> str:
        return f"PostgresEngine({self.where})"

    def describe(self) -> str:
        return f"PostgreSQL {self.where}"

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise DatabaseClosedError(f"database {self.where} is not open")
        return self._pool

    @property
    def reader(self) -> Executor:
        return PostgresExecutor(self.pool, self.where)

    async def aside(self) -> Executor:
        """Reads aside from the writes: any pooled connection already is."""
        return self.reader

    async def open(self) -> None:
        with unavailable_as_storage_error(self.where):
            try:
                self._pool = await asyncpg.create_pool(
                    self._url,
                    min_size=1,
                    max_size=self._pool_size,
                    timeout=self._timeout,
                    command_timeout=None,
                    server_settings=SERVER_SETTINGS,
                    init=_create_staging,
                )
            except ValueError as exc:  # asyncpg's parser: a malformed URL or option
                raise StorageUnavailable(
                    f"BOTCHECK_DATABASE_URL {self.where} is not a valid PostgreSQL URL: "
                    f"{mask(str(exc))}"
                ) from None

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def schema_version(self) -> int:
        async with self._connection() as conn:
            exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
            if not exists:
                return 0
            return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))

    async def migrate(self) -> None:
        """Apply pending migrations, each in one transaction, under an advisory lock.

        Two processes starting together: the second waits for the lock, then finds nothing
        left to do.
        """
        async with self._connection() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version ("
                    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                    "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                current = int(
                    await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
                )
                known = latest("postgres")
                if current > known:
                    raise SchemaTooNewError(
                        too_new_sentence(
                            f"database {self.where}", current, known, "BOTCHECK_DATABASE_URL"
                        )
                    )
                for version, name, sql in migrations("postgres"):
                    if version <= current:
                        continue
                    log.info("applying migration %s to %s", name, self.where)
                    try:
                        async with conn.transaction():
                            await conn.execute(sql)
                            await conn.execute(
                                "INSERT INTO schema_version (version, name) VALUES ($1, $2)",
                                version,
                                name,
                            )
                    except asyncpg.PostgresError as exc:
                        raise MigrationError(
                            f"migration {name} failed and was rolled back: {exc}"
                        ) from exc
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        with unavailable_as_storage_error(self.where):
            async with self.pool.acquire() as conn:
                yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """One transaction on a pooled connection, committed on success, else rolled back."""
        async with self._connection() as conn:
            with unavailable_as_storage_error(self.where):
                tx = conn.transaction()
                await tx.start()
            try:
                yield PostgresExecutor(conn, self.where)
            except BaseException:
                if not conn.is_closed():
                    with unavailable_as_storage_error(self.where):
                        await tx.rollback()
                raise
            with unavailable_as_storage_error(self.where):
                await tx.commit()

    async def integrity_check(self) -> str:
        """PostgreSQL checks as it writes: answer 'ok' once the server answers a query."""
        async with self._connection() as conn:
            await conn.fetchval("SELECT 1")
        return "ok"

    async def stream(
        self, sql: str, *args: object, batch: int = 10_000
    ) -> AsyncIterator[list[Row]]:
        """Yield a query's rows in batches through a server-side cursor."""
        async with self._connection() as conn, conn.transaction():
            cursor = await conn.cursor(sql, *args)
            while rows := await cursor.fetch(batch):
                yield list(rows)

    async def after_copy(self, tx: Executor) -> None:
        """Move each identity sequence past the largest id the copy inserted."""
        for table, col in IDENTITIES:
            await tx.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), "
                f"coalesce((SELECT max({col}) FROM {table}), 0) + 1, false)"
            )
