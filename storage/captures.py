"""Captures (one per `!botcheck`) and the chatters each one saw."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from storage.models import Capture, CaptureChatter, CaptureStatus, Presence, from_ts, ts

if TYPE_CHECKING:
    from storage.database import Database

# One JSON parameter for any number of rows: the statement runs without a round trip per row.
_ADD_CHATTERS_JSON = (
    "INSERT OR IGNORE INTO capture_chatters (capture_id, user_id, login) "
    "SELECT ?1, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') "
    "FROM json_each(?2) AS j"
)


class Captures:
    """Capture rows move from running to complete, partial, failed or interrupted."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(
        self,
        *,
        channel_id: int,
        requested_by_id: int | None,
        requested_by_login: str,
        report_token: str,
        started_at: datetime,
    ) -> Capture:
        """Open a running capture and return it."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO captures (channel_id, requested_by_id, requested_by_login, "
                "started_at, report_token) VALUES (?, ?, ?, ?, ?)",
                (channel_id, requested_by_id, requested_by_login, ts(started_at), report_token),
            )
            capture_id = cur.lastrowid
        capture = await self.get(capture_id or 0)
        assert capture is not None
        return capture

    async def add_chatters(self, capture_id: int, chatters: Sequence[tuple[int, str]]) -> int:
        """Store (user_id, login) pairs for a capture; a chatter seen twice is stored once."""
        if not chatters:
            return 0
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT OR IGNORE INTO capture_chatters (capture_id, user_id, login) "
                "VALUES (?, ?, ?)",
                [(capture_id, uid, login) for uid, login in chatters],
            )
            cur = await conn.execute(
                "UPDATE captures SET chatter_count = "
                "(SELECT count(*) FROM capture_chatters WHERE capture_id = ?) "
                "WHERE capture_id = ? RETURNING chatter_count",
                (capture_id, capture_id),
            )
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def add_chatters_bulk(self, capture_id: int, chatters: Sequence[tuple[int, str]]) -> None:
        """Store (user_id, login) pairs in one statement; a chatter seen twice is stored once.

        For captures that write while they fetch: no per-row round trip, and chatter_count is
        left to `finish` (or `mark_interrupted`), which count the rows anyway.
        """
        if not chatters:
            return
        async with self._db.transaction() as conn:
            await conn.execute(_ADD_CHATTERS_JSON, (capture_id, json.dumps(chatters)))

    async def finish(
        self,
        capture_id: int,
        *,
        status: CaptureStatus,
        finished_at: datetime,
        reason: str = "",
        chatter_total: int | None = None,
        looked_up_count: int = 0,
        viewer_count: int | None = None,
    ) -> None:
        """Close a running capture with its outcome."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE captures SET status = ?, status_reason = ?, finished_at = ?, "
                "chatter_total = ?, looked_up_count = ?, viewer_count = ?, "
                "chatter_count = (SELECT count(*) FROM capture_chatters WHERE capture_id = ?) "
                "WHERE capture_id = ?",
                (
                    status.value,
                    reason,
                    ts(finished_at),
                    chatter_total,
                    looked_up_count,
                    viewer_count,
                    capture_id,
                    capture_id,
                ),
            )

    async def set_result(self, capture_id: int, *, verdict: str, summary: str) -> None:
        """Record the verdict level and the chat summary of a finished capture."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE captures SET verdict = ?, summary = ? WHERE capture_id = ?",
                (verdict, summary, capture_id),
            )

    async def mark_interrupted(self, *, at: datetime, reason: str) -> int:
        """Close every capture still marked running (the process stopped); return how many."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE captures SET status = 'interrupted', status_reason = ?, "
                "finished_at = ?, "
                "chatter_count = (SELECT count(*) FROM capture_chatters c "
                "WHERE c.capture_id = captures.capture_id) "
                "WHERE status = 'running'",
                (reason, ts(at)),
            )
            return cur.rowcount

    async def get(self, capture_id: int) -> Capture | None:
        async with self._db.conn.execute(
            "SELECT * FROM captures WHERE capture_id = ?", (capture_id,)
        ) as cur:
            row = await cur.fetchone()
        return Capture.from_row(row) if row else None

    async def by_token(self, report_token: str) -> Capture | None:
        async with self._db.conn.execute(
            "SELECT * FROM captures WHERE report_token = ?", (report_token,)
        ) as cur:
            row = await cur.fetchone()
        return Capture.from_row(row) if row else None

    async def latest(self, channel_id: int, *, finished_only: bool = True) -> Capture | None:
        """Return the channel's newest capture (by default the newest that has a report)."""
        where = "AND status IN ('complete', 'partial')" if finished_only else ""
        async with self._db.conn.execute(
            f"SELECT * FROM captures WHERE channel_id = ? {where} "
            "ORDER BY started_at DESC, capture_id DESC LIMIT 1",
            (channel_id,),
        ) as cur:
            row = await cur.fetchone()
        return Capture.from_row(row) if row else None

    async def pin(self, capture_id: int, pinned: bool = True) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE captures SET pinned = ? WHERE capture_id = ?", (int(pinned), capture_id)
            )

    async def chatters(self, capture_id: int) -> list[CaptureChatter]:
        async with self._db.conn.execute(
            "SELECT * FROM capture_chatters WHERE capture_id = ? ORDER BY user_id", (capture_id,)
        ) as cur:
            rows = await cur.fetchall()
        return [CaptureChatter.from_row(r) for r in rows]

    async def count_with_user(self, channel_id: int, user_id: int) -> int:
        """Return in how many of the channel's captures the user appeared."""
        return (await self.presence(channel_id, user_id)).captures_with_user

    async def presence(self, channel_id: int, user_id: int) -> Presence:
        """Return how often, and from when to when, captures in the channel saw the user."""
        async with self._db.conn.execute(
            "SELECT count(*), min(p.started_at), max(p.started_at) "
            "FROM capture_chatters c JOIN captures p USING (capture_id) "
            "WHERE p.channel_id = ? AND c.user_id = ?",
            (channel_id, user_id),
        ) as cur:
            seen = await cur.fetchone()
        async with self._db.conn.execute(
            "SELECT count(*) FROM captures WHERE channel_id = ? "
            "AND status IN ('complete', 'partial')",
            (channel_id,),
        ) as cur:
            total = await cur.fetchone()
        assert seen is not None and total is not None
        return Presence(
            captures_with_user=int(seen[0]),
            captures_in_channel=int(total[0]),
            first_seen_at=from_ts(seen[1]),
            last_seen_at=from_ts(seen[2]),
        )

    async def expired(self, *, before: datetime) -> list[Capture]:
        """Return unpinned captures started before the cut-off (their reports may go)."""
        async with self._db.conn.execute(
            "SELECT * FROM captures WHERE pinned = 0 AND started_at < ? AND status != 'running'",
            (ts(before),),
        ) as cur:
            rows = await cur.fetchall()
        return [Capture.from_row(r) for r in rows]

    async def delete(self, capture_ids: Sequence[int]) -> None:
        if capture_ids:
            async with self._db.transaction() as conn:
                await conn.executemany(
                    "DELETE FROM captures WHERE capture_id = ?", [(c,) for c in capture_ids]
                )
