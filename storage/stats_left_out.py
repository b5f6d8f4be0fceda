"""Who the statistics leave out: the bot itself and service bots (their messages stay stored).

Logins are turned into the user ids that chatted under them in a channel (the
`(channel_id, login)` index), cached a few minutes per channel; each statistics query then
says `user_id NOT IN (...)`, which keeps the index it walks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from storage.engine import Store

LEFT_OUT_TTL_S = 300.0  # how long a channel's left-out user ids are reused


class LeftOut:
    """The accounts left out of statistics, as a SQL clause per channel."""

    def __init__(
        self, db: Store, *, user_ids: Iterable[int] = (), logins: Iterable[str] = ()
    ) -> None:
        self._db = db
        self._ids = frozenset(int(u) for u in user_ids)
        self._logins = tuple(sorted({x.lower() for x in logins}))
        self._cache: dict[int, tuple[float, str]] = {}

    async def clause(self, channel_id: int) -> str:
        """`AND user_id NOT IN (...)` for the channel's left-out accounts ('' when none)."""
        ids = await self.ids(channel_id)
        return f" AND user_id NOT IN ({ids})" if ids else ""

    async def ids(self, channel_id: int) -> str:
        """The channel's left-out user ids, comma-separated ('' when none)."""
        if not self._ids and not self._logins:
            return ""
        now = time.monotonic()
        cached = self._cache.get(channel_id)
        if cached is not None and now - cached[0] < LEFT_OUT_TTL_S:
            ids = cached[1]
        else:
            found = set(self._ids) | await self._ids_of_logins(channel_id)
            # Integers only, made here: safe to write into the statement's text.
            ids = ", ".join(str(int(u)) for u in sorted(found))
            self._cache[channel_id] = (now, ids)
        return ids

    async def _ids_of_logins(self, channel_id: int) -> set[int]:
        if not self._logins:
            return set()
        if self._db.dialect.postgres:
            rows = await self._db.fetch(
                "SELECT DISTINCT user_id FROM chat_messages WHERE channel_id = $1 "
                "AND login = ANY($2::text[])",
                channel_id,
                list(self._logins),
            )
        else:
            rows = await self._db.fetch(
                "SELECT DISTINCT user_id FROM chat_messages WHERE channel_id = $1 "
                "AND login IN (SELECT value FROM json_each($2))",
                channel_id,
                json.dumps(list(self._logins)),
            )
        return {int(r[0]) for r in rows}
