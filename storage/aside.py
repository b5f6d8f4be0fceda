"""Reads aside: the repositories a capture reads while its own writes run (issue 21).

On SQLite one connection runs every statement in turn, so a read waits for the write
transaction in front of it: a 100,000-chatter capture's matcher waited for its own write-behind
batches, and its lookups started late. `ReadsAside` sends reads to a second, read-only
connection (`SqliteEngine.aside`), which in WAL mode sees the last committed state while a write
runs. On PostgreSQL it reads from the pool, as every read does. It takes no writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, NoReturn

from storage.accounts import Accounts
from storage.channels import Channels
from storage.detection import Detection
from storage.engine import Dialect, Executor, Row
from storage.stream_events import StreamEvents


class ReadsAside:
    """A read-only `Store` on the engine's second connection, with the repositories read there."""

    def __init__(self, dialect: Dialect, executor: Callable[[], Awaitable[Executor]]) -> None:
        self._dialect = dialect
        self._executor = executor  # the second connection, opened on first use
        self.accounts = Accounts(self)
        self.channels = Channels(self)
        self.detection = Detection(self)
        self.stream_events = StreamEvents(self)

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        return await (await self._executor()).fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        return await (await self._executor()).fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: object) -> Any:
        return await (await self._executor()).fetchval(sql, *args)

    def _read_only(self) -> NoReturn:
        raise TypeError("reads aside take no writes: write through the Database")

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        self._read_only()

    async def execute(self, sql: str, *args: object) -> int:
        self._read_only()

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        self._read_only()

    async def copy_records(
        self, table: str, cols: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        self._read_only()
