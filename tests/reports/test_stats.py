from __future__ import annotations

import math

import pytest

from reports.stats import negbin_log_sf, poisson_log_sf, poisson_sf, tail_not_below


def direct_sf(k: int, lam: float) -> float:
    return 1.0 - sum(math.exp(i * math.log(lam) - lam - math.lgamma(i + 1)) for i in range(k))


@pytest.mark.parametrize(
    ("k", "lam"),
    [(1, 1.0), (3, 5.0), (6, 0.04), (10, 2.5), (80, 50.0), (20, 20.0), (2, 0.001)],
)
def test_matches_the_direct_sum(k: int, lam: float) -> None:
    assert poisson_sf(k, lam) == pytest.approx(direct_sf(k, lam), rel=1e-6, abs=1e-15)


def test_edges_and_tiny_tails() -> None:
    assert poisson_sf(0, 3.0) == 1.0
    assert poisson_log_sf(5, 0.0) == -math.inf
    # Far beyond float range, the log form still orders results.
    assert poisson_log_sf(5_000, 10.0) < poisson_log_sf(1_000, 10.0) < -1_000


def direct_negbin_sf(k: int, mean: float, var: float) -> float:
    r = mean * mean / (var - mean)
    p = r / (r + mean)
    pmf = [
        math.exp(
            math.lgamma(x + r)
            - math.lgamma(r)
            - math.lgamma(x + 1)
            + r * math.log(p)
            + x * math.log(1 - p)
        )
        for x in range(k)
    ]
    return 1.0 - sum(pmf)


@pytest.mark.parametrize(
    ("k", "mean", "var"),
    [(5, 2.0, 3.0), (30, 10.0, 40.0), (12, 4.0, 4.5), (100, 50.0, 300.0)],
)
def test_negative_binomial_matches_the_direct_sum(k: int, mean: float, var: float) -> None:
    got = math.exp(negbin_log_sf(k, mean, var))
    assert got == pytest.approx(direct_negbin_sf(k, mean, var), rel=1e-5, abs=1e-14)


def test_negative_binomial_is_wider_than_poisson() -> None:
    assert negbin_log_sf(40, 20.0, 20.0) == poisson_log_sf(40, 20.0)  # no extra variance
    assert negbin_log_sf(40, 20.0, 60.0) > poisson_log_sf(40, 20.0)


def test_a_tail_said_not_below_alpha_never_is() -> None:
    """`tail_not_below` skips the sum only where the first term already reaches alpha."""
    skipped = 0
    for k in [*range(1, 60), 80, 150, 400]:
        for lam in (1e-4, 0.01, 0.3, 1.0, 2.5, 7.0, 20.0, 55.0, 140.0, 390.0):
            for log_alpha in (-2.0, -9.2, -20.7, -35.0):
                if tail_not_below(k, lam, log_alpha):
                    skipped += 1
                    assert poisson_log_sf(k, lam) >= log_alpha
    assert skipped > 100  # it does skip
    assert not tail_not_below(3, 0.0, -20.0)  # no expectation at all: always tested
