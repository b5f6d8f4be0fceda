"""Helix for conduits: /helix/eventsub/conduits[/shards], and subscriptions on a conduit.

All of it wants an app token. Parameters are read from the query string and from the JSON body
alike (the body wins when both have one): Twitch documents the body, TwitchIO 3 sends the
query. Update Conduit Shards answers 202 with ``data`` (the shards it bound) and ``errors``
(``{id, message, code}`` per shard it could not bind).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from aiohttp import web

from twitchsim.conduits import ConduitError
from twitchsim.config import SimConfig
from twitchsim.eventsub import Subscription
from twitchsim.eventsub_types import SubType
from twitchsim.helix import HelixError, first_param, json_body, offset_of, page_body, token_of
from twitchsim.state import World
from twitchsim.tokens import Token

log = logging.getLogger(__name__)

JSON = dict[str, Any]


def app_token_only(request: web.Request) -> Token:
    """Return the app token of the call; 401 for a user token."""
    token = token_of(request)
    if token.user_id is not None:
        raise HelixError(401, "This endpoint requires an app access token")
    return token


async def params(request: web.Request) -> JSON:
    """Return the query parameters overlaid with the JSON body's keys."""
    merged: JSON = dict(request.query)
    if request.can_read_body:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise HelixError(400, "The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise HelixError(400, "The request body must be a JSON object")
        merged.update(body)
    return merged


def _required(values: JSON, name: str) -> str:
    value = values.get(name)
    if value is None or value == "":
        raise HelixError(400, f'Missing required parameter "{name}"')
    return str(value)


def _count(values: JSON) -> int:
    raw = _required(values, "shard_count")
    try:
        return int(raw)
    except ValueError:
        raise HelixError(400, 'Invalid value for parameter "shard_count"') from None


def _data(items: list[JSON], status: int = 200) -> web.Response:
    return json_body(json.dumps({"data": items}), status=status)


class HelixConduits:
    """The conduit endpoints over one `World`."""

    def __init__(self, world: World, config: SimConfig) -> None:
        self.world = world
        self.config = config

    def routes(self) -> list[web.RouteDef]:
        path = "/helix/eventsub/conduits"
        return [
            web.get(path, self.get_conduits),
            web.post(path, self.create_conduit),
            web.patch(path, self.update_conduit),
            web.delete(path, self.delete_conduit),
            web.get(f"{path}/shards", self.get_shards),
            web.patch(f"{path}/shards", self.update_shards),
        ]

    async def get_conduits(self, request: web.Request) -> web.Response:
        token = app_token_only(request)
        return _data([c.to_json() for c in self.world.conduits.of_client(token.client_id)])

    async def create_conduit(self, request: web.Request) -> web.Response:
        token = app_token_only(request)
        count = _count(await params(request))
        try:
            conduit = self.world.conduits.create(token.client_id, count)
        except ConduitError as exc:
            raise HelixError(exc.status, exc.message) from None
        return _data([conduit.to_json()])

    async def update_conduit(self, request: web.Request) -> web.Response:
        token = app_token_only(request)
        values = await params(request)
        conduit_id, count = _required(values, "id"), _count(values)
        try:
            conduit = self.world.conduits.resize(token.client_id, conduit_id, count)
        except ConduitError as exc:
            raise HelixError(exc.status, exc.message) from None
        return _data([conduit.to_json()])

    async def delete_conduit(self, request: web.Request) -> web.Response:
        token = app_token_only(request)
        conduit_id = _required(await params(request), "id")
        try:
            self.world.conduits.delete(token.client_id, conduit_id)
        except ConduitError as exc:
            raise HelixError(exc.status, exc.message) from None
        return web.Response(status=204)

    async def get_shards(self, request: web.Request) -> web.Response:
        token = app_token_only(request)
        values = await params(request)
        try:
            conduit = self.world.conduits.get(token.client_id, _required(values, "conduit_id"))
        except ConduitError as exc:
            raise HelixError(exc.status, exc.message) from None
        shards = conduit.shards
        if values.get("status"):
            shards = [s for s in shards if s.status == values["status"]]
        frags = [json.dumps(s.to_json()) for s in shards]
        return json_body(page_body(frags, offset_of(request), first_param(request, 100, 1000)))

    async def update_shards(self, request: web.Request) -> web.Response:
        token = app_token_only(request)
        values = await params(request)
        conduit_id = _required(values, "conduit_id")
        shards = values.get("shards")
        if not isinstance(shards, list) or not shards:
            raise HelixError(400, 'Missing required parameter "shards"')
        try:
            update = self.world.conduits.update_shards(token.client_id, conduit_id, shards)
        except ConduitError as exc:
            raise HelixError(exc.status, exc.message) from None
        body = {"data": update.data, "errors": update.errors}
        return json_body(json.dumps(body), status=202)


# --- subscriptions on the conduit transport (helix_write hands these over) -------------------


def conduit_subscription(
    world: World,
    token: Token,
    type_: str,
    spec: SubType,
    *,
    cond: dict[str, str],
    transport: JSON,
) -> web.Response:
    """Create an EventSub subscription on the conduit transport (app token)."""
    if token.user_id is not None:
        raise HelixError(400, "conduit transports require an app access token")
    conduits = world.conduits
    conduit = conduits.conduits.get(str(transport.get("conduit_id") or ""))
    if conduit is None or conduit.client_id != token.client_id:
        raise HelixError(400, "The conduit_id in the transport is not valid")
    authorizer, broadcaster_id = _authorize(world, token, spec, cond)
    cost = 0 if spec.scopes or spec.app_only else _open_cost(world, token, broadcaster_id)
    sub = Subscription(
        id=str(uuid.uuid4()),
        type=type_,
        version=spec.version,
        condition=cond,
        session_id="",
        client_id=token.client_id,
        user_id=authorizer,
        broadcaster_id=broadcaster_id,
        created_at=world.now(),
        needs_moderator=spec.needs_moderator,
        cost=cost,
        conduit_id=conduit.id,
    )
    if world.hub.find_duplicate(sub) is not None:
        raise HelixError(409, "subscription already exists")
    total = world.hub.conduit_cost[token.client_id]
    if total + cost > conduits.max_total_cost:
        raise HelixError(
            429, f"The subscription would exceed max_total_cost ({conduits.max_total_cost})"
        )
    world.hub.add(sub)
    body = {
        "data": [sub.to_json()],
        "total": world.hub.conduit_count[token.client_id],
        "total_cost": total + cost,
        "max_total_cost": conduits.max_total_cost,
    }
    return json_body(json.dumps(body), status=202)


def _authorize(world: World, token: Token, spec: SubType, cond: dict[str, str]) -> tuple[int, int]:
    """Check the grants a conduit subscription needs; return (authorizing user, channel)."""
    if spec.app_only:
        if cond.get("client_id") != token.client_id:
            raise HelixError(403, "The client_id in the condition must match the app token")
        return 0, 0
    key = spec.channel_key(cond)
    chan = world.channels.get(int(cond[key])) if key and cond[key].isdigit() else None
    if chan is None:
        raise HelixError(400, f"The {key} in the condition is not valid")
    if not spec.scopes:
        return 0, chan.id
    raw = cond.get(spec.owner_key or "broadcaster_user_id", "")
    user_id = int(raw) if raw.isdigit() else 0
    granted = world.tokens.granted(token.client_id, user_id)
    if not any(s in granted for s in spec.scopes):
        raise HelixError(403, "subscription missing proper authorization")
    if spec.owner_key == "user_id" and chan.id != user_id:
        # Chat on an app token: the chatting user granted user:bot, and either moderates the
        # channel or the broadcaster granted channel:bot.
        bot_ok = "user:bot" in granted and (
            world.is_moderator(chan, user_id)
            or "channel:bot" in world.tokens.granted(token.client_id, chan.id)
        )
        if not bot_ok:
            raise HelixError(403, "subscription missing proper authorization")
    if spec.needs_moderator and not world.is_moderator(chan, user_id):
        raise HelixError(403, "subscription missing proper authorization")
    return user_id, chan.id


def _open_cost(world: World, token: Token, broadcaster_id: int) -> int:
    """A type that needs no authorization costs 1, unless the broadcaster authorized the app."""
    return 0 if world.tokens.granted(token.client_id, broadcaster_id) else 1


def list_conduit_subscriptions(world: World, request: web.Request, token: Token) -> web.Response:
    """Get EventSub Subscriptions with an app token: the app's conduit subscriptions."""
    hub = world.hub
    subs = [s for s in hub.subs.values() if s.conduit_id and s.client_id == token.client_id]
    total_cost = hub.conduit_cost[token.client_id]
    query = request.query
    if "status" in query:
        subs = [s for s in subs if s.status == query["status"]]
    if "type" in query:
        subs = [s for s in subs if s.type == query["type"]]
    if "user_id" in query:  # Twitch: a user id named anywhere in the condition
        subs = [s for s in subs if query["user_id"] in s.condition.values()]
    if "subscription_id" in query:
        subs = [s for s in subs if s.id == query["subscription_id"]]
    offset, first = offset_of(request), first_param(request, 100, 100)
    page: list[str] = [""] * len(subs)  # only the page's own subscriptions are rendered
    page[offset : offset + first] = [json.dumps(s.to_json()) for s in subs[offset : offset + first]]
    body = page_body(page, offset, first)
    max_cost = world.conduits.max_total_cost
    extra = f',"total":{len(subs)},"total_cost":{total_cost},"max_total_cost":{max_cost}}}'
    return json_body(body[:-1] + extra)
