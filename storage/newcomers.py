"""Young first-time chatters: who wrote in a channel for the first time lately with an account
under N days old (the dashboard's live list of issue 20's first-message notice).

Derived, not stored: the recorded chat (`chat_messages`, indexed by channel, user and time)
says who wrote first within the window and never before it; the account cache (`accounts`,
filled by the raid detector's batched lookups) says how old each account is. An author whose
account was not looked up yet appears once it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.engine import Row, Store
from storage.models import from_ts, ts, ts_ms

PRIVILEGED = ("broadcaster/", "moderator/", "vip/", "staff/", "admin/")


@dataclass(frozen=True, slots=True)
class Newcomer:
    """One young account's first message in a channel."""

    user_id: int
    login: str
    created_at: datetime
    first_at: datetime
    text: str | None  # None once retention removed the text

    @classmethod
    def from_row(cls, row: Row) -> Newcomer:
        created = from_ts(row["created_at"])
        assert created is not None
        first = from_ts(row["first_at"] / 1000)
        assert first is not None
        return cls(
            user_id=row["user_id"],
            login=row["login"],
            created_at=created,
            first_at=first,
            text=row["text"],
        )

    def age_days(self, now: datetime) -> float:
        """The account's age at `now`, in days."""
        return max(0.0, (now - self.created_at).total_seconds() / 86_400)


class Newcomers:
    """The SQL of the newcomer list (both engines)."""

    def __init__(self, db: Store) -> None:
        self._db = db

    async def recent(
        self,
        channel_id: int,
        *,
        since: datetime,
        young_since: datetime,
        limit: int = 100,
    ) -> list[Newcomer]:
        """Return authors whose first message here is since `since` and whose accounts were
        created after `young_since`, newest first."""
        rows = await self._db.fetch(
            "WITH firsts AS ("
            " SELECT user_id, min(sent_at) AS first_at FROM chat_messages"
            " WHERE channel_id = $1 AND sent_at >= $2 GROUP BY user_id"
            ") "
            "SELECT f.user_id, f.first_at, a.created_at, m.login, m.text, m.badges "
            "FROM firsts f "
            "JOIN accounts a ON a.user_id = f.user_id "
            "JOIN chat_messages m ON m.channel_id = $1 AND m.user_id = f.user_id "
            " AND m.sent_at = f.first_at "
            "WHERE a.created_at IS NOT NULL AND a.created_at >= $3 "
            "AND NOT EXISTS (SELECT 1 FROM chat_messages o WHERE o.channel_id = $1"
            " AND o.user_id = f.user_id AND o.sent_at < $2) "
            "ORDER BY f.first_at DESC, f.user_id LIMIT $4",
            channel_id,
            ts_ms(since),
            ts(young_since),
            limit * 2,
        )
        out: list[Newcomer] = []
        seen: set[int] = set()
        for row in rows:
            badges = row["badges"] or ""
            if row["user_id"] in seen or any(b.startswith(PRIVILEGED) for b in badges.split(",")):
                continue  # two messages in the same millisecond; moderators are never listed
            seen.add(row["user_id"])
            out.append(Newcomer.from_row(row))
        return out[:limit]
