"""Helix's rate limit: a token bucket per client id and user (app tokens share one per client).

Twitch refills the bucket continuously and reports it on every response with ``Ratelimit-Limit``,
``Ratelimit-Remaining`` and ``Ratelimit-Reset`` (epoch seconds when the bucket is full again); an
empty bucket answers 429.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

BucketKey = tuple[str, int | None]  # (client id, user id or None for the app)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of taking points from a bucket, with the headers to send."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # epoch seconds

    def headers(self) -> dict[str, str]:
        return {
            "Ratelimit-Limit": str(self.limit),
            "Ratelimit-Remaining": str(self.remaining),
            "Ratelimit-Reset": str(self.reset),
        }


class _Bucket:
    __slots__ = ("level", "updated")

    def __init__(self, level: float, updated: float) -> None:
        self.level = level
        self.updated = updated


class RateLimiter:
    """Token buckets keyed by (client id, user id); capacity and refill can change at run time."""

    def __init__(
        self,
        capacity: int = 800,
        refill_per_s: float = 800 / 60,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.capacity = capacity
        self.refill_per_s = refill_per_s
        self._clock = clock
        self._buckets: dict[BucketKey, _Bucket] = {}

    def _bucket(self, key: BucketKey, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
            return bucket
        elapsed = now - bucket.updated
        if elapsed > 0:
            bucket.level = min(float(self.capacity), bucket.level + elapsed * self.refill_per_s)
            bucket.updated = now
        return bucket

    def take(self, key: BucketKey, cost: int = 1) -> Verdict:
        """Take ``cost`` points if the bucket holds them; say how it stands either way."""
        now = self._clock()
        bucket = self._bucket(key, now)
        allowed = bucket.level >= cost
        if allowed:
            bucket.level -= cost
        return self._verdict(bucket, now, allowed)

    def peek(self, key: BucketKey) -> Verdict:
        """Return the bucket's state without taking anything."""
        now = self._clock()
        return self._verdict(self._bucket(key, now), now, True)

    def drain(self, key: BucketKey) -> None:
        """Empty a bucket (tests use it to reach a 429 without 800 calls)."""
        now = self._clock()
        self._bucket(key, now).level = 0.0

    def reset(self) -> None:
        self._buckets.clear()

    def _verdict(self, bucket: _Bucket, now: float, allowed: bool) -> Verdict:
        missing = self.capacity - bucket.level
        full_in = missing / self.refill_per_s if self.refill_per_s > 0 else 0.0
        return Verdict(
            allowed=allowed,
            limit=self.capacity,
            remaining=max(0, math.floor(bucket.level)),
            reset=math.ceil(now + full_in),
        )
