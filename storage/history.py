"""Channel history: chat messages, moderation events, stream sessions and viewer samples.

Writes are bulk and idempotent: Twitch's message ids and EventSub's message ids are unique
keys, so a redelivered notification is stored once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.channel_state import StreamSessions
from storage.engine import Dialect, Executor, Store
from storage.models import (
    ChatMessage,
    ModerationEvent,
    StreamSession,
    ViewerSample,
    ts_ms,
)
from storage.stream_events import StreamEvent, insert_stream_events

_MESSAGE_COLUMNS = (
    "message_id, channel_id, user_id, login, display_name, text, text_length, badges, bits, "
    "emotes, reply_parent_id, reply_parent_user_id, sent_at, deleted_at"
)
_COLUMN_NAMES = tuple(c.strip() for c in _MESSAGE_COLUMNS.split(","))

# All of a batch's messages in one statement. On SQLite the rows are one JSON array:
# executemany would release and retake the GIL once per row; under a busy event loop each
# retake waits for the loop thread to let go, and a flood's batches fell seconds behind
# (ingest benchmark: worst lag ~5 s with executemany, ~1 s with this). On PostgreSQL they are
# COPied into a staging table first.
_INSERT_MESSAGES = {
    "sqlite": f"""
INSERT OR IGNORE INTO chat_messages ({_MESSAGE_COLUMNS})
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
    json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
    json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'),
    json_extract(value, '$[9]'), json_extract(value, '$[10]'), json_extract(value, '$[11]'),
    json_extract(value, '$[12]'), json_extract(value, '$[13]')
FROM json_each($1)
""",
    # After COPY into the staging table chat_in (storage.engine.STAGING).
    "postgres": f"""
