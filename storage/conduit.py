"""Conduit coordination on PostgreSQL: shard claims, the join lock, process heartbeats.

Claims are session advisory locks on one dedicated connection per process (`Claims`): the
server releases every lock of a process the moment its connection ends, also after SIGKILL, so
a dead process's shards are free at once and nobody has to expire anything. Key spaces are
two-int advisory locks: (SHARD_KEY, shard), (PROCESS_KEY, a hash of the process name),
(LEADER_KEY, 0) for the join loop, (CONDUIT_KEY, 0) around finding or creating the conduit.

Two small tables (PostgreSQL only: conduit mode refuses SQLite) hold what people read:
``conduit_processes`` (one heartbeat row per process: shards held, channels, backlog) and
``conduit_state`` (the conduit, its subscription count and cost); `botcheck db check` prints
them (`read_state`). They are coordination state, made here with IF NOT EXISTS, and left out
of `botcheck db copy`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from storage.postgres_engine import SERVER_SETTINGS, unavailable_as_storage_error
from storage.url import mask

log = logging.getLogger(__name__)

SHARD_KEY = 0x62630001
PROCESS_KEY = 0x62630002
LEADER_KEY = 0x62630003
CONDUIT_KEY = 0x62630004
CAPTURE_KEY = 0x62630005  # (CAPTURE_KEY, channel) while a capture of the channel runs
_INT4 = 2**31  # channel ids (< 2**32) shifted into PostgreSQL's int4 for the two-int locks

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS conduit_processes (
        name TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        shards INTEGER[] NOT NULL DEFAULT '{}',
        channels INTEGER NOT NULL DEFAULT 0,
        backlog INTEGER NOT NULL DEFAULT 0,
        leader BOOLEAN NOT NULL DEFAULT FALSE,
        seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
    """CREATE TABLE IF NOT EXISTS conduit_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        conduit_id TEXT NOT NULL,
        shard_count INTEGER NOT NULL,
        channels INTEGER NOT NULL DEFAULT 0,
        subscriptions INTEGER NOT NULL DEFAULT 0,
        total_cost INTEGER NOT NULL DEFAULT 0,
        max_total_cost INTEGER NOT NULL DEFAULT 0,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
)

# Advisory locks of this database held in the given key space: (object id, backend pid).
_HELD = """
SELECT objid::bigint AS id, pid FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid::bigint = $1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


def process_key(name: str) -> int:
    """A stable 31-bit number for a process name (its advisory lock)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big") >> 1


@dataclass(frozen=True, slots=True)
class ProcessRow:
    name: str
    pid: int
    shards: tuple[int, ...]
    channels: int
    backlog: int
    leader: bool
    seen_at: datetime
    alive: bool  # its process lock is held right now


@dataclass(frozen=True, slots=True)
class ConduitState:
    conduit_id: str
    shard_count: int
    channels: int
    subscriptions: int
    total_cost: int
    max_total_cost: int
    updated_at: datetime


