"""Farm remnants: the few accounts a farm made near its main sitting, on days nobody else did.

A farm seldom makes every account in one chain of minutes: a few are made 20-80 minutes before or
after the main burst (a break, a second attempt). When the burst sits on days whose expected
count is far below one (an old era, a small audience), an account created within
`REMNANT_GAP` of the burst, with an id where Twitch's id clock puts that moment, is the same
farm's straggler: ordinary signups there are expected about `rate * window` times, a few
hundredths. On busy days that expectation is not small and nothing is flagged this way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from reports.bursts import Chain

DAY = 86_400
REMNANT_GAP = 2 * 3600  # seconds either side of a burst
REMNANT_MAX_RATE = 0.25  # expected accounts a day: "far below one"
ID_SLACK = 0.5  # an id may stray this share of the time gap's ids from where the clock puts it
ID_SLACK_MIN_S = 600  # ... and at least ten minutes' worth of ids


def find_remnants(
    seconds: npt.NDArray[np.float64],
    user_ids: npt.NDArray[np.int64],
    chains: Sequence[Chain],
    daily_rate: npt.NDArray[np.float64],
    *,
    first_day: int,
    ids_per_day: npt.NDArray[np.float64] | None = None,
) -> dict[int, int]:
    """Return index -> chain index for accounts that are remnants of a burst.

    `seconds` are the time-sorted creation times, `user_ids` their ids; `daily_rate` the wave
    baseline per day from `first_day`; `ids_per_day` the platform's ids per day on the same axis
    (NaN where unknown; then the burst's own id pace is used).
    """
    out: dict[int, int] = {}
    if not chains:
        return out
    in_chain = np.zeros(len(seconds), dtype=bool)
    for c in chains:
        in_chain[c.first : c.last + 1] = True
    n_days = len(daily_rate)
    for k, c in enumerate(chains):
        t0, t1 = float(seconds[c.first]), float(seconds[c.last])
        d0 = min(max(int((t0 - REMNANT_GAP) // DAY) - first_day, 0), n_days - 1)
        d1 = min(max(int((t1 + REMNANT_GAP) // DAY) - first_day, 0), n_days - 1)
        if float(daily_rate[d0 : d1 + 1].max()) > REMNANT_MAX_RATE:
            continue  # busy days: ordinary signups are expected this close
        pace = _id_pace(c, seconds, user_ids, ids_per_day, int(t0 // DAY) - first_day)
        lo = int(np.searchsorted(seconds, t0 - REMNANT_GAP, side="left"))
        hi = int(np.searchsorted(seconds, t1 + REMNANT_GAP, side="right"))
        id0, id1 = (
            int(user_ids[c.first : c.last + 1].min()),
            int(user_ids[c.first : c.last + 1].max()),
        )
        for i in range(lo, hi):
            if in_chain[i] or i in out:
                continue
            t = float(seconds[i])
            dt, edge = (t0 - t, id0) if t < t0 else (t - t1, id1)
            predicted = edge - pace * dt if t < t0 else edge + pace * dt
            if abs(int(user_ids[i]) - predicted) <= pace * max(ID_SLACK * dt, ID_SLACK_MIN_S):
                out[i] = k
    return out


def _id_pace(
    c: Chain,
    seconds: npt.NDArray[np.float64],
    user_ids: npt.NDArray[np.int64],
    ids_per_day: npt.NDArray[np.float64] | None,
    day: int,
) -> float:
    """Return Twitch's ids per second around a burst."""
    if ids_per_day is not None and 0 <= day < len(ids_per_day) and np.isfinite(ids_per_day[day]):
        return max(float(ids_per_day[day]) / DAY, 1e-6)
    span = float(seconds[c.last] - seconds[c.first])
    ids = float(user_ids[c.last] - user_ids[c.first])
    return max(ids / span, 1e-6) if span > 0 else 1.0
