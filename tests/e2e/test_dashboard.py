"""The dashboard wired into the running bot: log in through twitchsim, run a real check."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import aiohttp

from tests.e2e.conftest import Channel


async def test_a_moderator_logs_in_and_runs_a_check_from_the_page(
    make_env: Callable[..., Any],
) -> None:
    async with make_env([Channel("chan_a"), Channel("chan_b")], cooldown_s=0) as env:
        url = env.settings.public_url
        mod_a = env.moderators["chan_a"]
        env.world.authorize_as(mod_a)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{url}/login") as resp:
                assert resp.status == 200
                assert resp.url.path == "/dashboard"
            async with http.get(f"{url}/api/v1/channels") as resp:
                assert [c["login"] for c in (await resp.json())["data"]] == ["chan_a"]
            async with http.get(f"{url}/api/v1/channels/chan_b/checks") as resp:
                assert resp.status == 404

            async with http.get(f"{url}/dashboard/c/chan_a") as resp:
                csrf = re.search(r'name="csrf" value="([^"]+)"', await resp.text()).group(1)
            async with http.post(f"{url}/dashboard/c/chan_a/check", data={"csrf": csrf}) as resp:
                assert resp.url.path == "/dashboard/c/chan_a/running"
            for _ in range(150):
                async with http.get(f"{url}/dashboard/c/chan_a/running?after=0") as resp:
                    if "/checks/" in resp.url.path:
                        break
                await asyncio.sleep(0.2)
            assert "/checks/" in resp.url.path
            async with http.get(f"{url}/api/v1/channels/chan_a/checks") as resp:
                (check,) = (await resp.json())["data"]
            assert check["status"] == "complete"
            assert check["verdict"] in ("low", "elevated", "high")
            assert check["chatters"] > 0
            assert check["requested_by"] == mod_a


async def test_an_api_token_sees_the_channels_its_owner_moderates_by_the_bots_view(
    make_env: Callable[..., Any],
) -> None:
    """No dashboard login since the start: the bot asks Twitch (Get Moderators) itself."""
    async with make_env([Channel("chan_a"), Channel("chan_b")]) as env:
        url = env.settings.public_url
        mod_a = env.moderators["chan_a"]
        db = env.running.services.db
        await db.api_tokens.add(
            token="bc_e2e_token",
            user_id=env.world.user(mod_a).user_id,
            user_login=mod_a,
            name="script",
            at=env.running.services.clock(),
        )
        auth = {"Authorization": "Bearer bc_e2e_token"}
        async with aiohttp.ClientSession(headers=auth) as http:
            async with http.get(f"{url}/api/v1/channels") as resp:
                assert [c["login"] for c in (await resp.json())["data"]] == ["chan_a"]
            async with http.get(f"{url}/api/v1/channels/chan_b/checks") as resp:
                assert resp.status == 404
