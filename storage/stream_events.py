"""Stream events: subscriptions (new, resub, gift), raids in and out, follows (issue 18).

Written by the history recorder in its batches (`insert_stream_events` runs inside
`History.write_batch`'s transaction); each row is tied to the stream session it fell in, found
when it is stored. EventSub's message id is the unique key: a redelivered notification is
stored once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from storage.engine import Executor, Row, Store
from storage.models import ts_ms


class EventKind(StrEnum):
    SUB = "sub"
    RESUB = "resub"
    GIFT = "gift"
    RAID_IN = "raid_in"
    RAID_OUT = "raid_out"
    FOLLOW = "follow"


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event a streamer cares about.

    `user_*`: the subscriber, the gifter (None: anonymous), the follower, or the other channel
    of a raid. `amount`: a gift's count or a raid's viewers. `months`: a resub's cumulative
    months. `session_id` is set when read back (the session the event fell in, if any).
    """

    dedupe_key: str
    channel_id: int
    kind: EventKind
    at: datetime
    user_id: int | None = None
    user_login: str = ""
    tier: str = ""
    amount: int | None = None
    months: int | None = None
    message: str = ""
    session_id: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> StreamEvent:
        return cls(
            dedupe_key=row["dedupe_key"],
            channel_id=row["channel_id"],
            kind=EventKind(row["kind"]),
            at=datetime.fromtimestamp(row["at"] / 1000, UTC),
            user_id=row["user_id"],
            user_login=row["user_login"],
            tier=row["tier"],
            amount=row["amount"],
            months=row["months"],
            message=row["message"],
            session_id=row["session_id"],
        )


# The session an event falls in: the channel's latest one started at or before it and not
# ended before it (a session still open counts).
_INSERT = """
INSERT INTO stream_events (dedupe_key, channel_id, session_id, kind, user_id, user_login,
    tier, amount, months, message, at)
VALUES ($1, $2, (SELECT s.session_id FROM stream_sessions s WHERE s.channel_id = $2
        AND s.started_at <= $10 AND (s.ended_at IS NULL OR s.ended_at >= $10)
        ORDER BY s.started_at DESC LIMIT 1),
    $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT DO NOTHING
"""


async def insert_stream_events(tx: Executor, events: Sequence[StreamEvent]) -> None:
    """Store events inside the caller's transaction; duplicates are ignored."""
    rows = [
        (
            e.dedupe_key,
            e.channel_id,
            e.kind.value,
            e.user_id,
            e.user_login,
            e.tier,
            e.amount,
            e.months,
            e.message,
            ts_ms(e.at),
        )
        for e in events
    ]
    if rows:
        await tx.executemany(_INSERT, rows)


class StreamEvents:
    """Reads of stored stream events, and the per-channel switch."""

    def __init__(self, db: Store) -> None:
        self._db = db

    async def for_session(self, session_id: int) -> list[StreamEvent]:
        """Return the events of one stream session in time order."""
        rows = await self._db.fetch(
            "SELECT * FROM stream_events WHERE session_id = $1 ORDER BY at, event_id", session_id
        )
        return [StreamEvent.from_row(r) for r in rows]

    async def in_channel(
        self,
        channel_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Sequence[EventKind] = (),
    ) -> list[StreamEvent]:
        """Return the channel's events within [since, until) in time order (of `kinds`)."""
        rows = await self._db.fetch(
            "SELECT * FROM stream_events WHERE channel_id = $1 AND at >= $2 AND at < $3 "
            "ORDER BY at, event_id",
            channel_id,
            ts_ms(since) if since else 0,
            ts_ms(until) if until else 2**62,
        )
        wanted = {k.value for k in kinds}
        return [StreamEvent.from_row(r) for r in rows if not wanted or r["kind"] in wanted]

    async def last_raid_in(
        self, channel_id: int, *, since: datetime, until: datetime
    ) -> StreamEvent | None:
        """Return the latest raid into the channel within [since, until], if any."""
        row = await self._db.fetchrow(
            "SELECT * FROM stream_events WHERE channel_id = $1 AND kind = 'raid_in' "
            "AND at >= $2 AND at <= $3 ORDER BY at DESC, event_id DESC LIMIT 1",
            channel_id,
            ts_ms(since),
            ts_ms(until),
        )
        return StreamEvent.from_row(row) if row else None

    async def enabled(self, channel_id: int) -> bool:
        """Whether the bot records this channel's stream events (on unless switched off)."""
        value = await self._db.fetchval(
            "SELECT stream_events FROM channel_options WHERE channel_id = $1", channel_id
        )
        return value is None or bool(value)

    async def set_enabled(self, channel_id: int, on: bool) -> None:
        """Switch the channel's stream events on or off (a channel the bot has joined)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO channel_options (channel_id, stream_events) VALUES ($1, $2) "
                "ON CONFLICT (channel_id) DO UPDATE SET stream_events = excluded.stream_events",
                channel_id,
                int(on),
            )
