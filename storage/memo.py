"""Answers kept a short while: the figures over a channel's whole history (hour leaders and
hours of the day on the channel's clock, the rival candidates' vectors, the first and last
message) take a scan of the channel's hour rollup, so each is made at most once a `ttl_s` per
key and reused. Windowed counts per chatter (a week's, rising) are kept too, but made again
they slide on from the last ones (`storage.windows`): the first request in a minute pays two
short reads, not two weeks of rollup rows."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

MEMO_TTL_S = 60.0
MEMO_KEYS = 4096  # beyond this many keys the oldest half is dropped


class Memo:
    """Reuse an async answer for `ttl_s` seconds per key (0: never reuse)."""

    def __init__(self, ttl_s: float = MEMO_TTL_S, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self._clock = clock
        self._kept: dict[Hashable, tuple[float, Any]] = {}

    async def get(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        now = self._clock()
        kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.ttl_s:
            value: T = kept[1]
            return value
        value = await make()
        if self.ttl_s > 0:
            if len(self._kept) >= MEMO_KEYS:
                for old in sorted(self._kept, key=lambda k: self._kept[k][0])[: MEMO_KEYS // 2]:
                    del self._kept[old]
            self._kept[key] = (now, value)
        return value

    def clear(self) -> None:
        """Forget every kept answer (the next request of each key makes it again)."""
        self._kept.clear()
