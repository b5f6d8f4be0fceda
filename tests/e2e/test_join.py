"""Joining a channel while running: storage knows it before any of its events can arrive."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.e2e.conftest import wait_for
from tests.simworld import BOT
from twitchsim.scenarios import build

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]+)$")


async def test_botcheck_the_instant_the_chat_subscription_appears_gets_its_link(
    make_env: Any,
) -> None:
    async with make_env(cooldown_s=0) as env:
        world = env.world
        channel = world.add_channel("chan_new")
        world.add_user("mod_new")
        world.add_moderator("chan_new", "mod_new")
        world.load_scenario("chan_new", build("organic", 5, 60), live=True)
        said: list[asyncio.Task[Any]] = []
        add = world.hub.add

        def add_and_speak(sub: Any) -> None:
            # Twitch delivers chat the moment the subscription exists: a moderator's
            # !botcheck can arrive before the bot has even read the 202 of its request.
            add(sub)
            if sub.type == "channel.chat.message" and sub.broadcaster_id == channel.user_id:
                said.append(asyncio.create_task(world.say("chan_new", "mod_new", "!botcheck")))

        world.hub.add = add_and_speak
        world.add_moderator("chan_new", BOT)  # the streamer mods the bot while it runs
        await wait_for(lambda: bool(said), timeout=20, what="the chat subscription")
        sent = await env.wait_sent("chan_new", 1)
        assert LINK.search(sent[-1]), sent
        await asyncio.gather(*said)
        # The audit row is written just after the reply goes out.
        outcomes: list[str] = []

        async def audited() -> bool:
            rows = await env.running.services.db.audit.recent(limit=5)
            outcomes[:] = [r.outcome for r in rows if r.command == "botcheck"]
            return bool(outcomes)

        for _ in range(100):
            if await audited():
                break
            await asyncio.sleep(0.1)
        assert outcomes == ["complete"]
