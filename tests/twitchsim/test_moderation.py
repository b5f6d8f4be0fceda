"""Ban, timeout, unban and shield mode over HTTP, as the bot's guard will call them."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from twitchsim import SimConfig
from twitchsim.helix_moderation import BAN_SCOPE, SHIELD_SCOPE

from .conftest import Setup

MOD_SCOPES = [BAN_SCOPE, SHIELD_SCOPE]


def _q(world: Setup, **extra: str) -> dict[str, str]:
    return {
        "broadcaster_id": str(world.streamer.user_id),
        "moderator_id": str(world.bot.user_id),
        **extra,
    }


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _call(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    token: str,
    params: dict[str, str],
    body: Any = None,
) -> tuple[int, Any]:
    async with http.request(method, url, params=params, json=body, headers=_auth(token)) as r:
        data = await r.json() if r.content_type == "application/json" else None
        return r.status, data


def _token(world: Setup, scopes: list[str]) -> str:
    access, _ = world.sim.state.issue_user_token(world.bot, scopes)
    return access


async def test_ban_then_unban_changes_the_world(world: Setup, http: aiohttp.ClientSession) -> None:
    token = _token(world, MOD_SCOPES)
    url = f"{world.sim.helix_url}/moderation/bans"
    body = {"data": {"user_id": str(world.viewer.user_id), "reason": "raid"}}
    status, data = await _call(http, "POST", url, token, _q(world), body)
    assert status == 200
    assert data["data"][0]["end_time"] is None
    chan = world.sim.state.channel("streamer")
    assert world.sim.state.banned(chan, world.viewer.user_id) is not None
    status, data = await _call(http, "POST", url, token, _q(world), body)
    assert (status, data["message"]) == (
        400,
        "The user specified in the user_id field is already banned.",
    )
    params = _q(world, user_id=str(world.viewer.user_id))
    status, _ = await _call(http, "DELETE", url, token, params)
    assert status == 204
    assert world.sim.state.banned(chan, world.viewer.user_id) is None
    status, data = await _call(http, "DELETE", url, token, params)
    assert status == 400 and "not banned" in data["message"]


async def test_timeout_has_an_end_and_can_be_replaced(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    token = _token(world, MOD_SCOPES)
    url = f"{world.sim.helix_url}/moderation/bans"
    uid = str(world.viewer.user_id)
    status, data = await _call(
        http, "POST", url, token, _q(world), {"data": {"user_id": uid, "duration": 600}}
    )
    assert status == 200 and data["data"][0]["end_time"]
    status, data = await _call(
        http, "POST", url, token, _q(world), {"data": {"user_id": uid, "duration": 60}}
    )
    assert status == 200
    ban = world.sim.state.channel("streamer").bans[world.viewer.user_id]
    assert ban.ends_at is not None and (ban.ends_at - ban.at).total_seconds() == 60


@pytest.mark.parametrize(
    ("scopes", "body", "target", "status"),
    [
        pytest.param([SHIELD_SCOPE], {"duration": 5}, "viewer", 401, id="missing-ban-scope"),
        pytest.param(MOD_SCOPES, {"duration": 0}, "viewer", 400, id="duration-zero"),
        pytest.param(MOD_SCOPES, {"duration": 1_209_601}, "viewer", 400, id="duration-over-14d"),
        pytest.param(MOD_SCOPES, {}, "streamer", 400, id="broadcaster"),
        pytest.param(MOD_SCOPES, {}, "botcheck", 400, id="a-moderator"),
    ],
)
async def test_ban_refusals(
    world: Setup,
    http: aiohttp.ClientSession,
    scopes: list[str],
    body: dict[str, Any],
    target: str,
    status: int,
) -> None:
    token = _token(world, scopes)
    uid = str(world.sim.state.user(target).user_id)
    got, _ = await _call(
        http,
        "POST",
        f"{world.sim.helix_url}/moderation/bans",
        token,
        _q(world),
        {"data": {"user_id": uid, **body}},
    )
    assert got == status


async def test_unmodded_bot_gets_403(world: Setup, http: aiohttp.ClientSession) -> None:
    token = _token(world, MOD_SCOPES)
    world.sim.state.remove_moderator("streamer", "botcheck")
    status, _ = await _call(
        http,
        "POST",
        f"{world.sim.helix_url}/moderation/bans",
        token,
        _q(world),
        {"data": {"user_id": str(world.viewer.user_id)}},
    )
    assert status == 403


async def test_moderator_id_must_be_the_token_user(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    token = _token(world, MOD_SCOPES)
    params = _q(world)
    params["moderator_id"] = str(world.streamer.user_id)
    status, _ = await _call(
        http,
        "POST",
        f"{world.sim.helix_url}/moderation/bans",
        token,
        params,
        {"data": {"user_id": str(world.viewer.user_id)}},
    )
    assert status == 401


async def test_shield_mode_state(world: Setup, http: aiohttp.ClientSession) -> None:
    token = _token(world, MOD_SCOPES)
    url = f"{world.sim.helix_url}/moderation/shield_mode"
    status, data = await _call(http, "GET", url, token, _q(world))
    assert status == 200 and data["data"][0]["is_active"] is False
    status, data = await _call(http, "PUT", url, token, _q(world), {"is_active": True})
    assert status == 200
    assert data["data"][0]["is_active"] is True
    assert data["data"][0]["moderator_login"] == "botcheck"
    assert data["data"][0]["last_activated_at"]
    status, data = await _call(http, "GET", url, token, _q(world))
    assert data["data"][0]["is_active"] is True
    assert world.sim.moderation.shield(world.streamer.user_id).is_active
    status, data = await _call(http, "PUT", url, token, _q(world), {"is_active": "yes"})
    assert status == 400
    ban_only = _token(world, [BAN_SCOPE])
    status, _ = await _call(http, "PUT", url, ban_only, _q(world), {"is_active": False})
    assert status == 401


@pytest.mark.parametrize("config", [SimConfig(rate_capacity=3, rate_refill_per_s=0.01)])
async def test_bans_share_the_rate_limit(world: Setup, http: aiohttp.ClientSession) -> None:
    token = _token(world, MOD_SCOPES)
    st = world.sim.state
    users = [st.add_user(f"raider{i}") for i in range(5)]
    statuses = []
    for u in users:
        status, _ = await _call(
            http,
            "POST",
            f"{world.sim.helix_url}/moderation/bans",
            token,
            _q(world),
            {"data": {"user_id": str(u.user_id), "duration": 30}},
        )
        statuses.append(status)
    assert statuses.count(200) == 3 and statuses.count(429) == 2
