"""Shared fixtures for bot tests: a running twitchsim with a channel the bot moderates, a Helix
client on it with real OAuth tokens, and the SQLite `db` from tests/conftest.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.helix import Helix
from bot.helix.ratelimit import RateLimiters
from storage import Database
from twitchsim import SimConfig, TwitchSim, World

BOT_SCOPES = (
    "moderator:read:chatters",
    "moderator:read:moderators",
    "user:read:moderated_channels",
    "user:read:chat",
    "user:bot",
    "user:write:chat",
)


class SimTokens:
    """A Helix TokenSource over the sim's real OAuth endpoints (client credentials, refresh)."""

    def __init__(self, auth_url: str, client_id: str, client_secret: str) -> None:
        self._auth_url = auth_url.rstrip("/")
        self._client_id = client_id
        self._secret = client_secret
        self._app: str | None = None
        self._users: dict[str, tuple[str, str]] = {}
        self._lock = asyncio.Lock()
        self.refreshes = 0

    def add_user(self, user_id: int | str, access: str, refresh: str) -> None:
        self._users[str(user_id)] = (access, refresh)

    async def _post(self, **params: str) -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            resp = await client.post(
                f"{self._auth_url}/oauth2/token",
                params={"client_id": self._client_id, "client_secret": self._secret, **params},
            )
        resp.raise_for_status()
        body: dict[str, Any] = resp.json()
        return body

    async def token(self, user_id: str | None) -> str:
        if user_id is None:
            if self._app is None:
                async with self._lock:
                    if self._app is None:
                        body = await self._post(grant_type="client_credentials")
                        self._app = str(body["access_token"])
            return self._app
        return self._users[user_id][0]

    async def refresh(self, user_id: str | None, stale: str) -> str:
        async with self._lock:
            current = self._app if user_id is None else self._users[user_id][0]
            if current is not None and current != stale:
                return current  # someone else refreshed already
            self.refreshes += 1
            if user_id is None:
                body = await self._post(grant_type="client_credentials")
                self._app = str(body["access_token"])
                return self._app
            refresh = self._users[user_id][1]
            body = await self._post(grant_type="refresh_token", refresh_token=refresh)
            self._users[user_id] = (str(body["access_token"]), str(body["refresh_token"]))
            return self._users[user_id][0]


@dataclass
class SimWorld:
    """A running sim with a channel, the bot as its moderator, and the bot's tokens."""

    sim: TwitchSim
    tokens: SimTokens
    channel_id: int
    bot_id: int
    bot_access: str

    @property
    def state(self) -> World:
        return self.sim.state

    def helix(self, limiters: RateLimiters | None = None, **kw: Any) -> Helix:
        options: dict[str, Any] = {"timeout_s": 2.0, "backoff_s": 0.02, "max_backoff_s": 0.2}
        options.update(kw)
        return Helix(
            base_url=self.sim.helix_url,
            client_id=self.sim.client_id,
            tokens=self.tokens,
            limiters=limiters or RateLimiters(),
            **options,
        )

    def add_channel(self, login: str) -> int:
        """Add another channel the bot moderates; return its id."""
        user = self.state.add_channel(login)
        self.state.add_moderator(user.user_id, self.bot_id)
        return int(user.user_id)


SimFactory = Callable[..., Awaitable[SimWorld]]


@pytest.fixture
async def make_world() -> AsyncIterator[SimFactory]:
    """Start sims on demand: `await make_world(rate_capacity=50, latency_s=0.01)`."""
    stack: list[TwitchSim] = []

    async def start(**config: Any) -> SimWorld:
        sim = TwitchSim(host="127.0.0.1", port=0, config=SimConfig(**config), seed=0)
        await sim.__aenter__()
        stack.append(sim)
        state = sim.state
        channel = state.add_channel("streamer")
        bot = state.add_user("botcheck_bot")
        state.add_moderator(channel.user_id, bot.user_id)
        access, refresh = state.issue_user_token(bot.user_id, BOT_SCOPES)
        tokens = SimTokens(sim.auth_url, sim.client_id, sim.client_secret)
        tokens.add_user(bot.user_id, access, refresh)
        return SimWorld(sim, tokens, int(channel.user_id), int(bot.user_id), access)

    yield start
    for sim in reversed(stack):
        await sim.__aexit__(None, None, None)


@pytest.fixture
async def world(make_world: SimFactory) -> SimWorld:
    """A sim with Twitch's bucket size but no latency: fast, and still rate limited."""
    return await make_world(latency_s=0.0)


async def join(db: Database, channel_id: int, login: str = "streamer") -> None:
    """Record that the bot moderates the channel (captures need the channel row)."""
    await db.channels.join(channel_id, login, login.title(), at=datetime.now(UTC))
