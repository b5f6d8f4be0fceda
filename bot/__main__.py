"""The `botcheck` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import cli_analyze
from bot.settings import SettingsError

EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def _lazy(module: str, name: str) -> Handler:
    """Import a subcommand's module only when it runs: `--help` stays fast."""

    def run(args: argparse.Namespace) -> int:
        handler: Handler = getattr(importlib.import_module(module), name)
        return handler(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="botcheck",
        description="A Twitch chat bot for moderators: who is really in the chat.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("run", help="run the bot on real Twitch (settings from env/.env)")
    p.set_defaults(handler=_lazy("bot.cli_run", "run"))

    p = sub.add_parser("demo", help="run the bot against twitchsim and print the chat and reports")
    p.add_argument("--serve", action="store_true", help="keep running so the links work")
    p.add_argument("--out", type=Path, default=Path("demo-reports"), help="where to copy reports")
    p.add_argument("--seed", type=int, default=7, help="seed of the simulated audiences")
    p.set_defaults(handler=_lazy("bot.demo", "run"))

    p = sub.add_parser("analyze", help="analyse a chatter list (CSV or JSON) offline")
    cli_analyze.add_arguments(p)
    p.set_defaults(handler=_lazy("bot.cli_analyze", "run"))

    p = sub.add_parser("sim", help="run twitchsim, a local Twitch stand-in, on its own")
    # twitchsim is a development tool shipped with botcheck; only this command loads it.
    importlib.import_module("twitchsim.cli").add_arguments(p)
    p.set_defaults(handler=_lazy("twitchsim.cli", "run"))

    p = sub.add_parser("auth", help="print the OAuth links for the bot account and the owner")
    p.set_defaults(handler=_lazy("bot.cli_run", "auth"))

    p = sub.add_parser("purge", help="delete everything botcheck keeps about one channel")
    p.add_argument("--channel", required=True, metavar="LOGIN", help="the channel's login")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=_lazy("bot.cli_run", "purge"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except SettingsError as exc:
        print(f"botcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
