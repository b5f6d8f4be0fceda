"""Find a channel's chatters by the start of a login, current or earlier (autocomplete).

Two index-backed prefix scans, each stopped by its LIMIT: the logins the channel's chat was
written under (`chat_messages (channel_id, login)`, which holds the names a chatter had when
they wrote here), and every name Get Users ever returned (`account_names (login)`), kept when
the account chatted in the channel. A prefix is a range [prefix, next) on the index. SQLite
compares text byte by byte (BINARY) already; PostgreSQL compares by the database's collation,
which may ignore '_' or case, so there the range is taken in the "C" collation, on indexes built
in it (migration postgres 0011).
"""

from __future__ import annotations

import re

from storage.chatters_results import Match
from storage.engine import Store
from storage.stats import Stats

MAX_PREFIX = 25  # Twitch logins are at most 25 characters
_LOGIN = re.compile(r"^[a-z0-9_]+$")


def prefix_range(prefix: str) -> tuple[str, str]:
    """The [low, high) range of every text that starts with `prefix` (ASCII logins)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


class ChatterSearch:
    """Prefix search over a channel's chatters' logins and earlier names."""

    def __init__(self, db: Store, stats: Stats) -> None:
        self._db = db
        self._stats = stats

    async def complete(self, channel_id: int, typed: str, *, limit: int = 8) -> tuple[Match, ...]:
        """Up to `limit` chatters whose login or an earlier name starts with `typed`, by name."""
        prefix = typed.strip().lstrip("@").lower()[:MAX_PREFIX]
        if not prefix or not _LOGIN.match(prefix):
            return ()
        low, high = prefix_range(prefix)
        c = ' COLLATE "C"' if self._db.dialect.postgres else ""
        found: dict[str, int] = {}
        for (login,) in await self._db.fetch(
            f"SELECT DISTINCT login{c} AS l FROM chat_messages WHERE channel_id = $1 "
            f"AND login{c} >= $2 AND login{c} < $3 ORDER BY l LIMIT $4",
            channel_id,
            low,
            high,
            limit,
        ):
            uid = await self._chatted_as(channel_id, str(login))
            if uid is not None:
                found.setdefault(str(login), uid)
        for login, uid in await self._db.fetch(
            f"SELECT n.login{c} AS l, n.user_id FROM account_names n "
            f"WHERE n.login{c} >= $1 AND n.login{c} < $2 AND EXISTS (SELECT 1 FROM chat_users u "
            "WHERE u.channel_id = $3 AND u.user_id = n.user_id) ORDER BY l, n.user_id LIMIT $4",
            low,
            high,
            channel_id,
            limit,
        ):
            found.setdefault(str(login), int(uid))
        matches: dict[int, Match] = {}
        for name in sorted(found):
            uid = found[name]
            if uid in matches:
                continue
            current = await self._current_login(channel_id, uid)
            count = await self._db.fetchval(
                "SELECT messages FROM chat_users WHERE channel_id = $1 AND user_id = $2",
                channel_id,
                uid,
            )
            earlier = None if name == current else name
            matches[uid] = Match(uid, current or name, earlier, int(count or 0))
            if len(matches) == limit:
                break
        return tuple(matches.values())

    async def exact(self, channel_id: int, typed: str) -> int | None:
        """The chatter of the channel who chatted as `typed`, or had it as an earlier name."""
        login = typed.strip().lstrip("@").lower()[:MAX_PREFIX]
        if not login or not _LOGIN.match(login):
            return None
        uid = await self._chatted_as(channel_id, login)
        if uid is None:
            uid = await self._db.fetchval(
                "SELECT n.user_id FROM account_names n WHERE n.login = $1 AND EXISTS (SELECT 1 "
                "FROM chat_users u WHERE u.channel_id = $2 AND u.user_id = n.user_id) "
                "ORDER BY n.last_seen_at DESC LIMIT 1",
                login,
                channel_id,
            )
        return None if uid is None else int(uid)

    async def _chatted_as(self, channel_id: int, login: str) -> int | None:
        """A user who chatted in the channel as `login`: one index probe on (channel, login).

        Not ordered by time (that walks the channel's messages): a login names two accounts
        only when a rename freed it and another took it, and then either is a fair answer."""
        uid = await self._db.fetchval(
            f"SELECT user_id FROM chat_messages "
            f"{self._db.dialect.indexed_by('chat_messages_channel_login')} "
            "WHERE channel_id = $1 AND login = $2 LIMIT 1",
            channel_id,
            login,
        )
        return None if uid is None else int(uid)

    async def _current_login(self, channel_id: int, user_id: int) -> str:
        """The account's login as Twitch last said, else the newest one it chatted under."""
        login = await self._db.fetchval("SELECT login FROM accounts WHERE user_id = $1", user_id)
        return str(login) if login else await self._stats.login_of(channel_id, user_id)
