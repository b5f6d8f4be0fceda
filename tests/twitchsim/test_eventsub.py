"""EventSub over a raw WebSocket: welcome, keepalive, subscriptions, payloads, closes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from .conftest import Setup

pytestmark = pytest.mark.timeout(30)

ALL_SCOPES = [
    "user:read:chat",
    "moderator:read:chatters",
    "channel:moderate",
    "moderator:manage:banned_users",
]


async def receive(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5) -> dict[str, Any]:
    msg = await ws.receive(timeout=timeout)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    data: dict[str, Any] = json.loads(msg.data)
    return data


async def next_of(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        data = await receive(ws)
        if data["metadata"]["message_type"] == kind:
            return data


async def subscribe(
    world: Setup,
    http: aiohttp.ClientSession,
    token: str,
    session_id: str,
    type_: str,
    version: str,
    **condition: str,
) -> tuple[int, dict[str, Any]]:
    body = {
        "type": type_,
        "version": version,
        "condition": condition,
        "transport": {"method": "websocket", "session_id": session_id},
    }
    async with http.post(
        f"{world.sim.helix_url}/eventsub/subscriptions",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        return resp.status, await resp.json()


async def read_until_close(ws: aiohttp.ClientWebSocketResponse) -> list[str]:
    kinds = []
    msg = await ws.receive(timeout=10)
    while msg.type == aiohttp.WSMsgType.TEXT:
        kinds.append(json.loads(msg.data)["metadata"]["message_type"])
        msg = await ws.receive(timeout=10)
    return kinds


async def test_welcome_keepalive_and_unused_close(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    hub = world.sim.state.hub
    # Twitch's shortest keepalive is 10 s; a shorter default keeps the test quick.
    hub.keepalive_default_s = 1
    hub.subscribe_timeout_s = 2.5
    async with http.ws_connect(world.sim.ws_url) as ws:
        welcome = await receive(ws)
        assert welcome["metadata"]["message_type"] == "session_welcome"
        assert welcome["payload"]["session"]["keepalive_timeout_seconds"] == 1
        kinds = await read_until_close(ws)
        assert kinds and set(kinds) == {"session_keepalive"}
        assert ws.close_code == 4003
    # as on Twitch, the window to subscribe in is the keepalive timeout
    hub.subscribe_timeout_s = None
    async with http.ws_connect(world.sim.ws_url) as ws:
        await receive(ws)
        started = asyncio.get_running_loop().time()
        await read_until_close(ws)
        assert ws.close_code == 4003
        assert asyncio.get_running_loop().time() - started < 5
    async with http.ws_connect(world.sim.ws_url + "?keepalive_timeout_seconds=3") as ws:
        welcome = await receive(ws)
        assert welcome["payload"]["session"]["keepalive_timeout_seconds"] == 10  # clamped


async def test_revoked_token_revokes_its_subscriptions(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    st = world.sim.state
    token, _ = st.issue_user_token(world.bot, ALL_SCOPES)
    async with http.ws_connect(world.sim.ws_url) as ws:
        session_id = (await receive(ws))["payload"]["session"]["id"]
        status, _ = await subscribe(
            world,
            http,
            token,
            session_id,
            "stream.online",
            "1",
            broadcaster_user_id=str(world.streamer.user_id),
        )
        assert status == 202
        st.revoke_token(world.bot_token)  # another token of the same user still works
        assert st.hub.subs
        st.revoke_token(token)
        revocation = await next_of(ws, "revocation")
        assert revocation["payload"]["subscription"]["status"] == "authorization_revoked"
        assert not st.hub.subs


async def test_client_messages_close_4001(world: Setup, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(world.sim.ws_url) as ws:
        await receive(ws)
        await ws.send_str("hello")
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 4001


async def test_subscriptions_duplicates_and_limit(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    st = world.sim.state
    world.sim.config.max_subscriptions_per_session = 3  # 300 on Twitch
    token, _ = st.issue_user_token(world.bot, ALL_SCOPES)
    async with http.ws_connect(world.sim.ws_url) as ws:
        session_id = (await receive(ws))["payload"]["session"]["id"]
        b, u = str(world.streamer.user_id), str(world.bot.user_id)
        status, body = await subscribe(
            world,
            http,
            token,
            session_id,
            "channel.chat.message",
            "1",
            broadcaster_user_id=b,
            user_id=u,
        )
        assert status == 202
        assert body["data"][0]["transport"]["session_id"] == session_id
        assert body["data"][0]["status"] == "enabled"
        status, _ = await subscribe(
            world,
            http,
            token,
            session_id,
            "channel.chat.message",
            "1",
            broadcaster_user_id=b,
            user_id=u,
        )
        assert status == 409
        status, _ = await subscribe(
            world,
            http,
            token,
            session_id,
            "channel.chat.message",
            "1",
            broadcaster_user_id=b,
            user_id=str(world.viewer.user_id),
        )
        assert status == 403  # user_id must be the token's user
        for type_ in ("stream.online", "stream.offline"):
            status, _ = await subscribe(
                world, http, token, session_id, type_, "1", broadcaster_user_id=b
            )
            assert status == 202
        status, _ = await subscribe(
            world, http, token, session_id, "channel.ban", "1", broadcaster_user_id=b
        )
        assert status == 429  # over this session's limit
        status, _ = await subscribe(
            world, http, token, "no-such-session", "stream.online", "1", broadcaster_user_id=b
        )
        assert status == 400
        async with http.get(
            f"{world.sim.helix_url}/eventsub/subscriptions",
            headers={"Authorization": f"Bearer {token}"},
        ) as resp:
            listed = await resp.json()
        assert listed["total"] == 3
        sub_id = listed["data"][0]["id"]
        async with http.delete(
            f"{world.sim.helix_url}/eventsub/subscriptions",
            params={"id": sub_id},
            headers={"Authorization": f"Bearer {token}"},
        ) as resp:
            assert resp.status == 204
        assert sub_id not in st.hub.subs


async def test_notification_payloads(world: Setup, http: aiohttp.ClientSession) -> None:
    st = world.sim.state
    token, _ = st.issue_user_token(world.bot, ALL_SCOPES)
    b, u = str(world.streamer.user_id), str(world.bot.user_id)
    async with http.ws_connect(world.sim.ws_url) as ws:
        session_id = (await receive(ws))["payload"]["session"]["id"]
        for type_, version, cond in [
            ("channel.chat.message", "1", {"user_id": u}),
            ("channel.chat.message_delete", "1", {"user_id": u}),
            ("channel.chat.clear_user_messages", "1", {"user_id": u}),
            ("channel.moderate", "2", {"moderator_user_id": u}),
            ("channel.ban", "1", {}),
            ("channel.unban", "1", {}),
            ("stream.online", "1", {}),
            ("stream.offline", "1", {}),
        ]:
            status, body = await subscribe(
                world, http, token, session_id, type_, version, broadcaster_user_id=b, **cond
            )
            assert status == 202, body

        first = await st.say("streamer", "viewer", "hi @botcheck Kappa", badges=["subscriber/12"])
        event = (await next_of(ws, "notification"))["payload"]["event"]
        assert event["chatter_user_login"] == "viewer"
        assert event["badges"] == [{"set_id": "subscriber", "id": "12", "info": "12"}]
        kinds = [f["type"] for f in event["message"]["fragments"]]
        assert kinds == ["text", "mention", "text", "emote"]
        assert event["message"]["fragments"][3]["emote"]["id"] == "25"
        assert event["reply"] is None and event["message_id"] == first

        await st.say("streamer", "streamer", "thanks", reply_to=first)
        data = await next_of(ws, "notification")
        assert data["metadata"]["subscription_type"] == "channel.chat.message"
        event = data["payload"]["event"]
        assert event["badges"][0]["set_id"] == "broadcaster"
        assert event["reply"]["parent_message_id"] == first
        assert event["reply"]["parent_user_login"] == "viewer"
        assert event["message"]["text"] == "@viewer thanks"

        st.delete_message("streamer", first, moderator="botcheck")
        moderate = (await next_of(ws, "notification"))["payload"]["event"]
        assert moderate["action"] == "delete"
        assert moderate["delete"]["message_id"] == first
        assert moderate["moderator_user_login"] == "botcheck"
        assert moderate["ban"] is None and moderate["source_broadcaster_user_id"] is None
        deleted = (await next_of(ws, "notification"))["payload"]["event"]
        assert deleted["message_id"] == first and deleted["target_user_login"] == "viewer"

        st.ban("streamer", "viewer", reason="spam", duration_s=600)
        types = []
        for _ in range(3):
            data = await next_of(ws, "notification")
            types.append(data["metadata"]["subscription_type"])
            event = data["payload"]["event"]
            if types[-1] == "channel.moderate":
                assert event["action"] == "timeout"
                assert event["timeout"]["reason"] == "spam"
            if types[-1] == "channel.ban":
                assert event["is_permanent"] is False and event["ends_at"]
        assert types == ["channel.moderate", "channel.ban", "channel.chat.clear_user_messages"]
        st.unban("streamer", "viewer")
        assert (await next_of(ws, "notification"))["payload"]["event"]["action"] == "untimeout"
        assert (await next_of(ws, "notification"))["metadata"]["subscription_type"] == (
            "channel.unban"
        )

        st.set_stream("streamer", True, 100)
        online = await next_of(ws, "notification")
        assert online["payload"]["event"]["type"] == "live"
        st.set_stream("streamer", False)
        offline = await next_of(ws, "notification")
        assert offline["metadata"]["subscription_type"] == "stream.offline"

        # losing the moderator role revokes the subscriptions that needed it
        st.remove_moderator("streamer", "botcheck")
        revoked = []
        while len(revoked) < 3:
            data = await receive(ws)
            if data["metadata"]["message_type"] == "revocation":
                revoked.append(data["payload"]["subscription"]["type"])
                assert data["payload"]["subscription"]["status"] == "moderator_removed"
        assert sorted(revoked) == ["channel.ban", "channel.moderate", "channel.unban"]


async def test_invalid_reconnect_url_closes_4007(world: Setup, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(world.sim.ws_url + "?reconnect=bogus") as ws:
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 4007
