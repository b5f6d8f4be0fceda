"""`TwitchSim`: the aiohttp server that puts Helix, OAuth, EventSub and /sim/ on one port.

Life follows httpx's client: UNOPENED -> OPENED (``start``) -> CLOSED (``close``, safe twice);
it is also an async context manager. ``state`` is the in-process `World` for tests, benchmarks
and the demo; the same world answers over HTTP.
"""

from __future__ import annotations

import enum
import logging
import random
import string
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from twitchsim.config import SimConfig
from twitchsim.control import Control
from twitchsim.control_events import EventControl
from twitchsim.control_raids import ControlRaids
from twitchsim.emotes import EmoteStandins
from twitchsim.helix import Helix
from twitchsim.helix_conduits import HelixConduits
from twitchsim.helix_followers import HelixFollowers
from twitchsim.helix_moderation import HelixModeration
from twitchsim.helix_write import HelixWrite
from twitchsim.oauth import OAuth
from twitchsim.state import World

log = logging.getLogger(__name__)

__all__ = ["SimConfig", "TwitchSim"]


class _Life(enum.Enum):
    UNOPENED = 1
    OPENED = 2
    CLOSED = 3


class TwitchSim:
    """A local Twitch: ``async with TwitchSim() as sim:`` then point clients at ``sim.url``."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: SimConfig | None = None,
        seed: int = 0,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.config = config or SimConfig()
        cfg = self.config
        self.state = World(
            token_ttl_s=cfg.token_ttl_s,
            rate_capacity=cfg.rate_capacity,
            rate_refill_per_s=cfg.rate_refill_per_s,
        )
        rng = random.Random(f"twitchsim-app:{seed}")  # the same app credentials for a seed
        alphabet = string.ascii_lowercase + string.digits
        app = self.state.tokens.register_app(
            client_id or "".join(rng.choices(alphabet, k=30)),
            client_secret or "".join(rng.choices(alphabet, k=30)),
        )
        self.client_id = app.client_id
        self.client_secret = app.client_secret
        hub = self.state.hub
        hub.keepalive_default_s = cfg.keepalive_default_s
        hub.subscribe_timeout_s = cfg.subscribe_timeout_s
        hub.reconnect_grace_s = cfg.reconnect_grace_s
        conduits = self.state.conduits
        conduits.max_conduits = cfg.max_conduits
        conduits.max_shards = cfg.max_shards
        conduits.max_total_cost = cfg.max_total_cost
        self._life = _Life.UNOPENED
        self._runner: web.AppRunner | None = None
        # Ban and shield-mode endpoints; tests read shield states here (``moderation.shields``).
        self.moderation = HelixModeration(self.state, self.config)
        # 7TV, BetterTTV and FrankerFaceZ stand-ins; `emote_env()` points the bot at them.
        self.emotes = EmoteStandins()

    # --- addresses ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        self._require_open()
        return f"http://{self.host}:{self.port}"

    @property
    def helix_url(self) -> str:
        """What TWITCH_API_URL gets (TwitchIO's Route.BASE is this plus "/")."""
        return self.url + "/helix"

    @property
    def auth_url(self) -> str:
        """What TWITCH_AUTH_URL gets: OAuth lives at auth_url + "/oauth2/..."."""
        return self.url

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    def env(self) -> dict[str, str]:
        """The settings that point botcheck (or any client) at this simulator."""
        return {
            "TWITCH_API_URL": self.helix_url,
            "TWITCH_AUTH_URL": self.auth_url,
            "TWITCH_EVENTSUB_WS_URL": self.ws_url,
            "TWITCH_CLIENT_ID": self.client_id,
            "TWITCH_CLIENT_SECRET": self.client_secret,
        }

    def emote_env(self) -> dict[str, str]:
        """The settings that turn third-party emotes on, pointed at the stand-ins here."""
        return self.emotes.env(self.url)

    def info(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "helix_url": self.helix_url,
            "auth_url": self.auth_url,
            "ws_url": self.ws_url,
            "client_id": self.client_id,
        }

    def _require_open(self) -> None:
        if self._life is not _Life.OPENED:
            raise RuntimeError(f"TwitchSim is {self._life.name.lower()}: call start() first")

    # --- life -----------------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        """Return the aiohttp application (without starting a server)."""
        world, cfg = self.state, self.config
        helix = Helix(world, cfg)
        control = Control(world, cfg, self.info)
        app = web.Application(
            middlewares=[helix.middleware, control.middleware], client_max_size=1024 * 1024
        )
        app.add_routes(helix.routes())
        app.add_routes(HelixWrite(world, cfg).routes())
        app.add_routes(HelixConduits(world, cfg).routes())
        app.add_routes(HelixFollowers(world, cfg).routes())
        app.add_routes(OAuth(world, cfg).routes())
        app.add_routes(control.routes())
        app.add_routes(EventControl(world).routes())
        self._add_defence(app)
        app.add_routes(self.emotes.routes())
        app.router.add_get("/ws", world.hub.handle_ws)
        return app

    def _add_defence(self, app: web.Application) -> None:
        """Add the ban and shield-mode endpoints and the raid scenarios (chat defence)."""
        raids = ControlRaids(self.state)
        app.add_routes(self.moderation.routes())
        app.add_routes(raids.routes())
        app.on_cleanup.append(raids.close)

    async def start(self) -> None:
        if self._life is not _Life.UNOPENED:
            raise RuntimeError(f"TwitchSim is {self._life.name.lower()}: it can start only once")
        runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._life = _Life.OPENED
        self.state.hub.ws_url = self.ws_url
        log.info("twitchsim listening on %s", self.url)

    async def close(self) -> None:
        if self._life is _Life.CLOSED:
            return
        was_open = self._life is _Life.OPENED
        self._life = _Life.CLOSED
        if was_open and self._runner is not None:
            await self.state.hub.close()
            await self._runner.cleanup()
            self._runner = None
            log.info("twitchsim closed")

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
