"""The audit log: who ran what, where, when, and how it ended."""

from __future__ import annotations

from datetime import datetime

from storage.engine import Store
from storage.models import AuditEntry, ts


class Audit:
    def __init__(self, db: Store) -> None:
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
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO audit_log (at, channel_id, user_id, user_login, command, args, "
                "outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                ts(at),
                channel_id,
                user_id,
                user_login,
                command,
                args,
                outcome,
                detail,
            )

    async def recent(self, *, channel_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        """Return the newest entries first, for one channel or all."""
        if channel_id is None:
            rows = await self._db.fetch(
                "SELECT * FROM audit_log ORDER BY audit_id DESC LIMIT $1", limit
            )
        else:
            rows = await self._db.fetch(
                "SELECT * FROM audit_log WHERE channel_id = $1 ORDER BY audit_id DESC LIMIT $2",
                channel_id,
                limit,
            )
        return [AuditEntry.from_row(r) for r in rows]
