"""The /sim/ control API, the server's life, and `botcheck sim` as a process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from twitchsim import TwitchSim

ROOT = Path(__file__).resolve().parents[2]


async def call(
    http: aiohttp.ClientSession, method: str, url: str, body: Any = None
) -> dict[str, Any]:
    async with http.request(method, url, json=body) as resp:
        data: dict[str, Any] = await resp.json()
        assert resp.status == 200, data
        return data


async def test_control_api_drives_the_world(sim: TwitchSim, http: aiohttp.ClientSession) -> None:
    base = f"{sim.url}/sim"
    await call(http, "POST", f"{base}/channels", {"login": "streamer"})
    bot = await call(
        http, "POST", f"{base}/users", {"login": "botcheck", "created_at": "2020-05-01T12:00:00Z"}
    )
    assert bot["created_at"] == "2020-05-01T12:00:00Z"
    await call(http, "POST", f"{base}/channels/streamer/moderators", {"user": "botcheck"})
    loaded = await call(
        http, "POST", f"{base}/channels/streamer/scenario", {"name": "farm", "seed": 2, "size": 400}
    )
    assert loaded["chatters"] == 400 and loaded["farms"][0]["size"] == 100
    said = await call(
        http,
        "POST",
        f"{base}/channels/streamer/chat",
        {"user": "botcheck", "text": "hello", "badges": ["moderator/1"]},
    )
    assert said["message_id"]
    await call(http, "POST", f"{base}/channels/streamer/stream", {"live": True, "viewer_count": 77})
    tokens = await call(
        http, "POST", f"{base}/tokens", {"user": "botcheck", "scopes": "user:write:chat user:bot"}
    )
    async with http.post(
        f"{sim.helix_url}/chat/messages",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        json={"broadcaster_id": "1000", "sender_id": bot["id"], "message": "from the bot"},
    ) as resp:
        assert resp.status == 200
    sent = await call(http, "GET", f"{base}/channels/streamer/sent")
    assert [m["text"] for m in sent["data"]] == ["from the bot"]
    summary = await call(http, "GET", f"{base}/")
    (channel,) = summary["channels"]
    assert (channel["viewer_count"], channel["live"], channel["chatters"]) == (77, True, 401)
    await call(http, "POST", f"{base}/faults", {"kind": "fail", "n": 1, "status": 500})
    async with http.get(
        f"{sim.helix_url}/users",
        params={"login": "streamer"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    ) as resp:
        assert resp.status == 500
    calls = await call(http, "GET", f"{base}/calls")
    assert calls == {"POST /helix/chat/messages": 1, "GET /helix/users": 1}
    async with http.post(f"{base}/channels/nobody/chat", json={"user": "x", "text": "y"}) as r:
        assert r.status == 400  # an unknown channel is a plain 400 with a reason


async def test_life_is_explicit() -> None:
    sim = TwitchSim()
    with pytest.raises(RuntimeError):
        _ = sim.url  # not started
    async with sim:
        assert sim.url.startswith("http://127.0.0.1:")
        assert sim.helix_url == sim.url + "/helix"
        assert sim.ws_url.endswith("/ws")
    await sim.close()  # safe twice
    with pytest.raises(RuntimeError):
        await sim.start()  # a closed sim does not come back


def test_same_seed_same_app_credentials() -> None:
    a, b, c = TwitchSim(seed=1), TwitchSim(seed=1), TwitchSim(seed=2)
    assert (a.client_id, a.client_secret) == (b.client_id, b.client_secret)
    assert a.client_id != c.client_id


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
async def test_cli_prints_settings_and_stops_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "twitchsim",
        "--port",
        "0",
        "--scenario",
        "farm",
        "--seed",
        "3",
        "--size",
        "200",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        settings: dict[str, str] = {}
        while "TWITCH_OWNER_ID" not in settings:
            line = (await asyncio.wait_for(proc.stdout.readline(), timeout=30)).decode()
            assert line, "the simulator stopped before printing its settings"
            key, eq, value = line.strip().partition("=")
            if eq and key.startswith("TWITCH_"):
                settings[key] = value
        assert set(settings) >= {
            "TWITCH_API_URL",
            "TWITCH_AUTH_URL",
            "TWITCH_EVENTSUB_WS_URL",
            "TWITCH_CLIENT_ID",
            "TWITCH_CLIENT_SECRET",
            "TWITCH_BOT_ID",
        }
        base = settings["TWITCH_AUTH_URL"]
        async with aiohttp.ClientSession() as http:
            summary = await call(http, "GET", f"{base}/sim/")
        assert summary["client_id"] == settings["TWITCH_CLIENT_ID"]
        assert summary["channels"][0]["chatters"] == 200
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), timeout=15) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
