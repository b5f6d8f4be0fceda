"""EventSub's records: subscriptions, sessions and the connections that carry them.

A session is what a WebSocket subscription (or a conduit shard) is bound to; a connection is
the socket currently carrying it (a ``session_reconnect`` moves the session to a new one).
A subscription on the conduit transport has a ``conduit_id`` and no session.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from twitchsim.payloads import rfc3339

JSON = dict[str, Any]


@dataclass(slots=True)
class Subscription:
    """One EventSub subscription bound to a WebSocket session."""

    id: str
    type: str
    version: str
    condition: dict[str, str]
    session_id: str
    client_id: str
    user_id: int  # whose token created it
    broadcaster_id: int
    created_at: datetime
    needs_moderator: bool = False
    status: str = "enabled"
    cost: int = 0
    conduit_id: str | None = None  # set: a conduit transport (``session_id`` is "")

    def to_json(self, *, connected_at: datetime | None = None) -> JSON:
        transport: JSON = {"method": "websocket", "session_id": self.session_id}
        if self.conduit_id is not None:
            transport = {"method": "conduit", "conduit_id": self.conduit_id}
        elif connected_at is not None:
            transport["connected_at"] = rfc3339(connected_at)
        return {
            "id": self.id,
            "status": self.status,
            "type": self.type,
            "version": self.version,
            "condition": self.condition,
            "created_at": rfc3339(self.created_at),
            "transport": transport,
            "cost": self.cost,
        }


@dataclass(eq=False, slots=True)
class Conn:
    """One WebSocket connection and the queue its writer task drains."""

    ws: web.WebSocketResponse
    request: web.Request
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    reason: str = "websocket_disconnected"  # the shard status its end gives, unless changed


@dataclass(eq=False, slots=True)
class Session:
    """An EventSub session: what subscriptions (or a conduit shard) are bound to."""

    id: str
    keepalive_s: int
    connected_at: datetime
    conn: Conn | None = None
    subs: dict[str, Subscription] = field(default_factory=dict)
    reconnect_token: str | None = None
    held: list[str] = field(default_factory=list)  # messages waiting for the new connection
    old_conns: list[Conn] = field(default_factory=list)
    shard: tuple[str, str] | None = None  # (conduit id, shard id) while bound to a shard


def new_session_id() -> str:
    """Return a fresh session id."""
    # Twitch session ids look like "AQoQexAWVYKSTIu4ec_2VAxyuhAB": url-safe base64.
    return "AQoQ" + secrets.token_urlsafe(18)
