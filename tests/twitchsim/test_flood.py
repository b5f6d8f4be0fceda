"""`World.flood`: many pre-built chat notifications at once, each with its own ids."""

from __future__ import annotations

import json

import aiohttp
import pytest

from .conftest import Setup
from .test_eventsub import receive, subscribe

pytestmark = pytest.mark.timeout(30)


async def test_flood_delivers_n_distinct_well_formed_messages(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    st = world.sim.state
    b, u = str(world.streamer.user_id), str(world.bot.user_id)
    chatters = [st.add_user(f"fan{i}") for i in range(3)]
    async with http.ws_connect(world.sim.ws_url) as ws:
        session_id = (await receive(ws))["payload"]["session"]["id"]
        status, _ = await subscribe(
            world,
            http,
            world.bot_token,
            session_id,
            "channel.chat.message",
            "1",
            broadcaster_user_id=b,
            user_id=u,
        )
        assert status == 202
        ids = st.flood("streamer", 200, chatters=chatters, texts=["hi Kappa", "gg"])
        got = []
        while len(got) < 200:
            data = await receive(ws)
            if data["metadata"]["message_type"] == "notification":
                got.append(data)
    assert len(set(ids)) == 200
    assert [d["payload"]["event"]["message_id"] for d in got] == ids
    assert len({d["metadata"]["message_id"] for d in got}) == 200
    events = [d["payload"]["event"] for d in got]
    assert [e["chatter_user_login"] for e in events[:4]] == ["fan0", "fan1", "fan2", "fan0"]
    assert events[0]["message"]["text"] == "hi Kappa" and events[1]["message"]["text"] == "gg"
    assert events[0]["message"]["fragments"][1]["type"] == "emote"
    assert {e["broadcaster_user_id"] for e in events} == {b}
    assert json.loads(json.dumps(got[0])) == got[0]
    assert st.lines("streamer") == []  # not kept as chat lines


async def test_flood_without_subscribers_only_returns_ids(world: Setup) -> None:
    ids = world.sim.state.flood("streamer", 5)
    assert len(ids) == 5 and world.sim.state.hub.delivered == 0
