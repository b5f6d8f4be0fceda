"""The real TwitchIO 3 client against twitchsim, over real sockets."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import pytest
import twitchio
from twitchio import eventsub
from twitchio.ext import commands
from twitchio.web import AiohttpAdapter

from twitchsim import TwitchSim

from .conftest import Setup, eventually

pytestmark = pytest.mark.usefixtures("twitchio_at_sim")


class Replies(commands.Component):
    @commands.command()
    async def ping(self, ctx: commands.Context[Any]) -> None:
        await ctx.reply("pong")


class Bot(commands.Bot):
    def __init__(self, setup: Setup) -> None:
        super().__init__(
            client_id=setup.sim.client_id,
            client_secret=setup.sim.client_secret,
            bot_id=str(setup.bot.user_id),
            owner_id=str(setup.streamer.user_id),
            prefix="!",
        )
        self.setup_ = setup
        self.seen: list[str] = []

    async def setup_hook(self) -> None:
        await self.add_token(self.setup_.bot_token, self.setup_.bot_refresh)
        sub = eventsub.ChatMessageSubscription(
            broadcaster_user_id=str(self.setup_.streamer.user_id), user_id=self.bot_id
        )
        await self.subscribe_websocket(payload=sub)
        await self.add_component(Replies())

    async def event_message(self, payload: twitchio.ChatMessage) -> None:
        self.seen.append(payload.text)
        await super().event_message(payload)


async def run_bot(bot: Bot) -> asyncio.Task[None]:
    task = asyncio.create_task(bot.start(with_adapter=False, load_tokens=False, save_tokens=False))
    await eventually(lambda: task.done() or bot.setup_.sim.state.hub.subs, timeout=15)
    if task.done():
        task.result()  # surface the start-up error
    return task


async def stop_bot(bot: Bot, task: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait_for(task, timeout=10)


async def test_bot_logs_in_receives_chat_and_replies(world: Setup) -> None:
    state = world.sim.state
    bot = Bot(world)
    task = await run_bot(bot)
    try:
        # start() fetched the bot's own user with the app token it got from client credentials
        assert state.helix_calls["GET /helix/users"] >= 1
        assert any(t.is_app for t in state.tokens.tokens_of(None))
        asked = await state.say(world.streamer, world.viewer, "!ping Kappa")
        sent = await eventually(lambda: state.sent_messages("streamer"))
        assert sent[0].text == "pong"
        assert sent[0].reply_to == asked
        assert sent[0].app_token  # TwitchIO sends with the app token and user:bot
        # the bot's own message comes back over EventSub, as a reply, like on Twitch
        await eventually(lambda: any(t.endswith("pong") for t in bot.seen))
        assert bot.seen[0] == "!ping Kappa"
    finally:
        await stop_bot(bot, task)


async def test_reconnect_moves_the_session_without_losing_a_notification(world: Setup) -> None:
    state = world.sim.state
    bot = Bot(world)
    task = await run_bot(bot)
    try:
        (session_id,) = state.hub.sessions
        await state.say(world.streamer, world.viewer, "before")
        await eventually(lambda: "before" in bot.seen)
        assert await state.send_reconnect() == 1
        # right after the reconnect message, before the client has moved
        await state.say(world.streamer, world.viewer, "during")
        session = state.hub.sessions[session_id]
        await eventually(lambda: session.reconnect_token is None and not session.old_conns)
        await state.say(world.streamer, world.viewer, "after")
        await eventually(lambda: "after" in bot.seen)
        assert bot.seen == ["before", "during", "after"]
        assert list(state.hub.sessions) == [session_id]  # same session, subscriptions kept
        assert len(state.hub.subs) == 1
    finally:
        await stop_bot(bot, task)


async def test_dropped_socket_is_resubscribed(world: Setup) -> None:
    state = world.sim.state
    bot = Bot(world)
    task = await run_bot(bot)
    try:
        (old,) = state.hub.sessions
        assert await state.drop_sockets() == 1
        # TwitchIO reconnects after a back-off of a few seconds and subscribes again
        await eventually(
            lambda: state.hub.sessions and old not in state.hub.sessions and state.hub.subs,
            timeout=20,
        )
        await state.say(world.streamer, world.viewer, "still here")
        await eventually(lambda: "still here" in bot.seen)
    finally:
        await stop_bot(bot, task)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_oauth_flow_of_the_web_adapter_runs_end_to_end(sim: TwitchSim) -> None:
    state = sim.state
    streamer = state.add_channel("streamer")
    state.authorize_as(streamer)
    port = _free_port()
    adapter = AiohttpAdapter(host="127.0.0.1", port=port)
    authorized: list[str] = []

    class Client(twitchio.Client):
        async def event_oauth_authorized(self, payload: Any) -> None:
            await super().event_oauth_authorized(payload)
            authorized.append(payload.user_id)

    client = Client(client_id=sim.client_id, client_secret=sim.client_secret, adapter=adapter)
    await client.login(load_tokens=False, save_tokens=False)
    await adapter.run()
    try:
        url = f"http://127.0.0.1:{port}/oauth?scopes=channel:bot%20user:read:chat"
        async with aiohttp.ClientSession() as http:
            await eventually(lambda: _accepts(port), timeout=5)
            async with http.get(url) as resp:  # adapter -> sim authorize -> adapter callback
                assert resp.status == 200
                assert "Success" in await resp.text()
        await eventually(lambda: authorized)
        assert authorized == [str(streamer.user_id)]
        granted = state.tokens.granted(sim.client_id, streamer.user_id)
        assert granted == {"channel:bot", "user:read:chat"}
    finally:
        await client.close()


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
