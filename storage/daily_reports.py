"""Daily reports (issue 18): one row per channel and local day, claimed before it is written.

The (channel_id, day) primary key is the claim: the process whose insert lands writes the
report, any other (a second conduit process, a restart) sees the row and does nothing. A claim
left pending longer than `STALE` (its process died mid-write) may be taken over. The report
itself is the JSON `body` (reports/daily.py), written once with status 'done'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storage.engine import Row, Store
from storage.models import from_ms, ts_ms

STALE = timedelta(minutes=10)
PENDING, DONE = "pending", "done"


@dataclass(frozen=True, slots=True)
class DailyReportRow:
    channel_id: int
    day: date
    timezone: str
    report_token: str
    status: str
    claimed_at: datetime
    created_at: datetime | None
    body: str  # JSON, '' until done

    @property
    def done(self) -> bool:
        return self.status == DONE

    @classmethod
    def from_row(cls, row: Row) -> DailyReportRow:
        claimed = from_ms(row["claimed_at"])
        assert claimed is not None
        return cls(
            channel_id=int(row["channel_id"]),
            day=date.fromisoformat(row["day"]),
            timezone=row["timezone"],
            report_token=row["report_token"],
            status=row["status"],
            claimed_at=claimed,
            created_at=from_ms(row["created_at"]),
            body=row["body"],
        )


class DailyReports:
    """Claim, write and read daily reports."""

    def __init__(self, db: Store) -> None:
        self._db = db

    async def claim(
        self, channel_id: int, day: date, *, timezone: str, token: str, now: datetime
    ) -> str | None:
        """Claim the day for this process; return the report token to write, None if taken."""
        async with self._db.transaction() as tx:
            inserted = await tx.execute(
                "INSERT INTO daily_reports (channel_id, day, timezone, report_token, status, "
                "claimed_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                channel_id,
                day.isoformat(),
                timezone,
                token,
                PENDING,
                ts_ms(now),
            )
            if inserted:
                return token
            # A claim whose process died: the first to move its clock forward takes it over.
            taken = await tx.execute(
                "UPDATE daily_reports SET claimed_at = $1 WHERE channel_id = $2 AND day = $3 "
                "AND status = $4 AND claimed_at < $5",
                ts_ms(now),
                channel_id,
                day.isoformat(),
                PENDING,
                ts_ms(now - STALE),
            )
            if not taken:
                return None
            found = await tx.fetchval(
                "SELECT report_token FROM daily_reports WHERE channel_id = $1 AND day = $2",
                channel_id,
                day.isoformat(),
            )
        return str(found)

    async def finish(self, channel_id: int, day: date, *, body: str, now: datetime) -> None:
        """Store the written report and mark the day done."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE daily_reports SET body = $1, status = $2, created_at = $3 "
                "WHERE channel_id = $4 AND day = $5",
                body,
                DONE,
                ts_ms(now),
                channel_id,
                day.isoformat(),
            )

    async def get(self, channel_id: int, day: date) -> DailyReportRow | None:
        row = await self._db.fetchrow(
            "SELECT * FROM daily_reports WHERE channel_id = $1 AND day = $2",
            channel_id,
            day.isoformat(),
        )
        return DailyReportRow.from_row(row) if row else None

    async def by_token(self, token: str) -> DailyReportRow | None:
        row = await self._db.fetchrow("SELECT * FROM daily_reports WHERE report_token = $1", token)
        return DailyReportRow.from_row(row) if row else None

    async def recent(self, channel_id: int, *, limit: int = 30) -> list[DailyReportRow]:
        """The channel's written reports, newest day first."""
        rows = await self._db.fetch(
            "SELECT * FROM daily_reports WHERE channel_id = $1 AND status = $2 "
            "ORDER BY day DESC LIMIT $3",
            channel_id,
            DONE,
            limit,
        )
        return [DailyReportRow.from_row(r) for r in rows]

    async def count(self, channel_id: int) -> int:
        n = await self._db.fetchval(
            "SELECT count(*) FROM daily_reports WHERE channel_id = $1", channel_id
        )
        return int(n or 0)

    async def tokens_before(self, cutoff: date) -> list[str]:
        """Tokens of reports for days before `cutoff` (their files and rows expire)."""
        rows = await self._db.fetch(
            "SELECT report_token FROM daily_reports WHERE day < $1", cutoff.isoformat()
        )
        return [str(r[0]) for r in rows]
