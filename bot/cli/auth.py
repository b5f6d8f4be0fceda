"""`botcheck auth`: print the OAuth links for the bot account and the owner."""

from __future__ import annotations

import argparse

from bot.settings import load_settings
from bot.twitch.oauth import auth_link


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
    subs = "subs" in settings.stream_event_kinds
    print("  2. Optionally, signed in as the OWNER (proves who runs botcheck):")
    if subs:
        print("     (and, if the owner streams, lets the bot record its own channel's")
        print("     subscriptions: Twitch gives them only to the broadcaster)")
    print(f"     {auth_link(base, owner=True, subs=subs)}")
    print()
    print(f"Your Twitch application's OAuth redirect URL must be {base}/oauth/callback")
    print("TWITCH_BOT_ID and TWITCH_OWNER_ID are numeric: `botcheck user LOGIN...` prints them.")
    print("Then streamers add the bot by typing /mod <bot account> in their chat.")
    return 0
