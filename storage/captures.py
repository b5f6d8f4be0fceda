"""Captures (one per `!botcheck`) and the chatters each one saw."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime

from storage.engine import Executor, Store
from storage.models import Capture, CaptureChatter, CaptureStatus, Presence, from_ts, ts

# Any number of chatters in one statement, without a round trip per row: one JSON parameter
# on SQLite, COPY into a staging table on PostgreSQL.
_ADD_CHATTERS = {
    "sqlite": "INSERT OR IGNORE INTO capture_chatters (capture_id, user_id, login) "
    "SELECT $1, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') "
    "FROM json_each($2) AS j",
    # After COPY into the staging table chatters_in (storage.engine.STAGING).
    "postgres": "INSERT INTO capture_chatters (capture_id, user_id, login) "
    "SELECT capture_id, user_id, login FROM chatters_in ON CONFLICT DO NOTHING",
}


class Captures:
    """Capture rows move from running to complete, partial, failed or interrupted."""

    def __init__(self, db: Store) -> None:
        self._db = db
        self._d = db.dialect
        self._add_chatters = _ADD_CHATTERS[db.dialect.name]

    async def write_chatters(
        self, tx: Executor, capture_id: int, chatters: Sequence[tuple[int, str]]
    ) -> None:
        """`add_chatters_bulk` inside the caller's transaction."""
        if not chatters:
            return
        if self._d.postgres:
            rows = [(capture_id, uid, login) for uid, login in chatters]
            await tx.copy_records("chatters_in", ("capture_id", "user_id", "login"), rows)
            await tx.execute(self._add_chatters)
        else:
            await tx.execute(self._add_chatters, capture_id, json.dumps(chatters))

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
        async with self._db.transaction() as tx:
            row = await tx.fetchrow(
                "INSERT INTO captures (channel_id, requested_by_id, requested_by_login, "
                "started_at, report_token) VALUES ($1, $2, $3, $4, $5) RETURNING *",
                channel_id,
                requested_by_id,
                requested_by_login,
                ts(started_at),
                report_token,
            )
        assert row is not None
        return Capture.from_row(row)

    async def add_chatters(self, capture_id: int, chatters: Sequence[tuple[int, str]]) -> int:
        """Store (user_id, login) pairs for a capture; a chatter seen twice is stored once."""
        if not chatters:
            return 0
        async with self._db.transaction() as tx:
            await self.write_chatters(tx, capture_id, chatters)
            count = await tx.fetchval(
                "UPDATE captures SET chatter_count = "
                "(SELECT count(*) FROM capture_chatters WHERE capture_id = $1) "
                "WHERE capture_id = $1 RETURNING chatter_count",
                capture_id,
            )
        return int(count or 0)

    async def add_chatters_bulk(self, capture_id: int, chatters: Sequence[tuple[int, str]]) -> None:
        """Store (user_id, login) pairs in one statement; a chatter seen twice is stored once.

        For captures that write while they fetch: chatter_count is left to `finish` (or
        `mark_interrupted`), which count the rows anyway.
        """
        if not chatters:
            return
        async with self._db.transaction() as tx:
            await self.write_chatters(tx, capture_id, chatters)

    async def finish(
        self,
        capture_id: int,
        *,
        status: CaptureStatus,
        finished_at: datetime,
        reason: str = "",
        reason_said: str = "",
        chatter_total: int | None = None,
        looked_up_count: int = 0,
        viewer_count: int | None = None,
    ) -> None:
        """Close a running capture with its outcome; `reason_said` is the reason as a phrase
        (JSON), for readers in other languages."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE captures SET status = $1, status_reason = $2, finished_at = $3, "
                "chatter_total = $4, looked_up_count = $5, viewer_count = $6, "
                "chatter_count = (SELECT count(*) FROM capture_chatters WHERE capture_id = $7), "
                "status_said = $8 "
                "WHERE capture_id = $7",
                status.value,
                reason,
                ts(finished_at),
                chatter_total,
                looked_up_count,
                viewer_count,
                capture_id,
                reason_said,
            )

    async def set_result(self, capture_id: int, *, verdict: str, summary: str) -> None:
        """Record the verdict level and the chat summary of a finished capture."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE captures SET verdict = $1, summary = $2 WHERE capture_id = $3",
                verdict,
                summary,
                capture_id,
            )

    async def mark_interrupted(
        self,
        *,
        at: datetime,
        reason: str,
        reason_said: str = "",
        keep_channels: Collection[int] = (),
    ) -> int:
        """Close every capture still marked running (the process stopped); return how many.

        `reason_said`: the reason as a phrase (JSON), as in `finish`. `keep_channels`: channels
        whose capture another live process runs (conduit mode).
        """
        keep = ",".join(str(int(c)) for c in keep_channels)
        spared = f" AND channel_id NOT IN ({keep})" if keep else ""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE captures SET status = 'interrupted', status_reason = $1, "
                "finished_at = $2, status_said = $3, "
                "chatter_count = (SELECT count(*) FROM capture_chatters c "
                "WHERE c.capture_id = captures.capture_id) "
                "WHERE status = 'running'" + spared,
                reason,
                ts(at),
                reason_said,
            )

    async def get(self, capture_id: int) -> Capture | None:
        row = await self._db.fetchrow("SELECT * FROM captures WHERE capture_id = $1", capture_id)
        return Capture.from_row(row) if row else None

    async def by_token(self, report_token: str) -> Capture | None:
        row = await self._db.fetchrow(
            "SELECT * FROM captures WHERE report_token = $1", report_token
        )
        return Capture.from_row(row) if row else None

    async def latest(self, channel_id: int, *, finished_only: bool = True) -> Capture | None:
        """Return the channel's newest capture (by default the newest that has a report)."""
        where = "AND status IN ('complete', 'partial')" if finished_only else ""
        row = await self._db.fetchrow(
            f"SELECT * FROM captures WHERE channel_id = $1 {where} "
            "ORDER BY started_at DESC, capture_id DESC LIMIT 1",
            channel_id,
        )
        return Capture.from_row(row) if row else None

    async def pin(self, capture_id: int, pinned: bool = True) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE captures SET pinned = $1 WHERE capture_id = $2", int(pinned), capture_id
            )

    async def chatters(self, capture_id: int) -> list[CaptureChatter]:
        rows = await self._db.fetch(
            "SELECT * FROM capture_chatters WHERE capture_id = $1 ORDER BY user_id", capture_id
        )
        return [CaptureChatter.from_row(r) for r in rows]

    async def count_with_user(self, channel_id: int, user_id: int) -> int:
        """Return in how many of the channel's captures the user appeared."""
        return (await self.presence(channel_id, user_id)).captures_with_user

    async def presence(self, channel_id: int, user_id: int) -> Presence:
        """Return how often, and from when to when, captures in the channel saw the user."""
        seen = await self._db.fetchrow(
            "SELECT count(*), min(p.started_at), max(p.started_at) "
            "FROM capture_chatters c JOIN captures p USING (capture_id) "
            "WHERE p.channel_id = $1 AND c.user_id = $2",
            channel_id,
            user_id,
        )
        total = await self._db.fetchval(
            "SELECT count(*) FROM captures WHERE channel_id = $1 "
            "AND status IN ('complete', 'partial')",
            channel_id,
        )
        assert seen is not None
        return Presence(
            captures_with_user=int(seen[0]),
            captures_in_channel=int(total),
            first_seen_at=from_ts(seen[1]),
            last_seen_at=from_ts(seen[2]),
        )

    async def expired(self, *, before: datetime) -> list[Capture]:
        """Return unpinned captures started before the cut-off (their reports may go)."""
        rows = await self._db.fetch(
            "SELECT * FROM captures WHERE pinned = 0 AND started_at < $1 AND status != 'running'",
            ts(before),
        )
        return [Capture.from_row(r) for r in rows]

    async def delete(self, capture_ids: Sequence[int]) -> None:
        if capture_ids:
            async with self._db.transaction() as tx:
                await tx.executemany(
                    "DELETE FROM captures WHERE capture_id = $1", [(c,) for c in capture_ids]
                )
