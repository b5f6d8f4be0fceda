"""EventSub conduits over real sockets: conduits, shard binding, routing, retries, drops, cost."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from twitchsim import TwitchSim
from twitchsim.conduits import NOT_CONNECTED, route

from .conftest import Setup, eventually

pytestmark = pytest.mark.timeout(60)

JSON = dict[str, Any]


@dataclass
class Shard:
    """A raw EventSub WebSocket and every message it received."""

    ws: aiohttp.ClientWebSocketResponse
    session_id: str
    messages: list[JSON] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None
    close_code: int | None = None

    def of_type(self, sub_type: str) -> list[JSON]:
        return [
            m
            for m in self.messages
            if m["metadata"].get("subscription_type") == sub_type
            and m["metadata"]["message_type"] == "notification"
        ]

    def chat(self) -> list[str]:
        return [m["payload"]["event"]["message"]["text"] for m in self.of_type(CHAT)]


CHAT = "channel.chat.message"


async def _read(shard: Shard) -> None:
    async for msg in shard.ws:
        if msg.type == aiohttp.WSMsgType.TEXT:
            shard.messages.append(json.loads(msg.data))
    shard.close_code = shard.ws.close_code


async def open_shard(http: aiohttp.ClientSession, sim: TwitchSim) -> Shard:
    ws = await http.ws_connect(sim.ws_url)
    welcome = json.loads((await ws.receive(timeout=5)).data)
    shard = Shard(ws, welcome["payload"]["session"]["id"])
    shard.reader = asyncio.create_task(_read(shard))
    return shard


@contextlib.asynccontextmanager
async def shards(http: aiohttp.ClientSession, sim: TwitchSim, n: int) -> AsyncIterator[list[Shard]]:
    opened = [await open_shard(http, sim) for _ in range(n)]
    try:
        yield opened
    finally:
        for shard in opened:
            await shard.ws.close()
            if shard.reader is not None:
                await shard.reader


class Api:
    """Helix calls with one token."""

    def __init__(self, http: aiohttp.ClientSession, sim: TwitchSim, token: str) -> None:
        self.http, self.base, self.token = http, sim.helix_url, token

    async def call(
        self, method: str, path: str, *, params: JSON | None = None, body: Any = None
    ) -> tuple[int, JSON]:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.http.request(
            method, self.base + path, params=params, json=body, headers=headers
        ) as resp:
            data = await resp.json() if resp.status != 204 else {}
            return resp.status, data

    async def create(self, count: int) -> str:
        status, data = await self.call("POST", "/eventsub/conduits", body={"shard_count": count})
        assert status == 200, data
        return str(data["data"][0]["id"])

    async def bind(self, conduit_id: str, bindings: dict[str, str]) -> JSON:
        shards = [
            {"id": sid, "transport": {"method": "websocket", "session_id": session}}
            for sid, session in bindings.items()
        ]
        body = {"conduit_id": conduit_id, "shards": shards}
        status, data = await self.call("PATCH", "/eventsub/conduits/shards", body=body)
        assert status == 202, data
        return data

    async def shard_states(self, conduit_id: str) -> dict[str, str]:
        status, data = await self.call(
            "GET", "/eventsub/conduits/shards", params={"conduit_id": conduit_id}
        )
        assert status == 200, data
        return {s["id"]: s["status"] for s in data["data"]}

    async def subscribe(self, conduit_id: str, type_: str, version: str, **cond: str) -> JSON:
        body = {
            "type": type_,
            "version": version,
            "condition": cond,
            "transport": {"method": "conduit", "conduit_id": conduit_id},
        }
        status, data = await self.call("POST", "/eventsub/subscriptions", body=body)
        return {"status": status, **data}


@pytest.fixture
def app(sim: TwitchSim, http: aiohttp.ClientSession) -> Api:
    token = sim.state.tokens.issue_app_token(sim.client_id)
    return Api(http, sim, token.access_token)


def add_channels(world: Setup, n: int) -> list[int]:
    """Channels the bot moderates (its grants cover chat on the app token)."""
    ids = []
    for i in range(n):
        user = world.sim.state.add_channel(f"chan{i}")
        world.sim.state.add_moderator(user, world.bot)
        ids.append(user.user_id)
    return ids


async def sim_json(http: aiohttp.ClientSession, url: str) -> JSON:
    async with http.get(url) as resp:
        data: JSON = await resp.json()
        return data


# --- the conduit endpoints -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "where", [pytest.param("query", id="query"), pytest.param("body", id="body")]
)
async def test_conduits_are_created_listed_resized_and_deleted(app: Api, where: str) -> None:
    def args(**values: Any) -> JSON:
        return {"params": values} if where == "query" else {"body": values}

    status, made = await app.call("POST", "/eventsub/conduits", **args(shard_count=3))
    assert status == 200 and made["data"][0]["shard_count"] == 3
    conduit_id = made["data"][0]["id"]
    assert (await app.call("GET", "/eventsub/conduits"))[1]["data"] == made["data"]
    status, grown = await app.call(
        "PATCH", "/eventsub/conduits", **args(id=conduit_id, shard_count=5)
    )
    assert status == 200 and grown["data"][0]["shard_count"] == 5
    assert sorted((await app.shard_states(conduit_id)).keys()) == ["0", "1", "2", "3", "4"]
    status, _ = await app.call("PATCH", "/eventsub/conduits", **args(id=conduit_id, shard_count=2))
    assert list(await app.shard_states(conduit_id)) == ["0", "1"]
    status, _ = await app.call("DELETE", "/eventsub/conduits", **args(id=conduit_id))
    assert status == 204
    assert (await app.call("GET", "/eventsub/conduits"))[1]["data"] == []
    status, _ = await app.call("DELETE", "/eventsub/conduits", **args(id=conduit_id))
    assert status == 404


@pytest.mark.parametrize(
    ("shard_count", "status"),
    [
        pytest.param(0, 400, id="zero"),
        pytest.param(20_001, 400, id="over-20000"),
        pytest.param(20_000, 200, id="20000"),
    ],
)
async def test_shard_count_limits(app: Api, shard_count: int, status: int) -> None:
    got, _ = await app.call("POST", "/eventsub/conduits", body={"shard_count": shard_count})
    assert got == status


async def test_five_conduits_per_client_and_app_token_only(app: Api, world: Setup) -> None:
    for _ in range(5):
        await app.create(1)
    status, data = await app.call("POST", "/eventsub/conduits", body={"shard_count": 1})
    assert status == 429, data
    user = Api(app.http, world.sim, world.bot_token)
    assert (await user.call("GET", "/eventsub/conduits"))[0] == 401


# --- binding -------------------------------------------------------------------------------------


async def test_update_shards_answers_202_with_data_and_errors(
    app: Api, world: Setup, http: aiohttp.ClientSession
) -> None:
    conduit_id = await app.create(4)
    async with shards(http, world.sim, 1) as (live,):
        data = await app.bind(
            conduit_id, {"0": live.session_id, "1": "AQoQnotasession", "7": live.session_id}
        )
        assert [s["id"] for s in data["data"]] == ["0"]
        assert data["data"][0]["status"] == "enabled"
        assert data["data"][0]["transport"]["session_id"] == live.session_id
        errors = {e["id"]: e for e in data["errors"]}
        assert errors["1"]["message"] == NOT_CONNECTED
        assert set(errors) == {"1", "7"}
        assert {e["code"] for e in data["errors"]} == {"invalid_parameter"}
        states = await app.shard_states(conduit_id)
        assert states == {
            "0": "enabled",
            "1": "websocket_disconnected",
            "2": "websocket_disconnected",
            "3": "websocket_disconnected",
        }
    # TwitchIO's form: conduit_id in the query, the shards in the body
    status, data = await app.call(
        "PATCH",
        "/eventsub/conduits/shards",
        params={"conduit_id": conduit_id},
        body={"shards": [{"id": "0", "transport": {"method": "websocket", "session_id": "x"}}]},
    )
    assert status == 202 and data["errors"][0]["message"] == NOT_CONNECTED


async def test_a_socket_not_bound_in_time_is_closed_and_a_bound_one_stays(
    app: Api, world: Setup, http: aiohttp.ClientSession
) -> None:
    world.sim.state.hub.subscribe_timeout_s = 0.5  # Twitch: 10 s
    conduit_id = await app.create(1)
    async with shards(http, world.sim, 2) as (bound, idle):
        await app.bind(conduit_id, {"0": bound.session_id})
        assert idle.reader is not None
        await asyncio.wait_for(idle.reader, timeout=5)
        assert idle.close_code == 4003
        await asyncio.sleep(0.5)
        assert not bound.ws.closed
        assert (await app.shard_states(conduit_id))["0"] == "enabled"


# --- routing, retry, drops ------------------------------------------------------------------------


async def test_chat_goes_to_its_shard_then_the_retry_shard_then_is_dropped(
    app: Api, world: Setup, http: aiohttp.ClientSession
) -> None:
    state, n = world.sim.state, 4
    channels = add_channels(world, 12)
    conduit_id = await app.create(n)
    async with shards(http, world.sim, n) as socks:
        await app.bind(conduit_id, {str(i): s.session_id for i, s in enumerate(socks)})
        disabled = await app.subscribe(
            conduit_id, "conduit.shard.disabled", "1", client_id=app_id(world)
        )
        assert disabled["status"] == 202 and disabled["data"][0]["cost"] == 0
        for cid in channels:
            made = await app.subscribe(
                conduit_id, CHAT, "1", broadcaster_user_id=str(cid), user_id=str(world.bot.user_id)
            )
            assert made["status"] == 202, made
            assert made["data"][0]["transport"] == {"method": "conduit", "conduit_id": conduit_id}
        # every channel's chat lands on the shard the hash names, and nowhere else
        for cid in channels:
            await state.say(cid, world.viewer, f"hello {cid}")
        await eventually(lambda: sum(len(s.chat()) for s in socks) == len(channels))
        for cid in channels:
            first, _ = route(n, cid)
            assert f"hello {cid}" in socks[first].chat()
        assert {route(n, c)[0] for c in channels} != {route(n, channels[0])[0]}  # spread

        # the first shard of one channel goes away: its chat is retried on the second
        victim = channels[0]
        first, retry = route(n, victim)
        assert retry is not None
        await socks[first].ws.close()
        await eventually(
            lambda: state.conduits.conduits[conduit_id].shards[first].status != "enabled"
        )
        assert (await app.shard_states(conduit_id))[str(first)] == "websocket_disconnected"
        notices = await eventually(
            lambda: [m for s in socks for m in s.of_type("conduit.shard.disabled")]
        )
        assert notices[0]["payload"]["event"]["shard_id"] == str(first)
        assert notices[0]["payload"]["event"]["status"] == "websocket_disconnected"
        await state.say(victim, world.viewer, "after the first shard died")
        await eventually(lambda: "after the first shard died" in socks[retry].chat())
        stats = await sim_json(http, f"{world.sim.url}/sim/conduits")
        assert stats["retried"] >= 1 and stats["dropped"] == 0

        # and when the retry shard is gone too, the notification is dropped and counted
        await socks[retry].ws.close()
        await eventually(
            lambda: state.conduits.conduits[conduit_id].shards[retry].status != "enabled"
        )
        message_id = await state.say(victim, world.viewer, "nobody hears this")
        stats = await sim_json(http, f"{world.sim.url}/sim/conduits")
        assert stats["dropped"] == 1
        dropped = await sim_json(http, f"{world.sim.url}/sim/conduits/dropped")
        assert dropped["data"] == [
            {
                "conduit_id": conduit_id,
                "type": CHAT,
                "broadcaster_id": victim,
                "message_id": message_id,
                "shards": [str(first), str(retry)],
            }
        ]
        assert all("nobody hears this" not in s.chat() for s in socks)


async def test_a_cut_connection_disables_the_shard_as_a_network_error(
    app: Api, world: Setup, http: aiohttp.ClientSession
) -> None:
    conduit_id = await app.create(2)
    async with shards(http, world.sim, 2) as socks:
        await app.bind(conduit_id, {"0": socks[0].session_id, "1": socks[1].session_id})
        async with http.post(f"{world.sim.url}/sim/conduits/{conduit_id}/shards/1/disconnect") as r:
            assert (await r.json()) == {"ok": True}
        await eventually(
            lambda: world.sim.state.conduits.conduits[conduit_id].shards[1].status != "enabled"
        )
        states = await app.shard_states(conduit_id)
        assert states == {"0": "enabled", "1": "websocket_network_error"}
        # a new socket takes the shard back
        fresh = await open_shard(http, world.sim)
        try:
            data = await app.bind(conduit_id, {"1": fresh.session_id})
            assert data["errors"] == [] and (await app.shard_states(conduit_id))["1"] == "enabled"
        finally:
            await fresh.ws.close()


# --- cost -----------------------------------------------------------------------------------------


async def test_subscription_cost_and_max_total_cost(
    app: Api, world: Setup, http: aiohttp.ClientSession
) -> None:
    state = world.sim.state
    channels = add_channels(world, 3)
    authorized = state.add_channel("authorized")
    state.issue_user_token(authorized, ["channel:read:subscriptions"])
    async with http.post(f"{world.sim.url}/sim/conduits/limits", json={"max_total_cost": 2}) as r:
        assert (await r.json())["max_total_cost"] == 2
    conduit_id = await app.create(1)
    bot = str(world.bot.user_id)
    chat = await app.subscribe(
        conduit_id, CHAT, "1", broadcaster_user_id=str(channels[0]), user_id=bot
    )
    assert chat["data"][0]["cost"] == 0 and chat["total_cost"] == 0
    online = [
        await app.subscribe(conduit_id, "stream.online", "1", broadcaster_user_id=str(c))
        for c in channels
    ]
    assert [o["status"] for o in online] == [202, 202, 429]
    assert online[1]["total_cost"] == 2 and online[1]["max_total_cost"] == 2
    # a broadcaster who authorized the app costs nothing
    free = await app.subscribe(
        conduit_id, "stream.online", "1", broadcaster_user_id=str(authorized.user_id)
    )
    assert free["status"] == 202 and free["data"][0]["cost"] == 0
    again = await app.subscribe(
        conduit_id, "stream.online", "1", broadcaster_user_id=str(channels[0])
    )
    assert again["status"] == 409
    status, listed = await app.call("GET", "/eventsub/subscriptions")
    assert status == 200
    assert (listed["total"], listed["total_cost"], listed["max_total_cost"]) == (4, 2, 2)
    assert {s["transport"]["method"] for s in listed["data"]} == {"conduit"}


@pytest.mark.parametrize(
    ("type_", "version", "condition", "status"),
    [
        pytest.param(CHAT, "1", {"user_id": "viewer"}, 403, id="chat-viewer-no-grant"),
        pytest.param(
            "channel.moderate", "2", {"moderator_user_id": "bot"}, 403, id="moderate-no-scope"
        ),
        pytest.param(
            "channel.follow", "2", {"moderator_user_id": "bot"}, 403, id="follow-no-scope"
        ),
        pytest.param("channel.subscribe", "1", {}, 403, id="subscribe-no-grant"),
        pytest.param("channel.raid", "1", {"to": True}, 202, id="raid-open"),
        pytest.param("conduit.shard.disabled", "1", {"client_id": "other"}, 403, id="other-client"),
    ],
)
async def test_conduit_subscriptions_need_the_users_grant(
    app: Api, world: Setup, type_: str, version: str, condition: dict[str, Any], status: int
) -> None:
    conduit_id = await app.create(1)
    users = {"viewer": str(world.viewer.user_id), "bot": str(world.bot.user_id)}
    streamer = str(world.streamer.user_id)
    cond = {k: users.get(v, v) for k, v in condition.items() if k not in ("to",)}
    if condition.get("to"):
        cond["to_broadcaster_user_id"] = streamer
    elif type_ != "conduit.shard.disabled":
        cond["broadcaster_user_id"] = streamer
    made = await app.subscribe(conduit_id, type_, version, **cond)
    assert made["status"] == status, made


def app_id(world: Setup) -> str:
    return world.sim.client_id


async def test_a_bound_shard_follows_its_session_through_a_reconnect(
    app: Api, world: Setup, http: aiohttp.ClientSession
) -> None:
    state = world.sim.state
    (channel,) = add_channels(world, 1)
    conduit_id = await app.create(1)
    shard = state.conduits.conduits[conduit_id].shards[0]
    async with shards(http, world.sim, 1) as (old,):
        await app.bind(conduit_id, {"0": old.session_id})
        bot = str(world.bot.user_id)
        await app.subscribe(conduit_id, CHAT, "1", broadcaster_user_id=str(channel), user_id=bot)
        assert await state.send_reconnect() == 1
        notes = await eventually(
            lambda: [
                m for m in old.messages if m["metadata"]["message_type"] == "session_reconnect"
            ]
        )
        new = await http.ws_connect(notes[0]["payload"]["session"]["reconnect_url"])
        try:
            welcome = json.loads((await new.receive(timeout=5)).data)
            assert welcome["payload"]["session"]["id"] == old.session_id
            await old.ws.close()
            await state.say(channel, world.viewer, "still here")
            note = json.loads((await new.receive(timeout=5)).data)
            assert note["payload"]["event"]["message"]["text"] == "still here"
            assert shard.status == "enabled"
        finally:
            await new.close()
        await eventually(lambda: shard.status == "websocket_disconnected")


async def test_a_flood_on_a_conduit_lands_on_the_channels_shard(
    app: Api, world: Setup, http: aiohttp.ClientSession
) -> None:
    state = world.sim.state
    (channel,) = add_channels(world, 1)
    conduit_id = await app.create(3)
    async with shards(http, world.sim, 3) as socks:
        await app.bind(conduit_id, {str(i): s.session_id for i, s in enumerate(socks)})
        bot = str(world.bot.user_id)
        await app.subscribe(conduit_id, CHAT, "1", broadcaster_user_id=str(channel), user_id=bot)
        event = {"message_id": "", "message": {"text": "flood", "fragments": []}}
        ids = state.hub.flood(CHAT, channel, [event], 50)
        first, _ = route(3, channel)
        await eventually(lambda: len(socks[first].chat()) == 50)
        got = [m["payload"]["event"]["message_id"] for m in socks[first].of_type(CHAT)]
        assert got == ids
        assert all(not s.chat() for i, s in enumerate(socks) if i != first)


async def test_echoed_retries_reach_both_shards_and_user_id_filters_by_condition(
    app: Api, world: Setup, http: aiohttp.ClientSession
) -> None:
    state, n = world.sim.state, 2
    channel, other = add_channels(world, 2)
    conduit_id = await app.create(n)
    async with shards(http, world.sim, n) as socks:
        await app.bind(conduit_id, {str(i): s.session_id for i, s in enumerate(socks)})
        bot = str(world.bot.user_id)
        for cid in (channel, other):
            await app.subscribe(conduit_id, CHAT, "1", broadcaster_user_id=str(cid), user_id=bot)
        await app.subscribe(conduit_id, "channel.raid", "1", from_broadcaster_user_id=str(channel))
        status, listed = await app.call("GET", f"/eventsub/subscriptions?user_id={channel}")
        assert status == 200
        assert sorted(s["type"] for s in listed["data"]) == ["channel.chat.message", "channel.raid"]

        state.conduits.echo_retries = True
        message_id = await state.say(channel, world.viewer, "said once, heard twice")
        await eventually(lambda: all("said once, heard twice" in s.chat() for s in socks))
        ids = {m["payload"]["event"]["message_id"] for s in socks for m in s.of_type(CHAT)}
        assert ids == {message_id}  # the same notification, not two
        envelopes = {m["metadata"]["message_id"] for s in socks for m in s.of_type(CHAT)}
        assert len(envelopes) == 1
