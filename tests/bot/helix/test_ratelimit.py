from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bot.helix.layers import header_int
from bot.helix.ratelimit import (
    Priority,
    RateLimiters,
    RateLimitTimeout,
    Ticket,
    TokenBucket,
)


async def observed(bucket: TokenBucket, remaining: int) -> None:
    """Tell the bucket what Twitch said, through a ticket as Helix would."""
    ticket = await bucket.acquire(Priority.INTERACTIVE)
    bucket.observe(ticket, limit=bucket.capacity, remaining=remaining)


async def take(bucket: TokenBucket, n: int, priority: Priority) -> list[Ticket]:
    return [await bucket.acquire(priority) for _ in range(n)]


async def test_captures_leave_the_reserve_to_interactive_calls() -> None:
    bucket = TokenBucket(capacity=20, refill_per_s=0.001, reserve_share=0.1)
    await observed(bucket, 20)
    tickets = await take(bucket, 18, Priority.CAPTURE)
    assert len(tickets) == 18
    with pytest.raises(RateLimitTimeout):
        await bucket.acquire(Priority.CAPTURE, timeout_s=0.05)
    # The reserve (2 points) is still there for a chat command.
    assert len(await take(bucket, 2, Priority.INTERACTIVE)) == 2
    with pytest.raises(RateLimitTimeout):
        await bucket.acquire(Priority.INTERACTIVE, timeout_s=0.05)


async def test_waiters_are_paced_by_the_refill_rate() -> None:
    bucket = TokenBucket(capacity=5, refill_per_s=100.0, reserve_share=0.0)
    await observed(bucket, 5)
    started = time.monotonic()
    await take(bucket, 5 + 20, Priority.CAPTURE)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.18  # 20 points at 100/s, give or take timer slack
    assert elapsed < 2.0


async def test_an_interactive_waiter_goes_before_waiting_captures() -> None:
    bucket = TokenBucket(capacity=10, refill_per_s=20.0, reserve_share=0.0)
    await observed(bucket, 0)
    order: list[str] = []

    async def one(name: str, priority: Priority) -> None:
        await bucket.acquire(priority)
        order.append(name)

    captures = [asyncio.create_task(one(f"c{i}", Priority.CAPTURE)) for i in range(4)]
    await asyncio.sleep(0.01)
    chat = asyncio.create_task(one("chat", Priority.INTERACTIVE))
    await asyncio.gather(*captures, chat)
    assert order.index("chat") <= 1  # at most the capture already granted went first
    assert [n for n in order if n != "chat"] == ["c0", "c1", "c2", "c3"]


async def test_remaining_from_twitch_corrects_the_estimate() -> None:
    bucket = TokenBucket(capacity=100, refill_per_s=0.001, reserve_share=0.0)
    # Someone else (another process on the same token) drained the bucket: Twitch says 3 left.
    await observed(bucket, 3)
    assert bucket.available() == pytest.approx(3, abs=0.01)
    await take(bucket, 3, Priority.CAPTURE)
    with pytest.raises(RateLimitTimeout):
        await bucket.acquire(Priority.CAPTURE, timeout_s=0.05)


async def test_requests_in_flight_are_not_counted_twice_nor_forgotten() -> None:
    bucket = TokenBucket(capacity=100, refill_per_s=0.001, reserve_share=0.0)
    await observed(bucket, 100)
    first, *others = await take(bucket, 10, Priority.CAPTURE)
    # The first answer says 99 left; nine more requests are still on their way.
    bucket.observe(first, limit=100, remaining=99)
    assert bucket.available() == pytest.approx(90, abs=0.01)
    # A late answer to an older request must not undo a newer figure.
    late = others[0]
    bucket.observe(others[-1], limit=100, remaining=90)
    bucket.observe(late, limit=100, remaining=99)
    assert bucket.available() <= 90.01


async def test_a_429_blocks_the_bucket_until_twitchs_reset() -> None:
    wall = [1_000_000.0]
    bucket = TokenBucket(capacity=10, refill_per_s=1000.0, wall_clock=lambda: wall[0])
    await observed(bucket, 10)
    ticket = await bucket.acquire(Priority.INTERACTIVE)
    wait = bucket.throttled(ticket, reset_epoch=wall[0] + 0.3)
    assert wait == pytest.approx(0.3)
    started = time.monotonic()
    await bucket.acquire(Priority.INTERACTIVE)
    assert time.monotonic() - started >= 0.25
    assert bucket.throttled_count == 1


