"""Twitch misbehaving, through twitchsim, while the bot runs: Helix errors and hangs, the EventSub
socket dropped, reconnected or gone silent, tokens revoked or expired, the bot unmodded, a
subscription revoked. Each test checks what moderators would notice and that nothing is lost."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import httpx
import pytest

from bot.twitch.oauth import auth_link
from storage import CaptureStatus, Database
from tests.resilience.conftest import (
    BOT,
    VIEWER,
    Channel,
    assert_inert,
    channel_id,
    wait_for,
    wait_for_async,
)
from twitchsim import SimConfig

LINK = re.compile(r"http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]{32}$")


async def capture_end(db: Database, cid: int) -> Any:
    async def ended() -> bool:
        c = await db.captures.latest(cid, finished_only=False)
        return c is not None and c.status is not CaptureStatus.RUNNING

    await wait_for_async(ended, timeout=60, what="the capture to end")
    return await db.captures.latest(cid, finished_only=False)


async def stored_ids(env: Any, login: str) -> set[str]:
    await env.running.services.recorder.flush()
    db: Database = env.running.services.db
    return {m.message_id for m in await db.history.messages(channel_id(env.world, login))}


async def chat_still_works(env: Any, login: str = "chan_a") -> None:
    """A viewer's line is recorded and a moderator's command is answered."""
    world = env.world
    before = len(env.sent(login))
    line = await world.say(login, VIEWER, "are you still there")
    await world.say(login, env.moderators[login], "!botcheck help")
    await env.wait_sent(login, before + 1, timeout=30)
    assert "!botcheck 30d" in env.sent(login)[-1]

    async def recorded() -> bool:
        return line in await stored_ids(env, login)

    await wait_for_async(recorded, timeout=15, what="the line to be recorded")


async def new_session_with_subscriptions(env: Any, old: set[str]) -> None:
    hub = env.world.hub

    def ready() -> bool:
        fresh = [s for sid, s in hub.sessions.items() if sid not in old and s.conn is not None]
        return any(len(s.subs) >= 6 for s in fresh)

    await wait_for(ready, timeout=40, what="a new EventSub session with the subscriptions")


# --- Helix -----------------------------------------------------------------------------------


async def test_429_storm_and_5xx_bursts_during_a_check_lose_no_chatter(make_env: Any) -> None:
    async with make_env([Channel("chan_a", "organic", 3000)]) as env:
        world = env.world
        world.fail_next(12, 429, "/helix/users")
        world.fail_next(3, 500, "/helix/chat/chatters")
        world.fail_next(3, 503, "/helix/users")
        world.fail_next(2, 502, "/helix/streams")
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck")
        sent = await env.wait_sent("chan_a", 1, timeout=60)
        await wait_for(lambda: any(LINK.search(m) for m in env.sent("chan_a")), timeout=60)
        assert world.faults.pending == 0  # every fault fired
        db: Database = env.running.services.db
        cid = channel_id(world, "chan_a")
        capture = await capture_end(db, cid)
        assert capture.status is CaptureStatus.COMPLETE, capture.status_reason
        got = {c.user_id for c in await db.captures.chatters(capture.capture_id)}
        assert got == set(world.channel("chan_a").chatter_ids)
        assert_inert(sent)


async def test_helix_that_hangs_past_the_timeout_is_retried_then_reported(
    make_world: Any, db: Database
) -> None:
    """The bot's own Helix client (10 s timeout in production, 0.3 s here) against hangs."""
    from bot.capture import Capturer
    from tests.bot.conftest import join
    from twitchsim.scenarios import organic

    world = await make_world(latency_s=0.0)
    world.state.load_scenario(world.channel_id, organic(3, 2500))
    await join(db, world.channel_id)
    async with world.helix(timeout_s=0.3, max_retries=3) as helix:
        capturer = Capturer(db=db, helix=helix)
        # Two hangs: retried, nobody lost.
        world.state.hang_next(2, seconds=2.0, path_prefix="/helix/chat/chatters")
        ok = await capturer.capture(
            channel_id=world.channel_id,
            moderator_id=world.bot_id,
            requested_by_id=None,
            requested_by_login="mod",
            report_token="a" * 32,
        )
        assert ok.capture.status is CaptureStatus.COMPLETE
        assert len(await db.captures.chatters(ok.capture.capture_id)) == 2500
        # Twitch stops answering altogether: the check ends with a reason instead of hanging.
        world.state.hang_next(50, seconds=2.0, path_prefix="/helix/chat/chatters")
        bad = await capturer.capture(
            channel_id=world.channel_id,
            moderator_id=world.bot_id,
            requested_by_id=None,
            requested_by_login="mod",
            report_token="b" * 32,
        )
        assert bad.capture.status in (CaptureStatus.FAILED, CaptureStatus.PARTIAL)
        assert bad.capture.status_reason


