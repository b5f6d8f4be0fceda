"""Discord stream alerts against a local aiohttp server standing in for Discord (real socket)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.app import free_port
from bot.streams.alerts import Alerts, offline_text, online_text
from storage import StreamSession
from tests.e2e import conftest as e2e
from tests.e2e.conftest import wait_for

make_env = e2e.make_env  # the e2e fixture: twitchsim + the running bot

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


@dataclass
class FakeDiscord:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 204
    delay_s: float = 0.0


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    port = free_port()
    hook = FakeDiscord(f"http://127.0.0.1:{port}/api/webhooks/1/secret-token")

    async def handle(request: web.Request) -> web.Response:
        if hook.delay_s:
            await asyncio.sleep(hook.delay_s)
        hook.received.append(await request.json())
        return web.Response(status=hook.status)

    app = web.Application()
    app.router.add_post("/api/webhooks/1/secret-token", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield hook
    await runner.cleanup()


def session(**kw: Any) -> StreamSession:
    values: dict[str, Any] = {
        "session_id": 1,
        "channel_id": 42,
        "stream_id": "s1",
        "started_at": T0,
        "ended_at": None,
        "title": "Any% *world record* @everyone",
        "category": "Celeste",
        "peak_viewers": None,
        "avg_viewers": None,
        "report_token": "tok",
        "pinned": False,
    }
    values.update(kw)
    return StreamSession(**values)


def test_texts_say_who_what_and_how_it_went() -> None:
    live = online_text("streamer", session())
    assert live.startswith("🔴 streamer is live")
    assert "\\*world record\\*" in live and "(Celeste)" in live
    assert live.endswith("https://www.twitch.tv/streamer")
    ended = session(
        ended_at=T0 + timedelta(hours=2, minutes=5), peak_viewers=1234, avg_viewers=987.4
    )
    assert offline_text("streamer", ended) == (
        "⚫ streamer went offline after 2 h 05 min; peak 1,234 viewers, average 987."
    )
    long = online_text("streamer", session(title="x" * 5000))
    assert len(long) <= 2000


async def test_alerts_reach_the_webhook_without_pinging_anyone(discord: FakeDiscord) -> None:
    alerts = Alerts(discord.url)
    try:
        alerts.stream_started("streamer", session())
        alerts.stream_ended("streamer", session(ended_at=T0 + timedelta(minutes=30)))
        await alerts.drain()
    finally:
        await alerts.close()
    assert sorted(m["content"][0] for m in discord.received) == ["⚫", "🔴"]
    assert all(m["allowed_mentions"] == {"parse": []} for m in discord.received)
    assert alerts.sent == 2 and alerts.failed == 0


@pytest.mark.parametrize("status", [pytest.param(500, id="5xx"), pytest.param(404, id="gone")])
async def test_a_refusal_is_logged_not_raised(
    discord: FakeDiscord, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    discord.status = status
    alerts = Alerts(discord.url)
    try:
        with caplog.at_level(logging.WARNING):
            assert await alerts.post("hello") is False
    finally:
        await alerts.close()
    assert f"answered {status}" in caplog.text
    assert "secret-token" not in caplog.text  # the webhook URL is a secret


async def test_an_unreachable_or_slow_webhook_never_blocks(
    discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    down = Alerts(f"http://127.0.0.1:{free_port()}/nobody-listens")
    discord.delay_s = 1.0
    slow = Alerts(discord.url, timeout_s=0.2)
    try:
        with caplog.at_level(logging.WARNING):
            down.stream_started("streamer", session())
            slow.stream_started("streamer", session())
            # Both returned with the posts still under way: posting is in the background.
            assert slow.pending == 1 and not discord.received
            await down.drain()
            await slow.drain()
    finally:
        await down.close()
        await slow.close()
    assert down.failed == 1 and slow.failed == 1
    assert "ConnectError" in caplog.text and "Timeout" in caplog.text


async def test_without_a_url_there_are_no_alerts() -> None:
    alerts = Alerts(None)
    alerts.stream_started("streamer", session())
    assert not alerts.enabled and await alerts.post("x") is False
    await alerts.close()


async def test_the_running_bot_announces_a_stream_start_and_end(
    make_env: Any, discord: FakeDiscord
) -> None:
    extra = {"BOTCHECK_DISCORD_WEBHOOK_URL": discord.url}
    async with make_env(extra=extra) as env:
        world = env.world
        world.set_stream("chan_a", False)  # the scenario had it live before the bot came
        world.set_stream("chan_a", True, viewer_count=50, title="Back again", game="Chess")
        await wait_for(lambda: any("is live" in m["content"] for m in discord.received))
        world.set_stream("chan_a", False)
        await wait_for(lambda: any("went offline" in m["content"] for m in discord.received))
    live = [m["content"] for m in discord.received if "is live" in m["content"]]
    assert live == ["🔴 chan_a is live on Twitch: Back again (Chess)\nhttps://www.twitch.tv/chan_a"]
