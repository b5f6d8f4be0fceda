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

from reports.stats import poisson_log_sf

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
    groups: dict[str, list[int]] = {}
    for i, stem in enumerate(stems):
        if stem is not None:
            groups.setdefault(stem, []).append(i)
    groups = {s: m for s, m in groups.items() if len(m) >= MIN_RUN}
    if not groups:
        return []
    n_days = len(rate)
    total = float(rate.sum()) or 1.0
    csum = np.concatenate(([0.0], np.cumsum(rate)))
    tests = len(groups) * max(1, n_days // WINDOW_DAYS)
    log_alpha = math.log(FAMILY_ALPHA / tests)
    out = []
    for stem, members in groups.items():
        days = day_index[members]
        order = np.argsort(days, kind="stable")
        days = days[order]
        # The busiest window that starts at one of the stem's own days.
        ends = np.searchsorted(days, days + WINDOW_DAYS, side="left")
        counts = ends - np.arange(len(days))
        best = int(np.argmax(counts))
        k = int(counts[best])
        if k < MIN_RUN:
            continue
        d0 = int(days[best])
        d1 = min(d0 + WINDOW_DAYS, n_days)
        expected = len(members) * float(csum[d1] - csum[d0]) / total
        log_p = poisson_log_sf(k, expected)
        if log_p < log_alpha:
            chosen = tuple(int(members[j]) for j in order[best : best + k])
            out.append(Run(stem, chosen, d0, int(days[best + k - 1]), expected, log_p))
    return out
