"""Per-channel settings that moderators change: today the channel's timezone.

A channel without a row has the defaults (UTC). The names are stored as given; the caller
checks them (an IANA timezone name) before `set_timezone`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.engine import Store
from storage.models import from_ts, ts

DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True, slots=True)
class ChannelPreferences:
    channel_id: int
    timezone: str = DEFAULT_TIMEZONE
    updated_at: datetime | None = None  # None: never changed
    updated_by_login: str = ""


class Preferences:
    """Read and change a channel's settings."""

    def __init__(self, db: Store) -> None:
        self._db = db

    async def get(self, channel_id: int) -> ChannelPreferences:
        """Return the channel's settings (the defaults when none was ever changed)."""
        row = await self._db.fetchrow(
            "SELECT timezone, updated_at, updated_by_login FROM channel_settings "
            "WHERE channel_id = $1",
            channel_id,
        )
        if row is None:
            return ChannelPreferences(channel_id)
        return ChannelPreferences(
            channel_id=channel_id,
            timezone=str(row[0]),
            updated_at=from_ts(row[1]),
            updated_by_login=str(row[2]),
        )

    async def set_timezone(
        self, channel_id: int, timezone: str, *, at: datetime, by_login: str
    ) -> None:
        """Set the channel's timezone (an IANA name the caller has checked)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO channel_settings (channel_id, timezone, updated_at, updated_by_login) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (channel_id) DO UPDATE SET "
                "timezone = excluded.timezone, updated_at = excluded.updated_at, "
                "updated_by_login = excluded.updated_by_login",
                channel_id,
                timezone,
                ts(at),
                by_login,
            )
