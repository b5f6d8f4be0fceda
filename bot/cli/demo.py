"""`botcheck demo`: the real bot against twitchsim, end to end, with nothing leaving the machine.

Two channels make the bot a moderator: one with an ordinary audience, one hit by a bot farm. The
bot account goes through the OAuth flow, a viewer and then a moderator type `!botcheck` in each,
and the demo prints the chat and the report links. The reports are also copied under
`demo-reports/`, because the links die with the process (unless `--serve`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from bot.app import free_port, running_bot
from bot.cli.demo_history import DAYS, ChannelPlan, seed_history, write_daily_reports
from bot.logs import configure_logging
from bot.services import utc_now
from bot.settings import Settings, load_settings
from bot.twitch.oauth import auth_link
from reports.text import num

log = logging.getLogger(__name__)

BOT_LOGIN = "botcheck_bot"
OWNER_LOGIN = "demo_owner"
VIEWER_LOGIN = "curious_viewer"


@dataclass(frozen=True, slots=True)
class DemoChannel:
    login: str
    moderator: str
    scenario: str
    size: int
    blurb: str


# The seeded history (bot.cli.demo_history): each channel's timezone, categories, evening start.
ZONES = ("Europe/Paris", "UTC")
CATEGORIES = (("Just Chatting", "Stardew Valley", "Art"), ("Celeste", "Just Chatting"))
HOURS = (20, 18)

CHANNELS = (
    DemoChannel("cozy_corner", "mod_anna", "organic", 1_200, "an ordinary audience"),
    DemoChannel("speedrun_sam", "mod_ben", "mixed", 3_000, "an audience with bot farms in it"),
)


def run(args: argparse.Namespace) -> int:
    configure_logging("ERROR")
    try:
        return asyncio.run(_demo(serve=args.serve, out=args.out, seed=args.seed))
    except KeyboardInterrupt:
        return 0


async def _wait_for(predicate: object, *, limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"the demo gave up waiting for {what}")
        await asyncio.sleep(0.05)


async def _demo(*, serve: bool, out: Path, seed: int) -> int:
    # twitchsim is imported here only: nothing in the product imports it but the demo.
    from twitchsim import SimConfig, TwitchSim
    from twitchsim.scenarios import build

    print("botcheck demo: the bot against twitchsim, a local Twitch. Nothing leaves this machine.")
    async with TwitchSim(config=SimConfig(latency_s=0.02, jitter_s=0.01), seed=seed) as sim:
        world = sim.state
        bot_user = world.add_user(BOT_LOGIN)
        owner = world.add_user(OWNER_LOGIN)
        viewer = world.add_user(VIEWER_LOGIN)
        for ch in CHANNELS:
            world.add_channel(ch.login)
            world.add_user(ch.moderator)
            world.add_moderator(ch.login, ch.moderator)
            world.add_moderator(ch.login, BOT_LOGIN)
            world.load_scenario(ch.login, build(ch.scenario, seed, ch.size))
        port = free_port()
        tmp = Path(tempfile.mkdtemp(prefix="botcheck-demo-"))
        settings = load_settings(
            {
                "TWITCH_CLIENT_ID": sim.client_id,
                "TWITCH_CLIENT_SECRET": sim.client_secret,
                "TWITCH_BOT_ID": str(bot_user.user_id),
                "TWITCH_OWNER_ID": str(owner.user_id),
                "TWITCH_API_URL": sim.helix_url,
                "TWITCH_AUTH_URL": sim.auth_url,
                "TWITCH_EVENTSUB_WS_URL": sim.ws_url,
                "BOTCHECK_DB": str(tmp / "botcheck.db"),
                "BOTCHECK_DATA_DIR": str(tmp / "data"),
                "BOTCHECK_PUBLIC_URL": f"http://127.0.0.1:{port}",
                "BOTCHECK_WEB_HOST": "127.0.0.1",
                "BOTCHECK_WEB_PORT": str(port),
                "BOTCHECK_COOLDOWN_S": "30",
                **sim.emote_env(),  # 7TV, BetterTTV, FrankerFaceZ: twitchsim's stand-ins
            }
        )
        try:
            async with running_bot(settings) as running:
                bot = running.bot
                print(f"twitchsim at {sim.url}; the bot's web server at {settings.public_url}")
                print(f"\nThe bot account ({BOT_LOGIN}) authorizes botcheck through OAuth...")
                world.authorize_as(bot_user)
                async with httpx.AsyncClient(follow_redirects=True, timeout=15) as http:
                    page = await http.get(auth_link(settings.public_url))
                print(f"  the OAuth page answered {page.status_code}: {_page_title(page.text)}")
                await _wait_for(
                    lambda: len(bot.joined) == len(CHANNELS), limit_s=20, what="the bot to join"
                )
                joined = ", ".join("#" + c.login for c in CHANNELS)
                print(f"  joined {joined} (it is a moderator in both)")
                await _emote_chat(world, running, viewer.login)
                streams = await _seed_history(world, running, settings, seed)

                for ch in CHANNELS:
                    await world.say(ch.login, viewer, "!botcheck")
                    await _wait_for(
                        lambda ch=ch: len(world.sent_messages(ch.login)) >= 1,
                        limit_s=20,
                        what=f"the refusal in #{ch.login}",
                    )
                    await world.say(ch.login, ch.moderator, "!botcheck")
                for ch in CHANNELS:
                    await _wait_for(
                        lambda ch=ch: any("/r/" in m.text for m in world.sent_messages(ch.login)),
                        limit_s=60,
                        what=f"the report in #{ch.login}",
                    )
                _print_transcript(world, bot_user.user_id)
                links = await _save_reports(running, out, serve=serve)
                if serve:
                    _print_dashboard(sim.url, settings.public_url, owner.login, streams)
                    world.authorize_as(owner)
                    print(
                        "\nTry commands by hand: `botcheck sim` alone, or twitchsim's control "
                        f"API at {sim.url}/sim/ (see the README). Ctrl-C stops the demo."
                    )
                    await asyncio.Event().wait()
                return 0 if links == len(CHANNELS) else 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


EMOTE_LINES = ("catJAM catJAM", "KEKW that jump", "EZ Clap", "peepoHappy Kappa", "OMEGALUL")


async def _emote_chat(world: object, running: object, login: str) -> None:
    """A little chat with third-party emotes in it, once the bot holds the channels' sets."""
    services = running.services  # type: ignore[attr-defined]
    emotes = services.emotes
    if emotes is None:
        return
    ids = [world.channel(ch.login).user.user_id for ch in CHANNELS]  # type: ignore[attr-defined]
    await _wait_for(
        lambda: all(emotes.sets.find(i, "catJAM") for i in ids),
        limit_s=20,
        what="the channels' emote sets",
    )
    for ch in CHANNELS:
        for text in EMOTE_LINES:
            await world.say(ch.login, login, text)  # type: ignore[attr-defined]


