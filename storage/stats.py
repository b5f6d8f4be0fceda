"""Chat statistics for a channel or one stream: read-only queries over the channel history.

Every query is bounded by the channel and, where it makes sense, a time window
[since, until). Counts per user, per hour and per emote read the daily and hourly rollups for
the whole UTC days and hours of the window and the raw messages only at its ragged ends
(`storage.stats_rollups`), so a million-message channel answers from rollup rows; all-time
figures per user read `chat_users`. The bot itself and the service bots given to `leave_out`
are left out of every leaderboard, count and share (`storage.stats_left_out`); their messages
stay recorded. Logins are looked up for the few users shown, and `find_user` uses
`(channel_id, login)`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from storage.engine import Store
from storage.models import StreamSession, from_ms, from_ts, ts, ts_ms
from storage.stats_left_out import LeftOut
from storage.stats_results import (
    ActionCount,
    Activity,
    Bucket,
    CaptureBrief,
    ChatterCount,
    EmoteCount,
    HourCount,
    ReplyTarget,
    RisingChatter,
    StreamSummary,
    UserStats,
    Writer,
)
from storage.stats_rollups import (
    DAY_MS,
    HOUR_MS,
    cut,
    emote_names,
    per_user_rows,
    rollup_parts,
    split,
)
from storage.windows import SlidingCounts

_FOREVER = 2**62
LENGTH_SAMPLE = 1_000  # a user's average message length is taken over this many latest messages


def _range(since: datetime | None, until: datetime | None) -> tuple[int, int]:
    return (ts_ms(since) if since else 0, ts_ms(until) if until else _FOREVER)


class Stats:
    """Statistics queries; every answer is a frozen dataclass."""

    def __init__(self, db: Store) -> None:
        self._db = db
        self._d = db.dialect
        self._left_out = LeftOut(db)
        self.windows = SlidingCounts(db)  # per-chatter counts of sliding windows, kept

    def leave_out(self, *, user_ids: Iterable[int] = (), logins: Iterable[str] = ()) -> None:
        """Leave these accounts out of every leaderboard, count and share from now on."""
        self._left_out = LeftOut(self._db, user_ids=user_ids, logins=logins)

    async def _not_left_out(self, channel_id: int) -> str:
        return await self._left_out.clause(channel_id)

    async def left_out_clause(self, channel_id: int) -> str:
        """`AND user_id NOT IN (...)` for the accounts left out in the channel ('' if none)."""
        return await self._left_out.clause(channel_id)

    async def window_counts(
        self, channel_id: int, *, since: datetime, until: datetime
    ) -> Counter[int]:
        """Messages per chatter in [since, until) (left-out accounts skipped)."""
        lo, hi = _range(since, until)
        return await self._window(channel_id, lo, hi, await self._not_left_out(channel_id))

    async def _window(self, channel_id: int, lo: int, hi: int, skip: str) -> Counter[int]:
        """Messages per user in [lo, hi), moved on from the last such window where it can be."""

        async def read(a: int, z: int) -> Counter[int]:
            return await self._per_user(channel_id, a, z, skip)

        if hi >= _FOREVER or lo <= 0:
            return await read(lo, hi)
        return await self.windows.counts(channel_id, lo, hi, skip=skip, read=read)

    async def _one(self, sql: str, *params: object) -> tuple[Any, ...]:
        row = await self._db.fetchrow(sql, *params)
        assert row is not None
        return tuple(row)

    async def _all(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self._db.fetch(sql, *params)]

    async def login_of(self, channel_id: int, user_id: int) -> str:
        """Return the newest login the user chatted under in the channel ('' if never)."""
        rows = await self._all(
            "SELECT login FROM chat_messages WHERE channel_id = $1 AND user_id = $2 "
            "ORDER BY sent_at DESC LIMIT 1",
            channel_id,
            user_id,
        )
        return str(rows[0][0]) if rows else ""

    async def _logins(self, channel_id: int, user_ids: Sequence[int]) -> dict[int, str]:
        return {uid: await self.login_of(channel_id, uid) for uid in dict.fromkeys(user_ids)}

    async def find_user(self, channel_id: int, login: str) -> int | None:
        """Return the user id that most recently chatted in the channel as `login`."""
        rows = await self._all(
            "SELECT user_id FROM chat_messages WHERE channel_id = $1 AND login = $2 "
            "ORDER BY sent_at DESC LIMIT 1",
            channel_id,
            login.lower(),
        )
        return int(rows[0][0]) if rows else None

    # -- channel --------------------------------------------------------------------------------

    async def activity(
        self, channel_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> Activity:
        """Messages and distinct chatters in [since, until) (all history when unbounded)."""
        lo, hi = _range(since, until)
        skip = await self._not_left_out(channel_id)
        if since is None and until is None:
            row = await self._one(
                f"SELECT sum(messages), count(*) FROM chat_users WHERE channel_id = $1{skip}",
                channel_id,
            )
        else:
            row = await self._one(
                f"SELECT sum(n), count(DISTINCT user_id) FROM ({per_user_rows(lo, hi, skip)}) AS w",
                channel_id,
            )
        return Activity(int(row[0] or 0), int(row[1]), since, until)

    async def active_chatters(
        self, channel_id: int, *, now: datetime, window: timedelta = timedelta(minutes=5)
    ) -> int:
        """Distinct chatters in the last `window` (5 minutes by default)."""
        return (await self.activity(channel_id, since=now - window, until=now)).chatters

    async def current_viewers(self, channel_id: int) -> int | None:
        """The latest viewer count of the channel's live stream (None when offline)."""
        rows = await self._all(
            "SELECT v.viewers FROM stream_sessions s JOIN viewer_samples v USING (session_id) "
            "WHERE s.channel_id = $1 AND s.ended_at IS NULL ORDER BY v.at DESC LIMIT 1",
            channel_id,
        )
        return int(rows[0][0]) if rows else None

    async def top_chatters(
        self,
        channel_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 5,
    ) -> tuple[ChatterCount, ...]:
        """The chatters with the most messages in [since, until), most first."""
        lo, hi = _range(since, until)
        skip = await self._not_left_out(channel_id)
        if since is None and until is None:
            sql = (
                f"SELECT user_id, messages AS m FROM chat_users WHERE channel_id = $1{skip} "
                "ORDER BY m DESC, user_id LIMIT $2"
            )
            rows = await self._all(sql, channel_id, limit)
        else:
            counts = await self._window(channel_id, lo, hi, skip)
            rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        logins = await self._logins(channel_id, [int(r[0]) for r in rows])
        return tuple(ChatterCount(int(u), logins[int(u)], int(n)) for u, n in rows)

    async def rising_chatters(
        self,
        channel_id: int,
        *,
        now: datetime,
        period: timedelta = timedelta(days=7),
        limit: int = 5,
    ) -> tuple[RisingChatter, ...]:
        """Chatters who said more in the last period than in the one before, biggest gain first."""
        recent, earlier = await self.period_counts(channel_id, now=now, period=period)
        return await self.rising_of(channel_id, recent, earlier, limit=limit)

    async def period_counts(
        self, channel_id: int, *, now: datetime, period: timedelta
    ) -> tuple[Counter[int], Counter[int]]:
        """Messages per chatter in the last period and in the one before it."""
        lo, mid, hi = ts_ms(now - 2 * period), ts_ms(now - period), ts_ms(now)
        skip = await self._not_left_out(channel_id)
        return (
            await self._window(channel_id, mid, hi, skip),
            await self._window(channel_id, lo, mid, skip),
        )

    async def rising_of(
        self, channel_id: int, recent: Counter[int], earlier: Counter[int], *, limit: int = 5
    ) -> tuple[RisingChatter, ...]:
        """The rising chatters of two periods' counts (`period_counts`), biggest gain first."""
        rising = sorted(
            (u for u in recent if recent[u] > earlier[u]),
            key=lambda u: (earlier[u] - recent[u], -recent[u], u),
        )
        rows = [(u, recent[u], earlier[u]) for u in rising[:limit]]
        logins = await self._logins(channel_id, [int(r[0]) for r in rows])
        return tuple(RisingChatter(int(u), logins[int(u)], int(a), int(b)) for u, a, b in rows)

    async def hours(
        self, channel_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> tuple[HourCount, ...]:
        """Messages per hour of day (UTC), all 24 hours."""
        cut = split(*_range(since, until))
        # Group by hour since the epoch (the rollup's key order: no sort), each part on its
        # own, then fold into hours of the day here.
        skip = await self._not_left_out(channel_id)
        rows = []
        if cut.first_hour < cut.end_hour:
            rows += await self._all(
                "SELECT hour, sum(messages) FROM chat_user_hours WHERE channel_id = $1 "
                f"AND hour >= $2 AND hour < $3{skip} GROUP BY hour",
                channel_id,
                cut.first_hour,
                cut.end_hour,
            )
        for lo, hi in cut.raw:
            rows += await self._all(
                f"SELECT sent_at / {HOUR_MS} AS h, count(*) FROM chat_messages "
                f"WHERE channel_id = $1 AND sent_at >= $2 AND sent_at < $3{skip} GROUP BY h",
                channel_id,
                lo,
                hi,
            )
        counts: Counter[int] = Counter()
        for h, n in rows:
            counts[int(h) % 24] += int(n)
        return tuple(HourCount(h, counts[h]) for h in range(24))

    async def top_emotes(
        self,
        channel_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 5,
    ) -> tuple[EmoteCount, ...]:
        """The emotes used most in [since, until) (each use in a message counts)."""
        cut = split(*_range(since, until))
        counts: Counter[str] = Counter()
        skip = await self._not_left_out(channel_id)
        if cut.first_hour < cut.end_hour:
            for name, n in await self._all(
                "SELECT emote, sum(uses) FROM chat_emote_hours WHERE channel_id = $1 "
                "AND hour >= $2 AND hour < $3 GROUP BY emote",
                channel_id,
                cut.first_hour,
                cut.end_hour,
            ):
                counts[str(name)] += int(n)
            left_out = await self._left_out.ids(channel_id)
            if left_out:
                # The emote rollup has no user: take the left-out users' uses off.
                for (emotes,) in await self._all(
                    f"SELECT emotes FROM chat_messages WHERE channel_id = $1 AND user_id IN "
                    f"({left_out}) AND sent_at >= $2 AND sent_at < $3 AND emotes != ''",
                    channel_id,
                    cut.hours_lo_ms,
                    cut.hours_hi_ms,
                ):
                    counts.subtract(emote_names(str(emotes)))
        for lo, hi in cut.raw:
            for (emotes,) in await self._all(
                "SELECT emotes FROM chat_messages WHERE channel_id = $1 AND sent_at >= $2 "
                f"AND sent_at < $3 AND emotes != ''{skip}",
                channel_id,
                lo,
                hi,
            ):
                counts.update(emote_names(str(emotes)))
        counts = +counts
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return tuple(EmoteCount(name, n) for name, n in ranked)

    async def writers(
        self,
        channel_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        min_messages: int = 3,
        limit: int = 5,
    ) -> tuple[Writer, ...]:
        """Chatters with the longest average message (at least `min_messages` of them)."""
        lo, hi = _range(since, until)
        skip = await self._not_left_out(channel_id)
        if since is None and until is None:
            source = (
                f"SELECT user_id, messages AS n, chars FROM chat_users WHERE channel_id = $1{skip}"
            )
        else:
            source = per_user_rows(lo, hi, skip)
        rows = await self._all(
            "SELECT user_id, m, CAST(c AS DOUBLE PRECISION) / m AS a FROM (SELECT user_id, "
            f"sum(n) AS m, sum(chars) AS c FROM ({source}) AS w GROUP BY user_id) AS per_user "
            "WHERE m >= $2 ORDER BY a DESC, m DESC, user_id LIMIT $3",
            channel_id,
            min_messages,
            limit,
        )
        logins = await self._logins(channel_id, [int(r[0]) for r in rows])
        return tuple(Writer(int(u), logins[int(u)], int(n), float(a)) for u, n, a in rows)

    async def moderation(
        self, channel_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> tuple[ActionCount, ...]:
        """Moderation actions by kind in [since, until), most frequent first."""
        lo, hi = _range(since, until)
        rows = await self._all(
            "SELECT action, count(*) AS n FROM moderation_events "
            "WHERE channel_id = $1 AND at >= $2 AND at < $3 GROUP BY action "
            "ORDER BY n DESC, action",
            channel_id,
            lo,
            hi,
        )
        return tuple(ActionCount(str(a), int(n)) for a, n in rows)

    async def captures(
        self, channel_id: int, *, since: datetime, until: datetime
    ) -> tuple[CaptureBrief, ...]:
        """The `!botcheck` captures started in [since, until), oldest first."""
        rows = await self._all(
            "SELECT capture_id, started_at, status, verdict, chatter_count, viewer_count, "
            "report_token FROM captures WHERE channel_id = $1 AND started_at >= $2 "
            "AND started_at <= $3 ORDER BY started_at, capture_id",
            channel_id,
            ts(since),
            ts(until),
        )
        out = []
        for cid, at, status, verdict, chatters, viewers, token in rows:
            when = from_ts(int(at))
            assert when is not None
            out.append(
                CaptureBrief(
                    capture_id=int(cid),
                    started_at=when,
                    status=str(status),
                    verdict=None if verdict is None else str(verdict),
                    chatter_count=int(chatters),
                    viewer_count=None if viewers is None else int(viewers),
                    report_token=str(token),
                )
            )
        return tuple(out)

    async def series(
        self, channel_id: int, *, since: datetime, until: datetime, bucket: timedelta
    ) -> tuple[Bucket, ...]:
        """Messages and distinct chatters per time slice of `bucket`, every slice present."""
        lo, hi = _range(since, until)
        width = max(1, int(bucket.total_seconds() * 1000))
        skip = await self._not_left_out(channel_id)
        if lo % DAY_MS == 0 and width % DAY_MS == 0:
            # Slices of whole UTC days from a UTC midnight: each rollup day falls in one slice.
            found = await self._rollup_slices(channel_id, lo, hi, width, unit=DAY_MS, skip=skip)
        elif lo % HOUR_MS == 0 and width % HOUR_MS == 0:
            # Slices of whole hours (a local day too): each rollup hour falls in one slice.
            found = await self._rollup_slices(channel_id, lo, hi, width, unit=HOUR_MS, skip=skip)
        else:
            rows = await self._all(
                "SELECT (sent_at - $1) / $2 AS b, count(*), count(DISTINCT user_id) "
                f"FROM chat_messages WHERE channel_id = $3 AND sent_at >= $1 AND sent_at < $4"
                f"{skip} GROUP BY b",
                lo,
                width,
                channel_id,
                hi,
            )
            found = {int(b): (int(m), int(c)) for b, m, c in rows}
        slices = max(1, -(-(hi - lo) // width))
        return tuple(Bucket(since + i * bucket, *found.get(i, (0, 0))) for i in range(slices))

    async def _per_user(self, channel_id: int, lo: int, hi: int, skip: str) -> Counter[int]:
        """Messages per user in [lo, hi): rollup days, hours and raw ends, each grouped alone."""
        counts: Counter[int] = Counter()
        rows = []
        # Grouped by `user_id + 0`, not the column: SQLite otherwise walks the channel's whole
        # (channel, user, ...) index to save a sort, 300-500 ms on a million-message channel
        # for an hour's rows that the time range finds in a few milliseconds.
        for first, end, table, column in rollup_parts(lo, hi):
            rows += await self._all(
                f"SELECT user_id + 0 AS u, sum(messages) FROM {table} WHERE channel_id = $1 "
                f"AND {column} >= $2 AND {column} < $3{skip} GROUP BY u",
                channel_id,
                first,
                end,
            )
        for a, z in cut(lo, hi).raw:
            rows += await self._all(
                "SELECT user_id + 0 AS u, count(*) FROM chat_messages WHERE channel_id = $1 "
                f"AND sent_at >= $2 AND sent_at < $3{skip} GROUP BY u",
                channel_id,
                a,
                z,
            )
        for u, n in rows:
            counts[int(u)] += int(n)
        return counts

    async def _rollup_slices(
        self, channel_id: int, lo: int, hi: int, width: int, *, unit: int, skip: str
    ) -> dict[int, tuple[int, int]]:
        """Messages and chatters per slice when `lo` and `width` are whole units (a day or an
        hour): the whole slices grouped from that unit's rollup, a last partial slice counted
        on its own over days, hours and raw rows."""
        table, column = ("chat_user_days", "day") if unit == DAY_MS else ("chat_user_hours", "hour")
        base, per, whole = lo // unit, width // unit, (hi - lo) // width
        found: dict[int, tuple[int, int]] = {}
        # A slice of one unit holds a row per chatter: count(*) is its chatters, and grouped
        # by the key column itself SQLite reads the primary key in order, with no sort.
        slice_of, chatters, by = (
            (f"{column} - {base}", "count(*)", column)
            if per == 1
            else (f"({column} - {base}) / {per}", "count(DISTINCT user_id)", "b")
        )
        if whole:
            for b, m, c in await self._all(
                f"SELECT {slice_of} AS b, sum(messages), {chatters} "
                f"FROM {table} WHERE channel_id = $1 AND {column} >= $2 AND {column} < $3{skip} "
                f"GROUP BY {by}",
                channel_id,
                base,
                base + whole * per,
            ):
                found[int(b)] = (int(m), int(c))
        rest = lo + whole * width
        if rest < hi:
            m, c = await self._one(
                f"SELECT sum(n), count(DISTINCT user_id) FROM ({per_user_rows(rest, hi, skip)}) "
                "AS w",
                channel_id,
            )
            found[whole] = (int(m or 0), int(c))
        return found

    # -- one user -------------------------------------------------------------------------------

    async def user(self, channel_id: int, user_id: int) -> UserStats | None:
        """The user's figures in the channel, or None if they never chatted there."""
        rows = await self._all(
            "SELECT messages, first_at, last_at FROM chat_users "
            "WHERE channel_id = $1 AND user_id = $2",
            channel_id,
            user_id,
        )
        if not rows:
            return None
        row = rows[0]
        # Lengths are not in the index: read them for the latest messages only, so a chatter
        # with half a million messages answers as fast as one with fifty.
        length = await self._one(
            "SELECT avg(text_length) FROM (SELECT text_length FROM chat_messages "
            "WHERE channel_id = $1 AND user_id = $2 ORDER BY sent_at DESC LIMIT $3) AS latest",
            channel_id,
            user_id,
            LENGTH_SAMPLE,
        )
        messages = int(row[0])
        skip = await self._not_left_out(channel_id)
        ranks = await self._one(
            "SELECT count(*), count(*) FILTER (WHERE messages > $1) FROM chat_users "
            f"WHERE channel_id = $2{skip}",
            messages,
            channel_id,
        )
        per_hour: Counter[int] = Counter()
        for h, n in await self._all(
            "SELECT hour, messages FROM chat_user_hours "
            f"{self._d.indexed_by('chat_user_hours_user')} WHERE channel_id = $1 AND user_id = $2",
            channel_id,
            user_id,
        ):
            per_hour[int(h) % 24] += int(n)
        favourite = min(per_hour, key=lambda h: (-per_hour[h], h)) if per_hour else None
        received = {
            str(action): int(n)
            for action, n in await self._all(
                "SELECT action, count(*) FROM moderation_events WHERE channel_id = $1 "
                "AND target_id = $2 AND action IN ('ban', 'timeout') GROUP BY action",
                channel_id,
                user_id,
            )
        }
        first, last = (from_ms(int(v)) for v in row[1:3])
        assert first is not None and last is not None
        return UserStats(
            user_id=user_id,
            login=await self.login_of(channel_id, user_id),
            messages=messages,
            rank=1 + int(ranks[1]),
            chatters=int(ranks[0]),
            favourite_hour=favourite,
            first_seen=first,
            last_seen=last,
            timeouts=received.get("timeout", 0),
            bans=received.get("ban", 0),
            avg_length=float(length[0] or 0),
        )

    async def reply_targets(
        self, channel_id: int, user_id: int, *, limit: int = 3
    ) -> tuple[ReplyTarget, ...]:
        """Whom the user replies to most (Twitch replies), most first."""
        rows = await self._all(
            "SELECT reply_parent_user_id AS t, count(*) AS n FROM chat_messages "
            "WHERE channel_id = $1 AND user_id = $2 AND reply_parent_user_id IS NOT NULL "
            "AND reply_parent_user_id != user_id GROUP BY t ORDER BY n DESC, t LIMIT $3",
            channel_id,
            user_id,
            limit,
        )
        logins = await self._logins(channel_id, [int(r[0]) for r in rows])
        return tuple(ReplyTarget(int(t), logins[int(t)] or str(t), int(n)) for t, n in rows)

    # -- one stream -----------------------------------------------------------------------------

    async def stream_summary(self, session: StreamSession, *, now: datetime) -> StreamSummary:
        """Duration, messages, chatters, moderation and captures of one stream."""
        until = session.ended_at or now
        since = session.started_at
        act = await self.activity(session.channel_id, since=since, until=until)
        return StreamSummary(
            session=session,
            until=until,
            messages=act.messages,
            chatters=act.chatters,
            moderation=await self.moderation(session.channel_id, since=since, until=until),
            captures=await self.captures(session.channel_id, since=since, until=until),
        )
