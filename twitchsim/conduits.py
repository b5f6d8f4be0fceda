"""EventSub conduits: an app's shards, their WebSocket bindings, and routing of notifications.

A conduit belongs to a client id and has shards "0".."n-1". Update Conduit Shards binds a shard
to a WebSocket session that has had its welcome (and has no WebSocket subscriptions of its own);
the shard is then ``enabled``. When the session ends, the shard takes the reason as its status
(``websocket_disconnected`` for a client's close, ``websocket_network_error`` for a cut
connection, ...) and subscribers of ``conduit.shard.disabled`` hear of it.

Routing follows Twitch: a channel's notifications go to one shard chosen by a stable hash of
the broadcaster id; if that shard is not enabled they are retried once on a second shard (also
chosen by hash, so the same for every notification of the channel; Twitch picks it at random),
and if that one is not enabled either, the notification is dropped and counted. Drops are kept
(the latest `MAX_DROPS`) so tests can tell exactly what was lost.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from twitchsim.eventsub import EventHub
from twitchsim.payloads import rfc3339
from twitchsim.sessions import Session, Subscription

log = logging.getLogger(__name__)

JSON = dict[str, Any]

MAX_SHARDS = 20_000
MAX_CONDUITS = 5  # enabled conduits per client id
MAX_TOTAL_COST = 10_000
MAX_DROPS = 100_000
NOT_CONNECTED = "The websocket session is not connected."


class ConduitError(Exception):
    """A conduit call Twitch would refuse: ``status`` and Twitch's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class Shard:
    """One shard of a conduit (only the WebSocket transport is simulated)."""

    id: str
    status: str = "websocket_disconnected"  # never bound: no session, as after a disconnect
    session_id: str | None = None
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    delivered: int = 0

    @property
    def enabled(self) -> bool:
        return self.status == "enabled"

    def transport(self) -> JSON:
        return {
            "method": "websocket",
            "session_id": self.session_id,
            "connected_at": rfc3339(self.connected_at) if self.connected_at else None,
            "disconnected_at": rfc3339(self.disconnected_at) if self.disconnected_at else None,
        }

    def to_json(self) -> JSON:
        return {"id": self.id, "status": self.status, "transport": self.transport()}


@dataclass(slots=True)
class Conduit:
    """A conduit: its owner, its shards, and what it delivered and dropped."""

    id: str
    client_id: str
    shards: list[Shard]
    retried: int = 0
    dropped: int = 0

    @property
    def shard_count(self) -> int:
        return len(self.shards)

    def to_json(self) -> JSON:
        return {"id": self.id, "shard_count": self.shard_count}


@dataclass(frozen=True, slots=True)
class Drop:
    """A notification no shard took."""

    conduit_id: str
    type: str
    broadcaster_id: int
    message_id: str | None  # the event's message_id (chat messages), else None
    shards: tuple[str, ...]  # the shards tried, in order


@dataclass(frozen=True, slots=True)
class ShardUpdate:
    """What Update Conduit Shards answers: the shards it bound and the per-shard errors."""

    data: list[JSON] = field(default_factory=list)
    errors: list[JSON] = field(default_factory=list)


def _hash(*parts: object) -> int:
    text = ":".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


@functools.lru_cache(maxsize=1 << 16)
def route(shard_count: int, broadcaster_id: int) -> tuple[int, int | None]:
    """Return the shard a channel's notifications go to and the one they are retried on."""
    first = _hash("shard", broadcaster_id) % shard_count
    if shard_count == 1:
        return first, None
    step = 1 + _hash("retry", broadcaster_id) % (shard_count - 1)
    return first, (first + step) % shard_count