async def _seed_history(
    world: object, running: object, settings: Settings, seed: int
) -> list[tuple[str, str]]:
    """Two weeks of made-up history before today, so the dashboard's pages have something;
    return each channel's latest seeded stream page (login, link)."""
    started = time.monotonic()
    services = running.services  # type: ignore[attr-defined]
    emotes = services.emotes
    plans = [
        ChannelPlan(
            world.channel(ch.login).user.user_id,  # type: ignore[attr-defined]
            ch.login,
            timezone=zone,
            categories=categories,
            start_hour=hour,
        )
        for ch, zone, categories, hour in zip(CHANNELS, ZONES, CATEGORIES, HOURS, strict=True)
    ]
    now = utc_now()
    done = await seed_history(
        services.db,
        plans,
        seed=seed,
        now=now,
        find_emotes=emotes.sets.find if emotes else lambda c, t: (),
    )
    daily = await write_daily_reports(
        services.db,
        plans,
        data_dir=settings.data_dir,
        public_url=settings.public_url,
        ttl=timedelta(days=settings.report_ttl_days),
        now=now,
    )
    renamed = ", ".join(f"{new} (was {old})" for old, new in done.renamed[:2])
    print(
        f"  seeded {DAYS} days of history: {num(done.streams)} streams, {num(done.messages)} "
        f"messages from {num(done.chatters)} chatters, {num(done.events)} stream events, "
        f"{num(daily)} daily reports ({time.monotonic() - started:.1f} s); renamed: {renamed}"
    )
    pages = []
    for plan in plans:
        ended = [s for s in await services.db.history.sessions(plan.channel_id) if not s.live]
        if ended:
            latest = max(ended, key=lambda s: s.started_at)
            pages.append((plan.login, services.stream_reports.links(latest.report_token).page))
    return pages


