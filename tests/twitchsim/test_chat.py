"""POST chat/messages: who may send, what gets dropped, and what is recorded."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from .conftest import Setup


async def send(
    world: Setup, http: aiohttp.ClientSession, token: str, text: str, **extra: Any
) -> tuple[int, dict[str, Any]]:
    body = {
        "broadcaster_id": str(world.streamer.user_id),
        "sender_id": str(world.bot.user_id),
        "message": text,
        **extra,
    }
    async with http.post(
        f"{world.sim.helix_url}/chat/messages",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        return resp.status, await resp.json()


async def test_send_reply_and_record(world: Setup, http: aiohttp.ClientSession) -> None:
    st = world.sim.state
    asked = await st.say("streamer", "viewer", "hello @botcheck Kappa")
    status, body = await send(world, http, world.bot_token, "hi!", reply_parent_message_id=asked)
    assert status == 200
    (data,) = body["data"]
    assert data["is_sent"] is True and data["drop_reason"] is None
    (sent,) = st.sent_messages("streamer")
    assert (sent.text, sent.reply_to, sent.message_id) == ("hi!", asked, data["message_id"])
    # in chat the reply carries the parent's mention, as on Twitch
    assert st.channel("streamer").lines[data["message_id"]].text == "@viewer hi!"


async def test_limits_and_drops(world: Setup, http: aiohttp.ClientSession) -> None:
    st = world.sim.state
    status, body = await send(world, http, world.bot_token, "x" * 501)
    assert status == 400
    assert (await send(world, http, world.bot_token, "x" * 500))[0] == 200
    st.ban("streamer", "botcheck", reason="test", duration_s=60)
    status, body = await send(world, http, world.bot_token, "am I out?")
    assert status == 200
    assert body["data"][0]["is_sent"] is False
    assert body["data"][0]["drop_reason"]["code"] == "user_timed_out"
    recorded = st.sent_messages("streamer")
    assert [m.is_sent for m in recorded] == [True, False]
    assert recorded[1].drop_code == "user_timed_out"


@pytest.mark.parametrize(
    ("moderator", "channel_bot", "status"),
    [
        pytest.param(True, False, 200, id="moderator"),
        pytest.param(False, True, 200, id="broadcaster-granted-channel-bot"),
        pytest.param(False, False, 403, id="neither"),
    ],
)
async def test_app_token_needs_user_bot_and_mod_or_channel_bot(
    world: Setup, http: aiohttp.ClientSession, moderator: bool, channel_bot: bool, status: int
) -> None:
    st = world.sim.state
    if not moderator:
        st.remove_moderator("streamer", "botcheck")
    if channel_bot:
        st.issue_user_token(world.streamer, ["channel:bot"])
    params = {
        "client_id": world.sim.client_id,
        "client_secret": world.sim.client_secret,
        "grant_type": "client_credentials",
    }
    async with http.post(f"{world.sim.auth_url}/oauth2/token", params=params) as resp:
        app = (await resp.json())["access_token"]
    got, _ = await send(world, http, app, "via app token")
    assert got == status


async def test_user_token_must_be_the_sender(world: Setup, http: aiohttp.ClientSession) -> None:
    token, _ = world.sim.state.issue_user_token(world.viewer, ["user:write:chat"])
    status, _body = await send(world, http, token, "impostor")
    assert status == 403
