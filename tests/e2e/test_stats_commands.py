"""!chatstats, !top, !stats, !stream and !report stream, typed in twitchsim's chat and answered
by the running bot from history pre-loaded into its database."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.pages import new_report_token
from storage import ChatMessage, Database, ModAction, ModerationEvent, ViewerSample
from tests.e2e.conftest import VIEWER, Env

LINK = re.compile(r"http://127\.0\.0\.1:\d+/r/([A-Za-z0-9_-]{32})")


def assert_safe(messages: list[str]) -> None:
    for m in messages:
        assert len(m) <= 500, m
        assert not m.startswith(("/", "."))


async def preload(env: Env) -> str:
    """Give the joined channel a week of chat and a live stream; return the stream's token."""
    db: Database = env.running.services.db
    channel = next(iter(env.bot.joined))
    now = datetime.now(UTC)
    users = {
        101: "pixelpaula_with_a_long_nm",
        102: "frame_perfect_fred",
        103: "glitchhunter",
        104: "quietquinn",
    }
    messages = []
    n = 0

    def add(uid: int, at: datetime, emotes: tuple[str, ...] = (), reply: int | None = None) -> None:
        nonlocal n
        n += 1
        messages.append(
            ChatMessage(
                f"pre-{n}",
                channel,
                uid,
                users[uid],
                "",
                "hello there " * (uid - 100),
                at,
                emotes=emotes,
                reply_parent_id="p" if reply else None,
                reply_parent_user_id=reply,
            )
        )

    for i in range(12):  # the week before last: fred was busy
        add(102, now - timedelta(days=10, minutes=i))
    for i in range(20):  # this stream: paula is
        add(101, now - timedelta(minutes=50 - i), ("Kappa",), reply=102 if i % 2 else None)
    for i in range(5):
        add(102, now - timedelta(minutes=30 - i), ("LUL",))
        add(103, now - timedelta(minutes=3, seconds=i))
    add(104, now - timedelta(days=3))
    ban = ModerationEvent(
        "pre-ban",
        channel,
        ModAction.TIMEOUT,
        now - timedelta(minutes=20),
        moderator_login="mod_0",
        target_id=103,
        target_login="glitchhunter",
        duration_s=60,
    )
    await db.history.write_batch(messages=messages, events=[ban])
    token = new_report_token()
    session = await db.history.start_session(
        channel_id=channel,
        stream_id="pre-stream",
        started_at=now - timedelta(hours=1),
        title="/ban everyone !command",
        category="Just Chatting",
        report_token=token,
    )
    await db.history.add_viewer_samples(
        [ViewerSample(session.session_id, now - timedelta(minutes=m), 200 + m) for m in (40, 20, 1)]
    )
    return token


async def ask(env: Env, user: str, text: str) -> str:
    before = len(env.sent("chan_a"))
    await env.say("chan_a", user, text)
    return (await env.wait_sent("chan_a", before + 1))[before]


async def test_moderator_commands_answer_in_one_message_each(make_env: Any) -> None:
    async with make_env(live=False) as env:  # the preloaded history brings its own stream
        token = await preload(env)
        mod = env.moderators["chan_a"]
        chatstats = await ask(env, mod, "!chatstats")
        assert "1 chatter in the last 5 min" in chatstats and "All time" in chatstats
        assert "Kappa" in chatstats
        top = await ask(env, mod, "!top")
        assert top.startswith("Top chatters, all time: 1. pixelpaula_with_a_long_nm 20")
        week = await ask(env, mod, "!top 7d")
        assert (
            "last 7 days" in week and "Rising" in week and "pixelpaula_with_a_long_nm +20" in week
        )
        stats = await ask(env, mod, "!stats @Pixelpaula_with_a_long_nm")
        assert re.match(r"pixelpaula_with_a_long_nm: 20 messages here \(#1 of \d+ chatters", stats)
        assert "Replies most to frame_perfect_fred (10)" in stats
        timed_out = await ask(env, mod, "!stats glitchhunter")
        assert "1 timeout" in timed_out
        unknown = await ask(env, mod, "!stats nobody_here")
        assert "No chat recorded here from nobody_here" in unknown
        stream = await ask(env, mod, "!stream")
        assert stream.startswith("Live for 1 h 00 min") and "peak 240 viewers" in stream
        assert "1 mod action (1 timeout)" in stream
        link = LINK.search(stream)
        assert link and link.group(1) == token
        report = await ask(env, mod, "!report stream")
        assert LINK.search(report) and report.startswith("Stream report (live for")
        kept = await ask(env, mod, "!report stream keep")
        assert kept.startswith("Kept:")
        session = await env.running.services.db.history.session_by_token(token)
        assert session is not None and session.pinned
        assert_safe(env.sent("chan_a"))


