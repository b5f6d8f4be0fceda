"""Chat defence end to end: twitchsim plays raids into chat, the running bot alerts, guards,
bans on a check, undoes, resumes a ban run after a restart, refuses to ban regulars and says
when its token lacks the moderation scopes."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import httpx

from bot.defence import GUARD_SCOPES
from bot.twitch.oauth import BOT_SCOPES
from storage import ChatMessage
from tests.e2e.conftest import BOT, Channel, Env, wait_for

LINK = re.compile(r"http://127\.0\.0\.1:\d+/r/([A-Za-z0-9_-]{32})")


async def play(env: Env, channel: str, kind: str, *, size: int = 20, seed: int = 3) -> Any:
    """Play a raid scenario into the channel's chat at once; return its ground truth."""
    url = f"{env.sim.url}/sim/channels/{channel}/raid_scenario"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"kind": kind, "seed": seed, "size": size, "speed": 0}) as r,
    ):
        assert r.status == 200, await r.text()
        return await r.json()


async def grant_guard_scopes(env: Env) -> None:
    """The bot account authorizes again, now with the guard's scopes."""
    access, refresh = env.world.issue_user_token(BOT, [*BOT_SCOPES, *GUARD_SCOPES])
    await env.bot.add_token(access, refresh)


def said(env: Env, channel: str, needle: str) -> list[str]:
    return [m for m in env.sent(channel) if needle in m]


async def wait_said(env: Env, channel: str, needle: str, timeout: float = 30.0) -> str:
    await wait_for(lambda: bool(said(env, channel, needle)), timeout=timeout, what=repr(needle))
    return said(env, channel, needle)[-1]


async def command(env: Env, channel: str, user: str, text: str, *, badges: list[str]) -> None:
    await env.world.say(channel, user, text, badges=badges)


async def test_spam_raid_alerts_once_with_a_raid_page(make_env: Any) -> None:
    async with make_env() as env:
        info = await play(env, "chan_a", "spam")
        alert = await wait_said(env, "chan_a", "Raid alert:")
        assert "spam raid" in alert
        token = LINK.search(alert)
        assert token is not None
        async with httpx.AsyncClient() as http:
            page = await http.get(token.group(0))
            csv = await http.get(token.group(0) + ".csv")
        assert page.status_code == 200 and "Spam raid" in page.text
        assert "style-src 'sha256-" in page.headers["Content-Security-Policy"]
        raiders = {int(u) for u in info["raiders"]}
        listed = {int(line.split(",")[0]) for line in csv.text.splitlines()[1:]}
        assert listed <= raiders and len(listed) >= 6
        assert len(said(env, "chan_a", "Raid alert:")) == 1  # one alert, not one per message
        # The guard is off by default: nobody was timed out.
        assert not env.world.channel("chan_a").bans
        entries = await env.running.services.db.audit.recent(limit=50)
        assert any(e.command == "raid-alert" for e in entries)


async def test_honest_raid_is_said_as_such(make_env: Any) -> None:
    async with make_env() as env:
        info = await play(env, "chan_a", "honest", size=30)
        assert info["incoming_from"]
        await wait_for(
            lambda: env.running.services.defence.hub.fed >= info["messages"],
            what="the raid's messages fed",
        )
        await env.running.services.defence.hub.settled()
        assert not said(env, "chan_a", "Raid alert:")  # never a hostile alert
        # The guests then post the raid message together: a wave of first-time chatters with
        # one text, but after the streamer's channel.raid it is said as an honest raid.
        for i in range(10):
            guest = env.world.add_user(f"guest_{i:02d}")
            text = f"{info['incoming_from']} raid PogChamp {info['incoming_from']} raid"
            await env.world.say("chan_a", guest.login, text)
        honest = await wait_said(env, "chan_a", "looks like an honest raid")
        assert not said(env, "chan_a", "Raid alert:")
        assert info["incoming_from"] in honest


async def test_guard_needs_scopes_then_times_out_and_undo_lifts(make_env: Any) -> None:
    async with make_env() as env:
        mod = env.moderators["chan_a"]
        await command(env, "chan_a", mod, "!botcheck guard on", badges=["moderator/1"])
        await wait_said(env, "chan_a", "Only the broadcaster")
        await command(env, "chan_a", "chan_a", "!botcheck guard on", badges=["broadcaster/1"])
        answer = await wait_said(env, "chan_a", "must authorize again")
        assert "moderator:manage:banned_users" in answer
        await grant_guard_scopes(env)
        await command(env, "chan_a", "chan_a", "!botcheck guard on", badges=["broadcaster/1"])
        await wait_said(env, "chan_a", "Raid guard on")

        info = await play(env, "chan_a", "spam")
        raiders = {int(u) for u in info["raiders"]}
        chan = env.world.channel("chan_a")
        await wait_for(lambda: len(chan.bans) >= 6, what="raiders timed out")
        # Undo at once, while the guard may still be timing out and raid lines may still be
        # on their way through the recorder: none of it may outlive the undo (issue 20).
        assert set(chan.bans) <= raiders
        assert all(b.ends_at is not None for b in chan.bans.values())  # timeouts, not bans
        assert env.world.user(mod).user_id not in chan.bans

        await command(env, "chan_a", mod, "!botcheck undo", badges=["moderator/1"])
        answer = await wait_said(env, "chan_a", "Undo:")
        assert "lifted" in answer
        await asyncio.sleep(1.0)  # let late raid lines reach the recorder
        await env.running.services.recorder.flush()
        await env.running.services.defence.hub.settled()
        assert not chan.bans
        entries = await env.running.services.db.audit.recent(limit=100)
        assert {"guard", "undo"} <= {e.command for e in entries}


