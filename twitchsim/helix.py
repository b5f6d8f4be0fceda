"""Helix under /helix/: the middleware every call passes (latency, faults, auth, rate limit,
headers) and the read endpoints: users, chat/chatters, streams, moderation/channels,
moderation/moderators. Sending chat and EventSub subscriptions live in `helix_write`.

Big lists stay cheap: each account's JSON is rendered once and cached, and a chatters page is
a slice of the cached fragments joined into the body.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import random
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from twitchsim.config import SimConfig
from twitchsim.faults import Fault
from twitchsim.payloads import helix_time
from twitchsim.ratelimit import Verdict
from twitchsim.state import Channel, World
from twitchsim.tokens import Token
from twitchsim.users import SimUser

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
TOKEN_KEY = web.RequestKey("twitchsim_token", Token)
VERDICT_KEY = web.RequestKey("twitchsim_verdict", Verdict)


class HelixError(Exception):
    """An error answer in Twitch's shape: {"error", "status", "message"}."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _q(text: str) -> str:
    """Return ``text`` as a JSON string (fast for the plain ASCII of logins and URLs)."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text)


def error_response(status: int, message: str) -> web.Response:
    body = {"error": _REASONS.get(status, "Error"), "status": status, "message": message}
    return web.json_response(body, status=status)


def json_body(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="application/json")


def token_of(request: web.Request) -> Token:
    return request[TOKEN_KEY]


def require_user(request: web.Request, *scopes: str) -> Token:
    """Return the user token of the call; 401 for an app token or a missing scope."""
    token = token_of(request)
    if token.user_id is None:
        raise HelixError(401, "Missing User OAUTH Token")
    if scopes and not any(s in token.scopes for s in scopes):
        raise HelixError(401, f"Missing scope: {' or '.join(scopes)}")
    return token


def param(request: web.Request, name: str) -> str:
    value = request.query.get(name, "")
    if not value:
        raise HelixError(400, f'Missing required parameter "{name}"')
    return value


def int_param(request: web.Request, name: str) -> int:
    value = param(request, name)
    try:
        return int(value)
    except ValueError:
        raise HelixError(400, f'Invalid value for parameter "{name}"') from None


def first_param(request: web.Request, default: int, maximum: int) -> int:
    raw = request.query.get("first")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HelixError(400, 'The parameter "first" was malformed') from None
    if not 1 <= value <= maximum:
        raise HelixError(400, f'The parameter "first" must be between 1 and {maximum}')
    return value


def _corrupt(response: web.StreamResponse, fault: Fault) -> None:
    """Apply a bad-data fault: other headers, or a rewritten body (tests of what we tolerate)."""
    if fault.rewrite is not None and isinstance(response, web.Response) and response.text:
        pattern, replacement = fault.rewrite
        response.text = re.sub(pattern, replacement, response.text)
    if fault.headers:
        response.headers.update(fault.headers)


def cursor_for(offset: int) -> str:
    # The same shape Twitch's cursors decode to: {"b":null,"a":{"Offset":N}}
    raw = json.dumps({"b": None, "a": {"Offset": offset}}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def offset_of(request: web.Request) -> int:
    after = request.query.get("after")
    if not after:
        return 0
    try:
        raw = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4))
        offset = int(json.loads(raw)["a"]["Offset"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise HelixError(400, "The cursor in the after query parameter is not valid") from None
    if offset < 0:
        raise HelixError(400, "The cursor in the after query parameter is not valid")
    return offset


def page_body(fragments: list[str], offset: int, first: int, *, total: int | None = None) -> str:
    """Return {"data": [...], "pagination": {...}[, "total": N]} from rendered fragments."""
    end = offset + first
    pagination = f'{{"cursor":"{cursor_for(end)}"}}' if end < len(fragments) else "{}"
    tail = f',"total":{total}' if total is not None else ""
    return f'{{"data":[{",".join(fragments[offset:end])}],"pagination":{pagination}{tail}}}'


class Helix:
    """The Helix routes over one `World`."""

    def __init__(self, world: World, config: SimConfig) -> None:
        self.world = world
        self.config = config
        self._user_json: dict[int, tuple[SimUser, str]] = {}
        self._chatter_pages: dict[int, tuple[int, list[str]]] = {}
        self._rng = random.Random()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/helix/users", self.get_users),
            web.get("/helix/chat/chatters", self.get_chatters),
            web.get("/helix/streams", self.get_streams),
            web.get("/helix/moderation/channels", self.get_moderated_channels),
            web.get("/helix/moderation/moderators", self.get_moderators),
        ]

    # --- the middleware -------------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/helix/"):
            return await handler(request)
        world = self.world
        world.helix_calls[f"{request.method} {request.path}"] += 1
        delay = self.config.latency_s + self._rng.uniform(0, self.config.jitter_s)
        if delay > 0:
            await asyncio.sleep(delay)
        fault = world.faults.take(request.path)
        if fault is not None and fault.hang_s:
            await asyncio.sleep(fault.hang_s)
        token, problem = self._authenticate(request)
        if token is None:
            return error_response(401, problem)
        verdict = world.ratelimit.take((token.client_id, token.user_id))
        if not verdict.allowed:
            response: web.StreamResponse = error_response(429, "Too Many Requests")
        elif fault is not None and fault.status is not None:
            response = error_response(fault.status, _REASONS.get(fault.status, "Error"))
            if fault.status == 429:
                verdict = Verdict(False, verdict.limit, 0, verdict.reset)
        else:
            request[TOKEN_KEY] = token
            request[VERDICT_KEY] = verdict
            try:
                response = await handler(request)
            except HelixError as exc:
                response = error_response(exc.status, exc.message)
            except web.HTTPException as exc:  # unknown path or method: JSON, like Twitch
                if exc.status < 400:
                    raise
                response = error_response(exc.status, exc.reason)
        response.headers.update(verdict.headers())
        if fault is not None:
            _corrupt(response, fault)
        return response

    def _authenticate(self, request: web.Request) -> tuple[Token | None, str]:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if not value or scheme.lower() != "bearer":
            return None, "OAuth token is missing"
        token = self.world.tokens.lookup(value.strip())
        if token is None:
            return None, "Invalid OAuth token"
        if request.headers.get("Client-Id") != token.client_id:
            return None, "Client ID and OAuth token do not match"
        return token, ""

    # --- rendering ------------------------------------------------------------------------------

    def user_json(self, user: SimUser) -> str:
        cached = self._user_json.get(user.user_id)
        if cached is not None and cached[0] is user:
            return cached[1]
        text = (
            f'{{"id":"{user.user_id}","login":{_q(user.login)},'
            f'"display_name":{_q(user.display_name)},"type":{_q(user.type)},'
            f'"broadcaster_type":{_q(user.broadcaster_type)},'
            f'"description":{_q(user.description)},'
            f'"profile_image_url":{_q(user.profile_image_url)},"offline_image_url":"",'
            f'"view_count":0,"created_at":"{helix_time(user.created_at)}"}}'
        )
        self._user_json[user.user_id] = (user, text)
        return text

    def _chatter_fragments(self, chan: Channel) -> list[str]:
        """Return the channel's chatters as JSON fragments, rendered once and then extended."""
        cached = self._chatter_pages.get(chan.id)
        if cached is None or cached[0] != chan.resets:
            cached = (chan.resets, [])
            self._chatter_pages[chan.id] = cached
        frags = cached[1]
        if len(frags) < len(chan.chatters):  # joins since the last call
            frags.extend(
                f'{{"user_id":"{u.user_id}","user_login":{_q(u.login)},'
                f'"user_name":{_q(u.display_name)}}}'
                for u in chan.chatters[len(frags) :]
            )
        return frags

    def channel_or_400(self, raw: str, name: str = "broadcaster_id") -> Channel:
        try:
            chan = self.world.channels.get(int(raw))
        except ValueError:
            chan = None
        if chan is None:
            raise HelixError(400, f'Invalid value for parameter "{name}"')
        return chan

    # --- endpoints ------------------------------------------------------------------------------

    async def get_users(self, request: web.Request) -> web.Response:
        """GET /helix/users?id=...&login=... (100 at most; the token's user when none)."""
        ids = request.query.getall("id", [])
        logins = request.query.getall("login", [])
        if len(ids) + len(logins) > 100:
            raise HelixError(
                400, "The sum of the number of id and login parameters must not exceed 100"
            )
        world = self.world
        found: dict[int, SimUser] = {}
        if not ids and not logins:
            token = token_of(request)
            if token.user_id is None:
                raise HelixError(400, "Must provide an ID, Login or OAuth Token")
            found[token.user_id] = world.user(token.user_id)
        for raw in ids:
            try:
                user = world.users.get(int(raw))
            except ValueError:
                raise HelixError(400, f'Invalid value for parameter "id": {raw}') from None
            if user is not None:
                found[user.user_id] = user
        for login in logins:
            uid = world.by_login.get(login.lower())
            if uid is not None:
                found[uid] = world.users[uid]
        data = ",".join(self.user_json(u) for u in found.values())
        return json_body(f'{{"data":[{data}]}}')

    async def get_chatters(self, request: web.Request) -> web.Response:
        """GET /helix/chat/chatters: moderators and the broadcaster only; cursor; total."""
        token = require_user(request, "moderator:read:chatters", "moderator:manage:chat_messages")
        chan = self.channel_or_400(param(request, "broadcaster_id"))
        moderator_id = int_param(request, "moderator_id")
        if moderator_id != token.user_id:
            raise HelixError(
                403,
                "The ID in moderator_id must match the user ID found in the request's OAuth token.",
            )
        if not self.world.is_moderator(chan, moderator_id):
            raise HelixError(
                403, "The user in moderator_id is not one of the broadcaster's moderators."
            )
        first = first_param(request, 100, 1000)
        offset = offset_of(request)
        frags = self._chatter_fragments(chan)
        return json_body(page_body(frags, offset, first, total=len(frags)))

    async def get_streams(self, request: web.Request) -> web.Response:
        """GET /helix/streams?user_id=...&user_login=... (live streams only)."""
        ids = request.query.getall("user_id", [])
        logins = request.query.getall("user_login", [])
        if len(ids) > 100 or len(logins) > 100:
            raise HelixError(400, "A maximum of 100 user_id or user_login values may be given")
        first = first_param(request, 20, 100)
        world = self.world
        wanted: set[int] | None = None
        if ids or logins:
            wanted = set()
            for raw in ids:
                if raw.isdigit():
                    wanted.add(int(raw))
            for login in logins:
                uid = world.by_login.get(login.lower())
                if uid is not None:
                    wanted.add(uid)
        live = [
            c
            for c in world.channels.values()
            if c.stream.live and (wanted is None or c.id in wanted)
        ]
        live.sort(key=lambda c: -c.stream.viewer_count)
        frags = [json.dumps(self._stream(c)) for c in live]
        return json_body(page_body(frags, offset_of(request), first))

    def _stream(self, chan: Channel) -> dict[str, Any]:
        s, u = chan.stream, chan.user
        return {
            "id": s.stream_id,
            "user_id": str(u.user_id),
            "user_login": u.login,
            "user_name": u.display_name,
            "game_id": s.game_id,
            "game_name": s.game_name,
            "type": "live",
            "title": s.title,
            "tags": ["English"],
            "viewer_count": s.viewer_count,
            "started_at": helix_time(s.started_at) if s.started_at else "",
            "language": "en",
            "thumbnail_url": "https://static-cdn.jtvnw.net/previews-ttv/live_user_"
            f"{u.login}-{{width}}x{{height}}.jpg",
            "tag_ids": [],
            "is_mature": False,
        }

    async def get_moderated_channels(self, request: web.Request) -> web.Response:
        """GET /helix/moderation/channels?user_id=... (the token's own user)."""
        token = require_user(request, "user:read:moderated_channels")
        if int_param(request, "user_id") != token.user_id:
            raise HelixError(
                400, "The ID in user_id must match the user ID found in the request's OAuth token."
            )
        first = first_param(request, 20, 100)
        frags = [
            json.dumps(
                {
                    "broadcaster_id": str(c.id),
                    "broadcaster_login": c.user.login,
                    "broadcaster_name": c.user.display_name,
                }
            )
            for c in self.world.moderated_channels(token.user_id or 0)
        ]
        return json_body(page_body(frags, offset_of(request), first))

    async def get_moderators(self, request: web.Request) -> web.Response:
        """GET /helix/moderation/moderators?broadcaster_id=...[&user_id=...]."""
        token = require_user(
            request, "moderation:read", "channel:manage:moderators", "moderator:read:moderators"
        )
        chan = self.channel_or_400(param(request, "broadcaster_id"))
        if not self.world.is_moderator(chan, token.user_id or 0):
            raise HelixError(
                403, "The user in the OAuth token may not read this channel's moderators."
            )
        only = {int(x) for x in request.query.getall("user_id", []) if x.isdigit()}
        first = first_param(request, 20, 100)
        frags = []
        for uid in chan.moderators:
            if only and uid not in only:
                continue
            user = self.world.users.get(uid)
            if user is not None:
                frags.append(
                    json.dumps(
                        {
                            "user_id": str(uid),
                            "user_login": user.login,
                            "user_name": user.display_name,
                        }
                    )
                )
        return json_body(page_body(frags, offset_of(request), first))
