"""EventSub conduits over our Helix client: conduits, their shards, conduit subscriptions.

Every call here pays with the app token. Update Conduit Shards answers 202 with the shards it
bound (``data``) and those it could not (``errors``); TwitchIO 3 throws the errors list away,
so this module reads it. Parameters go in the JSON body, as Twitch documents them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.helix.client import Helix
from bot.helix.errors import HelixError

log = logging.getLogger(__name__)

CONDUITS = "eventsub/conduits"
SHARDS = "eventsub/conduits/shards"
SUBSCRIPTIONS = "eventsub/subscriptions"


@dataclass(frozen=True, slots=True)
class ConduitInfo:
    id: str
    shard_count: int


@dataclass(frozen=True, slots=True)
class ShardState:
    id: int
    status: str  # "enabled", "websocket_disconnected", ...
    session_id: str | None


@dataclass(frozen=True, slots=True)
class ShardError:
    id: int
    message: str


@dataclass(frozen=True, slots=True)
class ConduitSubscription:
    id: str
    type: str
    broadcaster_id: int | None  # the channel in the condition (broadcaster, to_ or from_)
    cost: int
    condition: tuple[tuple[str, str], ...] = ()  # the non-empty condition keys, sorted


@dataclass(frozen=True, slots=True)
class SubscriptionList:
    """The app's conduit subscriptions with what Twitch says they cost."""

    subscriptions: tuple[ConduitSubscription, ...]
    total_cost: int
    max_total_cost: int


@dataclass(frozen=True, slots=True)
class Created:
    """A new subscription (or None when it existed: 409) and the cost totals after it."""

    subscription: ConduitSubscription | None
    total_cost: int | None
    max_total_cost: int | None


def _channel_of(condition: Mapping[str, Any]) -> int | None:
    keys = ("broadcaster_user_id", "to_broadcaster_user_id", "from_broadcaster_user_id")
    for key in (*keys, "broadcaster_id"):
        value = str(condition.get(key) or "")
        if value.isdigit():
            return int(value)
    return None


def _subscription(d: Mapping[str, Any]) -> ConduitSubscription:
    condition = d.get("condition") or {}
    return ConduitSubscription(
        id=str(d["id"]),
        type=str(d["type"]),
        broadcaster_id=_channel_of(condition),
        cost=int(d.get("cost", 0)),
        condition=tuple(sorted((str(k), str(v)) for k, v in condition.items() if v)),
    )


class Conduits:
    """The conduit endpoints (app token) on one open `Helix`."""

    def __init__(self, helix: Helix) -> None:
        self.helix = helix

    async def all(self) -> list[ConduitInfo]:
        body = await self.helix.write("GET", CONDUITS)
        return [ConduitInfo(str(d["id"]), int(d["shard_count"])) for d in body.get("data", ())]

    async def create(self, shard_count: int) -> ConduitInfo:
        body = await self.helix.write("POST", CONDUITS, body={"shard_count": shard_count})
        d = body["data"][0]
        return ConduitInfo(str(d["id"]), int(d["shard_count"]))

    async def resize(self, conduit_id: str, shard_count: int) -> ConduitInfo:
        body = await self.helix.write(
            "PATCH", CONDUITS, body={"id": conduit_id, "shard_count": shard_count}
        )
        d = body["data"][0]
        return ConduitInfo(str(d["id"]), int(d["shard_count"]))

    async def shards(self, conduit_id: str) -> list[ShardState]:
        """Get Conduit Shards, every page."""
        out: list[ShardState] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"conduit_id": conduit_id, "first": 1000}
            if after:
                params["after"] = after
            body = await self.helix.write("GET", SHARDS, params)
            for d in body.get("data", ()):
                transport = d.get("transport") or {}
                out.append(ShardState(int(d["id"]), str(d["status"]), transport.get("session_id")))
            after = (body.get("pagination") or {}).get("cursor") or None
            if not after or not body.get("data"):
                return out

    async def bind(
        self, conduit_id: str, sessions: Mapping[int, str]
    ) -> tuple[list[int], list[ShardError]]:
        """Update Conduit Shards: bind each shard to its WebSocket session.

        Return the shards bound and the errors Twitch listed (202 either way).
        """
        shards = [
            {"id": str(i), "transport": {"method": "websocket", "session_id": s}}
            for i, s in sessions.items()
        ]
        body = await self.helix.write(
            "PATCH", SHARDS, body={"conduit_id": conduit_id, "shards": shards}
        )
        bound = [int(d["id"]) for d in body.get("data", ())]
        errors = [
            ShardError(int(e.get("id", -1)), str(e.get("message", "")))
            for e in body.get("errors") or ()
        ]
        return bound, errors

    async def subscribe(
        self, conduit_id: str, type_: str, version: str, condition: Mapping[str, Any]
    ) -> Created:
        """Create one subscription on the conduit transport; one that exists (409) is fine."""
        payload = {
            "type": type_,
            "version": version,
            "condition": dict(condition),
            "transport": {"method": "conduit", "conduit_id": conduit_id},
        }
        try:
            body = await self.helix.write("POST", SUBSCRIPTIONS, body=payload)
        except HelixError as exc:
            if exc.status == 409:
                return Created(None, None, None)
            raise
        data = body.get("data") or ()
        return Created(
            _subscription(data[0]) if data else None,
            int(body["total_cost"]) if "total_cost" in body else None,
            int(body["max_total_cost"]) if "max_total_cost" in body else None,
        )

    async def unsubscribe(self, subscription_id: str) -> None:
        """Delete one subscription; one already gone (404) is fine."""
        try:
            await self.helix.write("DELETE", SUBSCRIPTIONS, {"id": subscription_id})
        except HelixError as exc:
            if exc.status != 404:
                raise

    async def subscriptions(self, *, user_id: int | None = None) -> SubscriptionList:
        """Every subscription of the app (the conduit's), following the cursor; with `user_id`,
        only those whose condition names that user (one channel's: Twitch's own filter)."""
        subs: list[ConduitSubscription] = []
        total_cost = max_total_cost = 0
        after: str | None = None
        while True:
            params: dict[str, Any] = {"first": 100}
            if user_id is not None:
                params["user_id"] = str(user_id)
            if after:
                params["after"] = after
            body = await self.helix.write("GET", SUBSCRIPTIONS, params)
            subs.extend(_subscription(d) for d in body.get("data", ()))
            total_cost = int(body.get("total_cost", total_cost))
            max_total_cost = int(body.get("max_total_cost", max_total_cost))
            after = (body.get("pagination") or {}).get("cursor") or None
            if not after or not body.get("data"):
                return SubscriptionList(tuple(subs), total_cost, max_total_cost)


def channels_that_fit(total_cost: int, max_total_cost: int, channels: int) -> int | None:
    """How many channels the cost limit allows at today's cost per channel (None: no cost)."""
    if channels <= 0 or total_cost <= 0:
        return None
    per_channel = total_cost / channels
    return int(max_total_cost // per_channel)


__all__: Sequence[str] = (
    "ConduitInfo",
    "ConduitSubscription",
    "Conduits",
    "Created",
    "ShardError",
    "ShardState",
    "SubscriptionList",
    "channels_that_fit",
)
