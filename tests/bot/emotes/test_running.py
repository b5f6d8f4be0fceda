"""The running bot with third-party emotes on (pointed at twitchsim's stand-ins) and off."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bot.app import Running, free_port, running_bot
from bot.settings import load_settings
from bot.twitch import patches
from storage.emotes import decode
from tests.simworld import VIEWER, Channel, authorize_bot, bot_settings, populate
from twitchsim import TwitchSim
from twitchsim.emotes import emote_id


async def until(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def bot_with(tmp_path: Path, *, emotes: bool) -> AsyncIterator[tuple[TwitchSim, Running]]:
    previous = patches.current()
    async with TwitchSim() as sim:
        cast = populate(sim, [Channel("chan_a", size=20)])
        port = free_port()
        env = bot_settings(sim, cast, tmp_path, port) | (sim.emote_env() if emotes else {})
        settings = load_settings(env)
        await authorize_bot(sim, cast, settings.database)
        try:
            async with running_bot(settings, join_interval_s=0.5) as running:
                await until(lambda: len(running.bot.joined) == 1, "the bot to join")
                yield sim, running
        finally:
            patches.apply(previous)


async def test_third_party_emotes_are_counted_and_their_images_served(tmp_path: Path) -> None:
    async with bot_with(tmp_path, emotes=True) as (sim, running):
        channel = next(iter(running.bot.joined))
        emotes = running.services.emotes
        assert emotes is not None
        await until(lambda: bool(emotes.sets.find(channel, "catJAM")), "the emote sets")
        await sim.state.say("chan_a", VIEWER, "catJAM catJAM Kappa")
        await sim.state.say("chan_a", VIEWER, "KEKW EZ")
        stats = running.services.db.stats
        top: list[tuple[str | None, str, int]] = []

        async def counted() -> bool:
            top[:] = [(e.ref.provider, e.label, e.count) for e in await stats.top_emotes(channel)]
            return len(top) == 4

        deadline = time.monotonic() + 20
        while not await counted() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert top == [
            ("7tv", "catJAM", 2),
            ("7tv", "EZ", 1),
            (None, "Kappa", 1),
            ("bttv", "KEKW", 1),
        ]

        eid = emote_id("7tv", str(channel), "catJAM")
        url = running.services.settings.public_url
        async with httpx.AsyncClient() as http:
            image = await http.get(f"{url}/emotes/7tv/{eid}")
            proxy = await http.get(f"{url}/emotes/7tv/{eid}x")
        assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
        assert proxy.status_code == 404
        tokens = [e.name for e in await stats.top_emotes(channel)]
        assert decode(tokens[0]).emote_id == eid


async def test_switched_off_nothing_is_fetched_counted_or_served(tmp_path: Path) -> None:
    async with bot_with(tmp_path, emotes=False) as (sim, running):
        assert running.services.emotes is None
        channel = next(iter(running.bot.joined))
        await sim.state.say("chan_a", VIEWER, "catJAM Kappa")
        stats = running.services.db.stats

        async def stored() -> bool:
            return bool(await stats.top_emotes(channel))

        deadline = time.monotonic() + 20
        while not await stored() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert [e.name for e in await stats.top_emotes(channel)] == ["Kappa"]
        eid = emote_id("7tv", str(channel), "catJAM")
        async with httpx.AsyncClient() as http:
            resp = await http.get(f"{running.services.settings.public_url}/emotes/7tv/{eid}")
        assert resp.status_code == 404
        assert not sim.emotes.requests