class Claims:
    """One process's dedicated connection and the advisory locks it holds."""

    def __init__(self, url: str, name: str) -> None:
        self._url = url
        self.where = mask(url)
        self.name = name
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one statement at a time on the one connection
        self.backend_pid = 0

    @property
    def open(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def connect(self) -> bool:
        """Connect, make the tables, take this process's lock (it counts the live processes).

        Return False when another live process holds the lock of this name.
        """
        with unavailable_as_storage_error(self.where):
            conn = await asyncpg.connect(self._url, server_settings=SERVER_SETTINGS, timeout=10)
        self._conn = conn
        self.backend_pid = int(conn.get_server_pid())
        await self._run(f"SELECT pg_advisory_xact_lock({CONDUIT_KEY}, 1)", *SCHEMA)
        sql = "SELECT pg_try_advisory_lock($1, $2)"
        return bool(await self._val(sql, PROCESS_KEY, process_key(self.name)))

    async def close(self) -> None:
        """Close the connection: the server releases every lock this process held."""
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with unavailable_as_storage_error(self.where):
                await conn.close(timeout=5)

    def _c(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            raise asyncpg.ConnectionDoesNotExistError("the claims connection is closed")
        return self._conn

    async def _val(self, sql: str, *args: object) -> Any:
        async with self._lock:
            with unavailable_as_storage_error(self.where):
                return await self._c().fetchval(sql, *args)

    async def _rows(self, sql: str, *args: object) -> list[Any]:
        async with self._lock:
            with unavailable_as_storage_error(self.where):
                return list(await self._c().fetch(sql, *args))

    async def _run(self, *statements: str) -> None:
        async with self._lock:
            with unavailable_as_storage_error(self.where):
                async with self._c().transaction():
                    for sql in statements:
                        await self._c().execute(sql)

    # --- shards -------------------------------------------------------------------------------

    async def try_claim(self, shard: int) -> bool:
        """Take shard `shard` unless another process holds it."""
        return bool(await self._val("SELECT pg_try_advisory_lock($1, $2)", SHARD_KEY, shard))

    async def release(self, shard: int) -> None:
        await self._val("SELECT pg_advisory_unlock($1, $2)", SHARD_KEY, shard)

    async def holders(self) -> dict[int, int]:
        """Every claimed shard and the backend pid of the process holding it."""
        return {int(r["id"]): int(r["pid"]) for r in await self._rows(_HELD, SHARD_KEY)}

    async def live_processes(self) -> int:
        """How many processes hold their process lock now (this one included)."""
        return len({int(r["pid"]) for r in await self._rows(_HELD, PROCESS_KEY)}) or 1

    # --- the join loop and the conduit --------------------------------------------------------

    async def try_lead(self) -> bool:
        """Become (or stay) the one process that runs the join loop."""
        held = {int(r["pid"]) for r in await self._rows(_HELD, LEADER_KEY)}
        if self.backend_pid in held:
            return True
        return bool(await self._val("SELECT pg_try_advisory_lock($1, 0)", LEADER_KEY))

    async def lock_conduit(self) -> None:
        """Wait for the conduit lock (finding or creating the conduit is done by one at a time)."""
        await self._val("SELECT pg_advisory_lock($1, 0)", CONDUIT_KEY)

    async def unlock_conduit(self) -> None:
        await self._val("SELECT pg_advisory_unlock($1, 0)", CONDUIT_KEY)

    # --- per-channel state shared between processes -------------------------------------------

    async def hold_channel(self, channel_id: int) -> bool:
        """Take the channel's capture lock unless another process holds it (re-entrant here)."""
        sql = "SELECT pg_try_advisory_lock($1, $2)"
        return bool(await self._val(sql, CAPTURE_KEY, channel_id - _INT4))

    async def let_go_channel(self, channel_id: int) -> None:
        await self._val("SELECT pg_advisory_unlock($1, $2)", CAPTURE_KEY, channel_id - _INT4)

    async def busy_channels(self) -> set[int]:
        """Channels whose capture runs in a live process (any process)."""
        # pg_locks shows the int4 key as an unsigned oid: undo both shifts.
        return {(int(r["id"]) + _INT4) % 2**32 for r in await self._rows(_HELD, CAPTURE_KEY)}

    # --- what people read ---------------------------------------------------------------------

    async def heartbeat(
        self, *, pid: int, shards: list[int], channels: int, backlog: int, leader: bool
    ) -> None:
        await self._val(
            """INSERT INTO conduit_processes (name, pid, shards, channels, backlog, leader, seen_at)
               VALUES ($1, $2, $3, $4, $5, $6, now())
               ON CONFLICT (name) DO UPDATE SET pid = $2, shards = $3, channels = $4,
                 backlog = $5, leader = $6, seen_at = now()""",
            self.name,
            pid,
            sorted(shards),
            channels,
            backlog,
            leader,
        )

    async def record_state(
        self,
        *,
        conduit_id: str,
        shard_count: int,
        channels: int,
        subscriptions: int,
        total_cost: int,
        max_total_cost: int,
    ) -> None:
        await self._val(
            """INSERT INTO conduit_state (id, conduit_id, shard_count, channels, subscriptions,
                 total_cost, max_total_cost, updated_at)
               VALUES (1, $1, $2, $3, $4, $5, $6, now())
               ON CONFLICT (id) DO UPDATE SET conduit_id = $1, shard_count = $2, channels = $3,
                 subscriptions = $4, total_cost = $5, max_total_cost = $6, updated_at = now()""",
            conduit_id,
            shard_count,
            channels,
            subscriptions,
            total_cost,
            max_total_cost,
        )


async def read_state(db: Any) -> tuple[ConduitState | None, list[ProcessRow]]:
    """The conduit row and the process rows of an open PostgreSQL `Database` (or nothing).

    Meant for `botcheck db check`; a database that never ran conduit mode has neither table.
    """
    if db.name != "postgres":
        return None, []
    if await db.fetchval("SELECT to_regclass('conduit_state')") is None:
        return None, []
    row = await db.fetchrow("SELECT * FROM conduit_state WHERE id = 1")
    state = (
        ConduitState(
            conduit_id=row["conduit_id"],
            shard_count=row["shard_count"],
            channels=row["channels"],
            subscriptions=row["subscriptions"],
            total_cost=row["total_cost"],
            max_total_cost=row["max_total_cost"],
            updated_at=row["updated_at"],
        )
        if row is not None
        else None
    )
    alive = {int(r["id"]) for r in await db.fetch(_HELD, PROCESS_KEY)}
    processes = [
        ProcessRow(
            name=r["name"],
            pid=r["pid"],
            shards=tuple(r["shards"]),
            channels=r["channels"],
            backlog=r["backlog"],
            leader=r["leader"],
            seen_at=r["seen_at"],
            alive=process_key(r["name"]) in alive,
        )
        for r in await db.fetch("SELECT * FROM conduit_processes ORDER BY name")
    ]
    return state, processes
