"""`botcheck run` and `botcheck auth`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from bot.chat import parse_login
from bot.forget import forget_channel
from bot.logs import configure_logging
from bot.oauth import auth_link
from bot.settings import Settings, load_settings
from storage import Database


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require_twitch()
    # The audit trail and the startup lines go to stdout, where a service manager collects them.
    configure_logging(settings.log_level, stream=sys.stdout)
    from bot.app import run_forever  # imported late: TwitchIO is heavy for `--help`

    return asyncio.run(run_forever(settings))


def auth(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require_twitch()
    base = settings.public_url
    print("While `botcheck run` is running, open these links in a browser:")
    print()
    print("  1. Signed in to Twitch as the BOT account (lets it read and send chat,")
    print("     list chatters and the channels it moderates):")
    print(f"     {auth_link(base)}")
    print()
    print("  2. Optionally, signed in as the OWNER (proves who runs botcheck):")
    print(f"     {auth_link(base, owner=True)}")
    print()
    print(f"Your Twitch application's OAuth redirect URL must be {base}/oauth/callback")
    print("Then streamers add the bot by typing /mod <bot account> in their chat.")
    return 0


def purge(args: argparse.Namespace) -> int:
    """`botcheck purge --channel LOGIN`: delete everything kept about one channel."""
    settings = load_settings()
    configure_logging(settings.log_level)
    login = parse_login(args.channel or "")
    if login is None:
        print(f"botcheck purge: {args.channel!r} is not a Twitch login.", file=sys.stderr)
        return 2
    return asyncio.run(_purge(settings, login, assume_yes=args.yes))


async def _purge(settings: Settings, login: str, *, assume_yes: bool) -> int:
    async with Database(settings.db_path) as db:
        channel = await db.channels.by_login(login)
        if channel is None:
            print(f"botcheck purge: no channel called {login} in {settings.db_path}.")
            return 1
        counts = await db.channels.counts(channel.channel_id)
        listed = ", ".join(f"{n:,} {what}" for what, n in counts.items())
        print(f"#{login} (id {channel.channel_id}): {listed}.")
        if not assume_yes:
            if not sys.stdin.isatty():
                print("botcheck purge: add --yes to confirm when not running interactively.")
                return 2
            prompt = f"Delete all of it for #{login}? Type the channel name to confirm: "
            answer = await asyncio.to_thread(input, prompt)
            if answer.strip().lower() != login:
                print("Nothing deleted.")
                return 1
        forgotten = await forget_channel(db, settings.data_dir, channel.channel_id)
        await db.audit.record(
            at=datetime.now(UTC),
            channel_id=None,
            user_id=None,
            user_login="(command line)",
            command="purge",
            args=login,
            outcome="forgotten",
            detail=forgotten.sentence(),
        )
    print(f"#{login}: {forgotten.sentence()}.")
    return 0
