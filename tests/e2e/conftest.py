"""A running bot against a running twitchsim, over real sockets, with a real database: every
test here runs on SQLite and on PostgreSQL (the `engine` fixture below)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import Running, free_port, running_bot
from bot.services import Services
from bot.settings import Settings, load_settings
from bot.twitch import patches
from tests.conftest import ENGINES, database_target
from tests.simworld import (  # noqa: F401 (re-exported for the suites)
    BOT,
    OWNER,
    VIEWER,
    Channel,
    authorize_bot,
    bot_settings,
    populate,
)
from twitchsim import SimConfig, TwitchSim


@dataclass
class Env:
    sim: TwitchSim
    settings: Settings
    running: Running
    channels: list[str]
    moderators: dict[str, str] = field(default_factory=dict)

    @property
    def world(self) -> Any:
        return self.sim.state

    @property
    def bot(self) -> Any:
        return self.running.bot

    def sent(self, channel: str) -> list[str]:
        return [m.text for m in self.world.sent_messages(channel)]

    async def say(self, channel: str, user: str, text: str) -> None:
        await self.world.say(channel, user, text)

    async def wait_sent(self, channel: str, count: int, timeout: float = 30.0) -> list[str]:
        """Wait until the bot has sent `count` messages in the channel; return them all."""
        await wait_for(
            lambda: len(self.sent(channel)) >= count,
            timeout=timeout,
            what=f"{count} bot message(s) in #{channel}",
        )
        return self.sent(channel)

    async def stored(self, channel: str = "chan_a") -> None:
        """Wait until the channel's last answered check is stored with its verdict.

        The answer goes out while a check's last rows are written (issue 21): what a test
        reads from storage right after an answer, it reads after this.
        """
        user = self.world.user(channel)
        await asyncio.wait_for(self.running.services.reports.recorded(int(user.user_id)), 60)


async def wait_for(predicate: Callable[[], bool], *, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The end-to-end tests run on both engines."""
    return str(request.param)


@pytest.fixture
def make_env(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> Callable[..., Any]:
    """Start twitchsim + the bot; the bot account has already authorized (token in the DB)."""

    @asynccontextmanager
    async def make(
        channels: Sequence[Channel] = (Channel("chan_a"),),
        *,
        cooldown_s: float = 60.0,
        config: SimConfig | None = None,
        authorized: bool = True,
        live: bool = True,
        extra: dict[str, str] | None = None,
        adjust: Callable[[Services], Services] | None = None,
    ) -> AsyncIterator[Env]:
        previous = patches.current()
        async with TwitchSim(config=config or SimConfig()) as sim:
            cast = populate(sim, channels, live=live)
            port = free_port()
            env = bot_settings(sim, cast, tmp_path, port)
            env |= {"BOTCHECK_COOLDOWN_S": str(cooldown_s)} | (extra or {})
            target = await database_target(request, engine, tmp_path)
            if isinstance(target, str):
                env["BOTCHECK_DATABASE_URL"] = target
            settings = load_settings(env)
            if authorized:
                await authorize_bot(sim, cast, settings.database)
            try:
                async with running_bot(settings, join_interval_s=0.5, adjust=adjust) as running:
                    e = Env(
                        sim=sim,
                        settings=settings,
                        running=running,
                        channels=[c.login for c in channels],
                        moderators=cast.moderators,
                    )
                    if authorized:
                        await wait_for(
                            lambda: (
                                len(running.bot.joined) == len(channels) and running.bot.settled
                            ),
                            timeout=20,
                            what="the bot to join its channels",
                        )
                    yield e
            finally:
                patches.apply(previous)

    return make
