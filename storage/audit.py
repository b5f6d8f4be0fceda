"""The audit log: who ran what, where, when, and how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from storage.models import AuditEntry, ts

if TYPE_CHECKING:
    from storage.database import Database


class Audit:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self,
        *,
        at: datetime,
        channel_id: int | None,
        user_id: int | None,
        user_login: str,
        command: str,
        args: str,
        outcome: str,
        detail: str = "",
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO audit_log (at, channel_id, user_id, user_login, command, args, "
                "outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ts(at), channel_id, user_id, user_login, command, args, outcome, detail),
            )

    async def recent(self, *, channel_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        """Return the newest entries first, for one channel or all."""
        if channel_id is None:
            sql = "SELECT * FROM audit_log ORDER BY audit_id DESC LIMIT ?"
            params: tuple[int, ...] = (limit,)
        else:
            sql = "SELECT * FROM audit_log WHERE channel_id = ? ORDER BY audit_id DESC LIMIT ?"
            params = (channel_id, limit)
        async with self._db.conn.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [AuditEntry.from_row(r) for r in rows]
