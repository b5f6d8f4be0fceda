"""Stream events ride the history recorder (issue 18): batched with chat, held and retried while
the database is unavailable, a bad one costing only itself; the raid converter's direction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.history import convert_events
from bot.history.recorder import Recorder
from storage import Database, EventKind, StreamEvent
from tests.bot.history.test_recorder import RestartingServer, chan, msg  # noqa: F401

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


def follow(i: int, channel: int = 42) -> StreamEvent:
    return StreamEvent(f"f{i}:follow", channel, EventKind.FOLLOW, T0 + timedelta(seconds=i))


async def test_held_while_the_server_restarts_and_stored_once(chan: Database) -> None:  # noqa: F811
    server = RestartingServer(chan.history, failures=3)
    rec = Recorder(server, max_batch=5, interval_s=0.01, retry_s=0.01)  # type: ignore[arg-type]
    async with rec:
        for i in range(12):
            await rec.put(msg(i))
            await rec.put(follow(i))
        await rec.put(follow(0))  # a redelivery
        await asyncio.wait_for(rec.flush(), 10)
    assert server.failures == 0 and rec.stats().dropped == 0
    assert len(await chan.stream_events.in_channel(42)) == 12
    assert await chan.history.count_messages(42) == 12


async def test_an_event_of_an_unknown_channel_costs_only_itself(chan: Database) -> None:  # noqa: F811
    rec = Recorder(chan.history, max_batch=10, interval_s=0.01)
    async with rec:
        for item in (follow(1), follow(2, channel=999), follow(3)):
            await rec.put(item)
        await rec.flush()
    assert [e.dedupe_key for e in await chan.stream_events.in_channel(42)] == [
        "f1:follow",
        "f3:follow",
    ]
    assert rec.stats().dropped == 1


def user(uid: int, login: str) -> SimpleNamespace:
    return SimpleNamespace(id=str(uid), name=login)


@pytest.mark.parametrize(
    ("condition", "kind", "channel", "other"),
    [
        pytest.param({"to_broadcaster_user_id": "42"}, EventKind.RAID_IN, 42, "big", id="in"),
        pytest.param({"from_broadcaster_user_id": "9"}, EventKind.RAID_OUT, 9, "chan", id="out"),
        pytest.param(None, EventKind.RAID_IN, 42, "big", id="no-condition-is-incoming"),
    ],
)
def test_a_raid_belongs_to_the_channel_its_subscription_names(
    condition: dict[str, str] | None, kind: EventKind, channel: int, other: str
) -> None:
    payload = SimpleNamespace(
        from_broadcaster=user(9, "big"),
        to_broadcaster=user(42, "chan"),
        viewer_count=77,
        metadata=SimpleNamespace(message_id="abc"),
        timestamp=T0,
        subscription_data=SimpleNamespace(condition=condition) if condition else None,
    )
    event = convert_events.raid(payload, T0)
    assert (event.kind, event.channel_id, event.user_login) == (kind, channel, other)
    assert event.amount == 77 and event.dedupe_key == f"abc:{kind.value}" and event.at == T0