async def test_ban_on_a_check_spares_regulars_asks_confirmation_and_unban(make_env: Any) -> None:
    async with make_env([Channel("chan_a", scenario="farm", size=200)]) as env:
        mod = env.moderators["chan_a"]
        await grant_guard_scopes(env)
        db = env.running.services.db
        channel_id = env.world.channel("chan_a").user.user_id
        await command(env, "chan_a", mod, "!botcheck", badges=["moderator/1"])
        await wait_said(env, "chan_a", "/r/", timeout=60)
        await env.stored()
        capture = await db.captures.latest(channel_id)
        assert capture is not None
        # One flagged account chatted here last week: a regular, never banned.
        plan_first = await env.running.services.defence.bans.propose(
            channel_id, capture, await env.running.services.defence.protected(channel_id)
        )
        assert plan_first is not None and plan_first.plan.ban
        regular = plan_first.plan.ban[0]
        old = datetime.now(UTC) - timedelta(days=7)
        said_before = ChatMessage("old-1", channel_id, regular.user_id, regular.login, "", "", old)
        await db.history.write_batch(messages=[said_before])
        await command(env, "chan_a", mod, "!botcheck ban", badges=["moderator/1"])
        ask = await wait_said(env, "chan_a", "!botcheck ban confirm")
        assert "1 who chatted here before the wave" in ask
        await command(env, "chan_a", mod, "!botcheck ban confirm", badges=["moderator/1"])
        await wait_said(env, "chan_a", "banning")
        done = await wait_said(env, "chan_a", "Ban run 1: banned", timeout=60)
        chan = env.world.channel("chan_a")
        assert regular.user_id not in chan.bans
        assert len(chan.bans) == len(plan_first.plan.ban) - 1, done
        assert all(b.ends_at is None for b in chan.bans.values())

        await command(env, "chan_a", mod, "!botcheck unban", badges=["moderator/1"])
        await wait_said(env, "chan_a", "undone", timeout=60)
        assert not chan.bans


async def test_ban_confirm_without_asking_and_missing_scope(make_env: Any) -> None:
    async with make_env() as env:
        mod = env.moderators["chan_a"]
        await command(env, "chan_a", mod, "!botcheck ban confirm", badges=["moderator/1"])
        await wait_said(env, "chan_a", "Nothing to confirm")
        await command(env, "chan_a", mod, "!botcheck ban", badges=["moderator/1"])
        await wait_said(env, "chan_a", "no finished check")
        await command(env, "chan_a", mod, "!botcheck unban", badges=["moderator/1"])
        await wait_said(env, "chan_a", "No ban run")


async def test_notice_and_sensitivity_settings(make_env: Any) -> None:
    async with make_env() as env:
        mod = env.moderators["chan_a"]
        await command(env, "chan_a", mod, "!botcheck notice on 10", badges=["moderator/1"])
        await wait_said(env, "chan_a", "under 10 days")
        await command(env, "chan_a", mod, "!botcheck sensitivity high", badges=["moderator/1"])
        await wait_said(env, "chan_a", "set to high")
        channel_id = env.world.channel("chan_a").user.user_id
        settings = await env.running.services.defence.settings(channel_id)
        assert settings.notice_days == 10 and settings.sensitivity == "high"
        stored = await env.running.services.defence.store.settings(channel_id)
        assert stored == settings
        # A young account writes here for the first time: listed in the next digest only.
        young = env.world.add_user("fresh_face", created_at=datetime.now(UTC) - timedelta(days=2))
        await env.world.say("chan_a", young.login, "hello all")
        defence = env.running.services.defence
        await wait_for(lambda: defence.ages.created(young.user_id) is not None, what="age")
        state = await defence.hub.channel(channel_id)
        text = await defence.response.digest(state)
        assert text is not None and "fresh_face (2 d)" in text
        assert await defence.response.digest(state) is None  # once


async def test_guard_shield_turns_shield_mode_on_and_undo_off(make_env: Any) -> None:
    async with make_env() as env:
        await grant_guard_scopes(env)
        await command(env, "chan_a", "chan_a", "!botcheck guard shield", badges=["broadcaster/1"])
        await wait_said(env, "chan_a", "shield mode")
        channel_id = env.world.channel("chan_a").user.user_id
        shield = env.sim.moderation.shield(channel_id)
        await play(env, "chan_a", "spam")
        await wait_for(lambda: shield.is_active, what="shield mode on")
        assert not env.world.channel("chan_a").bans  # shield mode instead of timeouts
        mod = env.moderators["chan_a"]
        await command(env, "chan_a", mod, "!botcheck undo", badges=["moderator/1"])
        await wait_said(env, "chan_a", "Undo:")
        assert not shield.is_active


async def test_a_ban_run_cut_off_by_a_restart_is_finished_on_start(make_env: Any) -> None:
    async with make_env() as env:
        await grant_guard_scopes(env)
        defence = env.running.services.defence
        channel_id = env.world.channel("chan_a").user.user_id
        targets = []
        for i in range(5):
            user = env.world.add_user(f"farm_{i}")
            targets.append((int(user.user_id), user.login))
        # What a process killed mid-run leaves behind: a running run, its bans pending, one of
        # them already at Twitch.
        run = await defence.store.new_run(
            channel_id, targets, capture_id=None, requested_by="mod_0", at=datetime.now(UTC)
        )
        env.world.ban("chan_a", targets[0][1])
        assert await defence.bans.resume() == 1  # what Defence.start() does on start-up
        await wait_said(env, "chan_a", f"Ban run {run.run_id}: banned 5")
        assert set(env.world.channel("chan_a").bans) == {uid for uid, _ in targets}
