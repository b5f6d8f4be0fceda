"""Stem runs: a farm made in sessions over days, too thin for a wave, still shares its stem."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from reports.analysis import analyze
from reports.stats import poisson_log_sf
from reports.stemruns import (
    FAMILY_ALPHA,
    MIN_RUN,
    WINDOW_DAYS,
    Run,
    find_grouped_stem_runs,
    find_stem_runs,
)
from tests.reports.builders import NOW, farm, organic

SESSIONS = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def test_a_thin_farm_over_days_is_found_by_its_stem() -> None:
    audience = organic(30_000, seed=3)
    members = farm(15, SESSIONS, spread=timedelta(days=6), stem="sweetangel")
    a = analyze(audience + members, now=NOW)
    truth = {m.user_id for m in members}
    assert len(a.flagged_ids() & truth) == 15
    assert len(a.stem_runs) == 1 and a.stem_runs[0].stem == "sweetangel + digits"
    assert any("“sweetangel + digits”" in r for r in a.verdict.reasons)
    assert all("stem_run" in a.flags_for(m.user_id) for m in members)
    assert a.to_dict()["stem_runs"][0]["count"] == 15


def test_common_stems_spread_over_years_are_not_runs() -> None:
    a = analyze(organic(30_000, seed=3), now=NOW)
    assert a.stem_runs == () and a.flagged == 0


def _one_stem_at_a_time(
    stems: list[str | None], day_index: np.ndarray, rate: np.ndarray
) -> list[Run]:
    """The plain reading of the rule: each stem's windows searched on their own."""
    groups: dict[str, list[int]] = {}
    for i, stem in enumerate(stems):
        if stem is not None:
            groups.setdefault(stem, []).append(i)
    groups = {s: m for s, m in groups.items() if len(m) >= MIN_RUN}
    total = float(rate.sum()) or 1.0
    csum = np.concatenate(([0.0], np.cumsum(rate)))
    log_alpha = math.log(FAMILY_ALPHA / (len(groups) * max(1, len(rate) // WINDOW_DAYS) or 1))
    out = []
    for stem, members in groups.items():
        days = day_index[members]
        order = np.argsort(days, kind="stable")
        days = days[order]
        counts = np.searchsorted(days, days + WINDOW_DAYS, side="left") - np.arange(len(days))
        best = int(np.argmax(counts))
        k = int(counts[best])
        if k < MIN_RUN:
            continue
        d0 = int(days[best])
        expected = len(members) * float(csum[min(d0 + WINDOW_DAYS, len(rate))] - csum[d0]) / total
        log_p = poisson_log_sf(k, expected)
        if log_p < log_alpha:
            chosen = tuple(int(members[j]) for j in order[best : best + k])
            out.append(Run(stem, chosen, d0, int(days[best + k - 1]), expected, log_p))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_all_stems_at_once_equal_one_stem_at_a_time(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_days = int(rng.integers(50, 4_000)), int(rng.integers(10, 400))
    pool = [f"stem{i}" for i in range(int(rng.integers(1, 60)))]
    stems: list[str | None] = [
        None if rng.random() < 0.3 else pool[int(rng.integers(len(pool)))] for _ in range(n)
    ]
    day_index = np.sort(rng.integers(0, n_days, n)).astype(np.int64)
    # A few stems crowded into a few days, some of them on the same day.
    for stem in pool[:3]:
        d = int(rng.integers(n_days))
        for i in rng.integers(0, n, int(rng.integers(5, 40))).tolist():
            stems[i], day_index[i] = stem, d + int(rng.integers(0, 3))
    rate = rng.random(n_days + 3) * n / n_days
    assert find_stem_runs(stems, day_index, rate) == _one_stem_at_a_time(stems, day_index, rate)


def test_no_stems_no_runs() -> None:
    days = np.zeros(3, dtype=np.int64)
    assert find_stem_runs([None, None, None], days, np.ones(5)) == []
    assert find_stem_runs(["abc", "abc", None], days, np.ones(5)) == []
    assert find_stem_runs([], days[:0], np.ones(5)) == []


@pytest.mark.parametrize("seed", range(6))
def test_stems_numbered_as_they_came_give_the_same_runs(seed: int) -> None:
    """An audience numbers stems as accounts land (`reports.audience`), not in time order."""
    rng = np.random.default_rng(seed)
    n, n_days = 3_000, 200
    pool = [f"stem{i}" for i in range(40)]
    stems: list[str | None] = [
        None if rng.random() < 0.3 else pool[int(rng.integers(len(pool)))] for _ in range(n)
    ]
    day_index = np.sort(rng.integers(0, n_days, n)).astype(np.int64)
    for stem in pool[:4]:
        d = int(rng.integers(n_days - 3))
        for i in rng.integers(0, n, 30).tolist():
            stems[i], day_index[i] = stem, d + int(rng.integers(0, 3))
    day_index = np.sort(day_index)
    rate = rng.random(n_days + 3) * n / n_days
    names = list(dict.fromkeys(s for s in reversed(stems) if s is not None))  # another order
    number = {s: i for i, s in enumerate(names)}
    ids = np.array([-1 if s is None else number[s] for s in stems], dtype=np.int64)
    assert find_grouped_stem_runs(ids, names, day_index, rate) == find_stem_runs(
        stems, day_index, rate
    )
