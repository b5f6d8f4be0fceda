"""Subscriptions, resubscriptions, gifts, raids and follows: control API in, EventSub out."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
import twitchio
from twitchio import eventsub

from .conftest import Setup, eventually
from .test_eventsub import next_of, subscribe

pytestmark = pytest.mark.timeout(60)

STREAMER_SCOPES = ["channel:read:subscriptions", "moderator:read:followers"]


@pytest.mark.parametrize(
    ("path", "body", "sub_type", "version", "expected"),
    [
        pytest.param(
            "subscribe",
            {"user": "viewer", "tier": "2000"},
            "channel.subscribe",
            "1",
            {"user_login": "viewer", "tier": "2000", "is_gift": False},
            id="subscribe",
        ),
        pytest.param(
            "resubscribe",
            {"user": "viewer", "months": 15, "text": "Love the stream Kappa", "streak_months": 3},
            "channel.subscription.message",
            "1",
            {
                "user_login": "viewer",
                "tier": "1000",
                "cumulative_months": 15,
                "streak_months": 3,
                "duration_months": 1,
                "message": {
                    "text": "Love the stream Kappa",
                    "emotes": [{"begin": 16, "end": 20, "id": "25"}],
                },
            },
            id="resubscribe",
        ),
        pytest.param(
            "gift",
            {"user": "viewer", "recipients": ["botcheck", "gifted"], "cumulative_total": 40},
            "channel.subscription.gift",
            "1",
            {"user_login": "viewer", "total": 2, "cumulative_total": 40, "is_anonymous": False},
            id="gift",
        ),
        pytest.param(
            "gift",
            {"recipients": ["gifted"], "tier": "3"},
            "channel.subscription.gift",
            "1",
            {"user_id": None, "tier": "3000", "cumulative_total": None, "is_anonymous": True},
            id="gift-anonymous",
        ),
        pytest.param(
            "raid",
            {"from": "raider", "viewers": 1234},
            "channel.raid",
            "1",
            {"from_broadcaster_user_login": "raider", "to_broadcaster_user_login": "streamer"},
            id="raid",
        ),
        pytest.param(
            "follow",
            {"user": "viewer"},
            "channel.follow",
            "2",
            {"user_login": "viewer", "broadcaster_user_login": "streamer"},
            id="follow",
        ),
    ],
)
async def test_control_api_announces_community_events(
    world: Setup,
    http: aiohttp.ClientSession,
    path: str,
    body: dict[str, Any],
    sub_type: str,
    version: str,
    expected: dict[str, Any],
) -> None:
    state = world.sim.state
    state.add_user("gifted")
    state.add_channel("raider")
    token, _ = state.issue_user_token(world.streamer, STREAMER_SCOPES)
    streamer = str(world.streamer.user_id)
    condition = {"broadcaster_user_id": streamer}
    if sub_type == "channel.raid":
        condition = {"to_broadcaster_user_id": streamer}
    elif sub_type == "channel.follow":
        condition["moderator_user_id"] = streamer
    async with http.ws_connect(world.sim.ws_url) as ws:
        session_id = (await next_of(ws, "session_welcome"))["payload"]["session"]["id"]
        status, made = await subscribe(
            world, http, token, session_id, sub_type, version, **condition
        )
        assert status == 202, made
        async with http.post(f"{world.sim.url}/sim/channels/streamer/{path}", json=body) as resp:
            answer = await resp.json()
            assert resp.status == 200 and answer["notifications"] == 1, answer
        note = await next_of(ws, "notification")
    assert note["metadata"]["subscription_type"] == sub_type
    event = note["payload"]["event"]
    assert {k: event[k] for k in expected} == expected


async def test_raids_reach_both_ends_and_gifts_announce_each_recipient(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    state = world.sim.state
    raider = state.add_channel("raider")
    streamer_token, _ = state.issue_user_token(world.streamer, STREAMER_SCOPES)
    raider_token, _ = state.issue_user_token(raider, [])
    async with http.ws_connect(world.sim.ws_url) as ws:
        session_id = (await next_of(ws, "session_welcome"))["payload"]["session"]["id"]
        streamer, raider_id = str(world.streamer.user_id), str(raider.user_id)
        for token, cond in (
            (streamer_token, {"to_broadcaster_user_id": streamer}),
            (raider_token, {"from_broadcaster_user_id": raider_id}),
        ):
            status, _ = await subscribe(world, http, token, session_id, "channel.raid", "1", **cond)
            assert status == 202
        for type_ in ("channel.subscribe", "channel.subscription.gift"):
            cond = {"broadcaster_user_id": streamer}
            status, _ = await subscribe(world, http, streamer_token, session_id, type_, "1", **cond)
            assert status == 202
        assert state.raid(raider, world.streamer, 50) == 2
        assert state.gift(world.streamer, world.viewer, ["botcheck", "viewer"]) == 3
        seen = [await next_of(ws, "notification") for _ in range(5)]
    types = [n["metadata"]["subscription_type"] for n in seen]
    assert types == ["channel.raid"] * 2 + ["channel.subscription.gift"] + ["channel.subscribe"] * 2
    assert [n["payload"]["event"]["is_gift"] for n in seen[3:]] == [True, True]


@pytest.mark.parametrize(
    ("scopes", "type_", "status"),
    [
        pytest.param([], "channel.subscribe", 403, id="subscribe-without-scope"),
        pytest.param(["moderator:read:followers"], "channel.follow", 202, id="follow"),
    ],
)
async def test_websocket_community_subscriptions_need_the_scope(
    world: Setup, http: aiohttp.ClientSession, scopes: list[str], type_: str, status: int
) -> None:
    token, _ = world.sim.state.issue_user_token(world.streamer, scopes)
    streamer = str(world.streamer.user_id)
    cond = {"broadcaster_user_id": streamer}
    version = "2" if type_ == "channel.follow" else "1"
    if type_ == "channel.follow":
        cond["moderator_user_id"] = streamer
    async with http.ws_connect(world.sim.ws_url) as ws:
        session_id = json.loads((await ws.receive(timeout=5)).data)["payload"]["session"]["id"]
        got, _ = await subscribe(world, http, token, session_id, type_, version, **cond)
    assert got == status


class Listener(twitchio.Client):
    """The streamer's own TwitchIO client, listening for community events."""

    def __init__(self, setup: Setup) -> None:
        super().__init__(
            client_id=setup.sim.client_id,
            client_secret=setup.sim.client_secret,
            bot_id=str(setup.streamer.user_id),
        )
        self.setup_ = setup
        self.events: list[Any] = []

    async def setup_hook(self) -> None:
        token, refresh = self.setup_.sim.state.issue_user_token(
            self.setup_.streamer, STREAMER_SCOPES
        )
        await self.add_token(token, refresh)
        me = str(self.setup_.streamer.user_id)
        for sub in (
            eventsub.ChannelSubscribeSubscription(broadcaster_user_id=me),
            eventsub.ChannelSubscribeMessageSubscription(broadcaster_user_id=me),
            eventsub.ChannelSubscriptionGiftSubscription(broadcaster_user_id=me),
            eventsub.ChannelRaidSubscription(to_broadcaster_user_id=me),
            eventsub.ChannelFollowSubscription(broadcaster_user_id=me, moderator_user_id=me),
        ):
            await self.subscribe_websocket(payload=sub, token_for=me)

    async def event_subscription(self, payload: Any) -> None:
        self.events.append(payload)

    async def event_subscription_message(self, payload: Any) -> None:
        self.events.append(payload)

    async def event_subscription_gift(self, payload: Any) -> None:
        self.events.append(payload)

    async def event_raid(self, payload: Any) -> None:
        self.events.append(payload)

    async def event_follow(self, payload: Any) -> None:
        self.events.append(payload)


