"""Our conduit Helix calls against twitchsim: the errors list of Update Conduit Shards is read."""

from __future__ import annotations

import json

import aiohttp

from bot.helix.conduits import Conduits
from tests.bot.conftest import SimWorld


async def welcome(session: aiohttp.ClientSession, url: str) -> tuple[object, str]:
    ws = await session.ws_connect(url)
    msg = json.loads((await ws.receive()).data)
    return ws, str(msg["payload"]["session"]["id"])


async def test_bind_reads_the_errors_list_and_subscriptions_are_made_once(
    world: SimWorld,
) -> None:
    async with world.helix() as helix:
        conduits = Conduits(helix)
        assert await conduits.all() == []
        conduit = await conduits.create(2)
        conduit = await conduits.resize(conduit.id, 3)
        assert conduit.shard_count == 3
        assert [s.status for s in await conduits.shards(conduit.id)] == [
            "websocket_disconnected"
        ] * 3
        async with aiohttp.ClientSession() as http:
            ws, session_id = await welcome(http, world.sim.env()["TWITCH_EVENTSUB_WS_URL"])
            bound, errors = await conduits.bind(conduit.id, {0: session_id, 1: "AQoQgone"})
            assert bound == [0]
            assert [e.id for e in errors] == [1]
            assert "not connected" in errors[0].message
            states = {s.id: s for s in await conduits.shards(conduit.id)}
            assert states[0].status == "enabled" and states[0].session_id == session_id

            condition = {"broadcaster_user_id": str(world.channel_id)}
            made = await conduits.subscribe(conduit.id, "stream.online", "1", condition)
            assert made.subscription is not None
            assert made.total_cost == 1 and made.max_total_cost == 10_000
            again = await conduits.subscribe(conduit.id, "stream.online", "1", condition)
            assert again.subscription is None  # 409: it exists
            listed = await conduits.subscriptions()
            assert [s.broadcaster_id for s in listed.subscriptions] == [world.channel_id]
            assert listed.total_cost == 1
            await conduits.unsubscribe(made.subscription.id)
            await conduits.unsubscribe(made.subscription.id)  # gone already: fine
            assert (await conduits.subscriptions()).subscriptions == ()
            await ws.close()  # type: ignore[attr-defined]
