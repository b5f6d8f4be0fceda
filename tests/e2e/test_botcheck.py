"""The product as moderators meet it: commands typed in chat, answers in chat, report links."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bot.bot import CHANNEL_SUBSCRIPTIONS
from bot.twitch import patches
from bot.twitch.oauth import auth_link
from storage import CaptureStatus, Database
from tests.bot.capture.test_early import hold_writes
from tests.bot.defence.test_pages import a_raid
from tests.e2e.conftest import OWNER, VIEWER, Channel, wait_for
from twitchsim import SimConfig

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]+)$")


def assert_safe(messages: list[str]) -> None:
    for m in messages:
        assert len(m) <= 500
        assert not m.startswith(("/", "."))


async def test_moderator_gets_a_summary_with_a_working_report_link(make_env: Any) -> None:
    async with make_env() as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck")
        sent = await env.wait_sent("chan_a", 1)
        summary = sent[-1]
        assert summary.startswith(("Likely viewbot waves: ", "Worth a look: ", "Nothing unusual: "))
        link = LINK.search(summary)
        assert link, summary
        async with httpx.AsyncClient() as http:
            png = await http.get(link.group(1) + ".png")
            page = await http.get(link.group(1))
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert_safe(sent)
        # The report also recorded the numbers the dashboard's chart draws (no file read).
        db = env.running.services.db
        capture = await db.captures.by_token(link.group(1).rsplit("/", 1)[1])
        (point,) = await db.dashboard.series(capture.channel_id)
        assert point.analysed is not None and point.analysed > 0
        assert point.flagged_share is not None


async def test_the_answer_goes_out_before_the_last_writes_and_report_waits_for_them(
    make_env: Any,
) -> None:
    # Issue 21: the answer does not wait for the capture's last rows; what reads them after
    # (!report, a second !botcheck) waits for them instead of missing them or hearing "busy".
    async with make_env(cooldown_s=0) as env:
        release = hold_writes(env.running.services.db)
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck")
        first = (await env.wait_sent("chan_a", 1))[0]
        link = LINK.search(first)
        assert link, first
        await env.say("chan_a", mod, "!report")
        await env.say("chan_a", mod, "!botcheck")
        await asyncio.sleep(0.5)
        assert len(env.sent("chan_a")) == 1  # both wait for the rows, neither says "busy"
        release.set()
        sent = await env.wait_sent("chan_a", 3)
        report = next(m for m in sent[1:] if m.startswith("Latest report"))
        assert link.group(1) in report and "verdict" in report, report
        again = LINK.search(next(m for m in sent[1:] if m is not report))
        assert again is not None and again.group(1) != link.group(1), sent


async def test_broadcaster_may_run_it_and_a_viewer_is_refused_once(make_env: Any) -> None:
    async with make_env(cooldown_s=0) as env:
        for _ in range(3):
            await env.say("chan_a", VIEWER, "!botcheck")
        sent = await env.wait_sent("chan_a", 1)
        await asyncio.sleep(0.5)
        assert len(env.sent("chan_a")) == 1 and "moderators" in sent[0]
        await env.say("chan_a", "chan_a", "!botcheck")
        sent = await env.wait_sent("chan_a", 2)
        assert LINK.search(sent[-1])


async def test_cooldown_is_answered_once_with_the_time_left(make_env: Any) -> None:
    async with make_env(cooldown_s=120) as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck")
        await env.wait_sent("chan_a", 1)
        await env.say("chan_a", mod, "!botcheck")
        sent = await env.wait_sent("chan_a", 2)
        assert re.search(r"try again in \d+ s", sent[-1])
        await env.say("chan_a", mod, "!botcheck")
        await asyncio.sleep(0.5)
        assert len(env.sent("chan_a")) == 2


async def test_two_channels_at_once(make_env: Any) -> None:
    async with make_env([Channel("chan_a"), Channel("chan_b", "farm", 800)]) as env:
        await asyncio.gather(
            env.say("chan_a", env.moderators["chan_a"], "!botcheck"),
            env.say("chan_b", env.moderators["chan_b"], "!botcheck"),
        )
        a = await env.wait_sent("chan_a", 1)
        b = await env.wait_sent("chan_b", 1)
        assert LINK.search(a[-1]) and LINK.search(b[-1])
        assert LINK.search(a[-1]).group(1) != LINK.search(b[-1]).group(1)


async def test_help_and_a_bad_window_get_one_plain_sentence(make_env: Any) -> None:
    async with make_env() as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck help")
        await env.say("chan_a", mod, "!botcheck /ban everyone")
        sent = await env.wait_sent("chan_a", 2)
        assert "!botcheck 30d" in sent[0]
        assert "ban everyone" not in sent[1]
        assert_safe(sent)


async def test_bot_unmodded_during_a_capture_ends_partial(make_env: Any) -> None:
    slow = SimConfig(latency_s=0.15)
    async with make_env([Channel("chan_a", "organic", 6000)], config=slow) as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck")
        db: Database = env.running.services.db
        capturer = env.running.services.capturer
        channel_id = next(iter(env.bot.joined))
        await wait_for(lambda: capturer.progress(channel_id) is not None, what="capture start")
        env.world.remove_moderator("chan_a", "botcheck_bot")
        await wait_for_capture_end(db, channel_id)
        await wait_for(lambda: not env.bot.joined, timeout=20, what="the bot to leave")
        channel = await db.channels.get(channel_id)
        assert channel is not None and not channel.active
        capture = await db.captures.latest(channel_id, finished_only=False)
        assert capture is not None
        assert capture.status in (CaptureStatus.PARTIAL, CaptureStatus.FAILED)
        assert "moderator" in capture.status_reason


async def wait_for_capture_end(db: Database, channel_id: int) -> None:
    for _ in range(300):
        c = await db.captures.latest(channel_id, finished_only=False)
        if c is not None and c.status is not CaptureStatus.RUNNING:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("capture never ended")


async def test_session_reconnect_mid_capture_loses_nothing(make_env: Any) -> None:
    slow = SimConfig(latency_s=0.1)
    async with make_env([Channel("chan_a", "organic", 4000)], config=slow, cooldown_s=0) as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck")
        await asyncio.sleep(0.2)
        await env.world.send_reconnect()
        sent = await env.wait_sent("chan_a", 1, timeout=60)
        await wait_for(lambda: any(LINK.search(m) for m in env.sent("chan_a")), timeout=60)
        # Chat still reaches the bot on the new session.
        await env.say("chan_a", mod, "!botcheck help")
        await wait_for(lambda: any("!botcheck 30d" in m for m in env.sent("chan_a")), timeout=20)
        assert sent


async def test_an_outsider_authorizing_is_told_and_nothing_is_stored(make_env: Any) -> None:
    async with make_env() as env:
        outsider = env.world.add_user("someone_else")
        env.world.authorize_as(outsider)
        async with httpx.AsyncClient(follow_redirects=True) as http:
            page = await http.get(auth_link(env.settings.public_url))
        assert page.status_code == 403 and "nothing was stored" in page.text
        stored = await env.running.services.db.tokens.all()
        assert {t.login for t in stored} <= {"botcheck_bot", OWNER}
        assert outsider.user_id not in {t.user_id for t in stored}


async def test_the_bot_authorizes_through_oauth_and_then_joins(make_env: Any) -> None:
    async with make_env(authorized=False) as env:
        assert not env.bot.joined
        env.world.authorize_as(env.world.user("botcheck_bot"))
        async with httpx.AsyncClient(follow_redirects=True) as http:
            page = await http.get(auth_link(env.settings.public_url))
        assert page.status_code == 200
        await wait_for(lambda: len(env.bot.joined) == 1, timeout=20, what="join after OAuth")
        stored = await env.running.services.db.tokens.all()
        assert [t.login for t in stored] == ["botcheck_bot"]


def test_demo_exits_0_and_prints_two_report_links(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(out)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    links = re.findall(r"http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]+", proc.stdout)
    assert len(set(links)) >= 2, proc.stdout
    assert (out / "cozy_corner" / "index.html").exists()
    assert (out / "speedrun_sam" / "chart.png").exists()
    # Saved files first, then the warning that the links die, then the links.
    saved = proc.stdout.index("Reports saved")
    dies = proc.stdout.index("die when the demo exits")
    assert saved < dies
    tail = proc.stdout[dies:]
    assert all(link in tail for link in set(links)), proc.stdout


async def test_the_broadcaster_forgets_the_channel_after_confirming(make_env: Any) -> None:
    async with make_env(cooldown_s=0) as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck")
        sent = await env.wait_sent("chan_a", 1)
        link = LINK.search(sent[-1])
        assert link
        await env.stored()
        db: Database = env.running.services.db
        channel = await db.channels.by_login("chan_a")
        assert channel is not None and await db.captures.latest(channel.channel_id)
        defence = env.running.services.defence
        assert defence is not None
        raid = await defence.pages.write(replace(a_raid(), channel=str(channel.channel_id)))

        # One at a time: the pending forget is in the database, and messages sent in the
        # same millisecond may be handled in either order.
        lines = [
            (mod, "!botcheck forget"),  # a moderator may not
            ("chan_a", "!botcheck forget confirm"),  # not asked yet
            ("chan_a", "!botcheck forget"),
            ("chan_a", "!botcheck forget confirm"),
        ]
        for n, (who, line) in enumerate(lines, start=2):
            await env.say("chan_a", who, line)
            sent = await env.wait_sent("chan_a", n)
        assert "Only the broadcaster" in sent[1]
        assert "Nothing to confirm" in sent[2]
        assert "To confirm" in sent[3]
        assert sent[4].startswith("Done")
        assert await db.captures.latest(channel.channel_id) is None
        async with httpx.AsyncClient() as http:
            assert (await http.get(link.group(1))).status_code == 404
            assert (await http.get(raid.page)).status_code == 404  # raid pages go too
        # Still a moderator there: the next check works from nothing.
        await env.say("chan_a", mod, "!botcheck")
        sent = await env.wait_sent("chan_a", 6)
        assert LINK.search(sent[-1])


async def test_a_long_check_is_announced_and_a_second_request_gets_progress(
    make_env: Any,
) -> None:
    slow = SimConfig(latency_s=0.3)
    async with make_env([Channel("chan_a", "organic", 15_000)], config=slow) as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck")
        sent = await env.wait_sent("chan_a", 1, timeout=30)
        assert re.match(r"Checking [\d,]+ chatters, about \d+ s\.", sent[0]), sent[0]
        await env.say("chan_a", "chan_a", "!botcheck")
        sent = await env.wait_sent("chan_a", 2, timeout=30)
        assert "Already checking" in sent[1]
        await wait_for(lambda: any(LINK.search(m) for m in env.sent("chan_a")), timeout=90)
        await env.stored()
        captures = env.running.services.db.captures
        channel_id = next(iter(env.bot.joined))
        latest = await captures.latest(channel_id)
        assert latest is not None and latest.chatter_count == latest.chatter_total


async def test_whois_tells_age_history_and_refuses_bad_logins(make_env: Any) -> None:
    async with make_env(cooldown_s=0) as env:
        mod = env.moderators["chan_a"]

        async def ask(user: str, text: str) -> str:
            before = len(env.sent("chan_a"))
            await env.say("chan_a", user, text)
            return (await env.wait_sent("chan_a", before + 1))[before]

        await ask(mod, "!botcheck")
        someone = env.world.channel("chan_a").chatters[5].login
        known = await ask(mod, f"!whois @{someone.upper()}")
        assert re.search(r": created \d+ \w+ \d{4}, .+ ago\. Here: in 1 of 1 checks", known)
        assert "Not seen in any check" in await ask(mod, f"!whois {VIEWER}")  # looked up live
        bad = await ask(mod, "!whois /ban everyone")
        assert "That is not a Twitch login" in bad and "ban" not in bad
        missing = await ask(mod, "!whois no_such_account_here")
        assert "No Twitch account is called no_such_account_here" in missing
        assert "moderators" in await ask(VIEWER, f"!whois {someone}")
        assert_safe(env.sent("chan_a"))


async def test_past_300_subscriptions_the_bot_opens_another_socket(make_env: Any) -> None:
    # N subscriptions a channel (7 with channel.raid, + raids out and follows for the stream
    # events; subscriptions are the broadcaster's): one channel more than fit in the 300 of
    # one socket.
    per = len(CHANNEL_SUBSCRIPTIONS) + 2
    channels = [Channel(f"room_{i:02d}", "organic", 5) for i in range(300 // per + 1)]
    async with make_env(channels) as env:
        sockets = patches.sockets_of(env.bot, env.bot.bot_id)
        assert len(sockets) == 2
        assert sum(s.subscription_count for s in sockets.values()) == per * len(channels)
        last = channels[-1].login
        await env.say(last, env.moderators[last], "!botcheck help")
        sent = await env.wait_sent(last, 1)
        assert "!botcheck 30d" in sent[0]


async def test_a_moderator_sets_the_channel_timezone_in_chat(make_env: Any) -> None:
    async with make_env() as env:
        mod = env.moderators["chan_a"]
        for n, text in enumerate(("", " Mars/Olympus", " america/new_york"), start=1):
            await env.say("chan_a", mod, f"!botcheck tz{text}")
            await env.wait_sent("chan_a", n)
        shown, refused, done = env.sent("chan_a")
        assert shown.startswith("This channel's times are shown in UTC.")
        assert refused.startswith("That is not a timezone name I know.")
        assert done.startswith("Done: this channel's times are now shown in America/New_York")
        db = env.running.services.db
        channel = await db.channels.by_login("chan_a")
        assert await db.channels.timezone(channel.channel_id) == "America/New_York"
        await env.say("chan_a", VIEWER, "!botcheck tz Asia/Tokyo")  # viewers may not
        await env.wait_sent("chan_a", 4)
        assert await db.channels.timezone(channel.channel_id) == "America/New_York"
        assert_safe(env.sent("chan_a"))
