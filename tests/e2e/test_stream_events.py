"""Stream events end to end (issue 18): twitchsim sends every kind over the real EventSub socket,
the running bot stores each once in its stream session and shows them on the stream page, CSV
and JSON; it says in its log what it cannot get and why; an incoming raid is named in a check."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from bot.twitch.oauth import OWNER_SUBS_SCOPES
from storage import EventKind, StreamEvent, StreamSession
from tests.e2e.conftest import OWNER, VIEWER, Channel, Env

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]+)$")


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def owner_authorizes(env: Env) -> None:
    """The owner, a streamer the bot moderates, grants subscription events."""
    access, refresh = env.world.issue_user_token(OWNER, list(OWNER_SUBS_SCOPES))
    owner = env.world.user(OWNER)
    await env.bot.event_oauth_authorized(
        SimpleNamespace(
            user_id=str(owner.user_id),
            user_login=OWNER,
            access_token=access,
            refresh_token=refresh,
        )
    )


def subscribed(env: Env) -> set[tuple[str, str]]:
    """(type, channel) of every EventSub subscription the bot holds."""
    out = set()
    for d in env.bot.websocket_subscriptions().values():
        c = d.condition
        channel = (
            c.get("broadcaster_user_id")
            or c.get("to_broadcaster_user_id")
            or c.get("from_broadcaster_user_id")
        )
        out.add((str(d.type.value), str(channel)))
    return out


async def stored(env: Env, login: str, count: int) -> list[StreamEvent]:
    db = env.running.services.db
    channel_id = env.world.user(login).user_id
    got: list[StreamEvent] = []

    async def enough() -> bool:
        nonlocal got
        await env.running.services.recorder.flush()
        got = await db.stream_events.in_channel(channel_id)
        return len(got) >= count

    await until(enough, f"{count} stream event(s) of {login}")
    return got


async def session_of(env: Env, login: str) -> StreamSession:
    db = env.running.services.db
    channel_id = env.world.user(login).user_id
    await until(lambda: _has_session(env, channel_id), f"the stream session of {login}", timeout=20)
    session = await db.history.latest_session(channel_id)
    assert session is not None
    return session


async def _has_session(env: Env, channel_id: int) -> bool:
    return await env.running.services.db.history.latest_session(channel_id) is not None


async def report(env: Env, token: str) -> tuple[str, list[dict[str, str]], dict[str, Any]]:
    base = f"{env.settings.public_url}/r/{token}"
    async with httpx.AsyncClient() as http:
        page = await http.get(base)
        table = await http.get(base + ".csv")
        doc = await http.get(base + ".json")
    assert page.status_code == table.status_code == doc.status_code == 200
    return page.text, list(csv.DictReader(io.StringIO(table.text))), doc.json()


async def test_every_kind_is_stored_once_in_its_session_and_shown(
    make_env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    async with make_env(channels=(Channel("chan_a"), Channel(OWNER))) as env:
        world = env.world
        world.add_channel("bigstreamer")
        world.add_channel("elsewhere")
        fans = [world.add_user(f"fan_{i}").login for i in range(4)]
        chan_a = str(world.user("chan_a").user_id)
        owner = str(world.user(OWNER).user_id)
        # What the bot cannot get is said once per channel, with the reason.
        assert "stream events in chan_a: cannot get subscriptions" in caplog.text
        assert "a moderator cannot be granted it" in caplog.text
        assert f"stream events in {OWNER}: cannot get subscriptions" in caplog.text
        assert caplog.text.count("stream events in chan_a: cannot get") == 1
        have = subscribed(env)
        assert ("channel.follow", chan_a) in have and ("channel.raid", chan_a) in have
        assert ("channel.subscribe", chan_a) not in have
        await owner_authorizes(env)

        async def owner_subs() -> bool:
            return ("channel.subscription.gift", owner) in subscribed(env)

        await until(owner_subs, "the owner's subscription events")
        assert ("channel.subscribe", chan_a) not in subscribed(env)  # never another's
        a_session, o_session = await session_of(env, "chan_a"), await session_of(env, OWNER)

        world.subscribe(OWNER, fans[0], tier="2000")
        world.resubscribe(OWNER, fans[1], months=7, text="seven months already")
        world.gift(OWNER, fans[2], [fans[3], VIEWER, fans[0]])
        world.raid("bigstreamer", "chan_a", 300)
        world.raid("chan_a", "elsewhere", 50)
        world.follow("chan_a", VIEWER)

        mine = await stored(env, OWNER, 3)
        theirs = await stored(env, "chan_a", 3)
        await asyncio.sleep(0.3)  # anything extra (a gift's recipients) would have landed
        mine = await stored(env, OWNER, 3)
        assert sorted(e.kind for e in mine) == [EventKind.GIFT, EventKind.RESUB, EventKind.SUB]
        assert sorted(e.kind for e in theirs) == [
            EventKind.FOLLOW,
            EventKind.RAID_IN,
            EventKind.RAID_OUT,
        ]
        assert {e.session_id for e in mine} == {o_session.session_id}
        assert {e.session_id for e in theirs} == {a_session.session_id}
        by_kind = {e.kind: e for e in (*mine, *theirs)}
        assert by_kind[EventKind.GIFT].amount == 3 and by_kind[EventKind.GIFT].user_login == fans[2]
        assert by_kind[EventKind.RESUB].months == 7
        assert by_kind[EventKind.RAID_IN].user_login == "bigstreamer"
        assert by_kind[EventKind.RAID_IN].amount == 300
        assert by_kind[EventKind.RAID_OUT].user_login == "elsewhere"

        page, rows, doc = await report(env, a_session.report_token)
        assert "bigstreamer raided the channel with 300 viewers" in page
        assert "the channel raided elsewhere with 50 viewers" in page
        assert f"{VIEWER} followed" in page
        assert "raid from bigstreamer (300)" in page  # the chart's marker, in its alt text
        kinds = [r["kind"] for r in rows if r["kind"] in ("raid_in", "raid_out", "follow")]
        assert sorted(kinds) == ["follow", "raid_in", "raid_out"]
        raid_row = next(r for r in rows if r["kind"] == "raid_in")
        assert raid_row["login"] == "bigstreamer" and raid_row["amount"] == "300"
        assert doc["stream_event_counts"]["raid_in"] == 1
        assert [e["kind"] for e in doc["stream_events"]].count("follow") == 1

        page, rows, doc = await report(env, o_session.report_token)
        assert f"{fans[0]} subscribed (tier 2)" in page
        assert f"{fans[1]} resubscribed for 7 months" in page
        assert f"{fans[2]} gifted 3 subs" in page
        assert doc["stream_event_counts"]["gift"] == 3
        resub = next(r for r in rows if r["kind"] == "resub")
        assert resub["months"] == "7" and resub["text"] == "seven months already"


async def test_a_check_right_after_a_raid_says_so(make_env: Any) -> None:
    async with make_env(channels=(Channel("chan_a", scenario="farm", size=300),)) as env:
        env.world.add_channel("bigstreamer")
        await session_of(env, "chan_a")
        env.world.raid("bigstreamer", "chan_a", 250)
        await stored(env, "chan_a", 1)
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck")
        (summary,) = await env.wait_sent("chan_a", 1, timeout=60)
        assert "right after a raid from bigstreamer with 250 viewers" in summary, summary
        link = LINK.search(summary)
        assert link is not None
        async with httpx.AsyncClient() as http:
            doc = (await http.get(link.group(1) + ".json")).json()
        reasons = " ".join(doc["verdict"]["reasons"])
        assert "right after a raid from bigstreamer brought 250 viewers" in reasons, reasons
        assert doc["totals"]["raid"]["from_login"] == "bigstreamer"


async def test_the_chat_switch_unsubscribes_and_subscribes_at_once(make_env: Any) -> None:
    async with make_env(channels=(Channel("chan_a"),)) as env:
        world, mod = env.world, env.moderators["chan_a"]
        chan_a = str(world.user("chan_a").user_id)
        fans = [world.add_user(f"fan_{i}").login for i in range(2)]
        mine = {("channel.follow", chan_a), ("channel.raid", chan_a)}  # in and out: one key
        assert mine <= subscribed(env)
        outgoing = _outgoing_raids(env, chan_a)
        assert outgoing == 1

        async def ask(text: str) -> str:
            before = len(env.sent("chan_a"))
            await env.say("chan_a", mod, text)
            return (await env.wait_sent("chan_a", before + 1))[before]

        said = await ask("!botcheck events")
        assert said.startswith("Stream events are on here: I record raids in and out, follows.")
        assert "Out of reach: subscriptions (the bot's log says why)." in said
        said = await ask("!botcheck events off")
        assert said.startswith("Stream events are off here"), said
        assert ("channel.follow", chan_a) not in subscribed(env)
        assert _outgoing_raids(env, chan_a) == 0
        assert ("channel.raid", chan_a) in subscribed(env)  # the incoming one: raid defence
        assert not await env.running.services.db.stream_events.enabled(int(chan_a))
        world.follow("chan_a", fans[0])
        said = await ask("!botcheck events please")
        assert said == (
            "That is neither on nor off. Use !botcheck events on or !botcheck events off."
        )
        said = await ask("!botcheck events")
        assert said.startswith("Stream events are off here"), said
        said = await ask("!botcheck events on")
        assert said.startswith("Stream events are on here: I record raids"), said
        assert ("channel.follow", chan_a) in subscribed(env)
        assert _outgoing_raids(env, chan_a) == 1
        world.follow("chan_a", fans[1])
        (follow,) = await stored(env, "chan_a", 1)
        assert follow.user_login == fans[1]  # the follow while off never came
        await env.running.services.recorder.flush()
        db = env.running.services.db
        outcomes = [a.outcome for a in await db.audit.recent(channel_id=int(chan_a), limit=10)]
        assert {"events-shown", "events-off", "events-on", "bad-argument"} <= set(outcomes)


def _outgoing_raids(env: Env, channel: str) -> int:
    return sum(
        1
        for d in env.bot.websocket_subscriptions().values()
        if d.condition.get("from_broadcaster_user_id") == channel
    )
