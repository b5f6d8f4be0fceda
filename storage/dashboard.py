"""What the moderators' dashboard reads and writes beyond the other repositories.

Checks of a channel (newest first, with the numbers its chart draws), two checks compared,
a chatter's messages and the moderation they received, and named sessions of checks. Its API
tokens are in `storage.api_tokens`. Written once for both engines (``$n`` placeholders, see
`storage.engine`); the statements are plain SQL that SQLite and PostgreSQL both accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.engine import Row, Store
from storage.models import (
    AuditEntry,
    Capture,
    ChatMessage,
    ModerationEvent,
    StreamSession,
    ts,
    ts_ms,
)

_FINISHED = "('complete', 'partial')"


def _at(value: int | float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


@dataclass(frozen=True, slots=True)
class CheckPoint:
    """One check as the channel chart draws it."""

    capture_id: int
    started_at: datetime
    chatters: int
    viewers: int | None
    verdict: str | None
    analysed: int | None  # None until the check's analysis has been read once
    flagged: int | None

    @property
    def flagged_share(self) -> float | None:
        if self.analysed is None or self.flagged is None:
            return None
        return self.flagged / self.analysed if self.analysed else 0.0


@dataclass(frozen=True, slots=True)
class Overlap:
    """Chatters of a check against those of an earlier one."""

    new: tuple[tuple[int, str], ...]  # (user_id, login) in the later check only
    gone: tuple[tuple[int, str], ...]  # in the earlier check only
    both: int


@dataclass(frozen=True, slots=True)
class CheckSession:
    """Several checks grouped under a name and kept together."""

    session_id: int
    channel_id: int
    name: str
    created_by_login: str
    created_at: datetime
    kept: bool
    capture_ids: tuple[int, ...]


class Dashboard:
    """The dashboard's queries over one `Database` (either engine)."""

    def __init__(self, db: Store) -> None:
        self._db = db
        self._d = db.dialect

    async def _all(self, sql: str, params: Sequence[object]) -> list[Row]:
        return await self._db.fetch(sql, *params)

    async def _one(self, sql: str, params: Sequence[object]) -> Row | None:
        return await self._db.fetchrow(sql, *params)

    # -- checks --------------------------------------------------------------------------------

    async def checks(
        self, channel_id: int, *, limit: int = 100, before_id: int | None = None
    ) -> list[Capture]:
        """Return the channel's checks, newest first, `limit` at a time (older than before_id)."""
        rows = await self._all(
            "SELECT * FROM captures WHERE channel_id = $1 AND capture_id < $2 "
            "ORDER BY capture_id DESC LIMIT $3",
            (channel_id, before_id if before_id is not None else 2**62, limit),
        )
        return [Capture.from_row(r) for r in rows]

    async def count_checks(self, channel_id: int) -> int:
        row = await self._one("SELECT count(*) FROM captures WHERE channel_id = $1", (channel_id,))
        return int(row[0]) if row else 0

    async def series(self, channel_id: int, *, limit: int = 200) -> list[CheckPoint]:
        """Return the newest finished checks (oldest first) with what the chart draws."""
        rows = await self._all(
            "SELECT c.capture_id, c.started_at, c.chatter_count, c.viewer_count, c.verdict, "
            "m.analysed, m.flagged FROM captures c "
            "LEFT JOIN check_metrics m ON m.capture_id = c.capture_id "
            f"WHERE c.channel_id = $1 AND c.status IN {_FINISHED} "
            "ORDER BY c.capture_id DESC LIMIT $2",
            (channel_id, limit),
        )
        points = [
            CheckPoint(
                capture_id=r[0],
                started_at=_at(r[1]),
                chatters=r[2],
                viewers=r[3],
                verdict=r[4],
                analysed=r[5],
                flagged=r[6],
            )
            for r in rows
        ]
        points.reverse()
        return points

    async def set_metrics(self, capture_id: int, *, analysed: int, flagged: int) -> None:
        """Remember the two numbers of a check's analysis the chart needs."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO check_metrics (capture_id, analysed, flagged) VALUES ($1, $2, $3) "
                "ON CONFLICT (capture_id) DO UPDATE SET analysed = excluded.analysed, "
                "flagged = excluded.flagged",
                capture_id,
                analysed,
                flagged,
            )

    async def previous_check(self, capture: Capture) -> Capture | None:
        """Return the finished check of the same channel just before `capture`."""
        row = await self._one(
            f"SELECT * FROM captures WHERE channel_id = $1 AND status IN {_FINISHED} "
            "AND capture_id < $2 ORDER BY capture_id DESC LIMIT 1",
            (capture.channel_id, capture.capture_id),
        )
        return Capture.from_row(row) if row else None

    async def overlap(self, earlier_id: int, later_id: int, *, limit: int = 500) -> Overlap:
        """Compare the chatters of two checks: new in the later one, gone, and in both."""
        new = await self._all(
            "SELECT b.user_id, b.login FROM capture_chatters b WHERE b.capture_id = $1 "
            "AND NOT EXISTS (SELECT 1 FROM capture_chatters a "
            "WHERE a.capture_id = $2 AND a.user_id = b.user_id) ORDER BY b.user_id LIMIT $3",
            (later_id, earlier_id, limit),
        )
        gone = await self._all(
            "SELECT a.user_id, a.login FROM capture_chatters a WHERE a.capture_id = $1 "
            "AND NOT EXISTS (SELECT 1 FROM capture_chatters b "
            "WHERE b.capture_id = $2 AND b.user_id = a.user_id) ORDER BY a.user_id LIMIT $3",
            (earlier_id, later_id, limit),
        )
        both = await self._one(
            "SELECT count(*) FROM capture_chatters a JOIN capture_chatters b "
            "ON b.user_id = a.user_id AND b.capture_id = $1 WHERE a.capture_id = $2",
            (later_id, earlier_id),
        )
        return Overlap(
            new=tuple((int(r[0]), str(r[1])) for r in new),
            gone=tuple((int(r[0]), str(r[1])) for r in gone),
            both=int(both[0]) if both else 0,
        )

    async def checks_with_user(
        self, channel_id: int, user_id: int, *, limit: int = 50
    ) -> list[Capture]:
        """Return the channel's checks that saw the user, newest first."""
        rows = await self._all(
            "SELECT p.* FROM capture_chatters c JOIN captures p ON p.capture_id = c.capture_id "
            "WHERE p.channel_id = $1 AND c.user_id = $2 ORDER BY p.capture_id DESC LIMIT $3",
            (channel_id, user_id, limit),
        )
        return [Capture.from_row(r) for r in rows]

    async def chatter_in_check(self, capture_id: int, login: str) -> int | None:
        """Return the user id a check saw under `login`, if any."""
        row = await self._one(
            "SELECT user_id FROM capture_chatters WHERE capture_id = $1 AND login = $2",
            (capture_id, login.lower()),
        )
        return int(row[0]) if row else None

    # -- a chatter -----------------------------------------------------------------------------

    async def user_messages(
        self,
        channel_id: int,
        user_id: int,
        *,
        limit: int = 200,
        before: datetime | None = None,
    ) -> list[ChatMessage]:
        """Return the user's messages in the channel, newest first."""
        rows = await self._all(
            "SELECT * FROM chat_messages WHERE channel_id = $1 AND user_id = $2 AND sent_at < $3 "
            "ORDER BY sent_at DESC LIMIT $4",
            (channel_id, user_id, ts_ms(before) if before else 2**62, limit),
        )
        return [ChatMessage.from_row(r) for r in rows]

    async def user_message_count(self, channel_id: int, user_id: int) -> int:
        row = await self._one(
            "SELECT count(*) FROM chat_messages WHERE channel_id = $1 AND user_id = $2",
            (channel_id, user_id),
        )
        return int(row[0]) if row else 0

    async def user_actions(
        self, channel_id: int, user_id: int, *, limit: int = 100
    ) -> list[ModerationEvent]:
        """Return the moderation actions the user received in the channel, newest first."""
        rows = await self._all(
            "SELECT * FROM moderation_events WHERE channel_id = $1 AND target_id = $2 "
            "ORDER BY at DESC LIMIT $3",
            (channel_id, user_id, limit),
        )
        return [ModerationEvent.from_row(r) for r in rows]

    async def find_chatter(self, channel_id: int, login: str) -> int | None:
        """Return the user id last seen in the channel (chat or a check) as `login`."""
        login = login.lower()
        row = await self._one(
            "SELECT user_id FROM chat_messages WHERE channel_id = $1 AND login = $2 "
            "ORDER BY sent_at DESC LIMIT 1",
            (channel_id, login),
        )
        if row:
            return int(row[0])
        row = await self._one(
            "SELECT c.user_id FROM capture_chatters c JOIN captures p "
            "ON p.capture_id = c.capture_id WHERE p.channel_id = $1 AND c.login = $2 "
            "ORDER BY p.capture_id DESC LIMIT 1",
            (channel_id, login),
        )
        return int(row[0]) if row else None

    async def seen_in_channel(self, channel_id: int, user_id: int) -> bool:
        """Return True when the user chatted, was checked or was moderated in the channel."""
        for sql in (
            "SELECT 1 FROM chat_messages WHERE channel_id = $1 AND user_id = $2 LIMIT 1",
            "SELECT 1 FROM capture_chatters c JOIN captures p ON p.capture_id = c.capture_id "
            "WHERE p.channel_id = $1 AND c.user_id = $2 LIMIT 1",
            "SELECT 1 FROM moderation_events WHERE channel_id = $1 AND target_id = $2 LIMIT 1",
        ):
            if await self._one(sql, (channel_id, user_id)):
                return True
        return False

    # -- streams and audit ---------------------------------------------------------------------

    async def streams(self, channel_id: int, *, limit: int = 50) -> list[StreamSession]:
        rows = await self._all(
            "SELECT * FROM stream_sessions WHERE channel_id = $1 ORDER BY started_at DESC LIMIT $2",
            (channel_id, limit),
        )
        return [StreamSession.from_row(r) for r in rows]

    async def audit(
        self, channel_id: int, *, limit: int = 100, before_id: int | None = None
    ) -> list[AuditEntry]:
        """Return the channel's audit log, newest first."""
        rows = await self._all(
            "SELECT * FROM audit_log WHERE channel_id = $1 AND audit_id < $2 "
            "ORDER BY audit_id DESC LIMIT $3",
            (channel_id, before_id if before_id is not None else 2**62, limit),
        )
        return [AuditEntry.from_row(r) for r in rows]

    # -- sessions of checks --------------------------------------------------------------------

    async def create_session(
        self,
        *,
        channel_id: int,
        name: str,
        capture_ids: Sequence[int],
        created_by_id: int | None,
        created_by_login: str,
        at: datetime,
    ) -> int:
        """Group checks of one channel under a name; return the session id.

        Checks of other channels are left out.
        """
        async with self._db.transaction() as tx:
            session_id = int(
                await tx.fetchval(
                    "INSERT INTO check_sessions (channel_id, name, created_by_id, "
                    "created_by_login, created_at) VALUES ($1, $2, $3, $4, $5) "
                    "RETURNING session_id",
                    channel_id,
                    name,
                    created_by_id,
                    created_by_login,
                    ts(at),
                )
            )
            # The cast names the parameter's type for PostgreSQL (an INSERT ... SELECT list
            # does not take it from the target column).
            await tx.execute(
                "INSERT INTO check_session_members (session_id, capture_id) "
                "SELECT CAST($1 AS BIGINT), capture_id FROM captures "
                f"WHERE channel_id = $2 AND capture_id {self._d.in_ids(3)}",
                session_id,
                channel_id,
                self._d.ids(dict.fromkeys(capture_ids)),
            )
        return session_id

    async def sessions(self, channel_id: int) -> list[CheckSession]:
        rows = await self._all(
            "SELECT * FROM check_sessions WHERE channel_id = $1 ORDER BY session_id DESC",
            (channel_id,),
        )
        return [await self._session(r) for r in rows]

    async def session(self, session_id: int) -> CheckSession | None:
        row = await self._one("SELECT * FROM check_sessions WHERE session_id = $1", (session_id,))
        return await self._session(row) if row else None

    async def sessions_of_check(self, capture_id: int) -> list[CheckSession]:
        rows = await self._all(
            "SELECT s.* FROM check_sessions s JOIN check_session_members m "
            "ON m.session_id = s.session_id WHERE m.capture_id = $1 ORDER BY s.session_id",
            (capture_id,),
        )
        return [await self._session(r) for r in rows]

    async def _session(self, row: Row) -> CheckSession:
        members = await self._all(
            "SELECT capture_id FROM check_session_members WHERE session_id = $1 "
            "ORDER BY capture_id",
            (row["session_id"],),
        )
        return CheckSession(
            session_id=row["session_id"],
            channel_id=row["channel_id"],
            name=row["name"],
            created_by_login=row["created_by_login"],
            created_at=_at(row["created_at"]),
            kept=bool(row["kept"]),
            capture_ids=tuple(int(m[0]) for m in members),
        )

    async def keep_session(self, session_id: int, kept: bool) -> None:
        """Keep every check of the session (or let them expire again)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE check_sessions SET kept = $1 WHERE session_id = $2", int(kept), session_id
            )
            await tx.execute(
                "UPDATE captures SET pinned = $1 WHERE capture_id IN "
                "(SELECT capture_id FROM check_session_members WHERE session_id = $2)",
                int(kept),
                session_id,
            )
