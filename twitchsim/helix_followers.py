"""Get Channel Followers (GET /helix/channels/followers), as Twitch answers it.

Newest follow first, `first` up to 100 (default 20), cursor pagination and `total`. The list
itself needs a user token with `moderator:read:followers` whose user is the broadcaster or one
of its moderators; any other caller (an app token, a missing scope, a viewer) gets only the
total, as on Twitch. `user_id` asks whether one user follows. Followers are loaded with
`load_followers`; their accounts join the world so Get Users finds them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from aiohttp import web

from twitchsim.config import SimConfig
from twitchsim.helix import (
    HelixError,
    cursor_for,
    first_param,
    json_body,
    offset_of,
    param,
    token_of,
)
from twitchsim.payloads import helix_time
from twitchsim.state import Channel, World
from twitchsim.users import SimUser

SCOPE = "moderator:read:followers"


def load_followers(
    world: World, channel_id: int, follows: Iterable[tuple[SimUser, datetime]]
) -> None:
    """Give a channel these followers (user, followed_at), replacing any it had."""
    pairs = list(follows)
    world.put_users(u for u, _ in pairs)
    latest: dict[int, tuple[SimUser, datetime]] = {}
    for user, at in pairs:
        if user.user_id not in latest or at > latest[user.user_id][1]:
            latest[user.user_id] = (user, at)
    ordered = sorted(latest.values(), key=lambda p: (p[1], p[0].user_id), reverse=True)
    world.followers[channel_id] = ordered


class HelixFollowers:
    """The followers route over one `World`."""

    def __init__(self, world: World, config: SimConfig) -> None:
        self.world = world
        self.config = config

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/helix/channels/followers", self.get_followers)]

    def _channel(self, raw: str) -> Channel:
        chan = self.world.channels.get(int(raw)) if raw.isdigit() else None
        if chan is None:
            raise HelixError(400, 'Invalid value for parameter "broadcaster_id"')
        return chan

    async def get_followers(self, request: web.Request) -> web.Response:
        """GET /helix/channels/followers?broadcaster_id=...[&user_id=...][&first=..][&after=..]."""
        chan = self._channel(param(request, "broadcaster_id"))
        first = first_param(request, 20, 100)
        follows = self.world.followers.get(chan.id, [])
        only = request.query.get("user_id")
        if only is not None:
            if not only.isdigit():
                raise HelixError(400, 'Invalid value for parameter "user_id"')
            follows = [p for p in follows if p[0].user_id == int(only)]
        total = len(follows)
        token = token_of(request)
        allowed = (
            token.user_id is not None
            and SCOPE in token.scopes
            and self.world.is_moderator(chan, token.user_id)
        )
        if not allowed:  # Twitch answers the count alone
            return json_body(f'{{"data":[],"pagination":{{}},"total":{total}}}')
        offset = offset_of(request)
        page = [
            {
                "user_id": str(u.user_id),
                "user_login": u.login,
                "user_name": u.display_name,
                "followed_at": helix_time(at),
            }
            for u, at in follows[offset : offset + first]
        ]
        end = offset + first
        pagination = {"cursor": cursor_for(end)} if end < total else {}
        return json_body(json.dumps({"data": page, "pagination": pagination, "total": total}))