async def test_a_reply_that_twitch_fails_is_sent_again(make_env: Any) -> None:
    async with make_env() as env:
        env.world.fail_next(1, 500, "/helix/chat/messages")
        env.world.fail_next(1, 502, "/helix/chat/messages")
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck help")
        sent = await env.wait_sent("chan_a", 1, timeout=20)
        assert "!botcheck 30d" in sent[0]
        assert env.world.faults.pending == 0


# --- EventSub --------------------------------------------------------------------------------


async def test_a_dropped_socket_is_reopened_and_chat_flows_again(make_env: Any) -> None:
    async with make_env() as env:
        hub = env.world.hub
        old = set(hub.sessions)
        before = await env.world.say("chan_a", VIEWER, "before the drop")
        await wait_for(lambda: env.running.services.recorder.stats().received >= 1)
        assert await env.world.drop_sockets() >= 1
        await new_session_with_subscriptions(env, old)
        await chat_still_works(env)
        assert before in await stored_ids(env, "chan_a")
        assert not env.running.task.done()


async def test_session_reconnect_during_busy_chat_loses_and_duplicates_nothing(
    make_env: Any,
) -> None:
    async with make_env([Channel("chan_a"), Channel("chan_b")]) as env:
        world = env.world
        ids: list[str] = []

        async def chatter() -> None:
            for i in range(300):
                for login in ("chan_a", "chan_b"):
                    ids.append(await world.say(login, VIEWER, f"busy {i}"))
                if i % 10 == 0:
                    await asyncio.sleep(0.01)

        producer = asyncio.create_task(chatter())
        await asyncio.sleep(0.05)
        assert await world.send_reconnect() >= 1
        await producer
        await wait_for(
            lambda: env.running.services.recorder.stats().received >= len(ids), timeout=30
        )
        stored = await stored_ids(env, "chan_a") | await stored_ids(env, "chan_b")
        assert stored == set(ids)
        db: Database = env.running.services.db
        counted = [
            await db.history.count_messages(channel_id(world, c)) for c in ("chan_a", "chan_b")
        ]
        assert sum(counted) == len(ids)  # and nothing twice
        await chat_still_works(env, "chan_b")


async def test_keepalives_that_stop_make_the_bot_reconnect(make_env: Any) -> None:
    """The socket stays open but Twitch goes silent: no keepalive, no notification."""
    async with make_env() as env:
        hub = env.world.hub
        old = set(hub.sessions)
        for session in hub.sessions.values():
            assert session.conn is not None
            session.conn.queue.put_nowait(None)  # stops the sim's writer; the socket stays up
        # TwitchIO notices after keepalive_timeout + 5 s of silence (10 + 5 here).
        await new_session_with_subscriptions(env, old)
        await chat_still_works(env)


# --- tokens ----------------------------------------------------------------------------------


