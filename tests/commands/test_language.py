"""`!botcheck lang`: a moderator picks the channel's language and the bot answers in it, through
twitchsim's chat."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e import conftest as e2e
from tests.simworld import VIEWER

make_env = e2e.make_env  # the e2e fixture: twitchsim + the running bot

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]+)$")


async def test_a_moderator_switches_the_channel_to_french_and_replies_follow(
    make_env: Any,
) -> None:
    async with make_env(cooldown_s=0) as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck lang")
        shown = (await env.wait_sent("chan_a", 1))[0]
        assert shown.startswith("This channel speaks English here. Change it with !botcheck lang")
        assert "fr (Français)" in shown and "ja (日本語)" in shown

        await env.say("chan_a", mod, "!botcheck lang klingon")
        refused = (await env.wait_sent("chan_a", 2))[1]
        assert refused.startswith("That is not a language I speak. Change it with")
        assert "pt (Português)" in refused

        await env.say("chan_a", mod, "!botcheck lang fr")
        assert (await env.wait_sent("chan_a", 3))[2] == (
            "C'est fait : je réponds désormais ici en Français."
        )
        await env.say("chan_a", mod, "!report")
        assert (await env.wait_sent("chan_a", 4))[3] == (
            "Pas encore de rapport sur cette chaîne : lancez d'abord !botcheck."
        )
        await env.say("chan_a", VIEWER, "!whois somebody")  # the error hook speaks it too
        assert (await env.wait_sent("chan_a", 5))[4] == (
            "Désolé, !whois est réservé au streamer et aux modérateurs."
        )

        await env.say("chan_a", mod, "!botcheck")
        await e2e.wait_for(lambda: any(LINK.search(m) for m in env.sent("chan_a")), timeout=60)
        summary = next(m for m in env.sent("chan_a") if LINK.search(m))
        assert len(summary) <= 500
        assert summary.startswith(("Vagues de viewbots probables : ", "À surveiller : ", "Rien d"))
        assert " Rapport : http://" in summary
        rows = await env.running.services.db.audit.recent(limit=20)
        audited = {(r.outcome, f"{r.command} {r.args}") for r in rows}
        assert ("lang-set", "botcheck lang fr") in audited


async def test_the_language_stays_in_the_database(make_env: Any) -> None:
    async with make_env() as env:
        await env.say("chan_a", "chan_a", "!botcheck lang 日本語")
        assert (await env.wait_sent("chan_a", 1))[0] == "完了：これからここでは日本語で返信します。"
        channel_id = int(env.world.user("chan_a").user_id)
        assert await env.running.services.db.channels.language(channel_id) == "ja"
