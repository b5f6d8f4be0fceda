"""`!botcheck followers` end to end: twitchsim's follower list, the bot, the report link."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import VIEWER
from twitchsim.follows import AttackSpec, FollowScenario, follower_list
from twitchsim.helix_followers import load_followers

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]+)$")


def _load(env: Any, channel: str, scenario: FollowScenario) -> None:
    world = env.world
    load_followers(
        world, world.by_login[channel], ((f.user, f.followed_at) for f in scenario.follows)
    )


@pytest.mark.parametrize(
    ("scenario", "lead", "bots"),
    [
        pytest.param(
            follower_list(1, 400, attacks=[AttackSpec(size=150)], spikes=False, days=30),
            "Likely follow-bots: ",
            True,
            id="follow-bot-attack",
        ),
        pytest.param(
            follower_list(4, 400, days=30),  # an honest raid: ~1,300 follows within the hour
            "Nothing unusual: ",
            False,
            id="honest-raid",
        ),
    ],
)
async def test_followers_report(
    make_env: Any, scenario: FollowScenario, lead: str, bots: bool
) -> None:
    async with make_env() as env:
        _load(env, "chan_a", scenario)
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck followers")
        sent = await env.wait_sent("chan_a", 1, timeout=60)
        summary = sent[-1]
        assert len(summary) <= 500
        assert summary.startswith(lead), summary
        link = LINK.search(summary)
        assert link, summary
        async with httpx.AsyncClient() as http:
            page = await http.get(link.group(1))
            data = await http.get(link.group(1) + ".json")
            rows = await http.get(link.group(1) + ".csv")
        assert page.status_code == 200 and "Followers of chan_a" in page.text
        body = json.loads(data.text)
        assert body["kind"] == "followers" and body["follows"] == len(scenario.follows)
        flagged = {
            int(line.split(",")[0])
            for line in rows.text.splitlines()[1:]
            if "follow_bot" in line.split(",")[-1]
        }
        truth = scenario.bot_ids()
        if bots:
            assert len(flagged & truth) >= 0.95 * len(truth)
            assert len(flagged - truth) <= 0.05 * len(flagged)
        else:
            assert not flagged


async def test_window_and_refusals(make_env: Any) -> None:
    scenario = follower_list(1, 300, attacks=[AttackSpec(size=100)], spikes=False, days=30)
    async with make_env(cooldown_s=0) as env:
        _load(env, "chan_a", scenario)
        await env.say("chan_a", VIEWER, "!botcheck followers")
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck followers soon")
        # Two people's commands are answered as each is handled: no order between them.
        sent = await env.wait_sent("chan_a", 2)
        assert sorted(("moderators" in s, "window" in s) for s in sent) == [
            (False, True),
            (True, False),
        ], sent
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck followers 1d")
        sent = await env.wait_sent("chan_a", 3, timeout=60)
        assert LINK.search(sent[-1]), sent[-1]


async def test_forget_removes_the_follower_reports(make_env: Any) -> None:
    scenario = follower_list(2, 200, spikes=False, days=30)
    async with make_env() as env:
        _load(env, "chan_a", scenario)
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck followers")
        sent = await env.wait_sent("chan_a", 1, timeout=60)
        link = LINK.search(sent[-1])
        assert link, sent[-1]
        service = env.running.services.followers
        channel_id = env.world.by_login["chan_a"]
        assert await service.forget(channel_id + 1) == 0
        assert await service.forget(channel_id) == 1
        async with httpx.AsyncClient() as http:
            assert (await http.get(link.group(1))).status_code == 404


async def test_botcheck_forget_in_chat_removes_the_follower_reports(make_env: Any) -> None:
    scenario = follower_list(3, 200, spikes=False, days=30)
    async with make_env() as env:
        _load(env, "chan_a", scenario)
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck followers")
        sent = await env.wait_sent("chan_a", 1, timeout=60)
        link = LINK.search(sent[-1])
        assert link, sent[-1]
        await env.say("chan_a", "chan_a", "!botcheck forget")
        await env.wait_sent("chan_a", 2)
        await env.say("chan_a", "chan_a", "!botcheck forget confirm")
        await env.wait_sent("chan_a", 3, timeout=60)
        async with httpx.AsyncClient() as http:
            assert (await http.get(link.group(1))).status_code == 404
