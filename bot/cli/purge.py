"""`botcheck purge --channel LOGIN [--yes]`: delete everything botcheck keeps about one channel."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from bot.chat import parse_login
from bot.history.forget import forget_channel
from bot.logs import configure_logging
from bot.settings import Settings, load_settings
from storage import Database


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
    async with Database(settings.database, pool_size=settings.db_pool_size) as db:
        channel = await db.channels.by_login(login)
        if channel is None:
            print(f"botcheck purge: no channel called {login} in {db.describe()}.")
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