class ConduitHub:
    """Every conduit of every client; plugs itself into the `EventHub` it is given."""

    def __init__(self, hub: EventHub, *, clock: Callable[[], float] = time.time) -> None:
        self.hub = hub
        self._clock = clock
        self.conduits: dict[str, Conduit] = {}
        self._bound: dict[str, tuple[Conduit, Shard]] = {}  # session id -> its shard
        self.max_conduits = MAX_CONDUITS
        self.max_shards = MAX_SHARDS
        self.max_total_cost = MAX_TOTAL_COST
        # At-least-once delivery: Twitch retries a notification whose first shard it thinks
        # failed, though that shard may have had it. True: every notification reaches its
        # retry shard as well (same message id), as if every first delivery were doubted.
        self.echo_retries = False
        self.delivered = 0
        self.retried = 0
        self.dropped = 0
        self.drops: deque[Drop] = deque(maxlen=MAX_DROPS)
        hub.router = self.deliver
        hub.on_session_end = self.session_ended

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    # --- conduits -------------------------------------------------------------------------------

    def of_client(self, client_id: str) -> list[Conduit]:
        return [c for c in self.conduits.values() if c.client_id == client_id]

    def get(self, client_id: str, conduit_id: str) -> Conduit:
        conduit = self.conduits.get(conduit_id)
        if conduit is None or conduit.client_id != client_id:
            raise ConduitError(404, "Conduit not found")
        return conduit

    def _check_count(self, shard_count: int) -> None:
        if not 1 <= shard_count <= self.max_shards:
            raise ConduitError(
                400, f"The shard_count must be between 1 and {self.max_shards} (inclusive)"
            )

    def create(self, client_id: str, shard_count: int) -> Conduit:
        """Create Conduits."""
        self._check_count(shard_count)
        if len(self.of_client(client_id)) >= self.max_conduits:
            raise ConduitError(429, "The client has reached its limit of enabled conduits")
        conduit = Conduit(str(uuid.uuid4()), client_id, [Shard(str(i)) for i in range(shard_count)])
        self.conduits[conduit.id] = conduit
        log.info("conduit %s created with %d shards", conduit.id, shard_count)
        return conduit

    def resize(self, client_id: str, conduit_id: str, shard_count: int) -> Conduit:
        """Update Conduits: new shards start unbound; shards past the count go away."""
        conduit = self.get(client_id, conduit_id)
        self._check_count(shard_count)
        for shard in conduit.shards[shard_count:]:
            self._unbind(shard)
        del conduit.shards[shard_count:]
        conduit.shards.extend(Shard(str(i)) for i in range(conduit.shard_count, shard_count))
        return conduit

    def delete(self, client_id: str, conduit_id: str) -> None:
        """Delete Conduit: its shards are unbound and its subscriptions deleted."""
        conduit = self.get(client_id, conduit_id)
        for shard in conduit.shards:
            self._unbind(shard)
        for sub in [s for s in self.hub.subs.values() if s.conduit_id == conduit.id]:
            self.hub.remove(sub.id)
        del self.conduits[conduit.id]

    # --- shards ---------------------------------------------------------------------------------

    def update_shards(self, client_id: str, conduit_id: str, shards: list[Any]) -> ShardUpdate:
        """Update Conduit Shards: bind each listed shard; what fails goes to ``errors``."""
        conduit = self.get(client_id, conduit_id)
        out = ShardUpdate()
        for entry in shards:
            shard_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
            problem = self._bind(conduit, shard_id, entry)
            if problem is None:
                out.data.append(conduit.shards[int(shard_id)].to_json())
            else:
                out.errors.append({"id": shard_id, "message": problem, "code": "invalid_parameter"})
        return out

    def _bind(self, conduit: Conduit, shard_id: str, entry: Any) -> str | None:
        if not shard_id.isdigit() or int(shard_id) >= conduit.shard_count:
            return "The shard id is outside the conduit's range."
        transport = entry.get("transport")
        if not isinstance(transport, dict) or transport.get("method") != "websocket":
            return "The transport method must be websocket (twitchsim has no webhooks)."
        session = self.hub.session(str(transport.get("session_id") or ""))
        if session is None:
            return NOT_CONNECTED
        if session.subs:
            return "The websocket session already has subscriptions of its own."
        shard = conduit.shards[int(shard_id)]
        held = self._bound.get(session.id)
        if held is not None and held[1] is not shard:
            return "The websocket session is already bound to another shard."
        if shard.session_id is not None and shard.session_id != session.id:
            self._unbind(shard)
        shard.status = "enabled"
        shard.session_id = session.id
        shard.connected_at = session.connected_at
        shard.disconnected_at = None
        session.shard = (conduit.id, shard.id)
        self._bound[session.id] = (conduit, shard)
        log.debug("conduit %s shard %s bound to %s", conduit.id, shard.id, session.id)
        return None

    def _unbind(self, shard: Shard) -> None:
        """Take the session off ``shard`` (its socket stays open but gets nothing)."""
        if shard.session_id is None:
            return
        self._bound.pop(shard.session_id, None)
        session = self.hub.sessions.get(shard.session_id)
        if session is not None:
            session.shard = None
        shard.session_id = None

    def session_ended(self, session: Session, reason: str) -> None:
        """A session's socket is gone: its shard is disabled with ``reason`` (and announced)."""
        held = self._bound.pop(session.id, None)
        if held is None:
            return
        conduit, shard = held
        shard.status = reason
        shard.disconnected_at = self.now()
        log.info("conduit %s shard %s disabled: %s", conduit.id, shard.id, reason)
        event = {
            "conduit_id": conduit.id,
            "shard_id": shard.id,
            "status": reason,
            "transport": shard.transport(),
        }
        for sub in self.hub.of_channel("conduit.shard.disabled", 0):
            if sub.status != "enabled" or sub.condition.get("client_id") != conduit.client_id:
                continue
            if sub.condition.get("conduit_id", conduit.id) == conduit.id:
                self.hub.notify(sub, event)

    def disconnect(self, conduit_id: str, shard_id: str) -> bool:
        """Cut the socket of one shard (a network failure); return whether there was one."""
        conduit = self.conduits.get(conduit_id)
        if conduit is None or not shard_id.isdigit() or int(shard_id) >= conduit.shard_count:
            return False
        session_id = conduit.shards[int(shard_id)].session_id
        session = self.hub.sessions.get(session_id or "")
        if session is None or session.conn is None:
            return False
        session.conn.reason = "websocket_network_error"
        transport = session.conn.request.transport
        if transport is not None:
            transport.abort()
        return True

    # --- delivery -------------------------------------------------------------------------------

    def deliver(self, sub: Subscription, text: str, message_id: str | None) -> bool:
        """Route one notification of a conduit subscription (the `EventHub.router`)."""
        conduit = self.conduits.get(sub.conduit_id or "")
        if conduit is None:
            return False
        first, retry = route(conduit.shard_count, sub.broadcaster_id)
        tried: list[str] = []
        for index in (first, retry):
            if index is None:
                continue
            shard = conduit.shards[index]
            tried.append(shard.id)
            session = self.hub.sessions.get(shard.session_id or "")
            if shard.enabled and session is not None and self.hub.send(session, text):
                shard.delivered += 1
                self.delivered += 1
                if index != first:
                    conduit.retried += 1
                    self.retried += 1
                elif self.echo_retries and retry is not None:
                    self._echo(conduit, retry, text)
                return True
        conduit.dropped += 1
        self.dropped += 1
        self.drops.append(Drop(conduit.id, sub.type, sub.broadcaster_id, message_id, tuple(tried)))
        return False

    def _echo(self, conduit: Conduit, index: int, text: str) -> None:
        shard = conduit.shards[index]
        session = self.hub.sessions.get(shard.session_id or "")
        if shard.enabled and session is not None and self.hub.send(session, text):
            shard.delivered += 1
            conduit.retried += 1
            self.retried += 1

    # --- cost -----------------------------------------------------------------------------------

    def total_cost(self, client_id: str) -> int:
        """The cost of the client's conduit subscriptions (what max_total_cost limits)."""
        return self.hub.conduit_cost[client_id]

    def stats(self) -> JSON:
        """Counters and shard states for the control API."""
        return {
            "delivered": self.delivered,
            "retried": self.retried,
            "dropped": self.dropped,
            "max_total_cost": self.max_total_cost,
            "conduits": [
                {
                    **c.to_json(),
                    "client_id": c.client_id,
                    "retried": c.retried,
                    "dropped": c.dropped,
                    "total_cost": self.total_cost(c.client_id),
                    "shards": [{**s.to_json(), "delivered": s.delivered} for s in c.shards],
                }
                for c in self.conduits.values()
            ],
        }
