"""The wave scan on day counts made with numpy: trends, steps, noisy days and real waves."""

from __future__ import annotations

import numpy as np
import pytest

from reports.waves import dispersion, find_waves

DAYS = 4_000


def organic_days(n: int, seed: int, *, noise: float = 0.1, step: float = 1.0) -> np.ndarray:
    """Day counts for `n` accounts: rising trend, lognormal day noise, an optional step."""
    rng = np.random.default_rng(seed)
    t = np.arange(DAYS)
    lam = np.exp(t / DAYS * 2.5) * rng.lognormal(0.0, noise, DAYS)
    lam[DAYS // 2 :] *= step
    return rng.poisson(lam / lam.sum() * n).astype(np.int64)


@pytest.mark.parametrize(
    ("n", "noise", "step"),
    [
        pytest.param(300, 0.1, 1.0, id="small"),
        pytest.param(50_000, 0.1, 1.0, id="large"),
        pytest.param(50_000, 0.35, 1.0, id="noisy-days"),
        pytest.param(20_000, 0.1, 3.0, id="step-up"),
    ],
)
def test_organic_days_have_no_wave(n: int, noise: float, step: float) -> None:
    for seed in range(5):
        runs, _ = find_waves(organic_days(n, seed, noise=noise, step=step))
        assert runs == [], seed


def test_dispersion_is_measured_from_the_audience() -> None:
    steady = organic_days(50_000, 1, noise=0.0)
    noisy = organic_days(50_000, 1, noise=0.4)
    _, rate_s = find_waves(steady)
    _, rate_n = find_waves(noisy)
    mask = np.zeros(DAYS, dtype=bool)
    assert dispersion(steady, rate_s, mask) < 0.02
    assert 0.08 < dispersion(noisy, rate_n, mask) < 0.4  # lognormal 0.4: about e^0.16 - 1


@pytest.mark.parametrize(
    ("n", "extra", "days", "noise"),
    [
        pytest.param(300, 8, 1, 0.1, id="8-in-300"),
        pytest.param(50_000, 120, 1, 0.1, id="120-in-50k"),
        pytest.param(50_000, 400, 5, 0.1, id="400-over-5-days-in-50k"),
        pytest.param(20_000, 200, 3, 0.3, id="200-over-3-days-noisy"),
    ],
)
def test_a_wave_is_found_at_its_days(n: int, extra: int, days: int, noise: float) -> None:
    counts = organic_days(n, 3, noise=noise)
    at = DAYS - 200
    counts[at : at + days] += extra // days
    runs, _ = find_waves(counts)
    assert len(runs) == 1
    (run,) = runs
    assert run.first >= at - 1 and run.last <= at + days
    assert run.count >= extra
