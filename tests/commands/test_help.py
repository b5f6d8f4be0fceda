"""`!botcheck help` names every command the bot answers."""

from __future__ import annotations

from typing import Any

from tests.e2e import conftest as e2e

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
