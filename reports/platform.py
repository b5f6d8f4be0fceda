"""Twitch-wide signups by day, read from the user ids of any sample of accounts.

Twitch hands out user ids in creation order, so the ids handed out between two moments are the
platform's signups in between: the slope of user id against creation time *is* Twitch's signup
rate, whoever the sample's accounts are. A console launch that doubles Twitch's signups for
three days doubles that slope for three days, in every audience at once; a farm of a few
thousand accounts barely moves it (Twitch signs up hundreds of thousands a day), so a farm in the
sample cannot excuse itself.

`signup_rates` turns any sample (every account the cache ever looked up, or one audience's own
chatters) into ids per day; `SignupRates.factors` says, for each day of an analysis' day axis,
how far the platform ran above its own usual rate around that day. The wave baseline is
multiplied by that factor, so a platform-wide event day is expected, not a wave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

DAY = 86_400
REFERENCE_HALF_WIDTH = 45  # days either side that set the platform's usual rate
REFERENCE_GAP = 7  # days either side left out of it, so an event does not raise its own bar
MIN_FACTOR = 1.15  # smaller rises are interpolation noise and growth, not events
MAX_FACTOR = 5.0
MAX_GAP_DAYS = 14  # two sample points further apart than this say nothing about single days


@dataclass(frozen=True, slots=True)
class SignupRates:
    """Platform signups (user ids handed out) per UTC day, NaN where the sample is silent."""

    first_day: int  # epoch day of `ids_per_day[0]`
    ids_per_day: tuple[float, ...]
    accounts: int  # sample size

    def factors(self, first_day: int, last_day: int) -> FloatArray:
        """Return, for days first_day..last_day, the platform's rate over its usual rate (>= 1)."""
        rates = np.asarray(self.ids_per_day, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = rates / _reference(rates)
        out = _on_axis(
            np.where(np.isfinite(ratio), ratio, 1.0), self.first_day, first_day, last_day
        )
        out = np.where(np.isfinite(out) & (out >= MIN_FACTOR), np.minimum(out, MAX_FACTOR), 1.0)
        return out

    def on_axis(self, first_day: int, last_day: int) -> FloatArray:
        """Return ids per day for days first_day..last_day (NaN where unknown)."""
        rates = np.asarray(self.ids_per_day, dtype=np.float64)
        return _on_axis(rates, self.first_day, first_day, last_day)


def signup_rates(sample: Iterable[tuple[int, datetime]]) -> SignupRates:
    """Return platform signups per day from (user id, created_at) pairs of any accounts."""
    pairs = [(c.astimezone(UTC).timestamp(), uid) for uid, c in sample]
    t = np.array([p[0] for p in pairs], dtype=np.float64)
    ids = np.array([p[1] for p in pairs], dtype=np.float64)
    return signup_rates_from(t, ids)


def signup_rates_from(
    seconds: npt.NDArray[np.float64], user_ids: npt.NDArray[np.float64] | npt.NDArray[np.int64]
) -> SignupRates:
    """Return platform signups per day from creation times (epoch seconds) and their user ids."""
    if len(seconds) < 2:
        return SignupRates(0, (), len(seconds))
    order = np.lexsort((user_ids, seconds))
    t = np.asarray(seconds, dtype=np.float64)[order]
    # Ids rise with time; a few out of order (reserved blocks, clock quirks) must not make the
    # curve run backwards, so the running maximum is the curve.
    ids = np.maximum.accumulate(np.asarray(user_ids, dtype=np.float64)[order])
    first_day = int(t[0] // DAY)
    last_day = int(t[-1] // DAY)
    edges = np.arange(first_day, last_day + 2, dtype=np.float64) * DAY
    at_edges = np.interp(edges, t, ids)
    per_day = np.diff(at_edges)
    # A day is known only when sample points close around it pin the curve there.
    nxt = np.searchsorted(t, edges[1:], side="left")
    prv = np.searchsorted(t, edges[:-1], side="right") - 1
    gap = t[np.clip(nxt, 0, len(t) - 1)] - t[np.clip(prv, 0, len(t) - 1)]
    known = (nxt < len(t)) & (prv >= 0) & (gap <= MAX_GAP_DAYS * DAY)
    per_day = np.where(known, per_day, np.nan)
    return SignupRates(first_day, tuple(per_day.tolist()), len(t))


def _on_axis(values: FloatArray, own_first: int, first_day: int, last_day: int) -> FloatArray:
    out = np.full(last_day - first_day + 1, np.nan)
    lo = max(first_day, own_first)
    hi = min(last_day, own_first + len(values) - 1)
    if lo <= hi:
        out[lo - first_day : hi - first_day + 1] = values[lo - own_first : hi - own_first + 1]
    return out


def _reference(rates: FloatArray) -> FloatArray:
    """Return each day's usual platform rate: the mean of days 8..45 before and after it."""
    n = len(rates)
    ok = np.isfinite(rates)
    values = np.where(ok, rates, 0.0)
    csum = np.concatenate(([0.0], np.cumsum(values)))
    cnt = np.concatenate(([0.0], np.cumsum(ok.astype(np.float64))))
    idx = np.arange(n)
    total = np.zeros(n)
    days = np.zeros(n)
    for lo_off, hi_off in (
        (-REFERENCE_HALF_WIDTH, -REFERENCE_GAP - 1),
        (REFERENCE_GAP + 1, REFERENCE_HALF_WIDTH),
    ):
        lo = np.clip(idx + lo_off, 0, n)
        hi = np.clip(idx + hi_off + 1, 0, n)
        total += csum[hi] - csum[lo]
        days += cnt[hi] - cnt[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        ref: FloatArray = np.where(days >= 10, total / np.maximum(days, 1.0), np.nan)
    return ref
