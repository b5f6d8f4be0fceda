"""Chat analytics on the channel's clock: hours of the day, hour leaders, rivals, ranks, peaks.

Built on the rollups (`storage.stats_rollups`) and on `storage.stats.Stats` for the
leaderboards the chat commands also answer (top, rising, writers: one place). Hours of the day
are the channel's (`storage.local_hours`). Two answers restrict what they read, exactly:

- hour leaders read the hour rows of the `LEADER_CANDIDATES` chatters with the most messages.
  Nobody outside them has more messages in any hour than the last of them has in all, so a
  leader found above that bound is the true leader; the (rare) hours left undecided are
  counted over every chatter.
- rivals compare a chatter with the `RIVAL_CANDIDATES` chatters with the most messages (at
  least `RIVAL_MIN_MESSAGES`): a chatter with a handful of messages has a vector too spiky for
  a similarity to mean anything, and the candidates' hour rows come from the
  (channel, user, hour) index, so the cost is bounded whatever the channel's size.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from storage.chatters_results import HourLeader, Peak, Ranks, Rival
from storage.engine import Store
from storage.local_hours import DAY_H, Offsets, span
from storage.memo import MEMO_TTL_S, Memo
from storage.models import from_ms
from storage.stats import Stats
from storage.stats_results import EmoteCount, HourCount, RisingChatter
from storage.stats_rollups import HOUR_MS, emote_names
from storage.windows import LAG_MS

LEADER_CANDIDATES = 200
RIVAL_CANDIDATES = 500
RIVAL_MIN_MESSAGES = 5
WRITER_MIN_MESSAGES = 20  # the writers leaderboard's minimum, pages and ranks alike
EMOTE_SAMPLE = 2_000  # a chatter's emotes are counted over this many latest messages
WEEK = timedelta(days=7)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine similarity of two vectors (0 when either is all zeros)."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


class Chatters:
    """Chat analytics for the dashboard and the API; answers are frozen dataclasses."""

    def __init__(self, db: Store, stats: Stats, *, memo_ttl_s: float = MEMO_TTL_S) -> None:
        self._db = db
        self._stats = stats
        self.memo = Memo(memo_ttl_s)  # also for the pages' leaderboards (one per database)
        self._by_user = db.dialect.indexed_by("chat_user_hours_user")

    async def _all(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self._db.fetch(sql, *params)]

    async def _bounds(self, channel_id: int) -> tuple[int, int] | None:
        """The first and last message of the channel in milliseconds (None: no chat); kept a
        minute (a scan of the channel's chatters). Hours after a kept end take the end's
        offset, which is right unless the zone changes its clock within that minute."""

        async def make() -> tuple[int, int] | None:
            row = await self._db.fetchrow(
                "SELECT min(first_at), max(last_at) FROM chat_users WHERE channel_id = $1",
                channel_id,
            )
            if row is None or row[0] is None:
                return None
            return int(row[0]), int(row[1])

        return await self.memo.get(("bounds", channel_id), make)

    async def _span(self, channel_id: int, tz: tzinfo) -> Offsets | None:
        """The zone's offsets over the channel's whole chat history (None: no chat)."""
        bounds = await self._bounds(channel_id)
        return None if bounds is None else span(tz, *bounds)

    # -- the channel ---------------------------------------------------------------------------

    async def hours_of_day(self, channel_id: int, tz: tzinfo) -> tuple[tuple[HourCount, ...], int]:
        """All-time messages per hour of the day on the channel's clock, and the days they span
        (kept a minute: a scan of the channel's hour rollup)."""
        return await self.memo.get(
            ("hours", channel_id, tz), lambda: self._hours_of_day(channel_id, tz)
        )

    async def _hours_of_day(self, channel_id: int, tz: tzinfo) -> tuple[tuple[HourCount, ...], int]:
        """All-time messages per hour of the day on the channel's clock, and the days they span.

        The average per day of an hour is its count divided by the days (at least 1)."""
        bounds = await self._bounds(channel_id)
        if bounds is None:
            return tuple(HourCount(h, 0) for h in range(DAY_H)), 0
        offsets = span(tz, *bounds)
        skip = await self._stats.left_out_clause(channel_id)

        async def read(lo: int, hi: int) -> Counter[int]:
            rows = await self._all(
                "SELECT hour, sum(messages) FROM chat_user_hours WHERE channel_id = $1 "
                f"AND hour >= $2 AND hour < $3{skip} GROUP BY hour",
                channel_id,
                lo,
                hi,
            )
            return Counter({int(hour): int(n) for hour, n in rows})

        # Every hour row of the channel, once; then only the hours after the kept ones.
        stable_hour = (bounds[1] - LAG_MS) // HOUR_MS
        per_hour = await self._stats.windows.hours(channel_id, stable_hour, skip=skip, read=read)
        counts: Counter[int] = Counter()
        for hour, n in per_hour.items():
            counts[offsets.local(hour)] += n
        days = max(1, -(-(bounds[1] - bounds[0]) // (DAY_H * HOUR_MS)))
        return tuple(HourCount(h, counts[h]) for h in range(DAY_H)), days

    async def hour_leaders(
        self, channel_id: int, tz: tzinfo, *, candidates: int = LEADER_CANDIDATES
    ) -> tuple[HourLeader, ...]:
        """Who sent the most messages in each hour of the day over all time (kept a minute)."""
        return await self.memo.get(
            ("leaders", channel_id, tz, candidates),
            lambda: self._hour_leaders(channel_id, tz, candidates),
        )

    async def _hour_leaders(
        self, channel_id: int, tz: tzinfo, candidates: int
    ) -> tuple[HourLeader, ...]:
        """Who sent the most messages in each hour of the day over all time (hours nobody
        chatted in are left out); ties go to the lower user id."""
        offsets = await self._span(channel_id, tz)
        if offsets is None:
            return ()
        skip = await self._stats.left_out_clause(channel_id)
        top = await self._all(
            f"SELECT user_id, messages FROM chat_users WHERE channel_id = $1{skip} "
            "ORDER BY messages DESC, user_id LIMIT $2",
            channel_id,
            candidates,
        )
        if not top:
            return ()
        bound = int(top[-1][1]) if len(top) == candidates else -1
        per: dict[int, Counter[int]] = defaultdict(Counter)
        vectors = await self._kept_vectors(channel_id, "leaders", [int(u) for u, _ in top], tz)
        for uid, vector in vectors.items():
            for h, n in enumerate(vector):
                if n:
                    per[h][uid] += n
        best = {h: _leader(c) for h, c in per.items()}
        undecided = [h for h in range(DAY_H) if h not in best or best[h][1] <= bound]
        if undecided:
            local = offsets.sql("hour")
            wanted = ", ".join(str(h) for h in undecided)
            full: dict[int, Counter[int]] = defaultdict(Counter)
            for h, uid, n in await self._all(
                f"SELECT {local} AS lh, user_id, sum(messages) FROM chat_user_hours "
                f"WHERE channel_id = $1{skip} AND {local} IN ({wanted}) GROUP BY lh, user_id",
                channel_id,
            ):
                full[int(h)][int(uid)] += int(n)
            for h in undecided:
                best.pop(h, None)
                if full[h]:
                    best[h] = _leader(full[h])
        logins = {u: await self._stats.login_of(channel_id, u) for u, _ in best.values()}
        return tuple(
            HourLeader(h, best[h][0], logins[best[h][0]], best[h][1]) for h in sorted(best)
        )

    # -- one chatter ---------------------------------------------------------------------------

    async def user_hours(self, channel_id: int, user_id: int, tz: tzinfo) -> tuple[int, ...]:
        """The chatter's all-time messages per hour of the day (24 counts, channel's clock)."""
        return (await self._vectors(channel_id, [user_id], tz)).get(user_id, (0,) * DAY_H)

    async def _vectors(
        self, channel_id: int, user_ids: Sequence[int], tz: tzinfo
    ) -> dict[int, tuple[int, ...]]:
        offsets = await self._span(channel_id, tz)
        if offsets is None or not user_ids:
            return {}
        out: dict[int, list[int]] = {}
        for uid, hour, n in await self._all(
            f"SELECT user_id, hour, messages FROM chat_user_hours {self._by_user} "
            f"WHERE channel_id = $1 AND user_id IN ({_id_list(user_ids)})",
            channel_id,
        ):
            out.setdefault(int(uid), [0] * DAY_H)[offsets.local(int(hour))] += int(n)
        return {u: tuple(v) for u, v in out.items()}

    async def _kept_vectors(
        self, channel_id: int, key: str, user_ids: Sequence[int], tz: tzinfo
    ) -> dict[int, tuple[int, ...]]:
        """`_vectors` of the busiest chatters, their hours before the last minutes kept from
        one minute to the next (`storage.windows`): only the newest hour rows are read."""
        bounds = await self._bounds(channel_id)
        if bounds is None or not user_ids:
            return {}
        offsets = span(tz, *bounds)

        async def read(users: Sequence[int], lo: int, hi: int) -> list[tuple[int, int, int]]:
            rows = await self._all(
                f"SELECT user_id, hour, messages FROM chat_user_hours {self._by_user} "
                f"WHERE channel_id = $1 AND user_id IN ({_id_list(users)}) "
                "AND hour >= $2 AND hour < $3",
                channel_id,
                lo,
                hi,
            )
            return [(int(u), int(h), int(n)) for u, h, n in rows]

        stable_hour = (bounds[1] - LAG_MS) // HOUR_MS
        return await self._stats.windows.vectors(
            channel_id, (key, tz), user_ids, stable_hour, read=read, local=offsets.local
        )

    async def peak(self, channel_id: int, user_id: int) -> Peak | None:
        """The clock hour in which the chatter sent the most messages (the earliest on a tie)."""
        row = await self._db.fetchrow(
            f"SELECT hour, messages FROM chat_user_hours {self._by_user} WHERE channel_id = $1 "
            "AND user_id = $2 ORDER BY messages DESC, hour LIMIT 1",
            channel_id,
            user_id,
        )
        if row is None:
            return None
        start = from_ms(int(row[0]) * HOUR_MS)
        assert start is not None
        return Peak(start, int(row[1]))

    async def user_emotes(
        self, channel_id: int, user_id: int, *, limit: int = 5, sample: int = EMOTE_SAMPLE
    ) -> tuple[EmoteCount, ...]:
        """The emotes the chatter used most in their latest `sample` messages."""
        counts: Counter[str] = Counter()
        for (emotes,) in await self._all(
            "SELECT emotes FROM (SELECT emotes FROM chat_messages WHERE channel_id = $1 "
            "AND user_id = $2 ORDER BY sent_at DESC LIMIT $3) AS latest WHERE emotes != ''",
            channel_id,
            user_id,
            sample,
        ):
            counts.update(emote_names(str(emotes)))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return tuple(EmoteCount(name, n) for name, n in ranked)

    async def rivals(
        self, channel_id: int, user_id: int, tz: tzinfo, *, limit: int = 5
    ) -> tuple[Rival, ...]:
        """The chatters whose all-time hour-of-day activity is most like this chatter's."""
        messages, vectors = await self._rival_candidates(channel_id, tz)
        mine = (await self._vectors(channel_id, [user_id], tz)).get(user_id)
        if mine is None:
            return ()
        scored = sorted(
            (
                (cosine(mine, vectors[u]), u)
                for u in list(messages)[: RIVAL_CANDIDATES + 1]
                if u != user_id
            ),
            key=lambda su: (-su[0], su[1]),
        )[:limit]
        return tuple(
            [
                Rival(u, await self._stats.login_of(channel_id, u), round(s, 4), messages[u])
                for s, u in scored
                if s > 0
            ]
        )

    async def _rival_candidates(
        self, channel_id: int, tz: tzinfo
    ) -> tuple[dict[int, int], dict[int, tuple[int, ...]]]:
        """The busiest chatters (one more than the candidates, so that a chatter among them
        still has `RIVAL_CANDIDATES` others) and their vectors; the same on every chatter's
        page, so made once a minute."""

        async def make() -> tuple[dict[int, int], dict[int, tuple[int, ...]]]:
            skip = await self._stats.left_out_clause(channel_id)
            top = await self._all(
                f"SELECT user_id, messages FROM chat_users WHERE channel_id = $1{skip} "
                "AND messages >= $2 ORDER BY messages DESC, user_id LIMIT $3",
                channel_id,
                RIVAL_MIN_MESSAGES,
                RIVAL_CANDIDATES + 1,
            )
            messages = {int(u): int(n) for u, n in top}
            return messages, await self._kept_vectors(channel_id, "rivals", list(messages), tz)

        return await self.memo.get(("rivals", channel_id, tz), make)

    async def _weeks(
        self, channel_id: int, now: datetime
    ) -> tuple[Counter[int], tuple[RisingChatter, ...]]:
        counts, before = await self._stats.period_counts(channel_id, now=now, period=WEEK)
        return counts, await self._stats.rising_of(channel_id, counts, before, limit=10)

    async def ranks(
        self,
        channel_id: int,
        user_id: int,
        tz: tzinfo,
        *,
        now: datetime,
        writer_min: int = WRITER_MIN_MESSAGES,
    ) -> Ranks:
        """The chatter's place on every leaderboard the dashboard shows."""
        stats = self._stats
        skip = await stats.left_out_clause(channel_id)
        mine = await self._db.fetchrow(
            "SELECT messages, chars FROM chat_users WHERE channel_id = $1 AND user_id = $2",
            channel_id,
            user_id,
        )
        if mine is None:
            return Ranks(None, None, None, None, ())
        messages, chars = int(mine[0]), int(mine[1])
        above = await self._db.fetchval(
            f"SELECT count(*) FROM chat_users WHERE channel_id = $1{skip} AND messages > $2",
            channel_id,
            messages,
        )
        writer = None
        if messages >= writer_min:
            # Longer average: chars * mine_messages > mine_chars * messages (integers, exact).
            longer = await self._db.fetchval(
                f"SELECT count(*) FROM chat_users WHERE channel_id = $1{skip} "
                "AND messages >= $2 AND chars * $3 > $4 * messages",
                channel_id,
                writer_min,
                messages,
                chars,
            )
            writer = 1 + int(longer)
        # The week and the week before, read once for both the week's rank and the rising
        # place, kept a minute (every chatter's page shares them: 20,000 chatters' counts are
        # still tens of milliseconds to copy and rank); made again, they slide on from the last
        # ones (`storage.windows`) instead of reading two weeks of rollup rows.
        counts, rising = await self.memo.get(
            ("weeks", channel_id), lambda: self._weeks(channel_id, now)
        )
        mine_week = counts.get(user_id, 0)
        week = 1 + sum(1 for n in counts.values() if n > mine_week) if mine_week else None
        place = next((i + 1 for i, r in enumerate(rising) if r.user_id == user_id), None)
        leaders = await self.hour_leaders(channel_id, tz)
        led = tuple(h.hour for h in leaders if h.user_id == user_id)
        return Ranks(1 + int(above), week, writer, place, led)


def _id_list(user_ids: Iterable[int]) -> str:
    """User ids written into the statement (integers made here): SQLite then walks the
    (channel, user, hour) index once per id, where a JSON list parameter made it test every
    row of the channel against the list."""
    return ", ".join(str(int(u)) for u in user_ids) or "NULL"


def _leader(counts: Counter[int]) -> tuple[int, int]:
    uid = min(counts, key=lambda u: (-counts[u], u))
    return uid, counts[uid]
