"""Channel history end to end: twitchsim sends EventSub notifications to the running bot, the
bot records them in its real SQLite file."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from storage import Database, ModAction
from tests.e2e import conftest as e2e
from tests.e2e.conftest import VIEWER, wait_for

make_env = e2e.make_env  # the e2e fixture: twitchsim + the running bot

CHANNEL_SUBS = {
    "channel.chat.message",
    "channel.chat.message_delete",
    "channel.chat.clear_user_messages",
    "channel.moderate",
    "stream.online",
    "stream.offline",
}


async def settled(env: Any) -> Database:
    """Flush the recorder and return the database."""
    await env.running.services.recorder.flush()
    db: Database = env.running.services.db
    return db


def channel_id(env: Any, login: str = "chan_a") -> int:
    return int(env.world.user(login).user_id)


async def test_every_joined_channel_gets_the_history_subscriptions(make_env: Any) -> None:
    async with make_env() as env:
        cid = str(channel_id(env))
        types = {
            s.type
            for s in env.world.hub.subs.values()
            if s.condition.get("broadcaster_user_id") == cid
        }
        assert types >= CHANNEL_SUBS
        moderate = next(s for s in env.world.hub.subs.values() if s.type == "channel.moderate")
        assert moderate.version == "2"
        assert moderate.condition["moderator_user_id"] == env.bot.bot_id


async def test_messages_and_moderation_land_once_with_who_did_it(make_env: Any) -> None:
    async with make_env() as env:
        world, cid = env.world, channel_id(env)
        mod = env.moderators["chan_a"]
        world.add_user("troll")
        first = await world.say("chan_a", VIEWER, "hello Kappa chat", badges=["subscriber/12"])
        reply = await world.say("chan_a", mod, "welcome", reply_to=first)
        bad = await world.say("chan_a", "troll", "buy followers")
        world.delete_message("chan_a", bad, moderator=mod)
        world.ban("chan_a", "troll", moderator=mod, reason="spam", duration_s=600)
        world.unban("chan_a", "troll", moderator=mod)
        await wait_for(lambda: env.running.services.recorder.stats().received >= 7, timeout=10)
        db = await settled(env)

        msgs = {m.message_id: m for m in await db.history.messages(cid)}
        assert set(msgs) == {first, reply, bad}
        hello = msgs[first]
        assert (hello.login, hello.text, hello.badges, hello.emotes) == (
            VIEWER,
            "hello Kappa chat",
            ("subscriber/12",),
            ("Kappa",),
        )
        assert msgs[reply].reply_parent_id == first
        assert msgs[reply].reply_parent_user_id == world.user(VIEWER).user_id
        assert msgs[bad].deleted_at is not None and hello.deleted_at is None

        events = await db.history.events(cid)
        kinds = [e.action for e in events]
        assert kinds == [ModAction.DELETE, ModAction.TIMEOUT, ModAction.UNTIMEOUT]
        delete, timeout, _ = events
        assert delete.message_id == bad and delete.moderator_login == mod
        assert timeout.target_login == "troll" and timeout.reason == "spam"
        assert timeout.duration_s is not None and 595 <= timeout.duration_s <= 600
        assert {e.moderator_id for e in events} == {world.user(mod).user_id}


async def test_redelivered_notifications_are_not_duplicated(make_env: Any) -> None:
    """Twitch redelivers with the same EventSub message id; chat keeps its message id."""
    async with make_env() as env:
        world, cid = env.world, channel_id(env)
        hub = world.hub
        sent: list[str] = []
        original = hub._send

        def keep(session: Any, text: str) -> bool:
            sent.append(text)
            return bool(original(session, text))

        hub._send = keep
        try:
            await world.say("chan_a", VIEWER, "once")
            world.ban("chan_a", VIEWER, moderator=env.moderators["chan_a"], reason="x")
            await wait_for(lambda: env.running.services.recorder.stats().received >= 3)
            # Publish every notification again, byte for byte (same EventSub message ids).
            session = next(iter(hub.sessions.values()))
            for text in list(sent):
                original(session, text)
            await wait_for(lambda: env.running.services.recorder.stats().received >= 6)
        finally:
            hub._send = original
        db = await settled(env)
        assert len(await db.history.messages(cid)) == 1
        events = await db.history.events(cid)
        assert [e.action for e in events] == [ModAction.BAN]
        assert {json.loads(t)["metadata"]["message_id"] for t in sent} >= {events[0].dedupe_key}


async def test_a_reconnect_loses_and_duplicates_nothing(make_env: Any) -> None:
    async with make_env() as env:
        world, cid = env.world, channel_id(env)
        ids = [await world.say("chan_a", VIEWER, f"before {i}") for i in range(20)]
        await world.send_reconnect()
        ids += [await world.say("chan_a", VIEWER, f"during {i}") for i in range(20)]
        await wait_for(lambda: env.running.services.recorder.stats().received >= 40, timeout=15)
        db = await settled(env)
        stored = [m.message_id for m in await db.history.messages(cid)]
        assert sorted(stored) == sorted(ids)


async def test_a_stream_makes_one_session_with_its_viewer_samples(make_env: Any) -> None:
    async with make_env() as env:
        world, cid = env.world, channel_id(env)
        streams = env.running.services.streams
        db = env.running.services.db
        # The scenario left the channel live before the bot came: the first poll opened it.
        await streams.poll()
        before = await db.history.open_sessions()
        world.set_stream("chan_a", False)
        await wait_for_session_count(db, cid, closed=len(before))
        world.set_stream("chan_a", True, viewer_count=120, title="Speedrun", game="Celeste")
        await wait_for_open(db, cid)
        world.set_stream("chan_a", True, viewer_count=180)
        await streams.poll()
        world.set_stream("chan_a", True, viewer_count=150)
        await streams.poll()
        world.set_stream("chan_a", False)
        await wait_for_session_count(db, cid, closed=len(before) + 1)
        old = {s.session_id for s in before}
        sessions = [s for s in await db.history.sessions(cid) if s.session_id not in old]
        assert len(sessions) == 1
        s = sessions[0]
        assert (s.title, s.category) == ("Speedrun", "Celeste")
        assert s.ended_at is not None and s.stream_id.startswith("41")
        samples = await db.history.viewer_samples(s.session_id)
        assert [x.viewers for x in samples][-2:] == [180, 150]
        assert s.peak_viewers == 180


async def wait_for_open(db: Database, cid: int) -> None:
    for _ in range(500):
        if any(s.channel_id == cid for s in await db.history.open_sessions()):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no session opened")


async def wait_for_session_count(db: Database, cid: int, *, closed: int) -> None:
    for _ in range(500):
        ended = [s for s in await db.history.sessions(cid) if s.ended_at is not None]
        if len(ended) >= closed:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {closed} ended session(s)")


async def test_a_clean_shutdown_writes_what_was_pending(make_env: Any, tmp_path: Any) -> None:
    async with make_env() as env:
        world, cid = env.world, channel_id(env)
        env.running.services.recorder.interval_s = 3600  # nothing is written by time
        ids = [await world.say("chan_a", VIEWER, f"line {i}") for i in range(50)]
        await wait_for(lambda: env.running.services.recorder.stats().received >= 50)
        assert env.running.services.recorder.pending == 50
        path = env.settings.db_path
    async with Database(path) as db:
        assert sorted(m.message_id for m in await db.history.messages(cid)) == sorted(ids)


async def test_malformed_payloads_are_logged_and_skipped(
    make_env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_env() as env:
        world, cid = env.world, channel_id(env)
        hub = world.hub
        good = await world.say("chan_a", VIEWER, "good one")
        event = {
            "broadcaster_user_id": "not-a-number",
            "broadcaster_user_login": "chan_a",
            "broadcaster_user_name": "chan_a",
            "chatter_user_id": str(world.user(VIEWER).user_id),
            "chatter_user_login": VIEWER,
            "chatter_user_name": VIEWER,
            "message_id": "bad-1",
            "message": {"text": "x", "fragments": []},
            "color": "",
            "badges": [],
            "message_type": "text",
            "cheer": None,
            "reply": None,
            "channel_points_custom_reward_id": None,
            "channel_points_animation_id": None,
            "source_broadcaster_user_id": None,
            "source_broadcaster_user_login": None,
            "source_broadcaster_user_name": None,
            "source_message_id": None,
            "source_badges": None,
            "is_source_only": None,
        }
        with caplog.at_level(logging.WARNING):
            hub.publish("channel.chat.message", cid, event)  # parses, but a bad channel id
            hub.publish("channel.chat.message", cid, {"message_id": "bad-2"})  # no fields
            hub.publish("channel.moderate", cid, {"action": "ban"})  # no fields
            after = await world.say("chan_a", VIEWER, "still here")
            await wait_for(lambda: env.running.services.recorder.stats().received >= 2)
            await asyncio.sleep(0.2)
        db = await settled(env)
        assert {m.message_id for m in await db.history.messages(cid)} == {good, after}
        assert "malformed chat message" in caplog.text  # ours
        assert "KeyError" in caplog.text  # TwitchIO's, for those it could not parse
        assert not env.running.task.done()
        assert env.bot.joined  # still serving


async def test_ordinary_chat_skips_twitchio_commands_and_waiters_still_get_theirs(
    make_env: Any,
) -> None:
    """Plain chat is recorded from the notification (bot.twitch.patches, `take_notification`); only
    commands and messages someone waits for reach TwitchIO's dispatch. Each is stored once."""
    async with make_env() as env:
        world, cid, bot = env.world, channel_id(env), env.bot
        mod = env.moderators["chan_a"]
        dispatched: list[str] = []
        original = bot.dispatch

        def spy(event: str, payload: Any = None) -> None:
            if event == "message":
                dispatched.append(payload.text)
            original(event, payload)

        bot.dispatch = spy
        try:
            ids = [await world.say("chan_a", VIEWER, f"just chatting {i}") for i in range(5)]
            ids.append(await world.say("chan_a", mod, "!botcheck help"))
            await env.wait_sent("chan_a", 1)
            waiter = asyncio.create_task(
                bot.wait_for("message", timeout=10, predicate=_text_is("are you there"))
            )
            await asyncio.sleep(0)  # the waiter registers
            ids.append(await world.say("chan_a", VIEWER, "are you there"))
            heard = await waiter
            ids.append(await world.say("chan_a", VIEWER, "nobody waits now"))
            # the eight above and the bot's own answer to !botcheck help
            await wait_for(lambda: env.running.services.recorder.stats().received >= 9)
        finally:
            del bot.dispatch
        db = await settled(env)
        assert heard.text == "are you there"
        assert dispatched == ["!botcheck help", "are you there"]
        stored = await db.history.messages(cid)
        ours = [m.message_id for m in stored if m.user_id != int(bot.bot_id)]
        assert sorted(ours) == sorted(ids)
        assert len(stored) == len({m.message_id for m in stored}) == len(ids) + 1


def _text_is(text: str) -> Any:
    async def predicate(payload: Any) -> bool:
        return bool(payload.text == text)

    return predicate


async def test_a_command_sent_as_a_reply_runs_and_is_stored_once(make_env: Any) -> None:
    """Twitch starts a reply with "@Parent "; TwitchIO strips it before looking for "!"."""
    async with make_env() as env:
        world, cid = env.world, channel_id(env)
        mod = env.moderators["chan_a"]
        first = await world.say("chan_a", VIEWER, "is this chat botted?")
        reply = await world.say("chan_a", mod, "!botcheck help", reply_to=first)
        sent = await env.wait_sent("chan_a", 1, timeout=10)
        assert "!botcheck" in sent[0]  # the help text, so the command ran
        await wait_for(lambda: env.running.services.recorder.stats().received >= 3)
        db = await settled(env)
        stored = [m.message_id for m in await db.history.messages(cid)]
        assert stored.count(first) == stored.count(reply) == 1
