"""Channel history: chat messages, moderation events, stream sessions and viewer samples.

Writes are bulk and idempotent: Twitch's message ids and EventSub's message ids are unique
keys, so a redelivered notification is stored once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage.models import (
    ChatMessage,
    ModerationEvent,
    StreamSession,
    ViewerSample,
    ts_ms,
)

if TYPE_CHECKING:
    import aiosqlite

    from storage.database import Database

# All of a batch's messages in one statement, the rows as one JSON array. executemany would
# release and retake the GIL once per row; under a busy event loop each retake waits for the loop
# thread to let go, and a flood's batches fell seconds behind (ingest benchmark: worst lag ~5 s
# with executemany, ~1 s with this).
_INSERT_MESSAGES_JSON = """
INSERT OR IGNORE INTO chat_messages (message_id, channel_id, user_id, login, display_name, text,
    text_length, badges, bits, emotes, reply_parent_id, reply_parent_user_id, sent_at, deleted_at)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
    json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
    json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'),
    json_extract(value, '$[9]'), json_extract(value, '$[10]'), json_extract(value, '$[11]'),
    json_extract(value, '$[12]'), json_extract(value, '$[13]')
FROM json_each(?)
"""

_INSERT_MESSAGE = """
INSERT OR IGNORE INTO chat_messages (message_id, channel_id, user_id, login, display_name, text,
    text_length, badges, bits, emotes, reply_parent_id, reply_parent_user_id, sent_at, deleted_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

_INSERT_EVENT = """
INSERT OR IGNORE INTO moderation_events (dedupe_key, channel_id, action, moderator_id,
    moderator_login, target_id, target_login, message_id, reason, duration_s, at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


@dataclass(frozen=True, slots=True)
class Removal:
    """Twitch removed chat messages: one (``message_id``) or all of a user's up to ``at``.

    channel.chat.message_delete and channel.chat.clear_user_messages say only that messages
    went, not who removed them (channel.moderate tells that, as a `ModerationEvent`).
    """

    channel_id: int
    at: datetime
    message_id: str | None = None
    user_id: int | None = None


def _message_row(m: ChatMessage) -> tuple[object, ...]:
    length = m.text_length if m.text_length is not None else len(m.text or "")
    return (
        m.message_id,
        m.channel_id,
        m.user_id,
        m.login,
        m.display_name,
        m.text,
        length,
        ",".join(m.badges),
        m.bits,
        " ".join(m.emotes),
        m.reply_parent_id,
        m.reply_parent_user_id,
        ts_ms(m.sent_at),
        ts_ms(m.deleted_at) if m.deleted_at else None,
    )


def _event_row(e: ModerationEvent) -> tuple[object, ...]:
    return (
        e.dedupe_key,
        e.channel_id,
        e.action.value,
        e.moderator_id,
        e.moderator_login,
        e.target_id,
        e.target_login,
        e.message_id,
        e.reason,
        e.duration_s,
        ts_ms(e.at),
    )


async def _apply_removals(conn: aiosqlite.Connection, removals: Sequence[Removal]) -> None:
    one = [(ts_ms(r.at), r.channel_id, r.message_id) for r in removals if r.message_id is not None]
    if one:
        await conn.executemany(
            "UPDATE chat_messages SET deleted_at = COALESCE(deleted_at, ?) "
            "WHERE channel_id = ? AND message_id = ?",
            one,
        )
    everything = [
        (ts_ms(r.at), r.channel_id, r.user_id, ts_ms(r.at))
        for r in removals
        if r.message_id is None and r.user_id is not None
    ]
    if everything:
        await conn.executemany(
            "UPDATE chat_messages SET deleted_at = COALESCE(deleted_at, ?) "
            "WHERE channel_id = ? AND user_id = ? AND sent_at <= ?",
            everything,
        )


class History:
    """Bulk writes and plain reads of what happened in a channel."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writes ---------------------------------------------------------------------------------

    async def write_batch(
        self,
        *,
        messages: Sequence[ChatMessage] = (),
        events: Sequence[ModerationEvent] = (),
        removals: Sequence[Removal] = (),
    ) -> None:
        """Store messages and moderation events in one transaction; duplicates are ignored.

        Deletes and clears also mark the messages they removed (deleted_at), including
        messages stored in this same batch; so do `removals`.
        """
        if not messages and not events and not removals:
            return
        async with self._db.transaction() as conn:
            if messages:
                rows = [_message_row(m) for m in messages]
                packed = json.dumps(rows, ensure_ascii=False)
                if "\\u0000" in packed:
                    # SQLite's JSON functions end a string at a NUL: those rows go one by one.
                    odd = [r for r in rows if any(isinstance(v, str) and "\x00" in v for v in r)]
                    await conn.executemany(_INSERT_MESSAGE, odd)
                    packed = json.dumps([r for r in rows if r not in odd], ensure_ascii=False)
                await conn.execute(_INSERT_MESSAGES_JSON, (packed,))
            if events:
                await conn.executemany(_INSERT_EVENT, [_event_row(e) for e in events])
                deletes = [
                    (ts_ms(e.at), e.channel_id, e.message_id)
                    for e in events
                    if e.action.value == "delete" and e.message_id
                ]
                if deletes:
                    await conn.executemany(
                        "UPDATE chat_messages SET deleted_at = COALESCE(deleted_at, ?) "
                        "WHERE channel_id = ? AND message_id = ?",
                        deletes,
                    )
                clears = [
                    (ts_ms(e.at), e.channel_id, e.target_id, ts_ms(e.at))
                    for e in events
                    if e.action.value in ("clear", "ban", "timeout") and e.target_id is not None
                ]
                if clears:
                    # Twitch removes a user's messages when they are banned, timed out or
                    # cleared: mark those sent before the action.
                    await conn.executemany(
                        "UPDATE chat_messages SET deleted_at = COALESCE(deleted_at, ?) "
                        "WHERE channel_id = ? AND user_id = ? AND sent_at <= ?",
                        clears,
                    )
            if removals:
                await _apply_removals(conn, removals)

    async def start_session(
        self,
        *,
        channel_id: int,
        stream_id: str,
        started_at: datetime,
        title: str,
        category: str,
        report_token: str,
    ) -> StreamSession:
        """Open a stream session (or return the one already open for that stream id)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO stream_sessions (channel_id, stream_id, started_at, title, category, "
                "report_token) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (channel_id, stream_id) DO UPDATE SET "
                "title = CASE WHEN excluded.title != '' THEN excluded.title ELSE title END, "
                "category = CASE WHEN excluded.category != '' THEN excluded.category "
                "ELSE category END",
                (channel_id, stream_id, ts_ms(started_at), title, category, report_token),
            )
        session = await self.session_by_stream(channel_id, stream_id)
        assert session is not None
        return session

    async def end_session(self, session_id: int, *, ended_at: datetime) -> None:
        """Close a session and settle its peak and average viewers from the samples."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE stream_sessions SET ended_at = COALESCE(ended_at, ?), "
                "peak_viewers = (SELECT max(viewers) FROM viewer_samples s "
                "WHERE s.session_id = stream_sessions.session_id), "
                "avg_viewers = (SELECT avg(viewers) FROM viewer_samples s "
                "WHERE s.session_id = stream_sessions.session_id) "
                "WHERE session_id = ?",
                (ts_ms(ended_at), session_id),
            )

    async def add_viewer_samples(self, samples: Sequence[ViewerSample]) -> None:
        """Store viewer counts and keep each session's peak and average current."""
        if not samples:
            return
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT OR REPLACE INTO viewer_samples (session_id, at, viewers) VALUES (?, ?, ?)",
                [(s.session_id, ts_ms(s.at), s.viewers) for s in samples],
            )
            await conn.executemany(
                "UPDATE stream_sessions SET "
                "peak_viewers = (SELECT max(viewers) FROM viewer_samples s "
                "WHERE s.session_id = stream_sessions.session_id), "
                "avg_viewers = (SELECT avg(viewers) FROM viewer_samples s "
                "WHERE s.session_id = stream_sessions.session_id) "
                "WHERE session_id = ?",
                [(sid,) for sid in {s.session_id for s in samples}],
            )

    async def set_session_pinned(self, session_id: int, pinned: bool = True) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE stream_sessions SET pinned = ? WHERE session_id = ?",
                (int(pinned), session_id),
            )

    async def forget_text_before(self, cutoff: datetime) -> int:
        """Retention: drop message text older than the cut-off (the statistics stay)."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE chat_messages SET text = NULL WHERE sent_at < ? AND text IS NOT NULL",
                (ts_ms(cutoff),),
            )
            return cur.rowcount

    # -- reads ----------------------------------------------------------------------------------

    async def message(self, message_id: str) -> ChatMessage | None:
        async with self._db.conn.execute(
            "SELECT * FROM chat_messages WHERE message_id = ?", (message_id,)
        ) as cur:
            row = await cur.fetchone()
        return ChatMessage.from_row(row) if row else None

    async def messages(
        self,
        channel_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[ChatMessage]:
        """Return the channel's messages in time order (then arrival), within [since, until)."""
        sql = "SELECT * FROM chat_messages WHERE channel_id = ? AND sent_at >= ? AND sent_at < ?"
        params: list[object] = [
            channel_id,
            ts_ms(since) if since else 0,
            ts_ms(until) if until else 2**62,
        ]
        sql += " ORDER BY sent_at, rowid"  # the (channel_id, sent_at) index, no sort
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        async with self._db.conn.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [ChatMessage.from_row(r) for r in rows]

    async def count_messages(self, channel_id: int) -> int:
        async with self._db.conn.execute(
            "SELECT count(*) FROM chat_messages WHERE channel_id = ?", (channel_id,)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def events(
        self,
        channel_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[ModerationEvent]:
        """Return the channel's moderation events in time order, within [since, until)."""
        async with self._db.conn.execute(
            "SELECT * FROM moderation_events WHERE channel_id = ? AND at >= ? AND at < ? "
            "ORDER BY at, event_id",
            (channel_id, ts_ms(since) if since else 0, ts_ms(until) if until else 2**62),
        ) as cur:
            rows = await cur.fetchall()
        return [ModerationEvent.from_row(r) for r in rows]

    async def session(self, session_id: int) -> StreamSession | None:
        async with self._db.conn.execute(
            "SELECT * FROM stream_sessions WHERE session_id = ?", (session_id,)
        ) as cur:
            row = await cur.fetchone()
        return StreamSession.from_row(row) if row else None

    async def session_by_stream(self, channel_id: int, stream_id: str) -> StreamSession | None:
        async with self._db.conn.execute(
            "SELECT * FROM stream_sessions WHERE channel_id = ? AND stream_id = ?",
            (channel_id, stream_id),
        ) as cur:
            row = await cur.fetchone()
        return StreamSession.from_row(row) if row else None

    async def session_by_token(self, report_token: str) -> StreamSession | None:
        async with self._db.conn.execute(
            "SELECT * FROM stream_sessions WHERE report_token = ?", (report_token,)
        ) as cur:
            row = await cur.fetchone()
        return StreamSession.from_row(row) if row else None

    async def open_sessions(self) -> list[StreamSession]:
        """Return every session still marked live, in all channels."""
        async with self._db.conn.execute(
            "SELECT * FROM stream_sessions WHERE ended_at IS NULL ORDER BY channel_id"
        ) as cur:
            rows = await cur.fetchall()
        return [StreamSession.from_row(r) for r in rows]

    async def sessions(self, channel_id: int) -> list[StreamSession]:
        """Return every session of the channel, oldest first."""
        async with self._db.conn.execute(
            "SELECT * FROM stream_sessions WHERE channel_id = ? ORDER BY started_at, session_id",
            (channel_id,),
        ) as cur:
            rows = await cur.fetchall()
        return [StreamSession.from_row(r) for r in rows]

    async def latest_session(self, channel_id: int) -> StreamSession | None:
        """Return the channel's current stream, or else its last one."""
        async with self._db.conn.execute(
            "SELECT * FROM stream_sessions WHERE channel_id = ? "
            "ORDER BY ended_at IS NOT NULL, started_at DESC LIMIT 1",
            (channel_id,),
        ) as cur:
            row = await cur.fetchone()
        return StreamSession.from_row(row) if row else None

    async def viewer_samples(self, session_id: int) -> list[ViewerSample]:
        async with self._db.conn.execute(
            "SELECT * FROM viewer_samples WHERE session_id = ? ORDER BY at", (session_id,)
        ) as cur:
            rows = await cur.fetchall()
        return [ViewerSample.from_row(r) for r in rows]
