"""`botcheck sim`: run twitchsim on its own and say how to point a bot at it.

The lead wires `add_arguments` and `run` into ``botcheck sim``; ``python -m twitchsim`` runs the
same thing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from twitchsim.config import SimConfig
from twitchsim.scenarios import SCENARIO_NAMES, build
from twitchsim.server import TwitchSim

log = logging.getLogger(__name__)

DEFAULT_PORT = 7357
BOT_LOGIN = "botcheck_bot"
MOD_LOGIN = "a_moderator"
VIEWER_LOGIN = "a_viewer"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``botcheck sim`` to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--scenario",
        choices=SCENARIO_NAMES,
        default="organic",
        help="the audience loaded into the channel (default organic)",
    )
    parser.add_argument("--seed", type=int, default=0, help="scenario seed (default 0)")
    parser.add_argument("--size", type=int, default=None, help="chatters (scenario default)")
    parser.add_argument("--channel", default="streamer", help="the channel's login")
    parser.add_argument("--bot", default=BOT_LOGIN, help="the bot account's login")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every Helix answer (e.g. 0.08)"
    )
    parser.add_argument(
        "--jitter", type=float, default=0.0, help="up to this many seconds more, at random"
    )
    parser.add_argument(
        "--rate-capacity",
        type=int,
        default=800,
        help="Helix points per minute per bucket (default 800)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the simulator until Ctrl-C; return the exit code."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


async def _serve(args: argparse.Namespace) -> None:
    config = SimConfig(
        latency_s=args.latency,
        jitter_s=args.jitter,
        rate_capacity=args.rate_capacity,
        rate_refill_per_s=args.rate_capacity / 60,
    )
    async with TwitchSim(host=args.host, port=args.port, config=config, seed=args.seed) as sim:
        world = sim.state
        channel = world.add_channel(args.channel)
        bot = world.add_user(args.bot)
        world.add_user(MOD_LOGIN)
        world.add_user(VIEWER_LOGIN)
        world.add_moderator(channel, bot)
        world.add_moderator(channel, MOD_LOGIN)
        scenario = build(args.scenario, args.seed, args.size)
        world.load_scenario(channel, scenario)
        world.authorize_as(bot)
        _describe(
            sim,
            args,
            viewers=scenario.viewer_count,
            chatters=len(scenario.chatters),
            bot_id=bot.user_id,
            channel_id=channel.user_id,
        )
        await asyncio.Event().wait()


def _describe(
    sim: TwitchSim,
    args: argparse.Namespace,
    *,
    viewers: int,
    chatters: int,
    bot_id: int,
    channel_id: int,
) -> None:
    print(f"twitchsim is running at {sim.url} (Ctrl-C stops it)")
    print(f"  Helix     {sim.helix_url}/")
    print(f"  OAuth     {sim.auth_url}/oauth2/")
    print(f"  EventSub  {sim.ws_url}")
    print(f"  control   {sim.url}/sim/  (JSON: say in chat, ban, start streams, inject faults)")
    print(
        f"#{args.channel} (id {channel_id}) is live with {viewers:,} viewers and "
        f"{chatters:,} chatters (scenario {args.scenario}, seed {args.seed})."
    )
    print(f"{args.bot} (id {bot_id}) moderates it; /oauth2/authorize approves as {args.bot}.")
    print(f"{MOD_LOGIN} moderates it too; {VIEWER_LOGIN} is a plain viewer.")
    print()
    print("Point botcheck at it with these settings (environment or .env):")
    for key, value in sim.env().items():
        print(f"{key}={value}")
    print(f"TWITCH_BOT_ID={bot_id}")
    print(f"TWITCH_OWNER_ID={channel_id}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="twitchsim", description="a local stand-in for Twitch")
    add_arguments(parser)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return run(parser.parse_args())
