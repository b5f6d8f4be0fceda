"""The control API for community events and conduits (beside `control.Control`, same rules).

Users are named by login or id. Errors answer 400 {"error": "..."} (Control's middleware).

    POST /sim/channels/{ch}/subscribe           {user, tier?}
    POST /sim/channels/{ch}/resubscribe         {user, months, text?, tier?, streak_months?,
                                                 duration_months?}
    POST /sim/channels/{ch}/gift                {user?  (absent: anonymous), recipients: [...],
                                                 tier?, cumulative_total?}
    POST /sim/channels/{ch}/raid                {from, viewers}   (raid into {ch})
    POST /sim/channels/{ch}/follow              {user}
    GET  /sim/conduits                          counters (delivered, retried, dropped), every
                                                conduit with its shards and total cost
    GET  /sim/conduits/dropped                  {dropped, data: [{conduit_id, type,
                                                 broadcaster_id, message_id, shards}]}
    POST /sim/conduits/limits                   {max_total_cost?, max_conduits?, max_shards?}
    POST /sim/conduits/{id}/shards/{shard}/disconnect   cut that shard's socket
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from aiohttp import web

from twitchsim.state import World

log = logging.getLogger(__name__)


def _sent(count: int) -> web.Response:
    return web.json_response({"notifications": count})


class EventControl:
    """The /sim/ routes for subscriptions, gifts, raids, follows and conduits."""

    def __init__(self, world: World) -> None:
        self.world = world

    def routes(self) -> list[web.RouteDef]:
        ch = "/sim/channels/{channel}"
        return [
            web.post(f"{ch}/subscribe", self.subscribe),
            web.post(f"{ch}/resubscribe", self.resubscribe),
            web.post(f"{ch}/gift", self.gift),
            web.post(f"{ch}/raid", self.raid),
            web.post(f"{ch}/follow", self.follow),
            web.get("/sim/conduits", self.conduits),
            web.get("/sim/conduits/dropped", self.dropped),
            web.post("/sim/conduits/limits", self.limits),
            web.post("/sim/conduits/{conduit}/shards/{shard}/disconnect", self.disconnect),
        ]

    async def subscribe(self, request: web.Request) -> web.Response:
        body = await request.json()
        channel = request.match_info["channel"]
        return _sent(self.world.subscribe(channel, body["user"], tier=body.get("tier", "1000")))

    async def resubscribe(self, request: web.Request) -> web.Response:
        body = await request.json()
        streak = body.get("streak_months")
        count = self.world.resubscribe(
            request.match_info["channel"],
            body["user"],
            months=int(body["months"]),
            text=str(body.get("text", "")),
            tier=body.get("tier", "1000"),
            streak_months=int(streak) if streak is not None else None,
            duration_months=int(body.get("duration_months", 1)),
        )
        return _sent(count)

    async def gift(self, request: web.Request) -> web.Response:
        body = await request.json()
        total = body.get("cumulative_total")
        count = self.world.gift(
            request.match_info["channel"],
            body.get("user"),
            list(body["recipients"]),
            tier=body.get("tier", "1000"),
            cumulative_total=int(total) if total is not None else None,
        )
        return _sent(count)

    async def raid(self, request: web.Request) -> web.Response:
        body = await request.json()
        count = self.world.raid(body["from"], request.match_info["channel"], int(body["viewers"]))
        return _sent(count)

    async def follow(self, request: web.Request) -> web.Response:
        body = await request.json()
        return _sent(self.world.follow(request.match_info["channel"], body["user"]))

    async def conduits(self, request: web.Request) -> web.Response:
        return web.json_response(self.world.conduits.stats())

    async def dropped(self, request: web.Request) -> web.Response:
        hub = self.world.conduits
        data: list[dict[str, Any]] = [dataclasses.asdict(d) for d in hub.drops]
        return web.json_response({"dropped": hub.dropped, "data": data})

    async def limits(self, request: web.Request) -> web.Response:
        body = await request.json()
        hub = self.world.conduits
        for name in ("max_total_cost", "max_conduits", "max_shards"):
            if name in body:
                setattr(hub, name, int(body[name]))
        limits = {n: getattr(hub, n) for n in ("max_total_cost", "max_conduits", "max_shards")}
        return web.json_response(limits)

    async def disconnect(self, request: web.Request) -> web.Response:
        info = request.match_info
        return web.json_response(
            {"ok": self.world.conduits.disconnect(info["conduit"], info["shard"])}
        )
