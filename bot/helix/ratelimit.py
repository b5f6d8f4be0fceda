"""Helix rate limiting: one token bucket per OAuth token, shared by every caller of that token.

Twitch gives each (client id, token) pair a bucket of 800 points a minute and reports its state
on every response (``Ratelimit-Limit``, ``Ratelimit-Remaining``, ``Ratelimit-Reset``). We keep a
local estimate so that requests wait *before* they are sent instead of bouncing off a 429, and
correct that estimate from every response. Captures leave a share of each bucket (10% by
default) to interactive calls, so a chat command never queues behind a 100,000-chatter capture.

Exceptions::

    RateLimitError          the limiter could not grant a request
    └── RateLimitTimeout    a request would have waited longer than it was allowed to
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

log = logging.getLogger(__name__)

TWITCH_POINTS_PER_MINUTE = 800
# Before a bucket has heard from Twitch we do not know how full it really is (another process
# may have drained it a second ago), so only a few requests probe it.
_PROBE_IN_FLIGHT = 4
# Twitch's Ratelimit-Reset has one-second resolution: never trust a wait shorter than this.
_MIN_429_WAIT_S = 0.05
_MAX_429_WAIT_S = 65.0
# Figures outside these bounds are not Twitch's (a proxy, a bug, an attacker in the middle):
# a limit of 1 would make every call wait a minute. They are ignored, and logged once.
SANE_LIMIT = (5, 100_000)  # Twitch: 800; twitchsim runs buckets as small as 5
_MAX_RESET_AHEAD_S = 61.0  # Twitch's buckets refill within a minute


class RateLimitError(Exception):
    """The limiter could not grant a request."""


class RateLimitTimeout(RateLimitError):
    """A request would have waited longer than it was allowed to."""


class Priority(IntEnum):
    """Who is asking: interactive calls may use the whole bucket, captures leave a reserve."""

    INTERACTIVE = 0  # chat commands, polling, anything a person waits on
    CAPTURE = 1  # the bulk requests of a capture


@dataclass(eq=False, slots=True)
class Ticket:
    """One granted request: hand it back with the response (or without one)."""

    bucket: TokenBucket
    seq: int
    done: bool = False


@dataclass(slots=True)
class _Waiter:
    priority: Priority
    order: int
    future: asyncio.Future[Ticket] = field(repr=False)


class TokenBucket:
    """Our estimate of one token's Helix bucket; requests wait here before they are sent."""

    def __init__(
        self,
        *,
        key: str | None = None,
        capacity: int = TWITCH_POINTS_PER_MINUTE,
        refill_per_s: float | None = None,
        reserve_share: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if not 0.0 <= reserve_share < 1.0:
            raise ValueError("reserve_share must be in [0, 1)")
        self.key = key
        self.capacity = capacity
        # Twitch does not announce its refill rate; a full bucket a minute is its documented rate.
        self._fixed_rate = refill_per_s
        self.refill_per_s = refill_per_s if refill_per_s is not None else capacity / 60.0
        self.reserve_share = reserve_share
        self._clock = clock
        self._wall = wall_clock
        self._tokens = float(capacity)
        self._at = clock()
        self._blocked_until = 0.0
        self._in_flight: set[int] = set()
        self._seq = itertools.count(1)
        self._applied_seq = 0
        self._observed = False
        self._waiters: deque[_Waiter] = deque()
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self.throttled_count = 0  # 429s this bucket saw
        self._absurd_seen: set[str] = set()  # headers already logged as out of bounds

    # --- what callers may ask -----------------------------------------------------------------

    @property
    def reserve(self) -> int:
        """Points that captures leave free for interactive calls."""
        return math.ceil(self.capacity * self.reserve_share)

    def available(self, priority: Priority = Priority.CAPTURE) -> float:
        """Return the points a request of this priority could take now (may be negative)."""
        self._refill()
        floor = self.reserve if priority is Priority.CAPTURE else 0
        return self._tokens - floor

    def seconds_for(self, calls: int, priority: Priority = Priority.CAPTURE) -> float:
        """Return how long this bucket needs to grant `calls` more requests, from now."""
        blocked = max(0.0, self._blocked_until - self._clock())
        missing = calls - max(0.0, self.available(priority))
        return blocked + max(0.0, missing / self.refill_per_s)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def acquire(
        self, priority: Priority = Priority.INTERACTIVE, *, timeout_s: float | None = None
    ) -> Ticket:
        """Wait until a request may be sent, take its point, and return its ticket."""
        self._refill()
        if not self._waiters and self._grantable(priority):
            return self._grant()
        loop = asyncio.get_running_loop()
        waiter = _Waiter(priority, next(self._order), loop.create_future())
        self._enqueue(waiter)
        self._wake()
        try:
            if timeout_s is None:
                return await waiter.future
            return await asyncio.wait_for(asyncio.shield(waiter.future), timeout_s)
        except (asyncio.CancelledError, TimeoutError) as exc:
            if waiter.future.done() and not waiter.future.cancelled():
                # Granted while we were being cancelled: give the point back.
                self._refund(waiter.future.result())
            else:
                waiter.future.cancel()
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            self._wake()
            if isinstance(exc, TimeoutError):
                raise RateLimitTimeout(
                    f"waited {timeout_s:.1f} s for the rate limit of token {self.key or 'app'}"
                ) from None
            raise

    def observe(self, ticket: Ticket, *, limit: int | None, remaining: int | None) -> None:
        """Correct the estimate from a response's Ratelimit-Limit and Ratelimit-Remaining."""
        self._finish(ticket)
        if limit is not None and not SANE_LIMIT[0] <= limit <= SANE_LIMIT[1]:
            self._absurd("Ratelimit-Limit", limit)
            limit = remaining = None  # one answer's figures: both from the same source
        if remaining is not None and not 0 <= remaining <= SANE_LIMIT[1]:
            self._absurd("Ratelimit-Remaining", remaining)
            remaining = None
        if limit is not None and limit > 0 and limit != self.capacity:
            log.info("token %s: Twitch reports a limit of %d points", self.key or "app", limit)
            self.capacity = limit
            if self._fixed_rate is None:
                self.refill_per_s = limit / 60.0
        if remaining is None:
            self._wake()
            return
        if ticket.seq < self._applied_seq:
            # An older request answered late: its figure predates one we already applied.
            self._wake()
            return
        self._applied_seq = ticket.seq
        self._observed = True
        self._refill()
        # Requests still in flight may or may not have been counted by Twitch yet: assume they
        # have not, so we err towards waiting rather than towards a 429.
        self._tokens = min(float(self.capacity), remaining - len(self._in_flight))
        self._wake()

    def throttled(self, ticket: Ticket, *, reset_epoch: float | None) -> float:
        """Record a 429: block the bucket until Twitch's reset; return the wait in seconds."""
        self._finish(ticket)
        self.throttled_count += 1
        wait = 1.0 if reset_epoch is None else reset_epoch - self._wall()
        if wait > _MAX_RESET_AHEAD_S:
            self._absurd("Ratelimit-Reset", f"{wait:.0f} s ahead")
            wait = 1.0
        wait = min(_MAX_429_WAIT_S, max(_MIN_429_WAIT_S, wait))
        now = self._clock()
        self._refill()
        self._blocked_until = max(self._blocked_until, now + wait)
        self._tokens = min(self._tokens, 0.0)
        self._observed = True
        log.warning("token %s: 429 from Twitch, waiting %.2f s", self.key or "app", wait)
        self._wake()
        return wait

    def _absurd(self, header: str, value: object) -> None:
        """Log a header outside sane bounds, once per bucket and header."""
        if header in self._absurd_seen:
            return
        self._absurd_seen.add(header)
        log.warning(
            "token %s: ignoring %s %s from Twitch (outside sane bounds; said once)",
            self.key or "app",
            header,
            value,
        )

    def cancel(self, ticket: Ticket) -> None:
        """Hand back a ticket whose request was never sent; its point returns."""
        self._refund(ticket)
        self._wake()

    def abandon(self, ticket: Ticket) -> None:
        """Hand back a ticket whose request got no answer; its point counts as spent."""
        self._finish(ticket)
        self._wake()

    # --- inside -----------------------------------------------------------------------------

    def _refill(self) -> None:
        now = self._clock()
        elapsed = now - self._at
        if elapsed > 0:
            self._tokens = min(float(self.capacity), self._tokens + elapsed * self.refill_per_s)
            self._at = now

    def _grantable(self, priority: Priority) -> bool:
        if self._clock() < self._blocked_until:
            return False
        if not self._observed and len(self._in_flight) >= _PROBE_IN_FLIGHT:
            return False
        floor = self.reserve if priority is Priority.CAPTURE else 0
        return self._tokens - floor >= 1.0

    def _grant(self) -> Ticket:
        self._tokens -= 1.0
        ticket = Ticket(self, next(self._seq))
        self._in_flight.add(ticket.seq)
        return ticket

    def _refund(self, ticket: Ticket) -> None:
        if not ticket.done:
            ticket.done = True
            self._in_flight.discard(ticket.seq)
            self._tokens += 1.0

    def _finish(self, ticket: Ticket) -> None:
        if ticket.bucket is not self:
            raise ValueError("ticket belongs to another bucket")
        ticket.done = True
        self._in_flight.discard(ticket.seq)

    def _enqueue(self, waiter: _Waiter) -> None:
        # Interactive requests go before captures; within a priority, first come first served.
        index = len(self._waiters)
        while index > 0 and self._waiters[index - 1].priority > waiter.priority:
            index -= 1
        self._waiters.insert(index, waiter)

    def _wake(self) -> None:
        """Grant waiters in order while points allow; otherwise set a timer for the next one."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._refill()
        while self._waiters:
            head = self._waiters[0]
            if head.future.done():
                self._waiters.popleft()
                continue
            if not self._grantable(head.priority):
                break
            self._waiters.popleft()
            head.future.set_result(self._grant())
        if not self._waiters:
            return
        head = self._waiters[0]
        if not self._observed and len(self._in_flight) >= _PROBE_IN_FLIGHT:
            return  # the next answer wakes us
        floor = self.reserve if head.priority is Priority.CAPTURE else 0
        now = self._clock()
        delay = max(
            self._blocked_until - now, (floor + 1.0 - self._tokens) / self.refill_per_s, 0.0
        )
        # A hair late rather than early: an early timer would just have to be set again.
        self._timer = asyncio.get_running_loop().call_later(delay + 0.001, self._wake)


class RateLimiters:
    """The buckets of every token this process uses, created on first use."""

    def __init__(
        self,
        *,
        capacity: int = TWITCH_POINTS_PER_MINUTE,
        refill_per_s: float | None = None,
        reserve_share: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._capacity = capacity
        self._refill = refill_per_s
        self._reserve_share = reserve_share
        self._clock = clock
        self._wall = wall_clock
        self._buckets: dict[str | None, TokenBucket] = {}

    def bucket(self, key: str | None) -> TokenBucket:
        """Return the bucket of a user token (by user id) or of the app token (None)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(
                key=key,
                capacity=self._capacity,
                refill_per_s=self._refill,
                reserve_share=self._reserve_share,
                clock=self._clock,
                wall_clock=self._wall,
            )
            self._buckets[key] = bucket
        return bucket

    def buckets(self) -> Mapping[str | None, TokenBucket]:
        return dict(self._buckets)

    def pick(
        self,
        keys: Iterable[str | None],
        priority: Priority = Priority.CAPTURE,
        *,
        spare: Mapping[str | None, int] | None = None,
    ) -> str | None:
        """Choose the token that can pay for a request soonest.

        `spare` holds points back per token (e.g. for the chatter pages still to come), so a
        request drawn from a shared pool does not take them.
        """
        choices = list(keys)
        if not choices:
            raise ValueError("pick needs at least one token")
        best, best_score = choices[0], -math.inf
        for key in choices:
            b = self.bucket(key)
            held = (spare or {}).get(key, 0)
            score = b.available(priority) - held - b.in_flight * 0.01
            if b.seconds_for(1, priority) > 0 and score > 0:
                score = 0.0  # blocked after a 429: looks full, is not
            if score > best_score:
                best, best_score = key, score
        return best

    def seconds_for(
        self, calls: int, keys: Iterable[str | None], priority: Priority = Priority.CAPTURE
    ) -> float:
        """Return how long the pooled buckets of `keys` need to grant `calls` more requests."""
        buckets = [self.bucket(k) for k in keys]
        have = sum(max(0.0, b.available(priority)) for b in buckets)
        rate = sum(b.refill_per_s for b in buckets)
        return max(0.0, (calls - have) / rate)
