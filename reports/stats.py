"""Small statistics without scipy: the Poisson upper tail, in logs so tiny p-values survive."""

from __future__ import annotations

import math


def poisson_log_sf(k: int, lam: float) -> float:
    """Return ln P(X >= k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 0.0
    if lam <= 0.0:
        return -math.inf
    if k <= lam:
        # Below the mean the tail is large; sum the complement instead (few terms, stable).
        return math.log1p(-min(math.exp(_log_cdf(k - 1, lam)), 1.0 - 1e-16))
    # Sum pmf(i) for i >= k: terms shrink geometrically once i > lam.
    log_term = k * math.log(lam) - lam - math.lgamma(k + 1)
    total = 1.0
    term = 1.0
    i = k
    while True:
        i += 1
        term *= lam / i
        total += term
        if term < 1e-17 * total or i - k > 100_000:
            break
    return log_term + math.log(total)


def tail_not_below(k: int, lam: float, log_alpha: float) -> bool:
    """True when ln P(X >= k) is surely at least `log_alpha`, for X ~ Poisson(lam): the tail is
    no smaller than its first term, P(X = k). One term instead of a sum, for the many candidate
    windows that are nowhere near significant (issue 21)."""
    if k <= 0:
        return True
    if lam <= 0.0:
        return False
    return k * math.log(lam) - lam - math.lgamma(k + 1) >= log_alpha


def _log_cdf(k: int, lam: float) -> float:
    """Return ln P(X <= k) for X ~ Poisson(lam), k >= 0."""
    log_terms = [i * math.log(lam) - lam - math.lgamma(i + 1) for i in range(k + 1)]
    top = max(log_terms)
    return top + math.log(sum(math.exp(t - top) for t in log_terms))


def poisson_sf(k: int, lam: float) -> float:
    """Return P(X >= k) for X ~ Poisson(lam) (0.0 when it underflows)."""
    return math.exp(poisson_log_sf(k, lam))


def negbin_log_sf(k: int, mean: float, var: float) -> float:
    """Return ln P(X >= k) for a negative binomial with this mean and variance.

    A variance at (or below) the mean is the Poisson case. The negative binomial is a Poisson
    whose rate itself varies from day to day (gamma-distributed), which is how real signup
    counts behave: busier and quieter days than a fixed rate allows.
    """
    if var <= mean * (1.0 + 1e-9) or mean <= 0.0:
        return poisson_log_sf(k, mean)
    if k <= 0:
        return 0.0
    size = mean * mean / (var - mean)  # r
    q = (var - mean) / var  # 1 - p, the "failure" probability per step
    log_term = (
        math.lgamma(k + size)
        - math.lgamma(size)
        - math.lgamma(k + 1)
        + size * math.log1p(-q)
        + k * math.log(q)
    )
    # Sum pmf(x) for x >= k; term(x+1)/term(x) = (x + r) / (x + 1) * q, below 1 past the mode.
    total = 1.0
    term = 1.0
    x = k
    while x - k < 1_000_000:
        term *= (x + size) / (x + 1) * q
        x += 1
        total += term
        if term < 1e-17 * total and (x + size) * q < (x + 1):
            break
    return min(0.0, log_term + math.log(total))
