"""Stream events in conduit mode (issue 18): two real `botcheck run` processes on the session's
PostgreSQL share a conduit; the leader subscribes each channel to the stream events within
reach, every kind lands on its stream once although Twitch hands each notification to both
processes (a retry of one the first shard did get), and `!botcheck events off|on` makes and
deletes the channel's subscriptions at once, from whichever process hears it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from bot.twitch.oauth import OWNER_SUBS_SCOPES
from bot.twitch.tokens import save_token
from storage import Database
from tests.bot.conduit.fleet import BOT, MOD, OWNER, VIEWER, Fleet, fleet, wait_until

pytestmark = [pytest.mark.timeout(300)]

SHARDS = 2


async def stream_events(f: Fleet) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(f.url)
    try:
        return list(
            await conn.fetch(
                "SELECT channel_id, kind, session_id, user_login, amount, months, dedupe_key "
                "FROM stream_events ORDER BY event_id"
            )
        )
    finally:
        await conn.close()


async def sessions(f: Fleet) -> dict[int, int]:
    """channel -> its open stream session."""
    conn = await asyncpg.connect(f.url)
    try:
        rows = await conn.fetch(
            "SELECT channel_id, session_id FROM stream_sessions WHERE ended_at IS NULL"
        )
    finally:
        await conn.close()
    return {r["channel_id"]: r["session_id"] for r in rows}


def event_subs(f: Fleet, channel: int) -> set[str]:
    """The channel's conduit subscriptions that the stream-event switch governs."""
    out = set()
    for s in f.world.hub.subs.values():
        if not s.conduit_id:
            continue
        c = s.condition
        if s.type == "channel.raid" and c.get("from_broadcaster_user_id") == str(channel):
            out.add("raid_out")
        elif s.type in ("channel.follow", "channel.subscribe") and c.get(
            "broadcaster_user_id"
        ) == str(channel):
            out.add(s.type)
    return out


async def answer(f: Fleet, channel: int, text: str) -> str:
    before = len(f.world.sent_messages(channel))
    await f.world.say(channel, MOD, text)
    await wait_until(
        lambda: len(f.world.sent_messages(channel)) > before, timeout=60, what=f"{text!r}"
    )
    return str(f.world.sent_messages(channel)[before].text)


async def test_every_kind_lands_once_with_two_processes_and_the_switch_follows(
    pg_url: str, tmp_path: Path
) -> None:
    async with fleet(pg_url, tmp_path, processes=2, shards=SHARDS, channels=2) as f:
        world = f.world
        # The owner streams too, the bot moderates there, and the owner granted subscriptions.
        owner = world.add_channel(OWNER)
        world.add_moderator(owner, BOT)
        world.add_moderator(owner, MOD)
        access, refresh = world.issue_user_token(OWNER, list(OWNER_SUBS_SCOPES))
        async with Database(f.url) as db:
            await save_token(
                db,
                user_id=str(owner.user_id),
                login=OWNER,
                access_token=access,
                refresh_token=refresh,
                scopes=list(OWNER_SUBS_SCOPES),
                expires_in=4 * 3600,
            )
        f.channels.append(owner.user_id)
        f.extra_subscriptions = 3  # the owner's channel.subscribe, .message, .gift
        chan, other = f.channels[0], f.channels[1]
        for c in f.channels:
            world.set_stream(c, True, 100)
        world.add_channel("bigstreamer")
        world.add_channel("elsewhere")
        fans = [world.add_user(f"fan_{i}").login for i in range(4)]
        for p in f.procs.values():
            p.start()
        await f.ready(SHARDS)
        await wait_until(lambda: _all_live(f), timeout=60, what="every stream session", step=0.25)
        live = await sessions(f)
        logs = "".join(p.since_start() for p in f.procs.values())
        login = world.user(chan).login
        assert f"stream events in {login}: cannot get subscriptions" in logs
        assert "a moderator cannot be granted it" in logs
        assert logs.count(f"stream events in {login}: cannot get") == 1
        assert f"stream events in {OWNER}: cannot get" not in logs
        assert "conduit subscriptions:" in logs and "channels fit" in logs

        # Twitch doubts every first delivery: each notification reaches both processes.
        world.conduits.echo_retries = True
        retried = world.conduits.retried
        world.subscribe(OWNER, fans[0], tier="2000")
        world.resubscribe(OWNER, fans[1], months=7, text="seven months already")
        world.gift(OWNER, fans[2], [fans[3], VIEWER, fans[0]])
        world.raid("bigstreamer", chan, 300)
        world.raid(chan, "elsewhere", 50)
        world.raid(chan, other, 40)  # both ends served: an out and an in
        world.follow(chan, VIEWER)

        want = Counter(
            {
                (owner.user_id, "sub"): 1,
                (owner.user_id, "resub"): 1,
                (owner.user_id, "gift"): 1,
                (chan, "raid_in"): 1,
                (chan, "raid_out"): 2,
                (chan, "follow"): 1,
                (other, "raid_in"): 1,
            }
        )

        async def landed() -> bool:
            got = Counter((r["channel_id"], r["kind"]) for r in await stream_events(f))
            return got == want

        await wait_until(landed, timeout=60, what="every stream event, once", step=0.25)
        assert world.conduits.retried - retried >= sum(want.values())  # each seen twice
        rows = await stream_events(f)
        assert len({r["dedupe_key"] for r in rows}) == len(rows)
        assert all(r["session_id"] == live[r["channel_id"]] for r in rows)
        gift = next(r for r in rows if r["kind"] == "gift")
        assert gift["amount"] == 3 and gift["user_login"] == fans[2]
        assert next(r for r in rows if r["kind"] == "resub")["months"] == 7

        # The switch, from whichever process holds the channel's shard: off deletes the
        # channel's stream-event subscriptions at once (incoming raids stay: raid defence).
        assert event_subs(f, chan) == {"raid_out", "channel.follow"}
        said = await answer(f, chan, "!botcheck events")
        assert said.startswith("Stream events are on here: I record raids in and out, follows.")
        assert "Out of reach: subscriptions" in said
        said = await answer(f, chan, "!botcheck events off")
        assert said.startswith("Stream events are off here"), said
        assert event_subs(f, chan) == set()
        world.follow(chan, fans[1])
        said = await answer(f, chan, "!botcheck events sometimes")
        assert said.startswith("That is neither on nor off."), said
        said = await answer(f, chan, "!botcheck events on")
        assert said.startswith("Stream events are on here: I record raids"), said
        assert event_subs(f, chan) == {"raid_out", "channel.follow"}
        world.follow(chan, fans[2])
        want[(chan, "follow")] += 1  # the second follow only: the first came while off
        await wait_until(landed, timeout=60, what="the follow after on", step=0.25)
        logins = [r["user_login"] for r in await stream_events(f) if r["kind"] == "follow"]
        assert logins == [VIEWER, fans[2]]
        log = "".join(p.since_start() for p in f.procs.values())
        assert "-> events-off" in log and "-> events-on" in log and "-> bad-argument" in log
        for p in f.procs.values():
            assert await p.stop() == 0, p.log_text()[-2000:]


async def _all_live(f: Fleet) -> bool:
    return set(f.channels) <= (await sessions(f)).keys()
