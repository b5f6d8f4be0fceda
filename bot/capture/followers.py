"""A follower capture: the channel's latest follows, with creation dates, through the same
Helix limiter and account cache as a chatter capture.

Get Channel Followers lists the newest follow first, 100 a page; the capture stops at
`MAX_FOLLOWS` follows or at the first follow older than the window. Accounts already in
storage are taken from it (creation dates never change); the others are looked up 100 at a
time and stored, so the next capture of any channel finds them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.helix.answers import MAX_IDS
from bot.helix.client import Helix
from bot.helix.errors import HelixError
from bot.helix.ratelimit import Priority
from reports.followers import Follower
from reports.i18n import N_, Phrase
from storage import Database
from storage.models import Account

__all__ = ["MAX_FOLLOWS", "FollowerCapture", "FollowersNotReadable", "capture_followers"]

log = logging.getLogger(__name__)

MAX_FOLLOWS = 10_000


class FollowersNotReadable(HelixError):
    """Twitch gave only the follower count: the bot's token lacks moderator:read:followers."""


@dataclass(frozen=True, slots=True)
class FollowerCapture:
    """The follows read (newest first), how many the channel has, and why the list stopped."""

    followers: tuple[Follower, ...]
    total: int
    looked_up: int
    partial_reason: str  # "" when every wanted follow was read; else a `Phrase`


async def capture_followers(
    *,
    db: Database,
    helix: Helix,
    channel_id: int,
    moderator_id: int,
    now: datetime,
    window: timedelta | None = None,
    limit: int = MAX_FOLLOWS,
    clock: Callable[[], datetime] | None = None,
) -> FollowerCapture:
    """Read the channel's latest follows (up to `limit`, or within `window`) with their accounts."""
    since = now - window if window is not None else None
    rows: list[tuple[int, str, str, datetime]] = []
    seen: set[int] = set()
    total = 0
    cursor: str | None = None
    reason = ""
    while len(rows) < limit:
        try:
            page = await helix.get_channel_followers(
                channel_id, moderator_id, after=cursor, priority=Priority.CAPTURE
            )
        except HelixError as exc:
            if not rows:
                raise
            log.warning("follower list of %d stopped early: %s", channel_id, exc)
            reason = Phrase(N_("Twitch stopped answering after {count} follows"), count=len(rows))
            break
        total = page.total
        if not page.follows and total > 0 and not rows:
            raise FollowersNotReadable(
                "Twitch gave only the follower count: the bot account needs the "
                "moderator:read:followers scope (run botcheck auth again)"
            )
        older = False
        for row in page.follows:
            if since is not None and row[3] < since:
                older = True
                break
            if row[0] not in seen:
                seen.add(row[0])
                rows.append(row)
        if older or not page.cursor or not page.follows:
            break
        cursor = page.cursor
    rows = rows[:limit]
    accounts, looked_up = await _accounts(db, helix, rows, moderator_id, clock or (lambda: now))
    followers = tuple(Follower(accounts[uid], at) for uid, _, _, at in rows if uid in accounts)
    return FollowerCapture(followers, total, looked_up, reason)


async def _accounts(
    db: Database,
    helix: Helix,
    rows: list[tuple[int, str, str, datetime]],
    moderator_id: int,
    clock: Callable[[], datetime],
) -> tuple[dict[int, Account], int]:
    """Return every follower's account: from storage when known, else looked up and stored."""
    known = await db.accounts.get_many([r[0] for r in rows])
    out: dict[int, Account] = {}
    pending: list[tuple[int, str, str]] = []
    for uid, login, display_name, _ in rows:
        acc = known.get(uid)
        if acc is not None and acc.created_at is not None:
            if acc.login != login:
                acc = replace(acc, login=login, display_name=display_name)
            out[uid] = acc
        else:
            pending.append((uid, login, display_name))
    looked_up = 0
    for i in range(0, len(pending), MAX_IDS):
        batch = pending[i : i + MAX_IDS]
        try:
            found = await helix.get_users(
                [b[0] for b in batch], priority=Priority.CAPTURE, via=(None, moderator_id)
            )
        except HelixError as exc:
            log.warning("lookup of %d followers failed: %s", len(batch), exc)
            for uid, login, display_name in batch:
                out[uid] = Account(uid, login, display_name)
            continue
        now = clock()
        by_id = {a.user_id: a for a in found}
        await db.accounts.upsert_many(found, seen_at=now)
        gone = [b for b in batch if b[0] not in by_id]
        if gone:
            await db.accounts.add_gone(gone, at=now)
        looked_up += len(found)
        for uid, login, display_name in batch:
            out[uid] = by_id.get(uid) or Account(
                uid, login, display_name, first_seen_at=now, gone_at=now
            )
    return out, looked_up