INSERT INTO chat_messages ({_MESSAGE_COLUMNS})
SELECT {_MESSAGE_COLUMNS} FROM chat_in
ON CONFLICT DO NOTHING
""",
}

_INSERT_MESSAGE = f"""
INSERT INTO chat_messages ({_MESSAGE_COLUMNS})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT DO NOTHING
"""

_INSERT_EVENT = """
INSERT INTO moderation_events (dedupe_key, channel_id, action, moderator_id,
    moderator_login, target_id, target_login, message_id, reason, duration_s, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT DO NOTHING
"""

# Messages sent in the same millisecond keep their arrival order: SQLite's rowid, PostgreSQL's
# identity column.
_ARRIVAL = {"sqlite": "rowid", "postgres": "seq"}

_MARK_ONE = (
    "UPDATE chat_messages SET deleted_at = COALESCE(deleted_at, $1) "
    "WHERE channel_id = $2 AND message_id = $3"
)
_MARK_USER = (
    "UPDATE chat_messages SET deleted_at = COALESCE(deleted_at, $1) "
    "WHERE channel_id = $2 AND user_id = $3 AND sent_at <= $4"
)


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


def _message_row(m: ChatMessage, d: Dialect) -> tuple[object, ...]:
    length = m.text_length if m.text_length is not None else len(m.text or "")
    return (
        m.message_id,
        m.channel_id,
        m.user_id,
        m.login,
        m.display_name,
        d.text(m.text),
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


async def _apply_removals(tx: Executor, removals: Sequence[Removal]) -> None:
    one = [(ts_ms(r.at), r.channel_id, r.message_id) for r in removals if r.message_id is not None]
    if one:
        await tx.executemany(_MARK_ONE, one)
    everything = [
        (ts_ms(r.at), r.channel_id, r.user_id, ts_ms(r.at))
        for r in removals
        if r.message_id is None and r.user_id is not None
    ]
    if everything:
        await tx.executemany(_MARK_USER, everything)


class History:
    """Bulk writes and plain reads of what happened in a channel."""

    def __init__(self, db: Store) -> None:
        self._db = db
        self._d = db.dialect
        self._insert_messages = _INSERT_MESSAGES[db.dialect.name]
        self._arrival = _ARRIVAL[db.dialect.name]
        self.streams = StreamSessions(db)  # issue 16: sessions opened/closed atomically

    # -- writes ---------------------------------------------------------------------------------

    async def _insert(self, tx: Executor, messages: Sequence[ChatMessage]) -> None:
        rows = [_message_row(m, self._d) for m in messages]
        if self._d.postgres:
            await tx.copy_records("chat_in", _COLUMN_NAMES, rows)
            await tx.execute(self._insert_messages)
            return
        packed = json.dumps(rows, ensure_ascii=False)
        if "\\u0000" in packed:
            # SQLite's JSON functions end a string at a NUL: those rows go one by one.
            odd = [r for r in rows if any(isinstance(v, str) and "\x00" in v for v in r)]
            await tx.executemany(_INSERT_MESSAGE, odd)
            packed = json.dumps([r for r in rows if r not in odd], ensure_ascii=False)
        await tx.execute(self._insert_messages, packed)

    async def write_batch(
        self,
        *,
        messages: Sequence[ChatMessage] = (),
        events: Sequence[ModerationEvent] = (),
        removals: Sequence[Removal] = (),
        stream_events: Sequence[StreamEvent] = (),
    ) -> None:
        """Store messages, moderation and stream events in one transaction; duplicates are ignored.

        Deletes and clears also mark the messages they removed (deleted_at), including
        messages stored in this same batch; so do `removals`. On PostgreSQL a lost connection
        raises `StorageUnavailable` and nothing of the batch is stored: retry it later.
        """
        if not messages and not events and not removals and not stream_events:
            return
        async with self._db.transaction() as tx:
            if messages:
                await self._insert(tx, messages)
            if events:
                await tx.executemany(_INSERT_EVENT, [_event_row(e) for e in events])
                deletes = [
                    (ts_ms(e.at), e.channel_id, e.message_id)
                    for e in events
                    if e.action.value == "delete" and e.message_id
                ]
                if deletes:
                    await tx.executemany(_MARK_ONE, deletes)
                clears = [
                    (ts_ms(e.at), e.channel_id, e.target_id, ts_ms(e.at))
                    for e in events
                    if e.action.value in ("clear", "ban", "timeout") and e.target_id is not None
                ]
                if clears:
                    # Twitch removes a user's messages when they are banned, timed out or
                    # cleared: mark those sent before the action.
                    await tx.executemany(_MARK_USER, clears)
            if removals:
                await _apply_removals(tx, removals)
            if stream_events:
                await insert_stream_events(tx, stream_events)

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
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO stream_sessions (channel_id, stream_id, started_at, title, category, "
                "report_token) VALUES ($1, $2, $3, $4, $5, $6) "
                "ON CONFLICT (channel_id, stream_id) DO UPDATE SET "
                "title = CASE WHEN excluded.title != '' THEN excluded.title "
                "ELSE stream_sessions.title END, "
                "category = CASE WHEN excluded.category != '' THEN excluded.category "
                "ELSE stream_sessions.category END",
                channel_id,
                stream_id,
                ts_ms(started_at),
                title,
                category,
                report_token,
            )
        session = await self.session_by_stream(channel_id, stream_id)
        assert session is not None
        return session

    async def end_session(self, session_id: int, *, ended_at: datetime) -> None:
        """Close a session and settle its peak and average viewers from the samples."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE stream_sessions SET ended_at = COALESCE(ended_at, $1), "
                "peak_viewers = (SELECT max(viewers) FROM viewer_samples s "
                "WHERE s.session_id = stream_sessions.session_id), "
                "avg_viewers = (SELECT avg(viewers) FROM viewer_samples s "
                "WHERE s.session_id = stream_sessions.session_id) "
                "WHERE session_id = $2",
                ts_ms(ended_at),
                session_id,
            )

    async def add_viewer_samples(self, samples: Sequence[ViewerSample]) -> None:
        """Store viewer counts and keep each session's peak and average current."""
        if not samples:
            return
        latest = {(s.session_id, ts_ms(s.at)): s for s in samples}  # the last one wins
        async with self._db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO viewer_samples (session_id, at, viewers, category) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (session_id, at) DO UPDATE SET "
                "viewers = excluded.viewers, category = excluded.category",
                [(sid, at, s.viewers, s.category) for (sid, at), s in latest.items()],
            )
            await tx.executemany(
                "UPDATE stream_sessions SET "
                "peak_viewers = (SELECT max(viewers) FROM viewer_samples s "
                "WHERE s.session_id = stream_sessions.session_id), "
                "avg_viewers = (SELECT avg(viewers) FROM viewer_samples s "
                "WHERE s.session_id = stream_sessions.session_id) "
                "WHERE session_id = $1",
                [(sid,) for sid in {s.session_id for s in samples}],
            )

    async def set_session_pinned(self, session_id: int, pinned: bool = True) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE stream_sessions SET pinned = $1 WHERE session_id = $2",
                int(pinned),
                session_id,
            )

    async def forget_text_before(self, cutoff: datetime) -> int:
        """Retention: drop message text older than the cut-off (the statistics stay)."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE chat_messages SET text = NULL WHERE sent_at < $1 AND text IS NOT NULL",
                ts_ms(cutoff),
            )

    # -- reads ----------------------------------------------------------------------------------

    async def message(self, message_id: str) -> ChatMessage | None:
        row = await self._db.fetchrow(
            "SELECT * FROM chat_messages WHERE message_id = $1", message_id
        )
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
        sql = "SELECT * FROM chat_messages WHERE channel_id = $1 AND sent_at >= $2 AND sent_at < $3"
        params: list[object] = [
            channel_id,
            ts_ms(since) if since else 0,
            ts_ms(until) if until else 2**62,
        ]
        sql += f" ORDER BY sent_at, {self._arrival}"  # the (channel_id, sent_at) index, no sort
        if limit is not None:
            sql += " LIMIT $4"
            params.append(limit)
        rows = await self._db.fetch(sql, *params)
        return [ChatMessage.from_row(r) for r in rows]

    async def count_messages(self, channel_id: int) -> int:
        n = await self._db.fetchval(
            "SELECT count(*) FROM chat_messages WHERE channel_id = $1", channel_id
        )
        return int(n or 0)

    async def events(
        self,
        channel_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[ModerationEvent]:
        """Return the channel's moderation events in time order, within [since, until)."""
        rows = await self._db.fetch(
            "SELECT * FROM moderation_events WHERE channel_id = $1 AND at >= $2 AND at < $3 "
            "ORDER BY at, event_id",
            channel_id,
            ts_ms(since) if since else 0,
            ts_ms(until) if until else 2**62,
        )
        return [ModerationEvent.from_row(r) for r in rows]

    async def session(self, session_id: int) -> StreamSession | None:
        row = await self._db.fetchrow(
            "SELECT * FROM stream_sessions WHERE session_id = $1", session_id
        )
        return StreamSession.from_row(row) if row else None

    async def session_by_stream(self, channel_id: int, stream_id: str) -> StreamSession | None:
        row = await self._db.fetchrow(
            "SELECT * FROM stream_sessions WHERE channel_id = $1 AND stream_id = $2",
            channel_id,
            stream_id,
        )
        return StreamSession.from_row(row) if row else None

    async def session_by_token(self, report_token: str) -> StreamSession | None:
        row = await self._db.fetchrow(
            "SELECT * FROM stream_sessions WHERE report_token = $1", report_token
        )
        return StreamSession.from_row(row) if row else None

    async def open_sessions(self) -> list[StreamSession]:
        """Return every session still marked live, in all channels."""
        rows = await self._db.fetch(
            "SELECT * FROM stream_sessions WHERE ended_at IS NULL ORDER BY channel_id"
        )
        return [StreamSession.from_row(r) for r in rows]

    async def sessions(self, channel_id: int) -> list[StreamSession]:
        """Return every session of the channel, oldest first."""
        rows = await self._db.fetch(
            "SELECT * FROM stream_sessions WHERE channel_id = $1 ORDER BY started_at, session_id",
            channel_id,
        )
        return [StreamSession.from_row(r) for r in rows]

    async def latest_session(self, channel_id: int) -> StreamSession | None:
        """Return the channel's current stream, or else its last one."""
        row = await self._db.fetchrow(
            "SELECT * FROM stream_sessions WHERE channel_id = $1 "
            "ORDER BY ended_at IS NOT NULL, started_at DESC LIMIT 1",
            channel_id,
        )
        return StreamSession.from_row(row) if row else None

    async def viewer_samples(self, session_id: int) -> list[ViewerSample]:
        rows = await self._db.fetch(
            "SELECT * FROM viewer_samples WHERE session_id = $1 ORDER BY at", session_id
        )
        return [ViewerSample.from_row(r) for r in rows]
