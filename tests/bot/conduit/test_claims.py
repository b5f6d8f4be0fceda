"""Shard claims on PostgreSQL advisory locks: exclusive, freed with the connection."""

from __future__ import annotations

import pytest

from storage import Database
from storage.conduit import Claims, read_state
from storage.copy import check


async def test_a_shard_is_held_by_one_process_and_freed_when_it_goes(pg_url: str) -> None:
    first, second, twin = Claims(pg_url, "one"), Claims(pg_url, "two"), Claims(pg_url, "one")
    assert await first.connect()
    assert await second.connect()
    assert not await twin.connect()  # a second live process by the same name
    await twin.close()
    try:
        assert await first.live_processes() == 2
        assert await first.try_claim(3)
        assert not await second.try_claim(3)
        assert await second.try_claim(4)
        assert await first.holders() == {3: first.backend_pid, 4: second.backend_pid}
        assert await first.try_lead()
        assert await first.try_lead()  # still the leader; taking it again changes nothing
        assert not await second.try_lead()

        await first.close()  # as after SIGKILL: the server ends the session, the locks go
        assert await second.live_processes() == 1
        assert await second.try_claim(3)
        assert await second.try_lead()
        await second.release(3)
        assert await second.holders() == {4: second.backend_pid}
    finally:
        await first.close()
        await second.close()


async def test_db_check_reports_the_conduit_and_its_processes(pg_url: str) -> None:
    claims = Claims(pg_url, "bot-a")
    await claims.connect()
    try:
        await claims.heartbeat(pid=42, shards=[2, 0], channels=10, backlog=0, leader=True)
        await claims.record_state(
            conduit_id="c1",
            shard_count=4,
            channels=10,
            subscriptions=60,
            total_cost=20,
            max_total_cost=10_000,
        )
        async with Database(pg_url) as db:
            state, processes = await read_state(db)
            report = await check(db)
    finally:
        await claims.close()
    assert state is not None and state.conduit_id == "c1"
    assert [(p.name, p.shards, p.alive, p.leader) for p in processes] == [
        ("bot-a", (0, 2), True, True)
    ]
    assert report.conduit is not None
    assert report.conduit.channels_that_fit() == 5_000
    assert "conduit_state" not in report.counts  # coordination state is not copied


@pytest.mark.parametrize(
    ("cost", "channels", "fit"),
    [
        pytest.param(0, 10, None, id="free"),
        pytest.param(600, 300, 5_000, id="two-a-channel"),
        pytest.param(300, 300, 10_000, id="one-a-channel"),
    ],
)
def test_channels_that_fit(cost: int, channels: int, fit: int | None) -> None:
    from bot.helix.conduits import channels_that_fit

    assert channels_that_fit(cost, 10_000, channels) == fit