def _print_dashboard(
    sim_url: str, public_url: str, owner: str, streams: list[tuple[str, str]]
) -> None:
    mods = ", ".join(f"{c.moderator} (#{c.login})" for c in CHANNELS)
    print(
        f"\nDashboard: open {public_url}/login. twitchsim's Twitch login approves at once as "
        f"{owner}, the bot's owner, who sees both channels. To log in as a moderator of one "
        f"channel instead ({mods}), first run:\n"
        f"  curl -X POST {sim_url}/sim/authorize_as -H 'Content-Type: application/json' "
        f"""-d '{{"user": "{CHANNELS[0].moderator}"}}'"""
    )
    print(
        "Each channel has two weeks of made-up history: try its Chat, Leaderboards, Streams "
        "(daily reports at the bottom) and Newcomers pages, a chatter's page (rivals), and "
        "the search box with an earlier name. The latest seeded streams (subs, follows, a raid):"
    )
    for login, link in streams:
        print(f"  #{login}: {link}")


def _page_title(html: str) -> str:
    start, end = html.find("<title>"), html.find("</title>")
    return html[start + 7 : end] if 0 <= start < end else html[:60]


def _print_transcript(world: object, bot_id: int) -> None:
    w = world  # twitchsim's World
    for ch in CHANNELS:
        chan = w.channel(ch.login)  # type: ignore[attr-defined]
        viewers = chan.stream.viewer_count if chan.stream.live else None
        size = f"{num(len(chan.chatters))} in chat"
        live = f", live with {num(viewers)} viewers" if viewers is not None else ""
        print(f"\n#{ch.login}: {ch.blurb} ({size}{live})")
        for line in w.lines(ch.login):  # type: ignore[attr-defined]
            user = w.user(line.user_id)  # type: ignore[attr-defined]
            tag = " [mod]" if line.user_id in chan.moderators and line.user_id != bot_id else ""
            print(f"  {line.at:%H:%M:%S}  {user.login}{tag}: {line.text}")


async def _save_reports(running: object, out: Path, *, serve: bool) -> int:
    """Copy each report under `out` and print the saved files, then (said first) the links."""
    services = running.services  # type: ignore[attr-defined]
    saved: list[tuple[str, Path, str]] = []
    for ch in CHANNELS:
        channel = await services.db.channels.by_login(ch.login)
        if channel is not None:  # the answer comes before the check's last rows are stored
            await services.reports.recorded(channel.channel_id)
        capture = await services.db.captures.latest(channel.channel_id) if channel else None
        if capture is None:
            print(f"\n#{ch.login}: no report")
            continue
        await services.reports.written(capture.report_token)  # files come after the answer
        source = services.reports.directory(capture.report_token)
        target = out / ch.login
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(target)
        shutil.copytree(source, target)
        _relink_for_local_use(target / "index.html", capture.report_token)
        saved.append((ch.login, target, services.reports.links(capture.report_token).page))
    if not saved:
        return 0
    print("\nReports saved (these files stay; open index.html in a browser):")
    for login, target, _ in saved:
        print(f"  #{login}: {target / 'index.html'} (also chart.png, chatters.csv, analysis.json)")
    if serve:
        print("\nLive links, served until you press Ctrl-C:")
    else:
        print(
            "\nLive links: these die when the demo exits, which is now "
            "(`botcheck demo --serve` keeps them up):"
        )
    for login, _, link in saved:
        print(f"  #{login}: {link}")
    return len(saved)


def _relink_for_local_use(page: Path, token: str) -> None:
    """Point the page's downloads at the files beside it (served, they are /r/<token>.csv)."""
    html = page.read_text(encoding="utf-8")
    for suffix, name in (
        (".png", "chart.png"),
        (".csv", "chatters.csv"),
        (".json", "analysis.json"),
    ):
        html = html.replace(f'href="{token}{suffix}"', f'href="{name}"')
    page.write_text(html, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(serve=False, out=Path("demo-reports"), seed=7)))
