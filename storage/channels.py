"""Channels the bot moderates."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from storage.models import Channel, ts

if TYPE_CHECKING:
    from storage.database import Database


class Channels:
    """A channel is joined while the bot is a moderator there, and left when unmodded."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def join(self, channel_id: int, login: str, display_name: str, *, at: datetime) -> None:
        """Record that the bot moderates the channel (again); keep the first join time."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO channels (channel_id, login, display_name, joined_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET "
                "login = excluded.login, display_name = excluded.display_name, "
                "joined_at = CASE WHEN channels.left_at IS NULL THEN channels.joined_at "
                "ELSE excluded.joined_at END, left_at = NULL",
                (channel_id, login.lower(), display_name, ts(at)),
            )

    async def leave(self, channel_id: int, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE channels SET left_at = ? WHERE channel_id = ? AND left_at IS NULL",
                (ts(at), channel_id),
            )

    async def get(self, channel_id: int) -> Channel | None:
        async with self._db.conn.execute(
            "SELECT * FROM channels WHERE channel_id = ?", (channel_id,)
        ) as cur:
            row = await cur.fetchone()
        return Channel.from_row(row) if row else None

    async def by_login(self, login: str) -> Channel | None:
        async with self._db.conn.execute(
            "SELECT * FROM channels WHERE login = ?", (login.lower(),)
        ) as cur:
            row = await cur.fetchone()
        return Channel.from_row(row) if row else None

    async def active(self) -> list[Channel]:
        async with self._db.conn.execute(
            "SELECT * FROM channels WHERE left_at IS NULL ORDER BY login"
        ) as cur:
            rows = await cur.fetchall()
        return [Channel.from_row(r) for r in rows]

    async def report_tokens(self, channel_id: int) -> list[str]:
        """Return the tokens of every report (capture and stream) made in the channel."""
        async with self._db.conn.execute(
            "SELECT report_token FROM captures WHERE channel_id = ? "
            "UNION ALL SELECT report_token FROM stream_sessions WHERE channel_id = ?",
            (channel_id, channel_id),
        ) as cur:
            rows = await cur.fetchall()
        return [r[0] for r in rows]

    async def counts(self, channel_id: int) -> dict[str, int]:
        """Return how many rows of each kind the channel has (what forgetting it removes)."""
        result = {}
        for name, table in (
            ("captures", "captures"),
            ("messages", "chat_messages"),
            ("moderation events", "moderation_events"),
            ("streams", "stream_sessions"),
        ):
            async with self._db.conn.execute(
                f"SELECT count(*) FROM {table} WHERE channel_id = ?", (channel_id,)
            ) as cur:
                row = await cur.fetchone()
            result[name] = int(row[0]) if row else 0
        return result

    async def delete(self, channel_id: int) -> None:
        """Forget a channel and everything recorded in it (captures cascade)."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM audit_log WHERE channel_id = ?", (channel_id,))
            await conn.execute("DELETE FROM channels WHERE channel_id = ?", (channel_id,))
