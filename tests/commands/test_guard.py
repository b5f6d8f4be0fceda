"""Who may run the moderator commands: badges and ids decide, never display names."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.e2e import conftest as e2e
from tests.simworld import OWNER, VIEWER

make_env = e2e.make_env  # the e2e fixture: twitchsim + the running bot

REFUSED = "!report is for the broadcaster and moderators"
ANSWERED = "No report yet in this channel"


def moderator(env: Any) -> str:
    return str(env.moderators["chan_a"])


def impostor(env: Any) -> str:
    """A viewer whose display name is the moderator's (logins differ, so must ids)."""
    mod = env.world.user(moderator(env))
    env.world.add_user("not_the_mod", display_name=mod.display_name)
    return "not_the_mod"


@pytest.mark.parametrize(
    ("who", "answer"),
    [
        pytest.param(lambda env: VIEWER, REFUSED, id="viewer"),
        pytest.param(moderator, ANSWERED, id="moderator"),
        pytest.param(lambda env: "chan_a", ANSWERED, id="broadcaster"),
        pytest.param(lambda env: OWNER, ANSWERED, id="owner"),
        pytest.param(impostor, REFUSED, id="viewer-named-like-a-moderator"),
    ],
)
async def test_the_guard_lets_in_broadcaster_moderators_and_owner(
    make_env: Any, who: Any, answer: str
) -> None:
    async with make_env(cooldown_s=0) as env:
        user = who(env)
        await env.say("chan_a", user, "!report")
        sent = await env.wait_sent("chan_a", 1)
        assert answer in sent[0]
        rows = await env.running.services.db.audit.recent(limit=5)
        assert [r.outcome for r in rows] == ["refused" if answer == REFUSED else "none"]


async def test_a_refusal_is_said_once_per_window_and_audited_each_time(make_env: Any) -> None:
    async with make_env(cooldown_s=60) as env:
        for _ in range(3):
            await env.say("chan_a", VIEWER, "!whois somebody")
        await env.wait_sent("chan_a", 1)
        await asyncio.sleep(0.5)
        assert len(env.sent("chan_a")) == 1
        rows = await env.running.services.db.audit.recent(limit=10)
        assert [r.outcome for r in rows] == ["refused"] * 3
