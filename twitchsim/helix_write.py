"""Helix calls that change things: POST chat/messages and eventsub/subscriptions.

Send Chat Message follows Twitch's rules: with a user token the sender is the token's user
(``user:write:chat``); with an app token the sender must have granted ``user:bot`` to the app and
either be a moderator of the channel or have the broadcaster's ``channel:bot``. Messages over
500 characters get 400; banned, timed-out, duplicate and too-fast messages come back with
``is_sent: false`` and a ``drop_reason``. Every call is recorded as a `SentMessage`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import deque
from typing import Any

from aiohttp import web

from twitchsim.channel import SentMessage
from twitchsim.config import SimConfig
from twitchsim.eventsub import Subscription
from twitchsim.eventsub_types import TYPES, SubType, missing_key
from twitchsim.helix import (
    HelixError,
    first_param,
    json_body,
    offset_of,
    page_body,
    require_user,
    token_of,
)
from twitchsim.helix_conduits import (
    app_token_only,
    conduit_subscription,
    list_conduit_subscriptions,
)
from twitchsim.state import Channel, World
from twitchsim.tokens import Token

log = logging.getLogger(__name__)

MAX_MESSAGE = 500
_INVALID_INPUT = (
    "The request's input was not valid. Please see the endpoint's documentation for possible "
    "reasons."
)


class HelixWrite:
    """POST chat/messages and the eventsub/subscriptions endpoints."""

    def __init__(self, world: World, config: SimConfig) -> None:
        self.world = world
        self.config = config

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/helix/chat/messages", self.send_chat_message),
            web.post("/helix/eventsub/subscriptions", self.create_subscription),
            web.get("/helix/eventsub/subscriptions", self.list_subscriptions),
            web.delete("/helix/eventsub/subscriptions", self.delete_subscription),
        ]

    # --- chat -----------------------------------------------------------------------------------

    async def send_chat_message(self, request: web.Request) -> web.Response:
        body = await _json(request)
        token = token_of(request)
        world = self.world
        for name in ("broadcaster_id", "sender_id", "message"):
            if not str(body.get(name) or ""):
                raise HelixError(400, f'Missing required parameter "{name}"')
        text = str(body["message"])
        if len(text) > MAX_MESSAGE:
            raise HelixError(400, _INVALID_INPUT)
        try:
            chan = world.channels[int(body["broadcaster_id"])]
            sender = world.users[int(body["sender_id"])]
        except (KeyError, ValueError):
            raise HelixError(400, _INVALID_INPUT) from None
        self._check_sender(token, chan, sender.user_id)
        reply_to = body.get("reply_parent_message_id") or None
        if reply_to is not None and reply_to not in chan.lines:
            raise HelixError(400, "The reply_parent_message_id is not valid")
        code, reason = self._drop_reason(chan, sender.user_id, text)
        message_id = ""
        if code is None:
            message_id = world.post_line(chan, sender, text, reply_to=reply_to)
            chan.send_times.setdefault(sender.user_id, deque()).append(world.clock())
            chan.last_text[sender.user_id] = (text, world.clock())
        chan.sent.append(
            SentMessage(
                message_id=message_id,
                channel_id=chan.id,
                channel_login=chan.user.login,
                sender_id=sender.user_id,
                sender_login=sender.login,
                text=text,
                reply_to=reply_to,
                at=world.now(),
                is_sent=code is None,
                drop_code=code,
                drop_message=reason or None,
                app_token=token.user_id is None,
            )
        )
        drop = None if code is None else {"code": code, "message": reason}
        data = {"message_id": message_id, "is_sent": code is None, "drop_reason": drop}
        return json_body(json.dumps({"data": [data]}))

    def _check_sender(self, token: Token, chan: Channel, sender_id: int) -> None:
        world = self.world
        if token.user_id is not None:
            if "user:write:chat" not in token.scopes:
                raise HelixError(401, "Missing scope: user:write:chat")
            if token.user_id != sender_id:
                raise HelixError(403, "The sender_id must match the user ID in the OAuth token.")
            return
        if "user:bot" not in world.tokens.granted(token.client_id, sender_id):
            raise HelixError(403, "The sender has not authorized the app with the user:bot scope.")
        allowed = world.is_moderator(chan, sender_id) or "channel:bot" in world.tokens.granted(
            token.client_id, chan.id
        )
        if not allowed:
            raise HelixError(
                403,
                "The sender must be a moderator of the channel, or the "
                "broadcaster must authorize the app with channel:bot.",
            )

    def _drop_reason(self, chan: Channel, sender_id: int, text: str) -> tuple[str | None, str]:
        world = self.world
        ban = world.banned(chan, sender_id)
        if ban is not None:
            if ban.ends_at is None:
                return "user_banned", "You are permanently banned from talking in this channel."
            return "user_timed_out", "You are timed out from talking in the room."
        now = world.clock()
        mod = world.is_moderator(chan, sender_id)
        times = chan.send_times.get(sender_id, deque())
        while times and times[0] < now - 30:
            times.popleft()
        limit = self.config.chat_send_limit if mod else self.config.chat_send_limit_user
        if len(times) >= limit:
            return "msg_ratelimit", (
                "Your message was not sent because you are sending messages too quickly."
            )
        last = chan.last_text.get(sender_id)
        if not mod and last is not None and last[0] == text and now - last[1] < 30:
            return "msg_duplicate", (
                "Your message is identical to the one you sent within the last 30 seconds."
            )
        return None, ""

    # --- eventsub -------------------------------------------------------------------------------

    async def create_subscription(self, request: web.Request) -> web.Response:
        body = await _json(request)
        token = token_of(request)
        type_, version = str(body.get("type", "")), str(body.get("version", ""))
        spec = TYPES.get(type_)
        if spec is None or spec.version != version:
            raise HelixError(
                400, "The combination of values in the type and version fields is not valid"
            )
        condition = body.get("condition")
        transport = body.get("transport")
        if not isinstance(condition, dict) or not isinstance(transport, dict):
            raise HelixError(400, "condition and transport are required")
        cond = {k: str(v) for k, v in condition.items() if v is not None}
        if missing_key(spec, cond):
            raise HelixError(400, "The condition is missing a required field")
        if transport.get("method") == "conduit":
            return conduit_subscription(
                self.world, token, type_, spec, cond=cond, transport=transport
            )
        if transport.get("method") != "websocket":
            raise HelixError(400, "twitchsim only supports the websocket and conduit transports")
        if token.user_id is None:
            raise HelixError(400, "websocket transports require a user access token")
        if spec.app_only:
            raise HelixError(400, f"{type_} is not available on the websocket transport")
        hub = self.world.hub
        session_id = str(transport.get("session_id", ""))
        session = hub.session(session_id)
        if session is None or session.shard is not None:
            raise HelixError(
                400, "websocket transport session does not exist or has already disconnected"
            )
        key = spec.channel_key(cond)
        chan = self.world.channels.get(int(cond[key])) if key and cond[key].isdigit() else None
        if chan is None:
            raise HelixError(400, f"The {key} in the condition is not valid")
        self._authorize(token, chan, cond, spec)
        sub = Subscription(
            id=str(uuid.uuid4()),
            type=type_,
            version=version,
            condition=cond,
            session_id=session_id,
            client_id=token.client_id,
            user_id=token.user_id,
            broadcaster_id=chan.id,
            created_at=self.world.now(),
            needs_moderator=spec.needs_moderator,
        )
        if hub.find_duplicate(sub) is not None:
            raise HelixError(409, "subscription already exists")
        if len(session.subs) >= self.config.max_subscriptions_per_session:
            raise HelixError(
                429,
                "The websocket session has reached its limit of "
                f"{self.config.max_subscriptions_per_session} subscriptions",
            )
        hub.add(sub)
        body_out = {
            "data": [sub.to_json(connected_at=session.connected_at)],
            "total": len(self._mine(token)),
            "total_cost": 0,
            "max_total_cost": 10,
        }
        return json_body(json.dumps(body_out), status=202)

    def _authorize(self, token: Token, chan: Channel, cond: dict[str, str], spec: SubType) -> None:
        if spec.scopes and not any(s in token.scopes for s in spec.scopes):
            raise HelixError(403, "subscription missing proper authorization")
        keys = {"user_id", "moderator_user_id"} | ({spec.owner_key} if spec.owner_key else set())
        for key in sorted(keys):
            if key in cond and cond[key] != str(token.user_id):
                raise HelixError(
                    403, f"The {key} in the condition must match the user in the OAuth token"
                )
        if spec.needs_moderator and not self.world.is_moderator(chan, token.user_id or 0):
            raise HelixError(403, "subscription missing proper authorization")

    def _mine(self, token: Token) -> list[Subscription]:
        return [
            s
            for s in self.world.hub.subs.values()
            if s.client_id == token.client_id and s.user_id == token.user_id
        ]

    async def list_subscriptions(self, request: web.Request) -> web.Response:
        if token_of(request).user_id is None:  # an app token sees its conduit subscriptions
            return list_conduit_subscriptions(self.world, request, app_token_only(request))
        token = require_user(request)
        subs = self._mine(token)
        if "status" in request.query:
            subs = [s for s in subs if s.status == request.query["status"]]
        if "type" in request.query:
            subs = [s for s in subs if s.type == request.query["type"]]
        if "subscription_id" in request.query:
            subs = [s for s in subs if s.id == request.query["subscription_id"]]
        frags = [json.dumps(s.to_json()) for s in subs]
        page = page_body(frags, offset_of(request), first_param(request, 100, 100))
        # Twitch adds the totals beside data and pagination.
        extra = f',"total":{len(frags)},"total_cost":0,"max_total_cost":10}}'
        return json_body(page[:-1] + extra)

    async def delete_subscription(self, request: web.Request) -> web.Response:
        token = token_of(request)
        sub_id = request.query.get("id", "")
        if not sub_id:
            raise HelixError(400, 'Missing required parameter "id"')
        sub = self.world.hub.subs.get(sub_id)
        if sub is None or sub.client_id != token.client_id:
            raise HelixError(404, "The subscription was not found")
        self.world.hub.remove(sub_id)
        return web.Response(status=204)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HelixError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HelixError(400, "The request body must be a JSON object")
    return body
