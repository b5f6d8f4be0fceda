"""TwitchIO 3's own conduit client (Client conduit methods, AutoClient) against twitchsim."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import twitchio
from twitchio import eventsub

from twitchsim.conduits import route

from .conftest import Setup, eventually

pytestmark = [pytest.mark.usefixtures("twitchio_at_sim"), pytest.mark.timeout(60)]


async def test_twitchio_conduit_methods(world: Setup) -> None:
    sim = world.sim
    client = twitchio.Client(client_id=sim.client_id, client_secret=sim.client_secret)
    await client.login(load_tokens=False, save_tokens=False)
    try:
        conduit = await client.create_conduit(3)  # shard_count in the query
        assert [c.id for c in await client.fetch_conduits()] == [conduit.id]
        conduit = await conduit.update(5)
        assert conduit.shard_count == 5
        shards = await conduit.fetch_shards()
        assert [s.id for s in shards] == ["0", "1", "2", "3", "4"]
        assert {s.status for s in shards} == {"websocket_disconnected"}
        # TwitchIO ignores the errors list of Update Conduit Shards; the sim still answers 202
        await conduit.update_shards(
            [{"id": "0", "transport": {"method": "websocket", "session_id": "AQoQgone"}}]
        )
        await conduit.delete()
        assert await client.fetch_conduits() == []
    finally:
        await client.close()


class Auto(twitchio.AutoClient):
    """An AutoClient holding some shards of an existing conduit."""

    def __init__(self, setup: Setup, conduit_id: str, shard_ids: list[int]) -> None:
        super().__init__(
            client_id=setup.sim.client_id,
            client_secret=setup.sim.client_secret,
            bot_id=str(setup.bot.user_id),
            conduit_id=conduit_id,
            shard_ids=shard_ids,
        )
        self.seen: list[str] = []
        self.raids: list[int] = []

    async def event_message(self, payload: twitchio.ChatMessage) -> None:
        self.seen.append(payload.text)

    async def event_raid(self, payload: Any) -> None:
        self.raids.append(payload.viewer_count)


async def start(client: Auto) -> asyncio.Task[None]:
    task = asyncio.create_task(client.start(load_tokens=False, save_tokens=False))
    await eventually(
        lambda: task.done() or len(client.conduit_info.websockets) == len(client._shard_ids)
    )
    if task.done():
        task.result()
    return task


async def stop(client: Auto, task: asyncio.Task[None]) -> None:
    await client.close()
    await asyncio.wait_for(task, timeout=10)


async def test_two_autoclients_share_a_conduit_and_a_dead_ones_shards_stay_dark(
    world: Setup,
) -> None:
    state = world.sim.state
    channels = []
    for i in range(16):
        user = state.add_channel(f"chan{i}")
        state.add_moderator(user, world.bot)
        channels.append(user.user_id)
    conduit = state.conduits.create(world.sim.client_id, 4)
    first, second = Auto(world, conduit.id, [0, 1]), Auto(world, conduit.id, [2, 3])
    task_1 = await start(first)
    task_2 = await start(second)
    try:
        assert {s.status for s in conduit.shards} == {"enabled"}
        subs = [
            eventsub.ChatMessageSubscription(
                broadcaster_user_id=str(c), user_id=str(world.bot.user_id)
            )
            for c in channels
        ]
        subs.append(eventsub.ChannelRaidSubscription(to_broadcaster_user_id=str(channels[0])))
        result = await first.multi_subscribe(subs)
        assert not result.errors, [e.error for e in result.errors]
        for cid in channels:
            await state.say(cid, world.viewer, f"hi {cid}")
        await eventually(lambda: len(first.seen) + len(second.seen) == len(channels))
        assert sorted(first.seen + second.seen) == sorted(f"hi {c}" for c in channels)
        for cid in channels:
            owner = first if route(4, cid)[0] < 2 else second
            assert f"hi {cid}" in owner.seen
        state.raid("chan5", channels[0], 42)
        await eventually(lambda: first.raids or second.raids)
        assert first.raids + second.raids == [42]

        # The second process goes away. TwitchIO's AutoClient re-binds only its own shards,
        # so shards 2 and 3 stay dark: channels whose both shards are among them are dropped.
        await stop(second, task_2)
        await eventually(
            lambda: {s.status for s in conduit.shards[2:]} == {"websocket_disconnected"}
        )
        before = len(first.seen)
        for cid in channels:
            await state.say(cid, world.viewer, f"again {cid}")
        lost = [c for c in channels if all(i is not None and i >= 2 for i in route(4, c))]
        await eventually(lambda: len(first.seen) - before == len(channels) - len(lost))
        assert lost and state.conduits.dropped == len(lost)
    finally:
        await stop(first, task_1)
        if not task_2.done():
            await stop(second, task_2)
