"""Waves: runs of creation days far above this audience's own baseline.

Method (docs/detection.md has the reasoning): count analysed chatters per UTC creation day;
estimate each day's expected count from the same audience's days around it (the mean of days
8 to 45 before it and of days 8 to 45 after it, the higher of the two, plus half a
pseudo-account so empty eras are not zero); scan windows of 1, 2, 3, 5, 7 and 14 days and keep
those whose count has an upper tail below a Bonferroni-corrected threshold, under a negative
binomial whose extra day-to-day variance is estimated from the same audience (a Poisson when
its days are as steady as chance allows); inside each stretch of such windows keep the run with
the highest likelihood ratio and re-test it; then repeat with the found days masked out of the
baseline, so one wave can neither raise its own bar nor hide another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reports.stats import negbin_log_sf

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

BASELINE_HALF_WIDTH = 45  # days either side that set a day's baseline
BASELINE_GAP = 7  # days either side left out of that baseline (a wave must not raise its own bar)
PSEUDO_COUNT = 1.0  # one imagined account per baseline window, so sparse eras are never zero
MIN_SIDE_DAYS = 10  # a one-sided baseline needs this many unmasked days
SCAN_LENGTHS = (1, 2, 3, 5, 7, 14)
FAMILY_ALPHA = 1e-3  # chance, per audience, that noise alone produces a wave
MIN_WAVE = 5  # accounts; fewer is never reported, whatever the p-value
MIN_RATIO = 2.0  # a wave holds at least twice what the baseline predicts
MAX_RUN = 31  # days; longer rises are trends, not waves
MAX_DISPERSION = 1.0  # cap on the day-to-day variance estimate (as a squared relative spread)
OUTLIER_Z = 8.0  # days this far above their baseline stay out of the dispersion estimate


@dataclass(frozen=True, slots=True)
class DayRun:
    """A detected run of creation days, as indexes into the day axis."""

    first: int
    last: int  # inclusive
    count: int
    expected: float
    variance: float  # of the count, for these days, under the baseline and its dispersion
    log_p: float


@dataclass(frozen=True, slots=True)
class Baseline:
    """Each day's expected count, and how much real days scatter around it."""

    rate: FloatArray
    dispersion: float  # phi: a day's variance is rate + phi * rate**2

    def variance(self, rate_sum: float, rate_sq_sum: float) -> float:
        return rate_sum + self.dispersion * rate_sq_sum


def day_counts(day_numbers: IntArray, first_day: int, last_day: int) -> IntArray:
    """Return counts per day from `first_day` to `last_day` inclusive."""
    return np.bincount(day_numbers - first_day, minlength=last_day - first_day + 1).astype(np.int64)


def baseline(counts: IntArray | FloatArray, masked: npt.NDArray[np.bool_]) -> FloatArray:
    """Return each day's expected count from the days around it (masked days left out)."""
    n = len(counts)
    valid = (~masked).astype(np.float64)
    values = np.where(masked, 0.0, counts.astype(np.float64))
    csum = np.concatenate(([0.0], np.cumsum(values)))
    cvalid = np.concatenate(([0.0], np.cumsum(valid)))
    idx = np.arange(n)

    def window(lo_off: int, hi_off: int) -> tuple[FloatArray, FloatArray]:
        lo = np.clip(idx + lo_off, 0, n)
        hi = np.clip(idx + hi_off + 1, 0, n)
        return csum[hi] - csum[lo], cvalid[hi] - cvalid[lo]

    # Each side on its own, and the higher one wins: a step in the signup rate (a platform's
    # growth spurt, a channel's new audience) then never looks like a wave on its high side.
    s_left, v_left = window(-BASELINE_HALF_WIDTH, -BASELINE_GAP - 1)
    s_right, v_right = window(BASELINE_GAP + 1, BASELINE_HALF_WIDTH)
    half = PSEUDO_COUNT / 2
    left = np.where(v_left >= MIN_SIDE_DAYS, (s_left + half) / np.maximum(v_left, 1.0), np.nan)
    right = np.where(v_right >= MIN_SIDE_DAYS, (s_right + half) / np.maximum(v_right, 1.0), np.nan)
    both = (s_left + s_right + PSEUDO_COUNT) / np.maximum(v_left + v_right, 1.0)
    sided = np.fmax(left, right)  # NaN only where neither side has enough days
    rate: FloatArray = np.where(np.isnan(sided), both, sided)
    return rate


def family_log_alpha(n_days: int) -> float:
    """Return the log threshold a day window must beat on an axis of `n_days` days."""
    return math.log(FAMILY_ALPHA / (max(n_days, 1) * len(SCAN_LENGTHS)))


def explained_by_bursts(run: DayRun, in_bursts: int, n_days: int) -> bool:
    """Tell whether a wave's excess disappears once its burst members are taken out."""
    if in_bursts == 0:
        return False
    rest = run.count - in_bursts
    if rest < MIN_WAVE or rest < MIN_RATIO * run.expected:
        return True
    return negbin_log_sf(rest, run.expected, run.variance) >= family_log_alpha(n_days)


