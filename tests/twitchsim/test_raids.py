"""Raid scenarios: their ground truth, and playing one into chat through /sim/."""

from __future__ import annotations

import asyncio
import itertools

import aiohttp
import pytest

from twitchsim import raids

from .conftest import Setup
from .test_eventsub import next_of, subscribe


@pytest.mark.parametrize("truth", [pytest.param(t, id=t.value) for t in raids.Truth])
def test_scenarios_repeat_for_a_seed_and_know_their_raiders(truth: raids.Truth) -> None:
    a, b = raids.build(truth, 3), raids.build(truth, 3)
    assert a == b
    assert a.messages == tuple(sorted(a.messages, key=lambda m: m.at_s))
    raider_msgs = [m for m in a.messages if m.raider]
    assert {m.user.user_id for m in raider_msgs} == a.raiders
    if truth is raids.Truth.ORGANIC:
        assert not a.raiders
    else:
        assert len(a.raiders) >= 10 and a.raid_message_at(10) is not None


def test_hate_raid_uses_placeholders_and_young_accounts() -> None:
    sc = raids.build("hate", 1)
    raiders = [m for m in sc.messages if m.raider]
    assert all((sc.start - m.user.created_at).days < 2 for m in raiders)
    joined = " ".join(m.text for m in raiders).lower()
    assert any(p in joined.replace("\u200b", "") for p in raids.PLACEHOLDER_SLURS)


def test_honest_raid_has_varied_messages_and_a_streamer() -> None:
    sc = raids.build("honest", 2, size=50)
    texts = {m.text for m in sc.messages if m.raider}
    assert sc.incoming_from is not None and sc.incoming_viewers > 0
    assert len(texts) >= 10


def test_organic_stream_is_deterministic_and_paced() -> None:
    a = list(itertools.islice(raids.organic_stream(1, messages=2_000, rate=5.0), 2_000))
    b = list(raids.organic_stream(1, messages=2_000, rate=5.0))
    assert a == b
    span = (a[-1].at - a[0].at).total_seconds()
    assert 200 < span < 800  # about 400 s at 5 a second, hype moments faster
    assert any(e.first_time for e in a)


async def test_control_plays_a_raid_into_chat(world: Setup, http: aiohttp.ClientSession) -> None:
    url = f"{world.sim.url}/sim/channels/streamer/raid_scenario"
    async with http.post(url, json={"kind": "spam", "seed": 4, "size": 12, "speed": 0}) as r:
        assert r.status == 200
        info = await r.json()
    assert info["truth"] == "spam" and len(info["raiders"]) == 12
    chan = world.sim.state.channel("streamer")
    for _ in range(200):
        if len(chan.lines) >= info["messages"]:
            break
        await asyncio.sleep(0.02)
    assert len(chan.lines) == info["messages"]
    said = {line.user_id for line in chan.lines.values()}
    assert {int(u) for u in info["raiders"]} <= said
    async with http.get(f"{world.sim.url}/sim/raid_scenarios") as r:
        assert (await r.json())["data"][0]["done"] is True


async def test_control_refuses_an_unknown_kind(world: Setup, http: aiohttp.ClientSession) -> None:
    url = f"{world.sim.url}/sim/channels/streamer/raid_scenario"
    async with http.post(url, json={"kind": "party"}) as r:
        assert r.status == 400


async def test_honest_raid_announces_channel_raid(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    token, _ = world.sim.state.issue_user_token(world.streamer, [])
    streamer = str(world.streamer.user_id)
    async with http.ws_connect(world.sim.ws_url) as ws:
        session_id = (await next_of(ws, "session_welcome"))["payload"]["session"]["id"]
        status, _ = await subscribe(
            world, http, token, session_id, "channel.raid", "1", to_broadcaster_user_id=streamer
        )
        assert status == 202
        url = f"{world.sim.url}/sim/channels/streamer/raid_scenario"
        async with http.post(url, json={"kind": "honest", "seed": 1, "size": 10, "speed": 0}) as r:
            info = await r.json()
        note = await next_of(ws, "notification")
    event = note["payload"]["event"]
    assert event["from_broadcaster_user_login"] == info["incoming_from"]
    assert event["viewers"] == 30
