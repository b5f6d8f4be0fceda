"""Per-channel state that more than one bot process can touch (issue 16), on both engines.

In conduit mode a channel's chat reaches one process at a time, but a rebalance can move it to
another between two messages, and stream events may be heard by two processes at once. So the
state a command or a stream event leaves behind lives here, and every change is atomic in the
database, not in a process:

- `ChannelMarks` (``db.marks``): short-lived marks with an end time: the `!botcheck` cooldown,
  "this moderator was told about the cooldown", the pending `!botcheck forget`. `take` removes a
  mark only if it is still valid (one confirmation deletes the data once); `claim` sets one only
  if no valid one is there (one "told" answer across processes).
- `StreamSessions` (``db.history.streams``): opening and closing a stream session. Each runs
  in one transaction under the channel's lock (PostgreSQL: a transaction advisory lock on the
  channel; SQLite, one process: BEGIN IMMEDIATE already serialises), so two processes hearing
  stream.online (or one the event, one the Get Streams poll) make one session, and only the
  caller that really opened (or closed) it is told so and announces it.

SQLite runs the same statements: one code path on both engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.engine import Executor, Store
from storage.models import StreamSession, from_ms, ts_ms

SESSION_KEY = 0x62630006  # (SESSION_KEY, channel) while a session of the channel opens/closes
_INT4 = 2**31  # channel ids (< 2**32) shifted into PostgreSQL's int4 for the two-int locks

# Close a session and settle its peak and average from the samples; only if still open.
_END = (
    "UPDATE stream_sessions SET ended_at = $1, "
    "peak_viewers = (SELECT max(viewers) FROM viewer_samples s "
    "WHERE s.session_id = stream_sessions.session_id), "
    "avg_viewers = (SELECT avg(viewers) FROM viewer_samples s "
    "WHERE s.session_id = stream_sessions.session_id) "
    "WHERE session_id = $2 AND ended_at IS NULL"
)


@dataclass(frozen=True, slots=True)
class Mark:
    """One valid mark of a channel."""

    channel_id: int
    name: str
    until: datetime
    by_user: str

    def left(self, now: datetime) -> timedelta:
        return self.until - now


class ChannelMarks:
    """Marks with an end time, per channel and name; expired marks count as absent."""

    def __init__(self, db: Store) -> None:
        self._db = db

    async def set(
        self, channel_id: int, name: str, *, until: datetime, now: datetime, by: str = ""
    ) -> None:
        """Set (or replace) a mark; drop the channel's expired ones on the way."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM channel_marks WHERE channel_id = $1 AND until_ms <= $2",
                channel_id,
                ts_ms(now),
            )
            await tx.execute(
                "INSERT INTO channel_marks (channel_id, name, until_ms, by_user) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (channel_id, name) DO UPDATE SET "
                "until_ms = excluded.until_ms, by_user = excluded.by_user",
                channel_id,
                name,
                ts_ms(until),
                by,
            )

    async def get(self, channel_id: int, name: str, *, now: datetime) -> Mark | None:
        """The mark if it is still valid at `now`."""
        row = await self._db.fetchrow(
            "SELECT * FROM channel_marks WHERE channel_id = $1 AND name = $2 AND until_ms > $3",
            channel_id,
            name,
            ts_ms(now),
        )
        return _mark(row) if row is not None else None

    async def take(self, channel_id: int, name: str, *, now: datetime) -> Mark | None:
        """Remove the mark and return it if it was still valid; one caller gets it, once."""
        async with self._db.transaction() as tx:
            row = await tx.fetchrow(
                "DELETE FROM channel_marks WHERE channel_id = $1 AND name = $2 "
                "RETURNING channel_id, name, until_ms, by_user",
                channel_id,
                name,
            )
        if row is None or row["until_ms"] <= ts_ms(now):
            return None
        return _mark(row)

    async def claim(
        self, channel_id: int, name: str, *, now: datetime, until: datetime, by: str = ""
    ) -> bool:
        """Set the mark unless a valid one is there; True when this call set it."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "INSERT INTO channel_marks (channel_id, name, until_ms, by_user) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (channel_id, name) DO UPDATE SET "
                "until_ms = excluded.until_ms, by_user = excluded.by_user "
                "WHERE channel_marks.until_ms <= $5",
                channel_id,
                name,
                ts_ms(until),
                by,
                ts_ms(now),
            )
        return changed == 1

    async def clear(self, channel_id: int) -> None:
        """Drop every mark of the channel (it was forgotten)."""
        await self._db.execute("DELETE FROM channel_marks WHERE channel_id = $1", channel_id)


def _mark(row: object) -> Mark:
    until = from_ms(row["until_ms"])  # type: ignore[index]
    assert until is not None
    return Mark(row["channel_id"], row["name"], until, row["by_user"])  # type: ignore[index]


@dataclass(frozen=True, slots=True)
class Opened:
    """What opening a session did: the session, whether this call made it, what it closed."""

    session: StreamSession
    opened: bool
    closed: tuple[StreamSession, ...] = ()


class StreamSessions:
    """Open and close stream sessions atomically, whichever process asks first."""

    def __init__(self, db: Store) -> None:
        self._db = db

    async def _lock(self, tx: Executor, channel_id: int) -> None:
        if self._db.dialect.postgres:
            sql = "SELECT pg_advisory_xact_lock($1, $2)"
            await tx.execute(sql, SESSION_KEY, channel_id - _INT4)

    async def open(
        self,
        *,
        channel_id: int,
        stream_id: str,
        started_at: datetime,
        title: str,
        category: str,
        report_token: str,
        same_within: timedelta,
        now: datetime,
    ) -> Opened:
        """Open the channel's session for this stream unless it is there already.

        An open session with the same stream id, or one that started within `same_within`, is
        the same broadcast (announced twice: event and poll, or two processes). Other open
        sessions of the channel are older broadcasts: they are closed at the new start. A
        stream id already recorded and ended is a late redelivery: returned, not reopened.
        """
        async with self._db.transaction() as tx:
            await self._lock(tx, channel_id)
            rows = await tx.fetch(
                "SELECT * FROM stream_sessions WHERE channel_id = $1 AND ended_at IS NULL "
                "ORDER BY session_id",
                channel_id,
            )
            existing = [StreamSession.from_row(r) for r in rows]
            for s in existing:
                if s.stream_id == stream_id or abs(s.started_at - started_at) <= same_within:
                    return Opened(s, opened=False)
            known = await tx.fetchrow(
                "SELECT * FROM stream_sessions WHERE channel_id = $1 AND stream_id = $2",
                channel_id,
                stream_id,
            )
            if known is not None:  # recorded and ended: a late redelivery changes nothing
                return Opened(StreamSession.from_row(known), opened=False)
            closed = [await self._end(tx, s.session_id, min(started_at, now)) for s in existing]
            await tx.execute(
                "INSERT INTO stream_sessions (channel_id, stream_id, started_at, title, "
                "category, report_token) VALUES ($1, $2, $3, $4, $5, $6)",
                channel_id,
                stream_id,
                ts_ms(started_at),
                title,
                category,
                report_token,
            )
            row = await tx.fetchrow(
                "SELECT * FROM stream_sessions WHERE channel_id = $1 AND stream_id = $2",
                channel_id,
                stream_id,
            )
            assert row is not None
            return Opened(StreamSession.from_row(row), True, tuple(closed))

    async def close(self, session_id: int, *, ended_at: datetime) -> StreamSession | None:
        """Close a session; return it closed if this call closed it, None if it was closed."""
        async with self._db.transaction() as tx:
            row = await tx.fetchrow(
                "SELECT channel_id FROM stream_sessions WHERE session_id = $1", session_id
            )
            if row is None:
                return None
            await self._lock(tx, int(row["channel_id"]))
            found = await tx.fetchrow(
                "SELECT ended_at FROM stream_sessions WHERE session_id = $1", session_id
            )
            if found is None or found["ended_at"] is not None:
                return None
            return await self._end(tx, session_id, ended_at)

    async def _end(self, tx: Executor, session_id: int, at: datetime) -> StreamSession:
        await tx.execute(_END, ts_ms(at), session_id)
        row = await tx.fetchrow("SELECT * FROM stream_sessions WHERE session_id = $1", session_id)
        assert row is not None
        return StreamSession.from_row(row)