async def test_viewers_are_refused_once_by_default(make_env: Any) -> None:
    async with make_env() as env:
        await preload(env)
        for _ in range(3):
            await env.say("chan_a", VIEWER, "!stats pixelpaula_with_a_long_nm")
        sent = await env.wait_sent("chan_a", 1)
        await asyncio.sleep(0.5)
        assert len(env.sent("chan_a")) == 1
        assert "moderators" in sent[0]
        await env.say("chan_a", VIEWER, "!stream")
        sent = await env.wait_sent("chan_a", 2)
        assert "!stream is for the broadcaster and moderators" in sent[1]


async def test_public_stats_has_a_per_user_cooldown(make_env: Any) -> None:
    extra = {"BOTCHECK_STATS_PUBLIC": "true", "BOTCHECK_STATS_USER_COOLDOWN_S": "30"}
    async with make_env(extra=extra) as env:
        await preload(env)
        first = await ask(env, VIEWER, "!stats pixelpaula_with_a_long_nm")
        assert first.startswith("pixelpaula_with_a_long_nm: 20 messages")
        await env.say("chan_a", VIEWER, "!stats glitchhunter")  # inside the cooldown: ignored
        mod = env.moderators["chan_a"]
        again = await ask(env, mod, "!stats glitchhunter")  # moderators are never limited
        assert again.startswith("glitchhunter:")
        again = await ask(env, mod, "!stats glitchhunter")
        assert again.startswith("glitchhunter:")
        refused = await ask(env, VIEWER, "!top")  # only !stats is opened
        assert "moderators" in refused
        await asyncio.sleep(0.3)
        assert len(env.sent("chan_a")) == 4
        assert_safe(env.sent("chan_a"))


async def test_the_stream_report_link_serves_the_page_and_its_downloads(make_env: Any) -> None:
    async with make_env() as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "hello chat")
        channel_id = next(iter(env.bot.joined))
        db: Database = env.running.services.db
        for _ in range(200):  # the first viewer poll opens the live stream's session
            if await db.history.latest_session(channel_id) is not None:
                break
            await asyncio.sleep(0.05)
        await env.say("chan_a", mod, "!report stream")
        sent = await env.wait_sent("chan_a", 1)
        link = re.search(r"(http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]{32})", sent[-1])
        assert link, sent[-1]
        async with httpx.AsyncClient() as http:
            page = await http.get(link.group(1))
            csv = await http.get(link.group(1) + ".csv")
            png = await http.get(link.group(1) + ".png")
        assert page.status_code == 200 and "chan_a" in page.text
        assert csv.status_code == 200 and png.content.startswith(b"\x89PNG")


async def test_the_bot_and_service_bots_are_left_out_of_top(make_env: Any) -> None:
    async with make_env(live=False) as env:
        await preload(env)
        db: Database = env.running.services.db
        channel = next(iter(env.bot.joined))
        now = datetime.now(UTC)
        bot_id = int(env.settings.bot_id or 0)
        loud = [
            ChatMessage(
                f"loud-{i}", channel, uid, login, "", "beep " * 20, now - timedelta(minutes=i)
            )
            for i in range(40)
            for uid, login in ((bot_id, "botcheck_bot"), (555, "nightbot"))
        ]
        await db.history.write_batch(messages=loud)
        top = await ask(env, env.moderators["chan_a"], "!top")
        assert top.startswith("Top chatters, all time: 1. pixelpaula_with_a_long_nm 20"), top
        assert "nightbot" not in top and "botcheck_bot" not in top
        assert await db.history.count_messages(channel) >= 80  # still recorded
