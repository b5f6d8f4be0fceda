"""The `botcheck` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from bot.settings import SettingsError

EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def _not_yet(name: str, issue: int) -> Handler:
    def run(args: argparse.Namespace) -> int:
        print(
            f"botcheck {name} is not available yet (it arrives with issue {issue}).",
            file=sys.stderr,
        )
        return EXIT_USAGE

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="botcheck",
        description="A Twitch chat bot for moderators: who is really in the chat.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("run", help="run the bot on real Twitch (settings from env/.env)")
    p.set_defaults(handler=_not_yet("run", 6))

    p = sub.add_parser("demo", help="run the bot against twitchsim and print the chat and reports")
    p.set_defaults(handler=_not_yet("demo", 6))

    p = sub.add_parser("analyze", help="analyse a chatter list (CSV or JSON) offline")
    p.add_argument("file", help="chatter list with user_id, login, created_at")
    p.set_defaults(handler=_not_yet("analyze", 5))

    p = sub.add_parser("sim", help="run twitchsim, a local Twitch stand-in, on its own")
    p.set_defaults(handler=_not_yet("sim", 3))

    p = sub.add_parser("auth", help="print the OAuth links for the bot account and the owner")
    p.set_defaults(handler=_not_yet("auth", 6))
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
