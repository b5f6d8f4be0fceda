"""EventSub's records: subscriptions, sessions and the connections that carry them.

A session is what a WebSocket subscription (or a conduit shard) is bound to; a connection is
the socket currently carrying it (a ``session_reconnect`` moves the session to a new one).
A subscription on the conduit transport has a ``conduit_id`` and no session. `Registry` keeps
the subscriptions with the indexes that keep a 5,000-channel conduit cheap: by type and channel
(publishing), by type and condition (duplicates), and each client's conduit cost.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
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


def _key(sub: Subscription) -> tuple[str, str, str, str]:
    """What makes two subscriptions duplicates: same transport, type, version and condition."""
    where = f"conduit:{sub.client_id}" if sub.conduit_id else f"session:{sub.session_id}"
    condition = ",".join(f"{k}={v}" for k, v in sorted(sub.condition.items()))
    return where, sub.type, sub.version, condition


class Registry:
    """Every subscription, indexed; `EventHub` is one."""

    sessions: dict[str, Session]

    def __init__(self) -> None:
        self.subs: dict[str, Subscription] = {}
        self._by_channel: dict[tuple[str, int], dict[str, Subscription]] = {}
        self._by_key: dict[tuple[str, str, str, str], Subscription] = {}
        self.conduit_cost: Counter[str] = Counter()  # client id -> total cost on conduits
        self.conduit_count: Counter[str] = Counter()  # client id -> conduit subscriptions

    def add(self, sub: Subscription) -> None:
        self.subs[sub.id] = sub
        self._by_channel.setdefault((sub.type, sub.broadcaster_id), {})[sub.id] = sub
        self._by_key[_key(sub)] = sub
        if sub.conduit_id is None:
            self.sessions[sub.session_id].subs[sub.id] = sub
        else:
            self.conduit_cost[sub.client_id] += sub.cost
            self.conduit_count[sub.client_id] += 1

    def of_channel(self, sub_type: str, broadcaster_id: int) -> list[Subscription]:
        """The subscriptions to ``sub_type`` whose events come from ``broadcaster_id``."""
        return list(self._by_channel.get((sub_type, broadcaster_id), {}).values())

    def find_duplicate(self, probe: Subscription) -> Subscription | None:
        """The subscription ``probe`` would duplicate (Twitch answers 409), if any."""
        return self._by_key.get(_key(probe))

    def remove(self, sub_id: str) -> Subscription | None:
        sub = self.subs.get(sub_id)
        if sub is not None:
            self._remove(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        if self.subs.pop(sub.id, None) is None:
            return
        self._by_channel.get((sub.type, sub.broadcaster_id), {}).pop(sub.id, None)
        if self._by_key.get(_key(sub)) is sub:
            del self._by_key[_key(sub)]
        if sub.conduit_id is not None:
            self.conduit_cost[sub.client_id] -= sub.cost
            self.conduit_count[sub.client_id] -= 1
        session = self.sessions.get(sub.session_id)
        if session is not None:
            session.subs.pop(sub.id, None)
