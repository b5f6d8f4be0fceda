"""Our Helix client for captures and polling: one httpx client, paced by the shared limiter.

TwitchIO 3 neither paces nor retries, so everything that can come in bulk goes through here.
Every request waits for its point in the token's bucket, 429s wait until Twitch's reset, 5xx
and timeouts are retried with backoff and jitter, and a 401 refreshes the token once.

The exceptions are in `bot.helix.errors`; the layers a request goes through (retries, the 401
refresh, the limiter) in `bot.helix.layers`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from enum import Enum, auto
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx
import orjson

from bot.helix.answers import (
    MAX_CHATTERS_PAGE,
    MAX_IDS,
    ChattersPage,
    FollowersPage,
    ModeratedChannel,
    StreamInfo,
    looked_up,
    parse_time,
)
from bot.helix.errors import (
    HelixBadRequest,
    HelixError,
    HelixForbidden,
    HelixUnavailable,
)
from bot.helix.layers import PACING, PacedTransport, Pacing, Retries, TokenAuth, TokenSource
from bot.helix.ratelimit import Priority, RateLimiters
from bot.helix.transport import helix_transport
from storage.models import Account, LookedUp

log = logging.getLogger(__name__)


class _State(Enum):
    UNOPENED = auto()
    OPENED = auto()
    CLOSED = auto()


def _query(params: Mapping[str, Any]) -> str:
    """Encode a query string (repeated keys for lists); ids stay as they are."""
    parts = []
    for key, value in params.items():
        for v in value if isinstance(value, list | tuple) else (value,):
            parts.append(f"{key}={v}" if isinstance(v, int) else f"{key}={quote(str(v), safe='')}")
    return "&".join(parts)


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or "")
    return ""


class Helix:
    """The Helix endpoints a capture needs. Use as ``async with Helix(...) as helix:``."""

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        tokens: TokenSource,
        limiters: RateLimiters | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
        max_retries: int = 4,
        backoff_s: float = 0.25,
        max_backoff_s: float = 8.0,
        max_rate_wait_s: float = 90.0,
        max_connections: int = 16,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.limiters = limiters if limiters is not None else RateLimiters()
        self._tokens = tokens
        self._transport = transport
        self._timeout_s = timeout_s
        self._retries = Retries(
            max_retries=max_retries, backoff_s=backoff_s, max_backoff_s=max_backoff_s, rng=rng
        )
        self._max_rate_wait_s = max_rate_wait_s
        self._max_connections = max_connections
        self._client: httpx.AsyncClient | None = None
        self._state = _State.UNOPENED
        self.calls = 0  # requests sent, retries included

    # --- life -----------------------------------------------------------------------------------

    async def open(self) -> Self:
        if self._state is not _State.UNOPENED:
            raise HelixError("a Helix client can be opened once; make a new one")
        limits = httpx.Limits(
            max_connections=self._max_connections,
            max_keepalive_connections=self._max_connections,
        )
        inner = self._transport or helix_transport(limits)
        self._client = httpx.AsyncClient(
            base_url=self.base_url + "/",
            transport=PacedTransport(inner, on_send=self._count),
            timeout=httpx.Timeout(self._timeout_s),
            limits=limits,
            headers={"Client-Id": self.client_id, "Accept": "application/json"},
        )
        self._state = _State.OPENED
        return self

    async def close(self) -> None:
        """Close the HTTP client; safe to call twice."""
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- endpoints ------------------------------------------------------------------------------

    async def get_chatters(
        self,
        broadcaster_id: int,
        moderator_id: int,
        *,
        after: str | None = None,
        first: int = MAX_CHATTERS_PAGE,
        priority: Priority = Priority.CAPTURE,
    ) -> ChattersPage:
        """Return one page of the channel's chatters (the moderator's user token pays)."""
        params: dict[str, Any] = {
            "broadcaster_id": broadcaster_id,
            "moderator_id": moderator_id,
            "first": max(1, min(MAX_CHATTERS_PAGE, first)),
        }
        if after:
            params["after"] = after
        body = await self._call("chat/chatters", params, user=str(moderator_id), priority=priority)
        data = body.get("data") or ()
        if not isinstance(data, list | tuple):
            raise HelixUnavailable("Twitch sent an unexpected answer to chat/chatters")
        cursor = (body.get("pagination") or {}).get("cursor") or None
        return ChattersPage(data, int(body.get("total", len(data))), cursor)

    async def get_users(
        self,
        ids: Sequence[int],
        *,
        priority: Priority = Priority.INTERACTIVE,
        via: Sequence[int | None] = (None,),
        spare: Mapping[int | None, int] | None = None,
    ) -> list[Account]:
        """Look up at most 100 accounts by id; ids Twitch does not return are gone.

        `via` lists the tokens that may pay (None is the app token); the one with the most
        points left is used, keeping `spare` points of each for other work.
        """
        rows = await self.look_up(ids, priority=priority, via=via, spare=spare)
        return [Account(*row) for row in rows]

    async def look_up(
        self,
        ids: Sequence[int],
        *,
        priority: Priority = Priority.INTERACTIVE,
        via: Sequence[int | None] = (None,),
        spare: Mapping[int | None, int] | None = None,
    ) -> list[LookedUp]:
        """`get_users` as storage rows: what a capture stores, without building accounts."""
        if len(ids) > MAX_IDS:
            raise ValueError(f"get_users takes at most {MAX_IDS} ids, got {len(ids)}")
        if not ids:
            return []
        keys = [None if v is None else str(v) for v in via]
        held = {None if k is None else str(k): n for k, n in (spare or {}).items()}
        body = await self._call(
            "users",
            {"id": list(ids)},
            user=None,
            priority=priority,
            pool=keys,
            spare=held,
            defer=priority is Priority.CAPTURE,
        )
        return looked_up(body)

    async def get_users_by_login(
        self, logins: Sequence[str], *, priority: Priority = Priority.INTERACTIVE
    ) -> list[Account]:
        """Look up at most 100 accounts by login (the app token pays)."""
        if len(logins) > MAX_IDS:
            raise ValueError(f"get_users_by_login takes at most {MAX_IDS} logins")
        if not logins:
            return []
        body = await self._call(
            "users", {"login": [x.lower() for x in logins]}, user=None, priority=priority
        )
        return [Account(*row) for row in looked_up(body)]

    async def get_streams(
        self, user_ids: Sequence[int], *, priority: Priority = Priority.INTERACTIVE
    ) -> list[StreamInfo]:
        """Return the live streams among at most 100 broadcasters (the app token pays)."""
        if len(user_ids) > MAX_IDS:
            raise ValueError(f"get_streams takes at most {MAX_IDS} ids")
        if not user_ids:
            return []
        params = {"user_id": list(user_ids), "first": MAX_IDS}
        body = await self._call("streams", params, user=None, priority=priority)
        return [
            StreamInfo(
                user_id=int(d["user_id"]),
                login=d["user_login"],
                viewer_count=int(d.get("viewer_count", 0)),
                started_at=parse_time(d["started_at"]),
                title=d.get("title", ""),
                game_name=d.get("game_name", ""),
                stream_id=str(d.get("id") or ""),
            )
            for d in body.get("data", ())
            if d.get("type", "live") == "live"
        ]

    async def get_channel_followers(
        self,
        broadcaster_id: int,
        moderator_id: int,
        *,
        after: str | None = None,
        priority: Priority = Priority.CAPTURE,
    ) -> FollowersPage:
        """Return one page (100) of the channel's followers, newest first (moderator's token)."""
        params: dict[str, Any] = {"broadcaster_id": broadcaster_id, "first": MAX_IDS}
        if after:
            params["after"] = after
        body = await self._call(
            "channels/followers", params, user=str(moderator_id), priority=priority
        )
        follows = tuple(
            (
                int(d["user_id"]),
                d["user_login"],
                d.get("user_name") or d["user_login"],
                parse_time(d["followed_at"]),
            )
            for d in body.get("data", ())
        )
        cursor = (body.get("pagination") or {}).get("cursor") or None
        return FollowersPage(follows, int(body.get("total", len(follows))), cursor)

    async def get_moderated_channels(
        self, user_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> list[ModeratedChannel]:
        """Return every channel `user_id` moderates, following the cursor (user token)."""
        out: list[ModeratedChannel] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"user_id": user_id, "first": 100}
            if after:
                params["after"] = after
            body = await self._call(
                "moderation/channels", params, user=str(user_id), priority=priority
            )
            out.extend(
                ModeratedChannel(
                    int(d["broadcaster_id"]), d["broadcaster_login"], d["broadcaster_name"]
                )
                for d in body.get("data", ())
            )
            after = (body.get("pagination") or {}).get("cursor") or None
            if not after or not body.get("data"):
                return out

    async def write(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        body: Mapping[str, Any] | None = None,
        user: str | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> dict[str, Any]:
        """Send `method` (POST, PATCH, DELETE, or a GET with a body) through the same layers.

        The conduit endpoints (`bot.helix.conduits`) use it; a refusal raises as `_call`'s do
        (its `status` tells 409 from the rest); an empty answer (204) is ``{}``.
        """
        if self._client is None:
            raise HelixError("the Helix client is not open")
        client = self._client
        url = self._absolute(path, params)
        deadline = asyncio.get_running_loop().time() + self._max_rate_wait_s

        async def attempt() -> httpx.Response:
            pacing = Pacing(
                self.limiters.bucket(user), priority, path, deadline, self._max_rate_wait_s
            )
            return await client.request(
                method,
                url,
                json=dict(body) if body is not None else None,
                auth=TokenAuth(self._tokens, user, path),
                extensions={PACING: pacing},
            )

        resp = await self._retries.send(path, attempt)
        if resp.status_code == 204 or (resp.status_code < 400 and not resp.content):
            return {}
        return await self._body(path, resp, defer=False)

    async def send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        *,
        user: int,
        body: Mapping[str, Any] | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> dict[str, Any]:
        """Send a moderation write (bans, timeouts, shield mode) with `user`'s token."""
        return await self.write(method, path, params, body=body, user=str(user), priority=priority)

    async def get_moderators(
        self, broadcaster_id: int, moderator_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> frozenset[int]:
        """Return the user ids of the channel's moderators, following the cursor.

        `moderator_id`'s user token pays (a moderator may read the list with
        `moderator:read:moderators`); the broadcaster is not in the list.
        """
        out: set[int] = set()
        after: str | None = None
        while True:
            params: dict[str, Any] = {"broadcaster_id": broadcaster_id, "first": 100}
            if after:
                params["after"] = after
            body = await self._call(
                "moderation/moderators", params, user=str(moderator_id), priority=priority
            )
            out.update(int(d["user_id"]) for d in body.get("data", ()))
            after = (body.get("pagination") or {}).get("cursor") or None
            if not after or not body.get("data"):
                return frozenset(out)

    # --- inside ---------------------------------------------------------------------------------

    def _absolute(self, path: str, params: Mapping[str, Any] | None) -> str:
        """The request's whole URL, encoded once, by hand.

        httpx's own encoding of 100 ids costs more than the request, and a relative URL is
        parsed twice (once alone, once merged with the base): a Get Users URL is 1,300
        characters that httpx checks one by one.
        """
        url = f"{self.base_url}/{path.lstrip('/')}"
        return f"{url}?{_query(params)}" if params else url

    def _count(self) -> None:
        self.calls += 1

    async def _call(
        self,
        path: str,
        params: Mapping[str, Any],
        *,
        user: str | None,
        priority: Priority,
        pool: Sequence[str | None] | None = None,
        spare: Mapping[str | None, int] | None = None,
        defer: bool = False,
    ) -> dict[str, Any]:
        """GET `path` through the layers (`bot.helix.layers`) and return the answer's body.

        `defer` lets other ready tasks run before the answer is parsed: bulk lookups answer
        together with the chatter page that a capture waits on, and that page should go first.
        """
        if self._client is None:
            raise HelixError("the Helix client is not open")
        client = self._client
        url = self._absolute(path, params)
        deadline = asyncio.get_running_loop().time() + self._max_rate_wait_s

        async def attempt() -> httpx.Response:
            key = self.limiters.pick(pool, priority, spare=spare) if pool else user
            pacing = Pacing(
                self.limiters.bucket(key), priority, path, deadline, self._max_rate_wait_s
            )
            return await client.get(
                url,
                auth=TokenAuth(self._tokens, key, path),
                extensions={PACING: pacing},
            )

        resp = await self._retries.send(path, attempt)
        return await self._body(path, resp, defer=defer)

    @staticmethod
    async def _body(path: str, resp: httpx.Response, *, defer: bool) -> dict[str, Any]:
        """Map a refusal to its error; read an answer."""
        status = resp.status_code
        if status == 403:
            raise HelixForbidden(
                f"Twitch refused {path}: {_message(resp) or 'forbidden'}", status=403
            )
        if status >= 400:
            raise HelixBadRequest(
                f"Twitch refused {path} ({status}): {_message(resp)}", status=status
            )
        if defer:
            await asyncio.sleep(0)
        try:
            body = orjson.loads(resp.content)  # as resp.json(), in a third of the time
        except ValueError as exc:  # orjson.JSONDecodeError is one
            raise HelixUnavailable(f"Twitch sent an unreadable answer to {path}") from exc
        if not isinstance(body, dict):
            raise HelixUnavailable(f"Twitch sent an unexpected answer to {path}")
        return body