def dispersion(counts: IntArray, rate: FloatArray, masked: npt.NDArray[np.bool_]) -> float:
    """Estimate phi from the audience's own days (moments: var = rate + phi * rate**2).

    Days already in a wave, and gross outliers, stay out: a farm must not widen the very
    margin that is meant to find it.
    """
    c = counts.astype(np.float64)
    z = (c - rate) / np.sqrt(rate)
    keep = ~masked & (rate >= 0.5) & (z < OUTLIER_Z)
    if int(keep.sum()) < 30:
        return 0.0
    r = rate[keep]
    phi = float((((c[keep] - r) ** 2 - c[keep]).sum()) / (r**2).sum())
    return min(max(phi, 0.0), MAX_DISPERSION)


def find_waves(
    counts: IntArray, platform: FloatArray | None = None
) -> tuple[list[DayRun], FloatArray]:
    """Return the significant day runs (earliest first) and the final per-day baseline.

    `platform` holds, per day, how far Twitch-wide signups ran above their usual rate
    (`reports.platform`): the audience's days are divided by it before the baseline is taken and
    the baseline multiplied by it after, so a day when the whole platform signed up twice as
    many accounts expects twice as many here.
    """
    n = len(counts)
    masked = np.zeros(n, dtype=bool)
    factor = platform if platform is not None else np.ones(n, dtype=np.float64)
    deflated = counts / factor

    def expected(mask: npt.NDArray[np.bool_]) -> FloatArray:
        out: FloatArray = baseline(deflated, mask) * factor
        return out

    if n == 0 or int(counts.sum()) < MIN_WAVE:
        return [], expected(masked)
    log_alpha = family_log_alpha(n)
    runs: list[DayRun] = []
    rate = expected(masked)
    for _ in range(3):
        base = Baseline(rate, dispersion(counts, rate, masked))
        runs = _scan(counts, base, log_alpha)
        new_mask = np.zeros(n, dtype=bool)
        for run in runs:
            new_mask[run.first : run.last + 1] = True
        if np.array_equal(new_mask, masked):
            break
        masked = new_mask
        rate = expected(masked)
    return runs, rate


def _scan(counts: IntArray, base: Baseline, log_alpha: float) -> list[DayRun]:
    n = len(counts)
    csum = np.concatenate(([0], np.cumsum(counts)))
    rsum = np.concatenate(([0.0], np.cumsum(base.rate)))
    qsum = np.concatenate(([0.0], np.cumsum(base.rate**2)))
    hit = np.zeros(n + 1, dtype=np.int64)  # +1/-1 marks of significant windows
    for length in SCAN_LENGTHS:
        if length > n:
            break
        c = csum[length:] - csum[:-length]
        lam = rsum[length:] - rsum[:-length]
        var = lam + base.dispersion * (qsum[length:] - qsum[:-length])
        # Cheap screen first: only windows well above their mean get the exact tail.
        cand = np.nonzero(
            (c >= MIN_WAVE) & (c >= MIN_RATIO * lam) & (c > lam + 4.0 * np.sqrt(var) + 2.0)
        )[0]
        for start in cand.tolist():
            if negbin_log_sf(int(c[start]), float(lam[start]), float(var[start])) < log_alpha:
                hit[start] += 1
                hit[start + length] -= 1
    covered = np.cumsum(hit[:-1]) > 0
    runs: list[DayRun] = []
    i = 0
    while i < n:
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and covered[j + 1]:
            j += 1
        runs.extend(_best_runs(counts, base, i, j, log_alpha))
        i = j + 1
    runs.sort(key=lambda r: r.first)
    return runs


def _best_runs(
    counts: IntArray, base: Baseline, first: int, last: int, log_alpha: float
) -> list[DayRun]:
    """Pick, inside a region of significant windows, the runs that explain its excess.

    The union of significant windows is wider than the wave itself (every window that contains
    the wave is significant), so the run kept is the sub-interval with the highest Poisson
    likelihood ratio, c*ln(c/e) - (c - e); then the next best among the days left, while
    significant.
    """
    used = np.zeros(last - first + 1, dtype=bool)
    out: list[DayRun] = []
    c_region = counts[first : last + 1]
    r_region = base.rate[first : last + 1]
    while True:
        best: tuple[float, int, int, int, float] | None = None
        m = len(c_region)
        for a in range(m):
            if used[a] or c_region[a] == 0:
                continue
            c = 0
            e = 0.0
            for b in range(a, min(m, a + MAX_RUN)):
                if used[b]:
                    break
                c += int(c_region[b])
                e += float(r_region[b])
                if c_region[b] == 0 or c < MIN_WAVE or c < MIN_RATIO * e:
                    continue
                llr = c * math.log(c / e) - (c - e)
                if best is None or llr > best[0]:
                    best = (llr, a, b, c, e)
        if best is None:
            return out
        _, a, b, c, e = best
        var = base.variance(e, float((r_region[a : b + 1] ** 2).sum()))
        log_p = negbin_log_sf(c, e, var)
        if log_p >= log_alpha:
            return out
        out.append(DayRun(first + a, first + b, c, e, var, log_p))
        used[a : b + 1] = True
