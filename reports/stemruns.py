"""Stem runs: accounts sharing a login stem, made within a few days, more than chance allows.

A farm made over several days in short sessions, in a large audience, can stay under the wave
and burst thresholds: a few accounts a day among hundreds of ordinary signups. Its logins still
share a stem (`sweetangel123`, `sweetangel_88`). For every stem held by at least `MIN_RUN`
accounts, the busiest `WINDOW_DAYS` window is tested: its count against the stem's own share of
the audience times the audience's expected signups in that window (the wave baseline), with a
Poisson tail below `FAMILY_ALPHA` over the number of stems and windows tested. A common stem
spread over years stays quiet; a stem that appears only on a few days does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reports.stats import poisson_log_sf, tail_not_below

MIN_RUN = 5
WINDOW_DAYS = 7
FAMILY_ALPHA = 1e-3


@dataclass(frozen=True, slots=True)
class Run:
    """Indexes (into the time-sorted accounts) of one stem run."""

    stem: str
    members: tuple[int, ...]
    first_day: int  # index into the day axis
    last_day: int
    expected: float
    log_p: float


def find_stem_runs(
    stems: list[str | None], day_index: npt.NDArray[np.int64], rate: npt.NDArray[np.float64]
) -> list[Run]:
    """Return stem runs among accounts with these stems (None: no stem) on these days."""
    group_of: dict[str, int] = {}
    ids = [-1 if s is None else group_of.setdefault(s, len(group_of)) for s in stems]
    return find_grouped_stem_runs(np.array(ids, dtype=np.int64), list(group_of), day_index, rate)


def find_grouped_stem_runs(
    stem_ids: npt.NDArray[np.int64],
    names: list[str],
    day_index: npt.NDArray[np.int64],
    rate: npt.NDArray[np.float64],
) -> list[Run]:
    """Return stem runs among accounts whose stems are `names[stem_ids]` (-1: no stem).

    The stems were numbered as the accounts came (`reports.audience`); runs are returned in
    order of each stem's first account here, as `find_stem_runs` returns them.

    Every stem's busiest window is found at once (issue 21: one window search per stem took a
    sixth of a 100,000-chatter analysis): the accounts are sorted by (stem, day, index), and a
    window that starts at an account ends at the first account of the same stem `WINDOW_DAYS`
    or more later, found by one search over (stem, day) keys that never cross between stems.
    """
    picked = np.flatnonzero(stem_ids >= 0)  # indexes of accounts with a stem
    if not len(picked):
        return []
    raw = stem_ids[picked]
    uniq, first = np.unique(raw, return_index=True)
    by_first = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[by_first] = np.arange(len(uniq))
    gid = rank[np.searchsorted(uniq, raw)]  # stems numbered by first appearance here
    names = [names[int(k)] for k in uniq[by_first].tolist()]
    sizes = np.bincount(gid)
    keep = sizes[gid] >= MIN_RUN
    if not keep.any():
        return []
    n_groups = int((sizes >= MIN_RUN).sum())
    idx = picked[keep]
    gid, days = gid[keep], day_index[idx]
    order = np.lexsort((idx, days, gid))  # by stem, then day, then time order
    idx, gid, days = idx[order], gid[order], days[order]
    span = int(days.max()) + WINDOW_DAYS + 1  # keys of two stems never meet
    keys = gid * span + days
    counts = np.searchsorted(keys, keys + WINDOW_DAYS, side="left") - np.arange(len(keys))
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    best_count = np.maximum.reduceat(counts, starts)
    group_at = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(gid)]))
    # The first position of each stem's largest count (the earliest busiest window).
    at_best = np.where(counts == best_count[group_at], np.arange(len(gid)), len(gid))
    best_pos = np.minimum.reduceat(at_best, starts)

    n_days = len(rate)
    total = float(rate.sum()) or 1.0
    csum = np.concatenate(([0.0], np.cumsum(rate)))
    tests = n_groups * max(1, n_days // WINDOW_DAYS)
    log_alpha = math.log(FAMILY_ALPHA / tests)
    out = []
    for g in np.flatnonzero(best_count >= MIN_RUN).tolist():
        pos, k = int(best_pos[g]), int(best_count[g])
        d0 = int(days[pos])
        d1 = min(d0 + WINDOW_DAYS, n_days)
        stem_id = int(gid[pos])
        expected = int(sizes[stem_id]) * float(csum[d1] - csum[d0]) / total
        if tail_not_below(k, expected, log_alpha):
            continue
        log_p = poisson_log_sf(k, expected)
        if log_p < log_alpha:
            chosen = tuple(idx[pos : pos + k].tolist())
            out.append(Run(names[stem_id], chosen, d0, int(days[pos + k - 1]), expected, log_p))
    return out
