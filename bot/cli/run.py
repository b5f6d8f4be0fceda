"""`botcheck run`: the bot on real Twitch until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.logs import configure_logging
from bot.settings import load_settings


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require_twitch()
    # The audit trail and the startup lines go to stdout, where a service manager collects them.
    configure_logging(settings.log_level, stream=sys.stdout)
    from bot.app import run_forever  # imported late: TwitchIO is heavy for `--help`

    return asyncio.run(run_forever(settings))
