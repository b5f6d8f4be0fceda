"""Point TwitchIO at the Twitch endpoints in the settings (real Twitch or twitchsim).

TwitchIO 3 has no setting for its endpoints: `Route.BASE`, `Route.ID_BASE` and the EventSub
`WSS` are module-level values read at call time. This is the one place that sets them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import twitchio.eventsub.websockets as tio_websockets
import twitchio.http as tio_http

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Endpoints:
    api_url: str  # Helix base, no trailing slash: https://api.twitch.tv/helix
    auth_url: str  # OAuth base: https://id.twitch.tv
    eventsub_ws_url: str  # wss://eventsub.wss.twitch.tv/ws


def current() -> Endpoints:
    """Return the endpoints TwitchIO uses right now."""
    return Endpoints(
        api_url=tio_http.Route.BASE.rstrip("/"),
        auth_url=tio_http.Route.ID_BASE.rstrip("/"),
        eventsub_ws_url=tio_websockets.WSS,
    )


def apply(endpoints: Endpoints) -> Endpoints:
    """Make TwitchIO use these endpoints; return the previous ones (tests restore them)."""
    previous = current()
    tio_http.Route.BASE = endpoints.api_url.rstrip("/") + "/"
    tio_http.Route.ID_BASE = endpoints.auth_url.rstrip("/") + "/"
    tio_websockets.WSS = endpoints.eventsub_ws_url
    if endpoints != previous:
        log.debug("TwitchIO endpoints: %s, %s, %s", *_fields(endpoints))
    return previous


def _fields(e: Endpoints) -> tuple[str, str, str]:
    return e.api_url, e.auth_url, e.eventsub_ws_url
