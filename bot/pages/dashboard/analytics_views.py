"""What the chat analytics pages and their API show: leaderboards, the chat, one chatter.

Gathered from `db.stats` (the queries `!top`, `!stats` and `!chatstats` answer from, so chat and
pages agree) and `db.chatters`, on the channel's clock. Pages render these records; the API
turns them into JSON (`analytics_api`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from reports.i18n import N_
from storage import Channel, Database
from storage.chatters import WRITER_MIN_MESSAGES
from storage.chatters_results import HourLeader, Peak, Ranks, Rival
from storage.stats_results import (
    Bucket,
    ChatterCount,
    EmoteCount,
    HourCount,
    ReplyTarget,
    RisingChatter,
    UserStats,
    Writer,
)

# Shown translated: the templates pass each name through `_`.
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
PERIOD_NAMES = {
    "24h": N_("last 24 hours"),
    "7d": N_("last 7 days"),
    "30d": N_("last 30 days"),
    "all": N_("all time"),
}
TOP = 10
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Leaderboards:
    period: str  # a key of PERIOD_NAMES
    top: tuple[ChatterCount, ...]
    rising: tuple[RisingChatter, ...]  # the last 7 days against the 7 before
    leaders: tuple[HourLeader, ...]  # every hour of the day someone chatted in, all time
    writers: tuple[Writer, ...]  # all time, at least `writer_min` messages
    writer_min: int


@dataclass(frozen=True, slots=True)
class ChatNow:
    """The figures the chat page refreshes while the channel is live (a small JSON poll)."""

    at: datetime
    live: bool
    viewers: int | None
    active_5m: int
    messages_24h: int
    chatters_24h: int


@dataclass(frozen=True, slots=True)
class ChatPage:
    now: ChatNow
    last_24h: tuple[Bucket, ...]  # 24 hourly slices, the current (partial) hour last
    by_hour: tuple[HourCount, ...]  # all time, per hour of the day on the channel's clock
    days: int  # days the channel's chat spans: by_hour / days is the average per day
    emotes: tuple[EmoteCount, ...]  # the last 7 days


@dataclass(frozen=True, slots=True)
class ChatterStats:
    """One chatter's analytics in a channel."""

    stats: UserStats
    hours: tuple[int, ...]  # all-time messages per hour of the day, channel's clock
    favourite_hour: int | None  # the hour of the day with most of them
    peak: Peak | None  # the single clock hour with most of them
    rivals: tuple[Rival, ...]
    replies: tuple[ReplyTarget, ...]
    ranks: Ranks
    emotes: tuple[EmoteCount, ...]


class AnalyticsViews:
    """Builds the records above from the database and the dashboard's clock."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def leaderboards(
        self, channel: Channel, tz: tzinfo, period: str, now: datetime
    ) -> Leaderboards:
        """The leaderboards; each is made at most once a minute per channel (`storage.memo`):
        a week's or a month's counts per chatter take a scan of that many rollup hours."""
        stats, cid, memo = self.db.stats, channel.channel_id, self.db.chatters.memo
        window = PERIODS.get(period)
        if window is None:
            top = await memo.get(("top", cid, "all"), lambda: stats.top_chatters(cid, limit=TOP))
        else:
            top = await memo.get(
                ("top", cid, period),
                lambda: stats.top_chatters(cid, since=now - window, until=now, limit=TOP),
            )
        return Leaderboards(
            period=period if window is not None else "all",
            top=top,
            rising=await memo.get(
                ("rising-top", cid),
                lambda: stats.rising_chatters(cid, now=now, period=WEEK, limit=TOP),
            ),
            leaders=await self.db.chatters.hour_leaders(cid, tz),
            writers=await memo.get(
                ("writers", cid),
                lambda: stats.writers(cid, min_messages=WRITER_MIN_MESSAGES, limit=TOP),
            ),
            writer_min=WRITER_MIN_MESSAGES,
        )

    async def chat_now(self, channel: Channel, now: datetime) -> ChatNow:
        stats, cid = self.db.stats, channel.channel_id
        day = await stats.activity(cid, since=now - timedelta(hours=24), until=now)
        viewers = await stats.current_viewers(cid)
        stream = await self.db.history.latest_session(cid)
        return ChatNow(
            at=now,
            live=stream is not None and stream.live,
            viewers=viewers,
            active_5m=await stats.active_chatters(cid, now=now),
            messages_24h=day.messages,
            chatters_24h=day.chatters,
        )

    async def chat(self, channel: Channel, tz: tzinfo, now: datetime) -> ChatPage:
        stats, cid = self.db.stats, channel.channel_id
        start = now.replace(minute=0, second=0, microsecond=0) - 23 * HOUR
        by_hour, days = await self.db.chatters.hours_of_day(cid, tz)
        return ChatPage(
            now=await self.chat_now(channel, now),
            last_24h=await stats.series(cid, since=start, until=now, bucket=HOUR),
            by_hour=by_hour,
            days=days,
            emotes=await stats.top_emotes(cid, since=now - WEEK, until=now, limit=TOP),
        )

    async def chatter(
        self, channel: Channel, user_id: int, tz: tzinfo, now: datetime
    ) -> ChatterStats | None:
        """The chatter's analytics, or None when they never chatted in the channel."""
        cid = channel.channel_id
        user = await self.db.stats.user(cid, user_id)
        if user is None:
            return None
        hours = await self.db.chatters.user_hours(cid, user_id, tz)
        favourite = min(range(24), key=lambda h: (-hours[h], h)) if any(hours) else None
        return ChatterStats(
            stats=user,
            hours=hours,
            favourite_hour=favourite,
            peak=await self.db.chatters.peak(cid, user_id),
            rivals=await self.db.chatters.rivals(cid, user_id, tz),
            replies=await self.db.stats.reply_targets(cid, user_id, limit=5),
            ranks=await self.db.chatters.ranks(cid, user_id, tz, now=now),
            emotes=await self.db.chatters.user_emotes(cid, user_id),
        )

    async def user_id(self, channel: Channel, raw: str) -> int | None:
        """A chatter of the channel by login (current, else earlier), else by user id."""
        text = raw.strip().lstrip("@").lower()
        if not text or len(text) > 25:
            return None
        found = await self.db.search.exact(channel.channel_id, text)
        if found is None and text.isdigit() and len(text) < 19:
            found = int(text)
        return found
