"""The `botcheck` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.cli import analyze as cli_analyze
from bot.cli import db as cli_db
from bot.cli import sim as cli_sim
from bot.cli import user as cli_user
from bot.settings import SettingsError

EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def _lazy(module: str, name: str) -> Handler:
    """Import a subcommand's module only when it runs: `--help` stays fast."""

    def run(args: argparse.Namespace) -> int:
        handler: Handler = getattr(importlib.import_module(module), name)
        return handler(args)

    return run


def _version() -> str:
    """The installed package's version (the source tree's when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("botcheck")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser(*, sim: bool = False) -> argparse.ArgumentParser:
    """The command line; `sim` adds twitchsim's options (only when that command runs)."""
    parser = argparse.ArgumentParser(
        prog="botcheck",
        description="A Twitch chat bot for moderators: who is really in the chat.",
    )
    parser.add_argument("--version", action="version", version=f"botcheck {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("run", help="run the bot on real Twitch (settings from env/.env)")
    p.set_defaults(handler=_lazy("bot.cli.run", "run"))

    p = sub.add_parser("demo", help="run the bot against twitchsim and print the chat and reports")
    p.add_argument("--serve", action="store_true", help="keep running so the links work")
    p.add_argument("--out", type=Path, default=Path("demo-reports"), help="where to copy reports")
    p.add_argument("--seed", type=int, default=7, help="seed of the simulated audiences")
    p.set_defaults(handler=_lazy("bot.cli.demo", "run"))

    p = sub.add_parser("analyze", help="analyse a chatter list (CSV or JSON) offline")
    cli_analyze.add_arguments(p)
    p.set_defaults(handler=_lazy("bot.cli.analyze", "run"))

    p = sub.add_parser("sim", help="run twitchsim, a local Twitch stand-in, on its own")
    # twitchsim is a development tool shipped with botcheck: only `botcheck sim` loads it.
    if sim:
        cli_sim.add_arguments(p)
    p.set_defaults(handler=_lazy("bot.cli.sim", "run"))

    p = sub.add_parser("auth", help="print the OAuth links for the bot account and the owner")
    p.set_defaults(handler=_lazy("bot.cli.auth", "auth"))

    p = sub.add_parser("user", help="print the numeric Twitch ids of logins (for TWITCH_BOT_ID)")
    cli_user.add_arguments(p)
    p.set_defaults(handler=_lazy("bot.cli.user", "run"))

    p = sub.add_parser("purge", help="delete everything botcheck keeps about one channel")
    p.add_argument("--channel", required=True, metavar="LOGIN", help="the channel's login")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=_lazy("bot.cli.purge", "purge"))

    p = sub.add_parser("db", help="copy a database between engines, or check one")
    cli_db.add_arguments(p)
    p.set_defaults(handler=_lazy("bot.cli.db", "run"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(sim=bool(args_list) and args_list[0] == "sim")
    args = parser.parse_args(args_list)
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
