"""Helix endpoints, auth, rate limit and faults, over HTTP as a client sees them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twitchsim import TwitchSim
from twitchsim.helix import _q
from twitchsim.scenarios import organic

from .conftest import Setup


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def get(
    http: aiohttp.ClientSession, url: str, token: str, params: Any = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    async with http.get(url, params=params, headers=bearer(token)) as resp:
        assert resp.content_type == "application/json"
        return resp.status, await resp.json(), dict(resp.headers)


async def app_token(http: aiohttp.ClientSession, sim: TwitchSim) -> str:
    params = {
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "grant_type": "client_credentials",
    }
    async with http.post(f"{sim.auth_url}/oauth2/token", params=params) as resp:
        token: str = (await resp.json())["access_token"]
        return token


def chatters_params(world: Setup, **extra: str) -> dict[str, str]:
    return {
        "broadcaster_id": str(world.streamer.user_id),
        "moderator_id": str(world.bot.user_id),
        **extra,
    }


@pytest.mark.parametrize(
    "first", [pytest.param(1000, id="first=1000"), pytest.param(7, id="first=7")]
)
async def test_chatters_pages_return_exactly_total_unique(
    world: Setup, http: aiohttp.ClientSession, first: int
) -> None:
    sc = organic(3, 2345)
    world.sim.state.load_scenario("streamer", sc)
    url = f"{world.sim.helix_url}/chat/chatters"
    seen: list[str] = []
    cursor = None
    totals = set()
    for _ in range(1000):
        params = chatters_params(world, first=str(first))
        if cursor:
            params["after"] = cursor
        status, body, _ = await get(http, url, world.bot_token, params)
        assert status == 200
        assert len(body["data"]) <= first
        totals.add(body["total"])
        seen += [d["user_id"] for d in body["data"]]
        cursor = body["pagination"].get("cursor")
        if not cursor:
            break
    assert totals == {2345}
    assert len(seen) == len(set(seen)) == 2345
    assert set(seen) == {str(u.user_id) for u in sc.chatters}


async def test_chatters_refuses_a_non_moderator(world: Setup, http: aiohttp.ClientSession) -> None:
    st = world.sim.state
    token, _ = st.issue_user_token(world.viewer, ["moderator:read:chatters"])
    url = f"{world.sim.helix_url}/chat/chatters"
    params = {
        "broadcaster_id": str(world.streamer.user_id),
        "moderator_id": str(world.viewer.user_id),
    }
    status, body, _ = await get(http, url, token, params)
    assert (status, body["error"]) == (403, "Forbidden")
    # a moderator's token but someone else's id in moderator_id
    status, _, _ = await get(
        http, url, world.bot_token, {**params, "moderator_id": str(world.streamer.user_id)}
    )
    assert status == 403
    # removing the bot as moderator takes its access away
    st.remove_moderator("streamer", "botcheck")
    status, _, _ = await get(http, url, world.bot_token, chatters_params(world))
    assert status == 403


@pytest.mark.parametrize(
    ("scopes", "status", "message"),
    [
        pytest.param(["user:read:chat"], 401, "Missing scope", id="missing-scope"),
        pytest.param(None, 401, "Missing User OAUTH Token", id="app-token"),
    ],
)
async def test_chatters_needs_a_scoped_user_token(
    world: Setup,
    http: aiohttp.ClientSession,
    scopes: list[str] | None,
    status: int,
    message: str,
) -> None:
    if scopes is None:
        token = await app_token(http, world.sim)
    else:
        token, _ = world.sim.state.issue_user_token(world.bot, scopes)
    got, body, _ = await get(
        http, f"{world.sim.helix_url}/chat/chatters", token, chatters_params(world)
    )
    assert got == status
    assert body["message"].startswith(message)


async def test_bad_expired_and_revoked_tokens_get_401(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    st = world.sim.state
    url = f"{world.sim.helix_url}/users"
    status, body, _ = await get(http, url, "nonsense")
    assert (status, body["message"]) == (401, "Invalid OAuth token")
    st.expire_token(world.bot_token)
    assert (await get(http, url, world.bot_token))[0] == 401
    fresh, _ = st.issue_user_token(world.bot, ["user:read:chat"])
    assert (await get(http, url, fresh))[0] == 200
    st.revoke_token(fresh)
    assert (await get(http, url, fresh))[0] == 401
    async with http.get(url, headers={"Authorization": "Bearer x", "Client-Id": "other"}) as r:
        assert r.status == 401


async def test_get_users_by_id_and_login(world: Setup, http: aiohttp.ClientSession) -> None:
    sc = organic(4, 150)
    st = world.sim.state
    st.load_scenario("streamer", sc)
    token = await app_token(http, world.sim)
    url = f"{world.sim.helix_url}/users"
    ids = [("id", str(u.user_id)) for u in sc.chatters[:99]] + [("id", "123456789012")]
    status, body, _ = await get(http, url, token, ids)
    assert status == 200
    assert len(body["data"]) == 99  # unknown ids are left out
    first = body["data"][0]
    user = sc.chatters[0]
    assert first["login"] == user.login
    assert first["created_at"] == user.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert set(first) >= {
        "id",
        "login",
        "display_name",
        "type",
        "broadcaster_type",
        "description",
        "profile_image_url",
        "offline_image_url",
        "created_at",
    }
    status, body, _ = await get(http, url, token, [("login", "STREAMER"), ("login", "nobody")])
    assert [u["id"] for u in body["data"]] == [str(world.streamer.user_id)]
    status, _, _ = await get(http, url, token, [*ids, ("login", "viewer")])
    assert status == 400  # 101 in all
    status, body, _ = await get(http, url, world.bot_token)  # a user token alone: itself
    assert [u["login"] for u in body["data"]] == ["botcheck"]
    assert world.sim.state.helix_calls["GET /helix/users"] == 4


async def test_rate_limit_counts_down_and_answers_429(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    limiter = world.sim.state.ratelimit
    limiter.capacity, limiter.refill_per_s = 5, 0.001  # the sim's knobs, changed while it runs
    url = f"{world.sim.helix_url}/users"
    remaining = []
    for _ in range(5):
        status, _, headers = await get(http, url, world.bot_token)
        assert status == 200
        assert headers["Ratelimit-Limit"] == "5"
        remaining.append(int(headers["Ratelimit-Remaining"]))
        assert int(headers["Ratelimit-Reset"]) > 0
    assert remaining == [4, 3, 2, 1, 0]
    status, body, headers = await get(http, url, world.bot_token)
    assert status == 429
    assert body["message"] == "Too Many Requests"
    assert headers["Ratelimit-Remaining"] == "0"
    # the app token has its own bucket
    status, _, headers = await get(
        http, url, await app_token(http, world.sim), {"id": str(world.bot.user_id)}
    )
    assert (status, headers["Ratelimit-Remaining"]) == (200, "4")


async def test_faults_fail_and_hang_the_next_calls(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    st = world.sim.state
    st.fail_next(2, status=503, path_prefix="chat/chatters")
    users = f"{world.sim.helix_url}/users"
    chatters = f"{world.sim.helix_url}/chat/chatters"
    assert (await get(http, users, world.bot_token))[0] == 200  # other paths unaffected
    assert (await get(http, chatters, world.bot_token, chatters_params(world)))[0] == 503
    assert (await get(http, chatters, world.bot_token, chatters_params(world)))[0] == 503
    assert (await get(http, chatters, world.bot_token, chatters_params(world)))[0] == 200
    st.fail_next(1, status=429)
    status, _, headers = await get(http, users, world.bot_token)
    assert (status, headers["Ratelimit-Remaining"]) == (429, "0")
    st.hang_next(1, seconds=5)
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(
            users, headers=bearer(world.bot_token), timeout=aiohttp.ClientTimeout(total=0.3)
        ):
            pass
    assert (await get(http, users, world.bot_token))[0] == 200


async def test_streams_show_live_channels_only(world: Setup, http: aiohttp.ClientSession) -> None:
    st = world.sim.state
    url = f"{world.sim.helix_url}/streams"
    params = {"user_login": "streamer"}
    assert (await get(http, url, world.bot_token, params))[1]["data"] == []
    st.set_stream("streamer", True, 4321, title="hello")
    _, body, _ = await get(http, url, world.bot_token, params)
    (stream,) = body["data"]
    assert (stream["viewer_count"], stream["type"], stream["title"]) == (4321, "live", "hello")
    assert stream["user_id"] == str(world.streamer.user_id)
    st.set_stream("streamer", False)
    assert (await get(http, url, world.bot_token, params))[1]["data"] == []


async def test_moderation_endpoints(world: Setup, http: aiohttp.ClientSession) -> None:
    st = world.sim.state
    st.add_channel("other")
    st.add_moderator("other", "botcheck")
    token, _ = st.issue_user_token(world.bot, ["user:read:moderated_channels"])
    _, body, _ = await get(
        http,
        f"{world.sim.helix_url}/moderation/channels",
        token,
        {"user_id": str(world.bot.user_id)},
    )
    assert [c["broadcaster_login"] for c in body["data"]] == ["streamer", "other"]
    owner, _ = st.issue_user_token(world.streamer, ["moderation:read"])
    _, body, _ = await get(
        http,
        f"{world.sim.helix_url}/moderation/moderators",
        owner,
        {"broadcaster_id": str(world.streamer.user_id)},
    )
    assert [m["user_login"] for m in body["data"]] == ["botcheck"]


async def test_chatters_follow_joins_and_parts(world: Setup, http: aiohttp.ClientSession) -> None:
    st = world.sim.state
    st.load_scenario("streamer", organic(8, 50))
    url = f"{world.sim.helix_url}/chat/chatters"
    params = chatters_params(world, first="1000")
    assert (await get(http, url, world.bot_token, params))[1]["total"] == 50
    newcomer = st.add_user("newcomer")
    await st.say("streamer", newcomer, "first time here")  # saying something joins the chat
    _, body, _ = await get(http, url, world.bot_token, params)
    assert body["total"] == 51 and body["data"][-1]["user_login"] == "newcomer"
    st.ban("streamer", newcomer)  # a permanent ban removes them
    _, body, _ = await get(http, url, world.bot_token, params)
    assert body["total"] == 50
    assert "newcomer" not in {d["user_login"] for d in body["data"]}


@given(st.text())
def test_fast_json_strings_round_trip(text: str) -> None:
    assert json.loads(_q(text)) == text