@pytest.mark.usefixtures("twitchio_at_sim")
async def test_twitchio_parses_every_community_event(world: Setup) -> None:
    state = world.sim.state
    raider = state.add_channel("raider")
    client = Listener(world)
    task = asyncio.create_task(
        client.start(with_adapter=False, load_tokens=False, save_tokens=False)
    )
    try:
        await eventually(lambda: task.done() or len(state.hub.subs) == 5, timeout=15)
        assert not task.done()
        state.subscribe(world.streamer, world.viewer, tier=1)
        state.resubscribe(world.streamer, world.viewer, months=7, text="seven Kappa")
        state.gift(world.streamer, None, [world.bot])
        state.raid(raider, world.streamer, 77)
        state.follow(world.streamer, world.viewer)
        await eventually(lambda: len(client.events) == 6)
    finally:
        await client.close()
        await asyncio.wait_for(task, timeout=10)
    kinds = {type(e).__name__: e for e in client.events}
    assert kinds["ChannelSubscriptionMessage"].cumulative_months == 7
    assert kinds["ChannelSubscriptionMessage"].emotes[0].id == "25"
    assert (
        kinds["ChannelSubscriptionGift"].anonymous and kinds["ChannelSubscriptionGift"].user is None
    )
    assert kinds["ChannelRaid"].viewer_count == 77
    assert kinds["ChannelFollow"].user.name == "viewer"
    gifts = [e for e in client.events if type(e).__name__ == "ChannelSubscribe"]
    assert sorted(e.gift for e in gifts) == [False, True]
