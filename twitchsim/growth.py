"""Twitch's user-id growth curve: which id an account created at a given moment gets.

Twitch hands out user ids in creation order, so an id tells roughly when an account was made.
The anchors below follow what public account samples show (Justin.tv ids before 2011, about 19M
at Twitch's launch, 54M in 2014, 143M in 2017, 218M in mid-2018, the 2018-2020 boom, ~890M in
2023, past 1.2 billion in 2026). Between anchors the curve is linear, which makes signups
uniform inside a segment; past the last anchor it extends with the last slope.

Ids below ``FIRST_ID`` are never produced by the curve: the simulator keeps them for its own
fixed users (bot, streamer, moderators).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime

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