async def test_an_expired_token_is_refreshed_and_the_check_completes(make_env: Any) -> None:
    async with make_env([Channel("chan_a", "organic", 1500)]) as env:
        world = env.world
        db: Database = env.running.services.db
        bot_id = int(env.bot.bot_id)
        stale = (await db.tokens.get(bot_id)).access_token
        assert world.expire_token(stale)
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck")
        await wait_for(lambda: any(LINK.search(m) for m in env.sent("chan_a")), timeout=60)
        capture = await capture_end(db, channel_id(world, "chan_a"))
        assert capture.status is CaptureStatus.COMPLETE
        fresh = await db.tokens.get(bot_id)
        assert fresh is not None and fresh.access_token != stale  # the refreshed one is kept
        await chat_still_works(env)


async def test_a_revoked_token_stops_the_channel_cleanly_with_a_clear_log_line(
    make_env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_env() as env:
        world = env.world
        db: Database = env.running.services.db
        cid = channel_id(world, "chan_a")
        token = (await db.tokens.get(int(env.bot.bot_id))).access_token
        with caplog.at_level(logging.INFO):
            assert world.revoke_token(token)
            await wait_for(lambda: not env.bot.joined, timeout=20, what="the bot to leave")
            await asyncio.sleep(0.5)
        channel = await db.channels.get(cid)
        assert channel is not None and not channel.active
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert any("revoked" in line for line in lines), lines
        assert any("`botcheck auth`" in line for line in lines), lines  # what to do about it
        assert sum("left chan_a" in r.getMessage() for r in caplog.records) == 1
        assert not env.running.task.done()  # the process keeps serving (web, other owners)
        # A moderator typing in the stopped channel gets nothing run and nothing crashes.
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck")
        await asyncio.sleep(0.3)
        assert env.sent("chan_a") == []
        # The bot account authorizes again: the channel comes back without a restart.
        world.authorize_as(world.user(BOT))
        async with httpx.AsyncClient(follow_redirects=True, timeout=20) as http:
            page = await http.get(auth_link(env.settings.public_url))
        assert page.status_code == 200
        await wait_for(lambda: cid in env.bot.joined, timeout=20, what="the bot to rejoin")
        await chat_still_works(env)


# --- moderator role and subscriptions ----------------------------------------------------------


async def test_unmodded_mid_capture_ends_partial_and_remodding_brings_it_back(
    make_env: Any,
) -> None:
    slow = SimConfig(latency_s=0.1)
    async with make_env([Channel("chan_a", "organic", 6000)], config=slow, cooldown_s=0) as env:
        world = env.world
        db: Database = env.running.services.db
        cid = channel_id(world, "chan_a")
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck")
        capturer = env.running.services.capturer
        await wait_for(lambda: capturer.progress(cid) is not None, what="the capture to start")
        world.remove_moderator("chan_a", BOT)
        capture = await capture_end(db, cid)
        assert capture.status in (CaptureStatus.PARTIAL, CaptureStatus.FAILED)
        assert "moderator" in capture.status_reason
        await wait_for(lambda: not env.bot.joined, timeout=20, what="the bot to leave")
        world.add_moderator("chan_a", BOT)
        await wait_for(lambda: cid in env.bot.joined, timeout=20, what="the bot to rejoin")
        await chat_still_works(env)
        assert not env.running.task.done()


async def test_a_revoked_subscription_is_renewed(make_env: Any) -> None:
    async with make_env() as env:
        world = env.world
        cid = channel_id(world, "chan_a")
        hub = world.hub
        old_ids = {s.id for s in hub.subs.values() if s.type == "channel.chat.message"}
        assert hub.revoke(lambda s: s.id in old_ids, status="version_removed") == 1

        def renewed() -> bool:
            subs = [
                s
                for s in hub.subs.values()
                if s.type == "channel.chat.message"
                and s.condition.get("broadcaster_user_id") == str(cid)
            ]
            return bool(subs) and not {s.id for s in subs} & old_ids

        await wait_for(renewed, timeout=20, what="the chat subscription to come back")
        await wait_for(lambda: cid in env.bot.joined, timeout=20)
        await chat_still_works(env)
