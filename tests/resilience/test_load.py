"""Load: 50 channels chatting at once while `!botcheck` runs in several of them. No message is
lost, the checks still answer within seconds, memory stays bounded. The figures are printed
(`pytest -s`) and recorded in docs/reliability.md."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

from tests.resilience.conftest import Channel, assert_inert, channel_id, wait_for

LINK = re.compile(r"/r/[A-Za-z0-9_-]{32}$")
CHANNELS = 50
CHECKED = 5  # channels where a moderator runs !botcheck during the chat
ROUNDS = 60  # lines per channel
VIEWERS = 20


def rss_mb() -> float:
    """Resident memory of this process (twitchsim and the bot both live here)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def test_fifty_channels_chatting_while_checks_run(make_env: Any) -> None:
    channels = [
        Channel(f"load_{i:02d}", "organic", 2000 if i < CHECKED else 50) for i in range(CHANNELS)
    ]
    async with make_env(channels, cooldown_s=0) as env:
        world = env.world
        recorder = env.running.services.recorder
        viewers = [world.add_user(f"viewer_{v}") for v in range(VIEWERS)]
        logins = [c.login for c in channels]
        base_received = recorder.stats().received
        rss_before = rss_mb()
        rss_peak = rss_before
        said: dict[str, list[str]] = {login: [] for login in logins}
        asked_at: dict[str, float] = {}
        answered_at: dict[str, float] = {}

        async def chat() -> None:
            nonlocal rss_peak
            for r in range(ROUNDS):
                for i, login in enumerate(logins):
                    who = viewers[(r + i) % VIEWERS]
                    said[login].append(await world.say(login, who, f"round {r} hello {login}"))
                rss_peak = max(rss_peak, rss_mb())
                await asyncio.sleep(0.01)

        async def checks() -> None:
            await asyncio.sleep(0.05)
            for login in logins[:CHECKED]:
                asked_at[login] = time.monotonic()
                await world.say(login, env.moderators[login], "!botcheck")

        async def watch_answers() -> None:
            while len(answered_at) < CHECKED:
                for login in logins[:CHECKED]:
                    if login not in answered_at and any(LINK.search(m) for m in env.sent(login)):
                        answered_at[login] = time.monotonic()
                await asyncio.sleep(0.02)

        started = time.monotonic()
        watcher = asyncio.create_task(watch_answers())
        await asyncio.gather(chat(), checks())
        chat_s = time.monotonic() - started
        await asyncio.wait_for(watcher, timeout=90)
        total = sum(len(v) for v in said.values())
        await wait_for(
            lambda: recorder.stats().received - base_received >= total + CHECKED,
            timeout=60,
            what="every chat line to reach the recorder",
        )
        await recorder.flush()
        db = env.running.services.db
        for login in logins:
            stored = {m.message_id for m in await db.history.messages(channel_id(world, login))}
            missing = set(said[login]) - stored
            assert not missing, f"#{login}: {len(missing)} of {len(said[login])} lines lost"
        stats = recorder.stats()
        assert stats.dropped == 0
        latencies = [answered_at[c] - asked_at[c] for c in asked_at]
        for login in logins[:CHECKED]:
            assert_inert(env.sent(login))
        rss_peak = max(rss_peak, rss_mb())
        growth = rss_peak - rss_before
        # Bounded: the recorder holds at most max_pending items, captures hold their chatters.
        assert growth < 200, f"memory grew {growth:.0f} MB"
        print(
            f"\nload: {CHANNELS} channels, {total} lines in {chat_s:.1f} s "
            f"({total / chat_s:.0f}/s), {CHECKED} checks of 2,000 chatters; "
            f"answers after {min(latencies):.1f}-{max(latencies):.1f} s; "
            f"recorder max lag {stats.max_lag_s:.2f} s, {stats.written_batches} batches, "
            f"0 lost; RSS {rss_before:.0f} -> {rss_peak:.0f} MB"
        )
