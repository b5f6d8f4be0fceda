"""`botcheck run`: the bot on real Twitch until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.logs import configure_logging
from bot.settings import check_unknown_settings, load_settings

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    """Start the bot; a start-up refusal (SettingsError) is one sentence and exit 2."""
    settings = load_settings()
    settings.require_twitch()
    # The audit trail and the startup lines go to stdout, where a service manager collects them.
    configure_logging(settings.log_level, stream=sys.stdout, log_format=settings.log_format)
    warning = check_unknown_settings()
    if warning:
        log.warning("%s", warning)
    from bot.app import run_forever  # imported late: TwitchIO is heavy for `--help`

    return asyncio.run(run_forever(settings))
