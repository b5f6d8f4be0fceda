"""Per-channel state across conduit processes (issue 16): real `botcheck run` processes on the
session's PostgreSQL, a channel's chat moving from one process to the other.

A channel's notifications go to one shard, so one process, until a rebalance moves the shard:
here the process answering a channel stops and the other takes its shard. What the first one
left (the `!botcheck` cooldown, a pending `!botcheck forget`) is in the database, so the second
process answers as the first would have: a moderator cannot tell which process answers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.bot.conduit.fleet import MOD, VIEWER, Fleet, fleet, wait_until
from twitchsim.conduits import route

pytestmark = [pytest.mark.timeout(300)]

SHARDS = 2
LINK = re.compile(r"https?://\S+/r/\S+")


async def answer(f: Fleet, channel: int, user: object, text: str, *, timeout: float = 60) -> str:
    """Say `text` as `user` and return the bot's next message in the channel."""
    before = len(f.world.sent_messages(channel))
    await f.world.say(channel, user, text)
    await wait_until(
        lambda: len(f.world.sent_messages(channel)) > before,
        timeout=timeout,
        what=f"an answer to {text!r}",
        step=0.1,
    )
    return str(f.world.sent_messages(channel)[before].text)


async def test_the_cooldown_and_a_pending_forget_survive_the_channel_moving(
    pg_url: str, tmp_path: Path
) -> None:
    async with fleet(pg_url, tmp_path, processes=2, shards=SHARDS, channels=6) as f:
        for p in f.procs.values():
            p.env["BOTCHECK_COOLDOWN_S"] = "600"
            p.start()
        await f.ready(SHARDS)
        held = await f.held()
        first = f.procs["bot1"]
        channel = next(c for c in f.channels if route(SHARDS, c)[0] in held["bot1"])

        await f.world.say(channel, VIEWER, "hello")  # someone in chat to check
        checked = await answer(f, channel, MOD, "!botcheck")
        assert LINK.search(checked), checked
        asked = await answer(f, channel, channel, "!botcheck forget")
        assert "To confirm" in asked, asked
        assert "ran !botcheck forget" in first.since_start()  # bot1 heard both

        # bot1 stops; bot2 takes its shard, and with it the channel's chat.
        assert await first.stop() == 0
        await wait_until(
            lambda: f.enabled_shards() == set(range(SHARDS)),
            timeout=30,
            what="bot2 to bind bot1's shard",
        )
        second = f.procs["bot2"]
        cooled = await answer(f, channel, MOD, "!botcheck")
        assert "just ran here; try again in" in cooled, cooled
        done = await answer(f, channel, channel, "!botcheck forget confirm", timeout=90)
        assert done.startswith("Done"), done
        log = second.since_start()
        assert "-> cooldown" in log and "-> forgotten" in log
        again = await answer(f, channel, channel, "!botcheck forget confirm")
        assert "Nothing to confirm" in again  # the confirmation was used up
