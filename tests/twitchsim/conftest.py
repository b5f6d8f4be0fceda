from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import twitchio.eventsub.websockets as tio_ws
from twitchio.http import Route

from twitchsim import SimConfig, TwitchSim
from twitchsim.users import SimUser

CHATTERS_SCOPES = ["moderator:read:chatters", "user:read:chat", "user:write:chat", "user:bot"]


@dataclass
class Setup:
    """A started sim with a streamer, a bot that moderates the channel, and a viewer."""

    sim: TwitchSim
    streamer: SimUser
    bot: SimUser
    viewer: SimUser
    bot_token: str
    bot_refresh: str


@pytest.fixture
def config() -> SimConfig:
    return SimConfig()


@pytest.fixture
async def sim(config: SimConfig) -> AsyncIterator[TwitchSim]:
    async with TwitchSim(config=config) as started:
        yield started


@pytest.fixture
def world(sim: TwitchSim) -> Setup:
    st = sim.state
    streamer = st.add_channel("streamer")
    bot = st.add_user("botcheck")
    viewer = st.add_user("viewer")
    st.add_moderator("streamer", "botcheck")
    access, refresh = st.issue_user_token(bot, CHATTERS_SCOPES)
    return Setup(sim, streamer, bot, viewer, access, refresh)


@pytest.fixture
async def http(sim: TwitchSim) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Client-Id": sim.client_id}) as session:
        yield session


@pytest.fixture
def twitchio_at_sim(sim: TwitchSim) -> Iterator[None]:
    """Point TwitchIO at the sim for one test, then put Twitch's URLs back."""
    saved = (Route.BASE, Route.ID_BASE, tio_ws.WSS)
    Route.BASE = sim.helix_url + "/"
    Route.ID_BASE = sim.auth_url + "/"
    tio_ws.WSS = sim.ws_url
    try:
        yield
    finally:
        Route.BASE, Route.ID_BASE, tio_ws.WSS = saved


async def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy (or fail after ``timeout``)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)
