"""Twitch's user-id growth curve: which id an account created at a given moment gets.

Twitch hands out user ids in creation order, so an id tells roughly when an account was made.
The anchors below follow what public account samples show (Justin.tv ids before 2011, about 19M
at Twitch's launch, 54M in 2014, 143M in 2017, 218M in mid-2018, the 2018-2020 boom, ~890M in
2023, past 1.2 billion in 2026). Between anchors the curve is linear, which makes signups
uniform inside a segment; past the last anchor it extends with the last slope.

Ids below ``FIRST_ID`` are never produced by the curve: the simulator keeps them for its own
fixed users (bot, streamer, moderators).

`Growth` is the same curve with platform-wide event days (a console launch, a big streamer's
event): for a few days Twitch signs up 2-3 times as many accounts as usual, and the ids run
that much faster. The anchors stay where they are; the rest of the year is a little slower. The
module-level functions are the curve without events.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

FIRST_ID = 10_000

_ANCHORS: tuple[tuple[datetime, int], ...] = tuple(
    (datetime(y, m, d, tzinfo=UTC), i)
    for (y, m, d), i in (
        ((2007, 3, 19), FIRST_ID),  # Justin.tv opens
        ((2009, 1, 1), 6_000_000),
        ((2011, 6, 6), 19_000_000),  # Twitch launches
        ((2012, 6, 1), 28_500_000),
        ((2013, 6, 1), 40_000_000),
        ((2014, 6, 1), 54_000_000),
        ((2015, 6, 1), 82_000_000),
        ((2016, 6, 1), 113_000_000),
        ((2017, 6, 1), 143_000_000),
        ((2018, 6, 1), 218_000_000),
        ((2019, 6, 1), 420_000_000),
        ((2020, 6, 1), 540_000_000),
        ((2021, 6, 1), 690_000_000),
        ((2022, 6, 1), 790_000_000),
        ((2023, 6, 1), 890_000_000),
        ((2024, 6, 1), 1_020_000_000),
        ((2025, 6, 1), 1_145_000_000),
        ((2026, 6, 1), 1_265_000_000),
        ((2027, 6, 1), 1_380_000_000),
    )
)
_TIMES: tuple[float, ...] = tuple(t.timestamp() for t, _ in _ANCHORS)
_IDS: tuple[int, ...] = tuple(i for _, i in _ANCHORS)
EPOCH: datetime = _ANCHORS[0][0]


def _segment(values: tuple[float, ...] | tuple[int, ...], x: float) -> int:
    return min(max(bisect_right(values, x) - 1, 0), len(values) - 2)


def id_at(ts: float) -> int:
    """Return the id for epoch seconds ``ts`` (fast path of `id_for_date`)."""
    if ts <= _TIMES[0]:
        return FIRST_ID
    k = _segment(_TIMES, ts)
    t0, t1, i0, i1 = _TIMES[k], _TIMES[k + 1], _IDS[k], _IDS[k + 1]
    return int(i0 + (ts - t0) * (i1 - i0) / (t1 - t0))


def ts_at(user_id: int) -> float:
    """Return epoch seconds for ``user_id`` (fast path of `date_for_id`)."""
    if user_id <= FIRST_ID:
        return _TIMES[0]
    k = _segment(_IDS, user_id)
    t0, t1, i0, i1 = _TIMES[k], _TIMES[k + 1], _IDS[k], _IDS[k + 1]
    return t0 + (user_id - i0) * (t1 - t0) / (i1 - i0)


def id_for_date(when: datetime) -> int:
    """Return the user id Twitch would give an account created at ``when`` (monotonic)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC timestamps")
    return id_at(when.timestamp())


def date_for_id(user_id: int) -> datetime:
    """Return when an account with ``user_id`` was created (inverse of `id_for_date`)."""
    return datetime.fromtimestamp(ts_at(user_id), UTC)


def ids_per_second(ts: float) -> float:
    """Return the signup rate (ids per second) at epoch seconds ``ts``."""
    k = _segment(_TIMES, ts)
    return (_IDS[k + 1] - _IDS[k]) / (_TIMES[k + 1] - _TIMES[k])


# --- platform-wide event days -------------------------------------------------------------------

_DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class PlatformEvent:
    """Days on which Twitch as a whole signed up `factor` times its usual number of accounts."""

    start: datetime  # a UTC midnight
    days: int
    factor: float

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)


def platform_events(seed: str = "twitch", *, first_year: int = 2015) -> tuple[PlatformEvent, ...]:
    """Return the platform's event days from `first_year` to late 2026, the same for every audience.

    About one or two a year, each 2-4 days at 2-3 times the usual signups.
    """
    rng = random.Random(f"platform-events:{seed}")
    out = []
    for year in range(first_year, 2027):
        for _ in range(rng.choice((1, 1, 2))):
            day = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 320))
            out.append(PlatformEvent(day, rng.randint(2, 4), rng.uniform(2.0, 3.0)))
    out.sort(key=lambda e: e.start)
    merged: list[PlatformEvent] = []
    for e in out:  # overlapping events would double-count: keep the first
        if merged and e.start < merged[-1].end:
            continue
        merged.append(e)
    return tuple(merged)


class Growth:
    """The id curve with event days: ids run `factor` times faster on them, anchors kept."""

    def __init__(self, events: Sequence[PlatformEvent] = ()) -> None:
        self.events = tuple(sorted(events, key=lambda e: e.start))
        times: list[float] = []
        ids: list[float] = []
        for k in range(len(_TIMES) - 1):
            t0, t1, i0, i1 = _TIMES[k], _TIMES[k + 1], _IDS[k], _IDS[k + 1]
            # Breakpoints of the weight inside the segment: weight 1, or `factor` on event days.
            cuts = [(t0, 1.0)]
            for e in self.events:
                a, b = max(e.start.timestamp(), t0), min(e.end.timestamp(), t1)
                if a < b:
                    cuts += [(a, e.factor), (b, 1.0)]
            cuts.sort()
            pts = [(t0, 0.0)]
            w = 0.0
            for (a, weight), (b, _) in zip(cuts, [*cuts[1:], (t1, 1.0)], strict=True):
                w += (b - a) * weight
                pts.append((b, w))
            total = w
            for t, cum in pts[:-1] if k < len(_TIMES) - 2 else pts:
                if times and t <= times[-1]:
                    continue
                times.append(t)
                ids.append(i0 + (i1 - i0) * cum / total)
        self._times = tuple(times)
        self._ids = tuple(ids)

    def id_at(self, ts: float) -> int:
        """Return the id for epoch seconds ``ts``."""
        if ts <= self._times[0]:
            return FIRST_ID
        k = _segment(self._times, ts)
        t0, t1, i0, i1 = self._times[k], self._times[k + 1], self._ids[k], self._ids[k + 1]
        return int(i0 + (ts - t0) * (i1 - i0) / (t1 - t0))

    def ts_at(self, user_id: int) -> float:
        """Return epoch seconds for ``user_id``."""
        if user_id <= FIRST_ID:
            return self._times[0]
        k = _segment(self._ids, user_id)
        t0, t1, i0, i1 = self._times[k], self._times[k + 1], self._ids[k], self._ids[k + 1]
        return t0 + (user_id - i0) * (t1 - t0) / (i1 - i0)

    def ids_per_day(self, ts: float) -> float:
        """Return the signups (ids) handed out during the day that starts at ``ts``."""
        return float(self.id_at(ts + _DAY_S) - self.id_at(ts))


PLAIN = Growth()
EVENTFUL = Growth(platform_events())
