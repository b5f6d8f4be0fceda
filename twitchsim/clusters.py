"""Honest clusters in organic audiences: accounts real people made together.

Real audiences are not independent signups. Friends make accounts together (two to five within an
hour or two), a class or a club joins over a few evenings, and a raid that brings a new community
leaves some newcomers who made an account in the hours after it. These produce small waves and
sometimes short chains of signups without any farm; the simulator adds them so the false-alarm
figure is not optimistic. Only creation times are drawn here; `scenarios` turns them into
ordinary-looking accounts.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

HOUR = 3600.0
DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Cluster:
    """Ground truth for one honest cluster (its accounts are organic)."""

    kind: str  # "friends", "class" or "raid"
    size: int
    start: float  # epoch seconds of the first signup
    end: float


def cluster_times(
    rng: random.Random, size: int, draw_day: Callable[[], float], now: float
) -> list[tuple[Cluster, list[float]]]:
    """Return honest clusters for an audience of `size`: each with its members' creation times.

    `draw_day` returns the start of a day drawn from the audience's own signup curve.
    """
    out: list[tuple[Cluster, list[float]]] = []
    # Friends: common, small, made within an hour or two of each other.
    for _ in range(_poisson(rng, size / 300)):
        day = draw_day()
        at = day + rng.uniform(12, 23) * HOUR
        times = [
            at + rng.uniform(0, rng.uniform(0.1, 2.0) * HOUR) for _ in range(rng.randint(2, 5))
        ]
        out.append(_cluster("friends", times, now))
    # A class or a club: 8-30 accounts over one to three evenings.
    if rng.random() < min(0.5, 0.15 + size / 20_000):
        day = draw_day()
        evenings = rng.randint(1, 3)
        times = []
        for _ in range(rng.randint(8, 30)):
            d = day + rng.randrange(evenings) * DAY
            times.append(d + rng.uniform(14, 23.5) * HOUR)
        out.append(_cluster("class", times, now))
    # A raid that stayed: newcomers who made an account in the hours after it.
    if rng.random() < 0.25:
        at = now - rng.uniform(3 * DAY, 2 * 365 * DAY)
        n = rng.randint(5, 40)
        times = [at + rng.expovariate(1 / (3 * HOUR)) for _ in range(n)]
        out.append(_cluster("raid", times, now))
    return out


def _cluster(kind: str, times: list[float], now: float) -> tuple[Cluster, list[float]]:
    times = sorted(min(t, now - 120.0) for t in times)
    return Cluster(kind, len(times), times[0], times[-1]), times


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method; means here are small enough.
    limit, k, p = math.exp(-min(mean, 50.0)), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
