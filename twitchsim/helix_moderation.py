"""Helix moderation writes: ban, time out and unban users; read and set shield mode.

    POST   /helix/moderation/bans?broadcaster_id=&moderator_id=      {"data": {user_id,
                                                                      duration?, reason?}}
    DELETE /helix/moderation/bans?broadcaster_id=&moderator_id=&user_id=
    GET    /helix/moderation/shield_mode?broadcaster_id=&moderator_id=
    PUT    /helix/moderation/shield_mode?broadcaster_id=&moderator_id=  {"is_active": bool}

As on Twitch: a user token whose user is ``moderator_id`` (401 otherwise), with
``moderator:manage:banned_users`` for bans and ``moderator:manage:shield_mode`` (or
``moderator:read:shield_mode`` to read) for shield mode; the moderator must be the broadcaster
or one of their moderators (403). A duration (1 s to 14 days) makes a timeout; a second
timeout replaces the first, a banned user cannot be banned or timed out again (400), the
broadcaster and moderators cannot be banned (400), unbanning someone not banned is 400. Every
call goes through the middleware's rate limit and faults like the other endpoints. Bans reuse
`World.ban`/`World.unban`, so they publish the same EventSub events as a moderator's ban.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from twitchsim.config import SimConfig
from twitchsim.helix import HelixError, json_body, param, require_user
from twitchsim.payloads import helix_time
from twitchsim.state import Channel, World

log = logging.getLogger(__name__)

BAN_SCOPE = "moderator:manage:banned_users"
SHIELD_SCOPE = "moderator:manage:shield_mode"
SHIELD_READ_SCOPE = "moderator:read:shield_mode"
MAX_TIMEOUT_S = 1_209_600  # 14 days


@dataclass(slots=True)
class Shield:
    """A channel's shield mode."""

    is_active: bool = False
    moderator_id: int | None = None
    last_activated_at: datetime | None = None


class HelixModeration:
    """The ban and shield-mode routes over one `World` (shield states kept here, by channel)."""

    def __init__(self, world: World, config: SimConfig) -> None:
        self.world = world
        self.config = config
        self.shields: dict[int, Shield] = {}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/helix/moderation/bans", self.ban),
            web.delete("/helix/moderation/bans", self.unban),
            web.get("/helix/moderation/shield_mode", self.get_shield),
            web.put("/helix/moderation/shield_mode", self.put_shield),
        ]

    def shield(self, channel_id: int) -> Shield:
        return self.shields.setdefault(channel_id, Shield())

    # --- who may --------------------------------------------------------------------------------

    def _moderator_call(self, request: web.Request, *scopes: str) -> tuple[Channel, int]:
        token = require_user(request, *scopes)
        try:
            chan = self.world.channels[int(param(request, "broadcaster_id"))]
        except (KeyError, ValueError):
            raise HelixError(400, 'Invalid value for parameter "broadcaster_id"') from None
        try:
            moderator_id = int(param(request, "moderator_id"))
        except ValueError:
            raise HelixError(400, 'Invalid value for parameter "moderator_id"') from None
        if token.user_id != moderator_id:
            raise HelixError(
                401, "The ID in moderator_id must match the user ID in the access token."
            )
        if moderator_id != chan.id and not self.world.is_moderator(chan, moderator_id):
            raise HelixError(
                403, "The user in moderator_id is not one of the broadcaster's moderators."
            )
        return chan, moderator_id

    # --- bans -----------------------------------------------------------------------------------

    async def ban(self, request: web.Request) -> web.Response:
        chan, moderator_id = self._moderator_call(request, BAN_SCOPE)
        try:
            body = await request.json()
            data = body["data"]
            user_id = int(data["user_id"])
        except (ValueError, KeyError, TypeError):
            raise HelixError(400, 'Missing required parameter "user_id"') from None
        duration = data.get("duration")
        if duration is not None:
            try:
                duration = int(duration)
            except (TypeError, ValueError):
                raise HelixError(400, 'Invalid value for parameter "duration"') from None
            if not 1 <= duration <= MAX_TIMEOUT_S:
                raise HelixError(400, "The value in the duration field is not valid.")
        reason = str(data.get("reason") or "")[:500]
        world = self.world
        if user_id not in world.users:
            raise HelixError(400, "The user specified in the user_id field does not exist.")
        if user_id == chan.id or world.is_moderator(chan, user_id):
            raise HelixError(400, "The user specified in the user_id field may not be banned.")
        current = world.banned(chan, user_id)
        if current is not None and current.ends_at is None:
            raise HelixError(400, "The user specified in the user_id field is already banned.")
        world.ban(chan.id, user_id, moderator=moderator_id, reason=reason, duration_s=duration)
        ban = chan.bans[user_id]
        out = {
            "broadcaster_id": str(chan.id),
            "moderator_id": str(moderator_id),
            "user_id": str(user_id),
            "created_at": helix_time(ban.at),
            "end_time": None if ban.ends_at is None else helix_time(ban.ends_at),
        }
        return json_body(json.dumps({"data": [out]}))

    async def unban(self, request: web.Request) -> web.Response:
        chan, moderator_id = self._moderator_call(request, BAN_SCOPE)
        try:
            user_id = int(param(request, "user_id"))
        except ValueError:
            raise HelixError(400, 'Invalid value for parameter "user_id"') from None
        if self.world.banned(chan, user_id) is None:
            raise HelixError(400, "The user specified in the user_id field is not banned.")
        self.world.unban(chan.id, user_id, moderator=moderator_id)
        return web.Response(status=204)

    # --- shield mode ----------------------------------------------------------------------------

    def _shield_json(self, shield: Shield) -> dict[str, Any]:
        mod = self.world.users.get(shield.moderator_id) if shield.moderator_id else None
        return {
            "is_active": shield.is_active,
            "moderator_id": str(mod.user_id) if mod else "",
            "moderator_login": mod.login if mod else "",
            "moderator_name": mod.display_name if mod else "",
            "last_activated_at": (
                helix_time(shield.last_activated_at) if shield.last_activated_at else ""
            ),
        }

    async def get_shield(self, request: web.Request) -> web.Response:
        chan, _ = self._moderator_call(request, SHIELD_SCOPE, SHIELD_READ_SCOPE)
        return json_body(json.dumps({"data": [self._shield_json(self.shield(chan.id))]}))

    async def put_shield(self, request: web.Request) -> web.Response:
        chan, moderator_id = self._moderator_call(request, SHIELD_SCOPE)
        try:
            body = await request.json()
            active = body["is_active"]
        except (ValueError, KeyError, TypeError):
            raise HelixError(400, 'Missing required parameter "is_active"') from None
        if not isinstance(active, bool):
            raise HelixError(400, 'Invalid value for parameter "is_active"')
        shield = self.shield(chan.id)
        shield.is_active = active
        shield.moderator_id = moderator_id
        if active:
            shield.last_activated_at = self.world.now().replace(microsecond=0)
        log.info("shield mode %s in %s", "on" if active else "off", chan.user.login)
        return json_body(json.dumps({"data": [self._shield_json(shield)]}))
