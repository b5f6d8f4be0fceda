"""Messages per chatter over a sliding window (the last 24 hours, 7 or 30 days), kept and moved
instead of read again.

A week's counts per chatter read every (chatter, day) rollup row of the week: on a busy
channel over a hundred thousand rows, hundreds of milliseconds. As the window slides, the
counts for [lo, hi) become the kept counts for [kept_lo, kept_stable) plus what was sent in
[kept_stable, stable) minus what was sent in [kept_lo, lo): two short reads. Only the window's
part older than `LAG_MS` is kept ("stable"); the newest minutes are read each time, as the
recorder writes in batches a few seconds late.

The answer stays exact: a kept entry is used only while the channel holds exactly as many
messages sent before its `stable` edge as when it was made (the all-time rollup total, minus the
raw messages since the edge when anything arrived since), so a late or backfilled message inside
the kept part makes it read again. A window that jumped (more than half its width) is read
again too. Cost on a live channel: that count of raw messages since the edge, an index range
(for the week before a week, a week of messages; counted, not grouped).

The channel's all-time messages per UTC hour (the chat page's hours of the day) are a window
whose left edge never moves: kept the same way (`hours`), each request reads only the hour
rows after the kept edge instead of every hour row the channel ever had (~250 ms on a
1,000,000-message channel, a few ms after). So are the busiest chatters' all-time messages per
hour of the day on the channel's clock (`vectors`: hour leaders and rivals), whose hour rows
took 80-200 ms to read whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass

from storage.engine import Store

LAG_MS = 10 * 60 * 1000
KEPT_PER_KEY = 4  # e.g. this week and the week before (rising) share a width
HOUR_MS = 3_600_000

Read = Callable[[int, int], Awaitable[Counter[int]]]
# (user, UTC hour, messages) rows of these users in the hours [a, b).
ReadUsers = Callable[[Sequence[int], int, int], Awaitable[list[tuple[int, int, int]]]]


@dataclass(frozen=True, slots=True)
class _Kept:
    lo: int
    stable: int
    total: int  # the channel's messages when the counts were read
    before: int  # of them, those sent before `stable`
    counts: Counter[int]


@dataclass(frozen=True, slots=True)
class _KeptHours:
    stable_hour: int  # the counts hold every hour before this one
    total: int  # the channel's messages when the counts were read
    before: int  # of them, those sent before `stable_hour`
    counts: Counter[int]  # messages per UTC hour since the epoch


@dataclass(frozen=True, slots=True)
class _KeptVectors:
    stable_hour: int  # the vectors hold every hour before this one
    total: int
    before: int
    vectors: dict[int, tuple[int, ...]]  # per chatter, messages per hour of the day


class SlidingCounts:
    """Kept per-chatter counts of windows, one small list per (channel, width, left-out), and
    each channel's all-time counts per hour."""

    def __init__(self, db: Store) -> None:
        self._db = db
        self._kept: dict[tuple[int, int, str], list[_Kept]] = {}
        self._hours: dict[tuple[int, str], _KeptHours] = {}
        self._vectors: dict[tuple[int, Hashable], _KeptVectors] = {}

    def clear(self) -> None:
        """Forget every kept window (the next request reads its window whole)."""
        self._kept.clear()
        self._hours.clear()
        self._vectors.clear()

    async def _still(
        self, channel_id: int, total: int, kept_total: int, edge: int, before: int
    ) -> bool:
        """True while the channel holds as many messages before `edge` (ms) as when kept."""
        if total == kept_total:
            return True
        return await self._sent_before(channel_id, total, edge) == before

    async def _total(self, channel_id: int) -> int:
        """The channel's messages ever stored (the all-time rollup: a row per chatter)."""
        total = await self._db.fetchval(
            "SELECT COALESCE(sum(messages), 0) FROM chat_users WHERE channel_id = $1", channel_id
        )
        return int(total)

    async def _sent_before(self, channel_id: int, total: int, at: int) -> int:
        """Of the channel's `total` messages, those sent before `at` (counts the ones after)."""
        after = await self._db.fetchval(
            "SELECT count(*) FROM chat_messages WHERE channel_id = $1 AND sent_at >= $2",
            channel_id,
            at,
        )
        return total - int(after)

    async def _sent_between(self, channel_id: int, lo: int, hi: int) -> int:
        found = await self._db.fetchval(
            "SELECT count(*) FROM chat_messages WHERE channel_id = $1 AND sent_at >= $2 "
            "AND sent_at < $3",
            channel_id,
            lo,
            hi,
        )
        return int(found)

    async def counts(
        self, channel_id: int, lo: int, hi: int, *, skip: str, read: Read
    ) -> Counter[int]:
        """Messages per chatter in [lo, hi); `read(a, b)` counts [a, b) from the database."""
        width = hi - lo
        stable = max(lo, hi - LAG_MS)
        key = (channel_id, width, skip)
        kept = self._kept.setdefault(key, [])
        usable = [k for k in kept if k.lo <= lo <= k.stable <= stable and lo - k.lo <= width // 2]
        base = max(usable, key=lambda k: k.lo) if usable else None
        total = await self._total(channel_id)  # before reading: a race makes the next re-read
        if (
            base is not None
            and total != base.total
            and await self._sent_before(channel_id, total, base.stable) != base.before
        ):
            base = None  # a message arrived late inside the kept part: read it whole
        if base is None:
            before = await self._sent_before(channel_id, total, stable)
        else:  # the kept part holds: add what was sent between its edge and the new one
            before = base.before + await self._sent_between(channel_id, base.stable, stable)
        if base is None:
            counts = await read(lo, stable)
        else:
            counts = Counter(base.counts)
            counts.update(await read(base.stable, stable))
            counts.subtract(await read(base.lo, lo))
            counts = +counts
            kept.remove(base)
        kept.append(_Kept(lo, stable, total, before, counts))
        del kept[:-KEPT_PER_KEY]
        out = Counter(counts)
        out.update(await read(stable, hi))
        return out

    async def hours(
        self, channel_id: int, stable_hour: int, *, skip: str, read: Read
    ) -> Counter[int]:
        """All-time messages per UTC hour; `read(a, b)` counts the hours [a, b) from the
        database. Hours before `stable_hour` are kept for the next call (which must not ask
        for an earlier one to reuse them)."""
        key = (channel_id, skip)
        base = self._hours.get(key)
        total = await self._total(channel_id)  # before reading: a race makes the next re-read
        if base is not None and (
            base.stable_hour > stable_hour
            or (
                total != base.total
                and await self._sent_before(channel_id, total, base.stable_hour * HOUR_MS)
                != base.before
            )
        ):
            base = None  # the clock went back, or a message arrived inside the kept hours
        stable = stable_hour * HOUR_MS
        if base is None:
            before = await self._sent_before(channel_id, total, stable)
            counts = await read(0, stable_hour)
        else:
            before, counts = base.before, base.counts
            if base.stable_hour < stable_hour:  # the kept edge moves on: read the hours between
                before += await self._sent_between(channel_id, base.stable_hour * HOUR_MS, stable)
                counts = Counter(base.counts)
                counts.update(await read(base.stable_hour, stable_hour))
        self._hours[key] = _KeptHours(stable_hour, total, before, counts)
        out = Counter(counts)
        out.update(await read(stable_hour, _END_OF_TIME))
        return out

    async def vectors(
        self,
        channel_id: int,
        key: Hashable,
        user_ids: Sequence[int],
        stable_hour: int,
        *,
        read: ReadUsers,
        local: Callable[[int], int],
    ) -> dict[int, tuple[int, ...]]:
        """All-time messages per hour of the day (`local` maps a UTC hour to it) of each of
        `user_ids` that ever chatted; the hours before `stable_hour` are kept under `key` for
        the next call, for these users only (one entering later is read whole)."""
        k = (channel_id, key)
        base = self._vectors.get(k)
        total = await self._total(channel_id)
        if base is not None and (
            base.stable_hour > stable_hour
            or not await self._still(
                channel_id, total, base.total, base.stable_hour * HOUR_MS, base.before
            )
        ):
            base = None
        stable = stable_hour * HOUR_MS
        grown: dict[int, list[int]] = {}

        def add(rows: list[tuple[int, int, int]]) -> None:
            for uid, hour, n in rows:
                grown.setdefault(uid, [0] * 24)[local(hour)] += n

        if base is None:
            before = await self._sent_before(channel_id, total, stable)
            add(await read(user_ids, 0, stable_hour))
        else:
            before = base.before
            fresh = [u for u in user_ids if u not in base.vectors]
            for u in user_ids:
                if u in base.vectors:
                    grown[u] = list(base.vectors[u])
            if fresh:
                add(await read(fresh, 0, base.stable_hour))
            if base.stable_hour < stable_hour:  # the kept edge moves on: read the hours between
                before += await self._sent_between(channel_id, base.stable_hour * HOUR_MS, stable)
                add(await read(user_ids, base.stable_hour, stable_hour))
        kept = {u: tuple(v) for u, v in grown.items()}
        self._vectors[k] = _KeptVectors(stable_hour, total, before, kept)
        add(await read(user_ids, stable_hour, _END_OF_TIME))
        return {u: tuple(v) for u, v in grown.items()}


_END_OF_TIME = 2**53  # hours: later than any message
