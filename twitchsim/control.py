"""The control API under /sim/ (JSON in, JSON out): drive the world from outside the process.

Users are named by login or id everywhere. Errors answer 400 {"error": "..."}.

    GET  /sim/                                  summary: URLs, app, channels
    POST /sim/users                             {login, user_id?, created_at?, display_name?, ...}
    POST /sim/channels                          {login}
    POST /sim/channels/{ch}/moderators          {user}
    DELETE /sim/channels/{ch}/moderators/{user}
    POST /sim/channels/{ch}/scenario            {name, seed, size?}
    POST /sim/channels/{ch}/chatters            {users: [login, ...]}  (join)
    DELETE /sim/channels/{ch}/chatters/{user}   (part)
    POST /sim/channels/{ch}/chat                {user, text, badges?, reply_to?}
    POST /sim/channels/{ch}/stream              {live, viewer_count?, title?, game?}
    POST /sim/channels/{ch}/ban                 {user, moderator?, reason?, duration?}
    POST /sim/channels/{ch}/unban               {user, moderator?}
    POST /sim/channels/{ch}/delete              {message_id, moderator?}
    GET  /sim/channels/{ch}/sent                what the bot sent there
    GET  /sim/sent                              ... everywhere
    POST /sim/authorize_as                      {user}
    POST /sim/tokens                            {user, scopes, expires_in?}
    POST /sim/tokens/revoke | /sim/tokens/expire  {token}
    POST /sim/faults                            {kind: "fail"|"hang", n, status?, seconds?, path?}
    POST /sim/faults/drop_sockets | /sim/faults/reconnect | /sim/faults/clear
    POST /sim/config                            {rate_capacity?, rate_refill_per_s?, latency_s?,
                                                 jitter_s?}
    GET  /sim/calls                             Helix calls by endpoint
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from twitchsim import scenarios
from twitchsim.config import SimConfig
from twitchsim.payloads import helix_time
from twitchsim.state import SimError, World
from twitchsim.users import SimUser

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _user(user: SimUser) -> dict[str, Any]:
    return {
        "id": str(user.user_id),
        "login": user.login,
        "display_name": user.display_name,
        "created_at": helix_time(user.created_at),
    }


class Control:
    """The /sim/ routes over one `World`; ``info`` supplies the summary's URLs."""

    def __init__(self, world: World, config: SimConfig, info: Callable[[], dict[str, Any]]) -> None:
        self.world = world
        self.config = config
        self.info = info

    def routes(self) -> list[web.RouteDef]:
        ch = "/sim/channels/{channel}"
        return [
            web.get("/sim/", self.summary),
            web.get("/sim", self.summary),
            web.post("/sim/users", self.add_user),
            web.post("/sim/channels", self.add_channel),
            web.post(f"{ch}/moderators", self.add_moderator),
            web.delete(f"{ch}/moderators/{{user}}", self.remove_moderator),
            web.post(f"{ch}/scenario", self.load_scenario),
            web.post(f"{ch}/chatters", self.join),
            web.delete(f"{ch}/chatters/{{user}}", self.part),
            web.post(f"{ch}/chat", self.say),
            web.post(f"{ch}/stream", self.stream),
            web.post(f"{ch}/ban", self.ban),
            web.post(f"{ch}/unban", self.unban),
            web.post(f"{ch}/delete", self.delete),
            web.get(f"{ch}/sent", self.sent),
            web.get("/sim/sent", self.sent),
            web.post("/sim/authorize_as", self.authorize_as),
            web.post("/sim/tokens", self.issue_token),
            web.post("/sim/tokens/revoke", self.revoke),
            web.post("/sim/tokens/expire", self.expire),
            web.post("/sim/faults", self.fault),
            web.post("/sim/faults/drop_sockets", self.drop_sockets),
            web.post("/sim/faults/reconnect", self.reconnect),
            web.post("/sim/faults/clear", self.clear_faults),
            web.post("/sim/config", self.set_config),
            web.get("/sim/calls", self.calls),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/sim"):
            return await handler(request)
        try:
            return await handler(request)
        except (SimError, ValueError, KeyError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)

    async def summary(self, request: web.Request) -> web.Response:
        channels = [
            {
                **_user(c.user),
                "live": c.stream.live,
                "viewer_count": c.stream.viewer_count,
                "chatters": len(c.chatters),
                "moderators": [str(m) for m in c.moderators],
            }
            for c in self.world.channels.values()
        ]
        return web.json_response({**self.info(), "channels": channels})

    async def add_user(self, request: web.Request) -> web.Response:
        body = await request.json()
        created = body.get("created_at")
        user = self.world.add_user(
            body["login"],
            user_id=int(body["user_id"]) if body.get("user_id") else None,
            created_at=datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None,
            display_name=body.get("display_name"),
            broadcaster_type=body.get("broadcaster_type", ""),
            profile_image_url=body.get("profile_image_url"),
            description=body.get("description", ""),
        )
        return web.json_response(_user(user))

    async def add_channel(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(_user(self.world.add_channel(body["login"])))

    async def add_moderator(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.world.add_moderator(request.match_info["channel"], body["user"])
        return web.json_response({"ok": True})

    async def remove_moderator(self, request: web.Request) -> web.Response:
        self.world.remove_moderator(request.match_info["channel"], request.match_info["user"])
        return web.json_response({"ok": True})

    async def load_scenario(self, request: web.Request) -> web.Response:
        body = await request.json()
        size = int(body["size"]) if body.get("size") else None
        scenario = scenarios.build(body.get("name", "organic"), int(body.get("seed", 0)), size)
        count = self.world.load_scenario(request.match_info["channel"], scenario)
        return web.json_response(
            {
                "chatters": count,
                "viewer_count": scenario.viewer_count,
                "farms": [{"name": f.name, "size": len(f.user_ids)} for f in scenario.farms],
            }
        )

    async def join(self, request: web.Request) -> web.Response:
        body = await request.json()
        for ref in body["users"]:
            self.world.join(request.match_info["channel"], ref)
        return web.json_response({"ok": True})

    async def part(self, request: web.Request) -> web.Response:
        self.world.part(request.match_info["channel"], request.match_info["user"])
        return web.json_response({"ok": True})

    async def say(self, request: web.Request) -> web.Response:
        body = await request.json()
        message_id = await self.world.say(
            request.match_info["channel"],
            body["user"],
            body["text"],
            badges=body.get("badges"),
            reply_to=body.get("reply_to"),
        )
        return web.json_response({"message_id": message_id})

    async def stream(self, request: web.Request) -> web.Response:
        body = await request.json()
        stream = self.world.set_stream(
            request.match_info["channel"],
            bool(body.get("live", True)),
            body.get("viewer_count"),
            title=body.get("title"),
            game=body.get("game"),
        )
        return web.json_response({"live": stream.live, "viewer_count": stream.viewer_count})

    async def ban(self, request: web.Request) -> web.Response:
        body = await request.json()
        duration = body.get("duration")
        self.world.ban(
            request.match_info["channel"],
            body["user"],
            moderator=body.get("moderator"),
            reason=body.get("reason", ""),
            duration_s=int(duration) if duration else None,
        )
        return web.json_response({"ok": True})

    async def unban(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.world.unban(
            request.match_info["channel"], body["user"], moderator=body.get("moderator")
        )
        return web.json_response({"ok": True})

    async def delete(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.world.delete_message(
            request.match_info["channel"], body["message_id"], moderator=body.get("moderator")
        )
        return web.json_response({"ok": True})

    async def sent(self, request: web.Request) -> web.Response:
        channel = request.match_info.get("channel")
        out = []
        for m in self.world.sent_messages(channel):
            row = dataclasses.asdict(m)
            row["at"] = m.at.isoformat()
            out.append(row)
        return web.json_response({"data": out})

    async def authorize_as(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.world.authorize_as(body.get("user"))
        return web.json_response({"ok": True})

    async def issue_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        scopes = body.get("scopes", [])
        if isinstance(scopes, str):
            scopes = scopes.split()
        access, refresh = self.world.issue_user_token(
            body["user"], scopes, expires_in=body.get("expires_in")
        )
        return web.json_response({"access_token": access, "refresh_token": refresh})

    async def revoke(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"ok": self.world.revoke_token(body["token"])})

    async def expire(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"ok": self.world.expire_token(body["token"])})

    async def fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        n, path = int(body.get("n", 1)), body.get("path")
        if body.get("kind", "fail") == "hang":
            self.world.hang_next(n, float(body.get("seconds", 30)), path)
        else:
            self.world.fail_next(n, int(body.get("status", 500)), path)
        return web.json_response({"pending": self.world.faults.pending})

    async def drop_sockets(self, request: web.Request) -> web.Response:
        return web.json_response({"dropped": await self.world.drop_sockets()})

    async def reconnect(self, request: web.Request) -> web.Response:
        return web.json_response({"sessions": await self.world.send_reconnect()})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.world.faults.clear()
        return web.json_response({"ok": True})

    async def set_config(self, request: web.Request) -> web.Response:
        body = await request.json()
        for name in ("latency_s", "jitter_s", "rate_capacity", "rate_refill_per_s"):
            if name in body:
                setattr(self.config, name, type(getattr(self.config, name))(body[name]))
        self.world.ratelimit.capacity = self.config.rate_capacity
        self.world.ratelimit.refill_per_s = self.config.rate_refill_per_s
        return web.json_response(dataclasses.asdict(self.config))

    async def calls(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.world.helix_calls))
