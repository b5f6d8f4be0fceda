"""Channels the bot moderates."""

from __future__ import annotations

from datetime import datetime

from storage.engine import Store
from storage.models import Channel, ts


class Channels:
    """A channel is joined while the bot is a moderator there, and left when unmodded."""

    def __init__(self, db: Store) -> None:
        self._db = db

    async def join(self, channel_id: int, login: str, display_name: str, *, at: datetime) -> None:
        """Record that the bot moderates the channel (again); keep the first join time."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO channels (channel_id, login, display_name, joined_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (channel_id) DO UPDATE SET "
                "login = excluded.login, display_name = excluded.display_name, "
                "joined_at = CASE WHEN channels.left_at IS NULL THEN channels.joined_at "
                "ELSE excluded.joined_at END, left_at = NULL",
                channel_id,
                login.lower(),
                display_name,
                ts(at),
            )

    async def leave(self, channel_id: int, *, at: datetime) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE channels SET left_at = $1 WHERE channel_id = $2 AND left_at IS NULL",
                ts(at),
                channel_id,
            )

    async def get(self, channel_id: int) -> Channel | None:
        row = await self._db.fetchrow("SELECT * FROM channels WHERE channel_id = $1", channel_id)
        return Channel.from_row(row) if row else None

    async def by_login(self, login: str) -> Channel | None:
        row = await self._db.fetchrow("SELECT * FROM channels WHERE login = $1", login.lower())
        return Channel.from_row(row) if row else None

    async def active(self) -> list[Channel]:
        rows = await self._db.fetch("SELECT * FROM channels WHERE left_at IS NULL ORDER BY login")
        return [Channel.from_row(r) for r in rows]

    async def answers_help(self, channel_id: int) -> bool:
        """Whether the broadcaster turned on `!help`/`!commands` answers here (off by default)."""
        value = await self._db.fetchval(
            "SELECT answer_help FROM channel_options WHERE channel_id = $1", channel_id
        )
        return bool(value)

    async def set_answers_help(self, channel_id: int, on: bool) -> None:
        """Turn `!help`/`!commands` answers on or off for a channel the bot has joined."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO channel_options (channel_id, answer_help) VALUES ($1, $2) "
                "ON CONFLICT (channel_id) DO UPDATE SET answer_help = excluded.answer_help",
                channel_id,
                int(on),
            )

    async def timezone(self, channel_id: int) -> str:
        """The channel's timezone, an IANA name ("UTC" until its moderators set one)."""
        value = await self._db.fetchval(
            "SELECT timezone FROM channel_options WHERE channel_id = $1", channel_id
        )
        return str(value) if value else "UTC"

    async def set_timezone(self, channel_id: int, timezone: str) -> None:
        """Set the channel's timezone (an IANA name the caller has checked)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO channel_options (channel_id, timezone) VALUES ($1, $2) "
                "ON CONFLICT (channel_id) DO UPDATE SET timezone = excluded.timezone",
                channel_id,
                timezone,
            )

    async def language(self, channel_id: int) -> str:
        """The channel's language code ("en" until its moderators set one)."""
        value = await self._db.fetchval(
            "SELECT language FROM channel_options WHERE channel_id = $1", channel_id
        )
        return str(value) if value else "en"

    async def set_language(self, channel_id: int, language: str) -> None:
        """Set the channel's language (a code the caller has checked)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO channel_options (channel_id, language) VALUES ($1, $2) "
                "ON CONFLICT (channel_id) DO UPDATE SET language = excluded.language",
                channel_id,
                language,
            )

    async def watches(self, channel_id: int) -> bool:
        """Whether automatic checks run here while live (`!botcheck watch on`; off by default)."""
        value = await self._db.fetchval(
            "SELECT watch FROM channel_options WHERE channel_id = $1", channel_id
        )
        return bool(value)

    async def set_watch(self, channel_id: int, on: bool) -> None:
        """Turn automatic checks on or off for a channel the bot has joined."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO channel_options (channel_id, watch) VALUES ($1, $2) "
                "ON CONFLICT (channel_id) DO UPDATE SET watch = excluded.watch",
                channel_id,
                int(on),
            )

    async def report_tokens(self, channel_id: int) -> list[str]:
        """Return the tokens of every report (capture and stream) made in the channel."""
        rows = await self._db.fetch(
            "SELECT report_token FROM captures WHERE channel_id = $1 "
            "UNION ALL SELECT report_token FROM stream_sessions WHERE channel_id = $1 "
            "UNION ALL SELECT report_token FROM daily_reports WHERE channel_id = $1",
            channel_id,
        )
        return [r[0] for r in rows]

    async def counts(self, channel_id: int) -> dict[str, int]:
        """Return how many rows of each kind the channel has (what forgetting it removes)."""
        result = {}
        for name, table in (
            ("captures", "captures"),
            ("messages", "chat_messages"),
            ("moderation events", "moderation_events"),
            ("streams", "stream_sessions"),
            ("stream events", "stream_events"),
            ("daily reports", "daily_reports"),
        ):
            n = await self._db.fetchval(
                f"SELECT count(*) FROM {table} WHERE channel_id = $1", channel_id
            )
            result[name] = int(n or 0)
        return result

    async def delete(self, channel_id: int) -> None:
        """Forget a channel and everything recorded in it (captures cascade)."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM audit_log WHERE channel_id = $1", channel_id)
            await tx.execute("DELETE FROM channel_options WHERE channel_id = $1", channel_id)
            await tx.execute("DELETE FROM channel_marks WHERE channel_id = $1", channel_id)
            await tx.execute("DELETE FROM channels WHERE channel_id = $1", channel_id)
