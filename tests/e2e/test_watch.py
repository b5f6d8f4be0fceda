"""`!botcheck watch on|off`: automatic checks on a viewer jump, loud only when it looks bad."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.watch import WatchSettings
from tests.e2e.conftest import Channel

# Only the viewer-jump trigger: the stream-start check is pushed out of the test's reach, and
# one poll at 1.5x is a jump (the wiring under test, not the bench-chosen thresholds).
ONE_POLL = {
    "jump_ratio": 1.3,
    "jump_window_s": 600.0,
    "jump_baseline": "min",
    "jump_confirm": 1,
    "jump_min_gain": 0,
    "jump_quiet_start_s": 0.0,
}
JUMP_ONLY = WatchSettings(after_start_s=1e9, raid_delay_s=0.0, min_viewers=20, **ONE_POLL)


async def _jump(env: Any, channel: str) -> tuple[int, int]:
    """Poll at the scenario's viewer count, then at half as many again; return both."""
    streams = env.running.services.streams
    before = env.world.channel(channel).stream.viewer_count
    await streams.poll()
    after = before * 3 // 2
    env.world.set_stream(channel, True, viewer_count=after)
    await streams.poll()
    env.world.set_stream(channel, True, viewer_count=before)  # back down: no second jump
    return before, after


async def _audits(env: Any, channel: str) -> list[Any]:
    db = env.running.services.db
    entries = await db.audit.recent(channel_id=env.world.by_login[channel])
    return [e for e in entries if e.command == "botcheck watch"]


@pytest.mark.parametrize(
    ("scenario", "watched", "posted"),
    [
        pytest.param("farm", True, True, id="farm-watched-posts"),
        pytest.param("organic", True, False, id="organic-watched-silent"),
        pytest.param("farm", False, False, id="farm-not-watched"),
    ],
)
async def test_viewer_jump_starts_a_check(
    make_env: Any, scenario: str, watched: bool, posted: bool
) -> None:
    async with make_env([Channel("chan_a", scenario, 600)]) as env:
        env.running.services.watcher.settings = JUMP_ONLY
        mod = env.moderators["chan_a"]
        if watched:
            await env.say("chan_a", mod, "!botcheck watch on")
            sent = await env.wait_sent("chan_a", 1)
            assert sent[-1].startswith("Watching:")
        before = len(env.sent("chan_a"))
        low, high = await _jump(env, "chan_a")
        if posted:
            sent = await env.wait_sent("chan_a", before + 1, timeout=60)
            assert sent[-1].startswith(f"Automatic check (viewers jumped from {low} to {high}).")
            assert "/r/" in sent[-1] and len(sent[-1]) <= 500
        if watched:
            for _ in range(600):
                if await _audits(env, "chan_a"):
                    break
                await asyncio.sleep(0.05)
            audits = await _audits(env, "chan_a")
            assert len(audits) == 1
            assert audits[0].outcome.endswith("-posted" if posted else "-silent")
        else:
            await asyncio.sleep(1.0)
            assert await _audits(env, "chan_a") == []
        assert len(env.sent("chan_a")) == before + (1 if posted else 0)


async def test_watch_switch_and_rate_limit(make_env: Any) -> None:
    async with make_env([Channel("chan_a", "organic", 300)]) as env:
        watcher = env.running.services.watcher
        watcher.settings = WatchSettings(
            after_start_s=1e9, max_per_hour=1, min_viewers=20, **ONE_POLL
        )
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck watch")
        sent = await env.wait_sent("chan_a", 1)
        assert "off" in sent[-1]
        await env.say("chan_a", mod, "!botcheck watch on")
        await env.wait_sent("chan_a", 2)
        await _jump(env, "chan_a")
        await _jump(env, "chan_a")
        for _ in range(600):
            if len(await _audits(env, "chan_a")) >= 2:
                break
            await asyncio.sleep(0.05)
        outcomes = sorted(a.outcome for a in await _audits(env, "chan_a"))
        assert outcomes == ["complete-silent", "skipped"], outcomes
        await env.say("chan_a", mod, "!botcheck watch off")
        sent = await env.wait_sent("chan_a", 3)
        assert sent[-1] == "Automatic checks are off here."


@pytest.mark.parametrize(
    "trigger",
    [pytest.param("start", id="stream-start"), pytest.param("raid", id="raid")],
)
async def test_stream_start_and_raid_start_a_check(make_env: Any, trigger: str) -> None:
    async with make_env([Channel("chan_a", "farm", 600)]) as env:
        watcher = env.running.services.watcher
        # No viewer jumps here; the start check comes at once, a raid's after no delay.
        watcher.settings = WatchSettings(jump_ratio=100.0, after_start_s=0.0, raid_delay_s=0.0)
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck watch on")
        await env.wait_sent("chan_a", 1)
        if trigger == "start":
            env.world.set_stream("chan_a", False)
            env.world.set_stream("chan_a", True)
            await env.running.services.streams.poll()
            expected = "Automatic check (0 minutes into the stream)."
        else:
            watcher.raid(env.world.by_login["chan_a"], "friendly_streamer", 250)
            expected = "Automatic check (raid from friendly_streamer with 250 viewers)."
        sent = await env.wait_sent("chan_a", 2, timeout=60)
        assert sent[-1].startswith(expected), sent[-1]
