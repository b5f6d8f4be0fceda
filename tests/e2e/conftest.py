"""A running bot against a running twitchsim, over real sockets, with a real SQLite file."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot import endpoints
from bot.app import Running, free_port, running_bot
from bot.oauth import BOT_SCOPES
from bot.settings import Settings, load_settings
from bot.tokens import save_token
from storage import Database
from twitchsim import SimConfig, TwitchSim
from twitchsim.scenarios import build

BOT = "botcheck_bot"
OWNER = "the_owner"
VIEWER = "a_viewer"


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


async def wait_for(predicate: Callable[[], bool], *, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Channel:
    login: str
    scenario: str = "organic"
    size: int = 300


@pytest.fixture
def make_env(tmp_path: Path) -> Callable[..., Any]:
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
    ) -> AsyncIterator[Env]:
        previous = endpoints.current()
        async with TwitchSim(config=config or SimConfig()) as sim:
            world = sim.state
            bot_user = world.add_user(BOT)
            owner = world.add_user(OWNER)
            world.add_user(VIEWER)
            moderators = {}
            for i, ch in enumerate(channels):
                world.add_channel(ch.login)
                mod = f"mod_{i}"
                world.add_user(mod)
                world.add_moderator(ch.login, mod)
                world.add_moderator(ch.login, BOT)
                world.load_scenario(ch.login, build(ch.scenario, i + 1, ch.size), live=live)
                moderators[ch.login] = mod
            port = free_port()
            env = {
                "TWITCH_CLIENT_ID": sim.client_id,
                "TWITCH_CLIENT_SECRET": sim.client_secret,
                "TWITCH_BOT_ID": str(bot_user.user_id),
                "TWITCH_OWNER_ID": str(owner.user_id),
                "TWITCH_API_URL": sim.helix_url,
                "TWITCH_AUTH_URL": sim.auth_url,
                "TWITCH_EVENTSUB_WS_URL": sim.ws_url,
                "BOTCHECK_DB": str(tmp_path / "botcheck.db"),
                "BOTCHECK_DATA_DIR": str(tmp_path / "data"),
                "BOTCHECK_PUBLIC_URL": f"http://127.0.0.1:{port}",
                "BOTCHECK_WEB_PORT": str(port),
                "BOTCHECK_COOLDOWN_S": str(cooldown_s),
            } | (extra or {})
            settings = load_settings(env)
            if authorized:
                access, refresh = world.issue_user_token(bot_user, list(BOT_SCOPES))
                async with Database(settings.db_path) as db:
                    await save_token(
                        db,
                        user_id=str(bot_user.user_id),
                        login=BOT,
                        access_token=access,
                        refresh_token=refresh,
                        scopes=list(BOT_SCOPES),
                        expires_in=4 * 3600,
                    )
            try:
                async with running_bot(settings, join_interval_s=0.5) as running:
                    e = Env(
                        sim=sim,
                        settings=settings,
                        running=running,
                        channels=[c.login for c in channels],
                        moderators=moderators,
                    )
                    if authorized:
                        await wait_for(
                            lambda: (
                                len(running.bot.joined) == len(channels) and not running.bot._tasks
                            ),
                            timeout=20,
                            what="the bot to join its channels",
                        )
                    yield e
            finally:
                endpoints.apply(previous)

    return make
