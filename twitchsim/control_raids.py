"""The control API's raid scenarios: play a `twitchsim.raids` scenario into a channel's chat.

    POST /sim/channels/{ch}/raid_scenario   {kind: "honest"|"spam"|"hate"|"organic", seed?,
                                             size?, speed?}
        -> {name, truth, messages, raiders: [user id, ...], incoming_from, duration_s}
    GET  /sim/raid_scenarios                 the scenarios played or playing, with ground truth

The accounts are added to the world, an honest raid starts with a ``channel.raid`` from its
streamer, and the messages are said in chat at their offsets divided by ``speed`` (default 1:
real time; 0: as fast as the loop goes). It answers at once with the ground truth; the chat
plays in the background and is cancelled when the server closes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from twitchsim import raids
from twitchsim.state import World

log = logging.getLogger(__name__)


class ControlRaids:
    """The raid-scenario routes over one `World`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.played: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/sim/channels/{channel}/raid_scenario", self.start),
            web.get("/sim/raid_scenarios", self.list),
        ]

    async def close(self, _app: web.Application | None = None) -> None:
        """Stop the scenarios still playing."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def start(self, request: web.Request) -> web.Response:
        body = await request.json()
        channel = request.match_info["channel"]
        chan = self.world.channel(channel)
        scenario = raids.build(
            raids.Truth(str(body["kind"])), int(body.get("seed", 0)), size=int(body.get("size", 40))
        )
        speed = float(body.get("speed", 1.0))
        if speed < 0:
            raise ValueError("speed must not be negative")
        self.world.put_users(scenario.users())
        if scenario.incoming_from is not None:
            self.world.put_users([scenario.incoming_from])
        info: dict[str, Any] = {
            "name": scenario.name,
            "truth": scenario.truth.value,
            "channel": chan.user.login,
            "messages": len(scenario.messages),
            "raiders": sorted(str(uid) for uid in scenario.raiders),
            "incoming_from": scenario.incoming_from.login if scenario.incoming_from else None,
            "duration_s": scenario.messages[-1].at_s if scenario.messages else 0.0,
            "done": False,
        }
        self.played.append(info)
        task = asyncio.create_task(self._play(chan.id, scenario, speed, info))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response(info)

    async def list(self, request: web.Request) -> web.Response:
        return web.json_response({"data": self.played})

    async def _play(
        self, channel_id: int, scenario: raids.RaidScenario, speed: float, info: dict[str, Any]
    ) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        raider = scenario.incoming_from
        for m in scenario.messages:
            if raider is not None and m.at_s >= scenario.incoming_at_s:
                self.world.raid(raider, channel_id, scenario.incoming_viewers)
                raider = None
            if speed > 0:
                await asyncio.sleep(max(0.0, began + m.at_s / speed - loop.time()))
            else:
                await asyncio.sleep(0)
            await self.world.say(channel_id, m.user, m.text)
        info["done"] = True
        log.info("raid scenario %s played", scenario.name)
