"""Bursts: accounts created within minutes of each other, the mark of one sitting.

Chatters are sorted by creation time and chained while the gap to the next one is at most
`LINK_GAP`. A chain of at least `MIN_BURST` accounts is a burst when its size is improbable for
the audience's own creation rate on those days (the wave baseline, per second) over the chain's
span plus one gap: a Poisson upper tail below `FAMILY_ALPHA` divided by the number of
gap-sized slots in the audience's time range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reports.stats import poisson_log_sf, tail_not_below

LINK_GAP = 15 * 60  # seconds; a farm script signing up accounts by hand-solved captchas
MIN_BURST = 5
FAMILY_ALPHA = 1e-3
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Chain:
    """A detected burst, as a slice [first, last] of the time-sorted accounts."""

    first: int
    last: int  # inclusive
    expected: float
    log_p: float

    @property
    def count(self) -> int:
        return self.last - self.first + 1


def find_bursts(
    seconds: npt.NDArray[np.float64],
    daily_rate: npt.NDArray[np.float64],
    first_day: int,
) -> list[Chain]:
    """Return bursts among `seconds` (sorted epoch seconds), earliest first.

    `daily_rate[d - first_day]` is the expected number of accounts created on epoch day `d`.
    """
    n = len(seconds)
    if n < MIN_BURST:
        return []
    slots = max(1.0, float(seconds[-1] - seconds[0]) / LINK_GAP)
    log_alpha = math.log(FAMILY_ALPHA / slots)
    breaks = np.nonzero(np.diff(seconds) > LINK_GAP)[0]
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [n - 1]))
    big = np.nonzero(ends - starts + 1 >= MIN_BURST)[0]
    chains: list[Chain] = []
    for k in big.tolist():
        first, last = int(starts[k]), int(ends[k])
        span = float(seconds[last] - seconds[first]) + LINK_GAP
        day = int(seconds[first] // DAY) - first_day
        day = min(max(day, 0), len(daily_rate) - 1)
        expected = float(daily_rate[day]) * span / DAY
        count = last - first + 1
        if tail_not_below(count, expected, log_alpha):
            continue
        log_p = poisson_log_sf(count, expected)
        if log_p < log_alpha:
            chains.append(Chain(first, last, expected, log_p))
    return chains