async def test_an_unobserved_bucket_only_probes() -> None:
    bucket = TokenBucket(capacity=800)
    tickets = await take(bucket, 4, Priority.CAPTURE)
    waiting = asyncio.create_task(bucket.acquire(Priority.CAPTURE))
    await asyncio.sleep(0.02)
    assert not waiting.done()  # nothing heard from Twitch yet: at most 4 in flight
    bucket.observe(tickets[0], limit=800, remaining=799)
    granted = await asyncio.wait_for(waiting, 1)
    assert isinstance(granted, Ticket)


async def test_a_cancelled_waiter_leaves_no_hole() -> None:
    bucket = TokenBucket(capacity=5, refill_per_s=50.0, reserve_share=0.0)
    await observed(bucket, 0)
    doomed = asyncio.create_task(bucket.acquire(Priority.CAPTURE))
    await asyncio.sleep(0.005)
    doomed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await doomed
    await asyncio.wait_for(bucket.acquire(Priority.CAPTURE), 1)
    assert bucket.in_flight == 1  # this one; none left behind by the cancelled waiter


async def test_cancel_gives_the_point_back_and_abandon_does_not() -> None:
    bucket = TokenBucket(capacity=10, refill_per_s=0.001, reserve_share=0.0)
    await observed(bucket, 10)
    a = await bucket.acquire()
    b = await bucket.acquire()
    bucket.cancel(a)  # never sent
    bucket.abandon(b)  # sent, no answer: Twitch may have counted it
    assert bucket.available() == pytest.approx(9, abs=0.01)
    assert bucket.in_flight == 0


async def test_pick_prefers_the_fuller_bucket_and_keeps_spare_points() -> None:
    limiters = RateLimiters(capacity=100, refill_per_s=0.001, reserve_share=0.0)
    app, user = limiters.bucket(None), limiters.bucket("42")
    await observed(app, 30)
    await observed(user, 60)
    assert limiters.pick([None, "42"]) == "42"
    assert limiters.pick([None, "42"], spare={"42": 40}) is None
    assert limiters.seconds_for(50, [None, "42"]) == 0.0
    assert limiters.seconds_for(95, [None, "42"]) == pytest.approx(5 / 0.002, rel=0.01)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucket(capacity=0)
    with pytest.raises(ValueError):
        TokenBucket(reserve_share=1.0)


@pytest.mark.parametrize(
    ("limit", "remaining"),
    [
        pytest.param(1, 0, id="limit-of-one"),
        pytest.param(10**9, 10**9, id="a-billion"),
        pytest.param(800, -5, id="negative-remaining"),
    ],
)
async def test_absurd_figures_are_ignored_and_said_once(
    limit: int, remaining: int, caplog: pytest.LogCaptureFixture
) -> None:
    bucket = TokenBucket(capacity=800)
    for _ in range(3):
        ticket = await bucket.acquire(Priority.INTERACTIVE)
        bucket.observe(ticket, limit=limit, remaining=remaining)
    assert bucket.capacity == 800
    assert bucket.available() > 100  # no minute-long wait follows
    said = [r for r in caplog.records if "outside sane bounds" in r.getMessage()]
    assert len(said) == 1


async def test_a_reset_far_in_the_future_is_not_believed() -> None:
    bucket = TokenBucket(capacity=800, wall_clock=lambda: 1_000.0)
    ticket = await bucket.acquire(Priority.INTERACTIVE)
    assert bucket.throttled(ticket, reset_epoch=1e12) == pytest.approx(1.0)
    bucket = TokenBucket(capacity=800, wall_clock=lambda: 1_000.0)
    ticket = await bucket.acquire(Priority.INTERACTIVE)
    assert bucket.throttled(ticket, reset_epoch=1_010.0) == pytest.approx(10.0)


def test_an_infinite_header_is_no_number() -> None:
    response = httpx.Response(200, headers={"Ratelimit-Reset": "inf", "Ratelimit-Limit": "nan"})
    assert header_int(response, "Ratelimit-Reset") is None
    assert header_int(response, "Ratelimit-Limit") is None
