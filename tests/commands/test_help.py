"""`!botcheck help` names every command; `!help`/`!commands` only where the broadcaster says so;
the cooldown notice is said once per moderator, through twitchsim's chat."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e import conftest as e2e
from tests.simworld import VIEWER

make_env = e2e.make_env  # the e2e fixture: twitchsim + the running bot


async def test_help_names_every_command(make_env: Any) -> None:
    async with make_env() as env:
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck help")
        text = (await env.wait_sent("chan_a", 1))[0]
        names = sorted(env.bot.commands)
        assert {"botcheck", "report", "whois", "stats", "top", "chatstats", "stream"} <= set(names)
        for name in names:
            assert f"!{name}" in text
        assert len(text) <= 500


async def _quiet_for(env: Any, channel: str, count: int, seconds: float = 1.5) -> None:
    """Give the bot time to (wrongly) answer, then check it still sent only `count`."""
    await asyncio.sleep(seconds)
    assert len(env.sent(channel)) == count, env.sent(channel)


async def test_help_and_commands_answered_only_where_the_broadcaster_turns_them_on(
    make_env: Any,
) -> None:
    async with make_env() as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", VIEWER, "!help")
        await env.say("chan_a", mod, "!commands")
        await _quiet_for(env, "chan_a", 0)  # other bots' words: not ours by default

        await env.say("chan_a", mod, "!botcheck help on")
        refused = (await env.wait_sent("chan_a", 1))[0]
        assert refused == "Only the broadcaster can turn !help and !commands on or off."

        await env.say("chan_a", "chan_a", "!botcheck help on")
        assert (await env.wait_sent("chan_a", 2))[1] == "I will answer !help and !commands here."
        await env.say("chan_a", VIEWER, "!help")
        answer = (await env.wait_sent("chan_a", 3))[2]
        assert "checks who is in this chat" in answer and len(answer) <= 500
        assert all(sub in answer for sub in ("followers", "watch", "guard", "ban", "tz"))
        assert "!help," not in answer  # the list names botcheck's own commands

        await env.say("chan_a", "chan_a", "!botcheck help off")
        await env.wait_sent("chan_a", 4)
        await env.say("chan_a", VIEWER, "!commands")
        await _quiet_for(env, "chan_a", 4)


async def test_cooldown_notice_once_per_moderator(make_env: Any) -> None:
    async with make_env(cooldown_s=600) as env:
        mod = env.moderators["chan_a"]
        env.world.add_user("second_mod")
        env.world.add_moderator("chan_a", "second_mod")
        await env.say("chan_a", mod, "!botcheck")
        await e2e.wait_for(
            lambda: any("/r/" in m for m in env.sent("chan_a")), what="the first check"
        )
        before = len(env.sent("chan_a"))
        await env.say("chan_a", mod, "!botcheck")
        first = (await env.wait_sent("chan_a", before + 1))[before]
        assert "just ran here; try again in" in first
        await env.say("chan_a", "second_mod", "!botcheck")  # a second moderator is told too
        second = (await env.wait_sent("chan_a", before + 2))[before + 1]
        assert "just ran here; try again in" in second
        await env.say("chan_a", mod, "!botcheck")
        await env.say("chan_a", "second_mod", "!botcheck")
        await _quiet_for(env, "chan_a", before + 2)  # each was told once
