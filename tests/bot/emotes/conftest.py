"""The three emote APIs and CDNs as twitchsim stands them in, on a real loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.emotes import EmoteSets, Provider, providers
from twitchsim.emotes import EmoteStandins

CHANNEL = 4242


@dataclass
class Stand:
    standins: EmoteStandins
    url: str

    def providers(self) -> tuple[Provider, ...]:
        env = self.standins.env(self.url)
        return providers(
            seventv=(env["BOTCHECK_7TV_API_URL"], env["BOTCHECK_7TV_CDN_URL"]),
            bttv=(env["BOTCHECK_BTTV_API_URL"], env["BOTCHECK_BTTV_CDN_URL"]),
            ffz=(env["BOTCHECK_FFZ_API_URL"], env["BOTCHECK_FFZ_CDN_URL"]),
        )


class Clock:
    """A settable clock for the daily refresh."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
async def stand() -> AsyncIterator[Stand]:
    standins = EmoteStandins()
    app = web.Application()
    app.add_routes(standins.routes())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Stand(standins, f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_sets(stand: Stand, clock: Clock, tmp_path: Path) -> Callable[..., EmoteSets]:
    def make(channels: tuple[int, ...] = (CHANNEL,), directory: Path | None = None) -> EmoteSets:
        return EmoteSets(
            providers=stand.providers(),
            directory=directory or tmp_path / "emotes" / "sets",
            channels=lambda: channels,
            clock=clock,
        )

    return make
