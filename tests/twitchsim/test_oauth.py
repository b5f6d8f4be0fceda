"""/oauth2/ as TwitchIO and form-posting clients use it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from twitchsim import TwitchSim

from .conftest import Setup


async def post_token(
    http: aiohttp.ClientSession, sim: TwitchSim, *, form: bool = False, **params: str
) -> tuple[int, dict[str, Any]]:
    params = {"client_id": sim.client_id, "client_secret": sim.client_secret, **params}
    url = f"{sim.auth_url}/oauth2/token"
    ctx = http.post(url, data=params) if form else http.post(url, params=params)
    async with ctx as resp:
        return resp.status, await resp.json()


async def validate(
    http: aiohttp.ClientSession, sim: TwitchSim, token: str
) -> tuple[int, dict[str, Any]]:
    async with http.get(
        f"{sim.auth_url}/oauth2/validate", headers={"Authorization": f"OAuth {token}"}
    ) as resp:
        assert resp.content_type == "application/json"
        return resp.status, await resp.json()


async def test_client_credentials_and_validate(sim: TwitchSim, http: aiohttp.ClientSession) -> None:
    status, body = await post_token(http, sim, grant_type="client_credentials")
    assert status == 200
    assert body["token_type"] == "bearer" and body["expires_in"] > 3600
    status, info = await validate(http, sim, body["access_token"])
    assert status == 200
    assert info["client_id"] == sim.client_id
    assert "login" not in info and "user_id" not in info  # app tokens carry no user
    status, _ = await post_token(http, sim, form=True, grant_type="client_credentials")
    assert status == 200
    status, body = await post_token(
        http, sim, grant_type="client_credentials", client_secret="wrong"
    )
    assert status == 403 and body["message"] == "invalid client secret"


async def test_user_token_validate_refresh_and_revoke(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    sim = world.sim
    status, info = await validate(http, sim, world.bot_token)
    assert (status, info["login"], info["user_id"]) == (200, "botcheck", str(world.bot.user_id))
    assert 3600 < info["expires_in"] <= 4 * 3600
    status, body = await post_token(
        http, sim, grant_type="refresh_token", refresh_token=world.bot_refresh
    )
    assert status == 200
    assert set(body["scope"]) >= {"moderator:read:chatters", "user:bot"}
    new = body["access_token"]
    assert (await validate(http, sim, new))[0] == 200
    async with http.post(
        f"{sim.auth_url}/oauth2/revoke", data={"client_id": sim.client_id, "token": new}
    ) as resp:
        assert resp.status == 200
    status, body = await validate(http, sim, new)
    assert (status, body["message"]) == (401, "invalid access token")
    status, _ = await post_token(http, sim, grant_type="refresh_token", refresh_token="nope")
    assert status == 400


async def test_short_lived_token_reports_its_expiry(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    token, _ = world.sim.state.issue_user_token(world.bot, ["user:read:chat"], expires_in=600)
    _, info = await validate(http, world.sim, token)
    assert info["expires_in"] <= 600  # TwitchIO refreshes such a token at once


async def test_authorize_redirects_with_code_and_state(
    world: Setup, http: aiohttp.ClientSession
) -> None:
    sim = world.sim
    redirect = "http://127.0.0.1:9/oauth/callback"
    params = {
        "client_id": sim.client_id,
        "redirect_uri": redirect,
        "response_type": "code",
        "scope": "channel:bot user:read:chat",
        "state": "xyz",
    }
    url = f"{sim.auth_url}/oauth2/authorize"
    async with http.get(url, params=params, allow_redirects=False) as resp:
        assert resp.status == 400  # nobody chosen to approve yet
    sim.state.authorize_as("streamer")
    async with http.get(url, params=params, allow_redirects=False) as resp:
        assert resp.status == 302
        location = resp.headers["Location"]
    assert location.startswith(redirect + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"]
    status, body = await post_token(
        http, sim, grant_type="authorization_code", code=query["code"][0], redirect_uri=redirect
    )
    assert status == 200
    assert sorted(body["scope"]) == ["channel:bot", "user:read:chat"]
    _, info = await validate(http, sim, body["access_token"])
    assert info["login"] == "streamer"
    status, _ = await post_token(
        http, sim, grant_type="authorization_code", code=query["code"][0], redirect_uri=redirect
    )
    assert status == 400  # a code works once
