"""What the capture analysis draws on beyond one chatter list (issue 19): who ever chatted in a
channel, every creation date the account cache holds, and recent chatter lists of every channel.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from storage.engine import Store
from storage.models import from_ts, ts


class Detection:
    """Read-only queries for silent chatters, platform signup rates and cross-channel presence."""

    def __init__(self, db: Store) -> None:
        self._db = db
        self._d = db.dialect

    async def chatted(self, channel_id: int, user_ids: Iterable[int]) -> frozenset[int] | None:
        """Return the ids among `user_ids` that ever wrote in the channel; None if chat there
        was never recorded."""
        any_message = await self._db.fetchval(
            "SELECT 1 FROM chat_messages WHERE channel_id = $1 LIMIT 1", channel_id
        )
        if any_message is None:
            return None
        rows = await self._db.fetch(
            "SELECT DISTINCT user_id FROM chat_messages WHERE channel_id = $1 "
            f"AND user_id {self._d.in_ids(2)}",
            channel_id,
            self._d.ids(user_ids),
        )
        return frozenset(int(r[0]) for r in rows)

    async def creation_dates(self) -> list[tuple[int, datetime]]:
        """Return (user id, created_at) of every account with a known creation date."""
        rows = await self._db.fetch(
            "SELECT user_id, created_at FROM accounts WHERE created_at IS NOT NULL"
        )
        out = []
        for r in rows:
            created = from_ts(r[1])
            if created is not None:
                out.append((int(r[0]), created))
        return out

    async def creation_seconds(self) -> tuple[list[int], list[int]]:
        """Return the user ids and creation times (epoch seconds) of every dated account.

        `creation_dates` without a datetime per account: the platform's signup curve reads
        every cached account (100,000 and more) and wants plain numbers.
        """
        rows = await self._db.fetch(
            "SELECT user_id, created_at FROM accounts WHERE created_at IS NOT NULL"
        )
        return [int(r[0]) for r in rows], [int(r[1]) for r in rows]

    async def channels_captured(self, since: datetime) -> int:
        """Return how many distinct channels had a capture started since `since`."""
        n = await self._db.fetchval(
            "SELECT count(DISTINCT channel_id) FROM captures WHERE started_at >= $1", ts(since)
        )
        return int(n or 0)

    async def sightings(
        self, since: datetime, *, besides: int = 0
    ) -> list[tuple[int, datetime, list[int]]]:
        """Return (channel, capture start, chatter ids) of every capture started since `since`,
        but capture `besides` (one whose chatters the caller holds)."""
        rows = await self._db.fetch(
            "SELECT c.capture_id, c.channel_id, c.started_at, cc.user_id FROM captures c "
            "JOIN capture_chatters cc ON cc.capture_id = c.capture_id "
            "WHERE c.started_at >= $1 AND c.capture_id <> $2",
            ts(since),
            besides,
        )
        by_capture: dict[int, tuple[int, datetime, list[int]]] = {}
        for capture_id, channel_id, started, user_id in rows:
            entry = by_capture.get(capture_id)
            if entry is None:
                at = from_ts(started)
                assert at is not None
                entry = by_capture[capture_id] = (int(channel_id), at, [])
            entry[2].append(int(user_id))
        return list(by_capture.values())
