"""`botcheck user LOGIN...`: print Twitch user ids (for TWITCH_BOT_ID and TWITCH_OWNER_ID).

Twitch shows numeric ids nowhere; this asks Get Users with the app token (client id and
secret only, no browser), so it works before the bot has ever run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import httpx

from bot.chat import parse_login
from bot.helix import Helix, HelixError
from bot.settings import Settings, SettingsError, load_settings

EXIT_NOT_FOUND = 1
MAX_LOGINS = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `user` arguments to its subparser."""
    parser.add_argument("logins", nargs="+", metavar="LOGIN", help="Twitch login(s), up to 100")


class _AppToken:
    """A TokenSource with one app token for every call."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def token(self, user_id: str | None) -> str:
        return self._token

    async def refresh(self, user_id: str | None, stale: str) -> str:
        return self._token


def run(args: argparse.Namespace) -> int:
    """Print `login id` per line; exit 1 when any login does not exist."""
    settings = load_settings()
    if not settings.client_id or not settings.client_secret:
        raise SettingsError(
            "TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET must be set to look up users: put them "
            "in .env or the environment (see the README's setup steps)."
        )
    logins = []
    for raw in args.logins:
        login = parse_login(raw)
        if login is None:
            print(f"botcheck user: {raw!r} is not a Twitch login.", file=sys.stderr)
            return 2
        logins.append(login)
    if len(logins) > MAX_LOGINS:
        print(f"botcheck user: at most {MAX_LOGINS} logins at once.", file=sys.stderr)
        return 2
    try:
        found = asyncio.run(_lookup(settings, logins))
    except (HelixError, httpx.HTTPError) as exc:
        print(f"botcheck user: Twitch did not answer ({exc}); try again.", file=sys.stderr)
        return EXIT_NOT_FOUND
    width = max(len(x) for x in logins)
    missing = 0
    for login in logins:
        if login in found:
            print(f"{login:<{width}}  {found[login]}")
        else:
            print(f"{login:<{width}}  (no such user)")
            missing += 1
    return EXIT_NOT_FOUND if missing else 0


async def _lookup(settings: Settings, logins: list[str]) -> dict[str, int]:
    assert settings.client_id and settings.client_secret
    async with httpx.AsyncClient(timeout=15) as http:
        resp = await http.post(
            f"{settings.auth_url}/oauth2/token",
            data={
                "client_id": settings.client_id,
                "client_secret": settings.client_secret.get_secret_value(),
                "grant_type": "client_credentials",
            },
        )
    if resp.status_code != 200:
        raise SettingsError(
            f"Twitch refused the app token ({resp.status_code}): check TWITCH_CLIENT_ID and "
            "TWITCH_CLIENT_SECRET."
        )
    token = str(resp.json()["access_token"])
    async with Helix(
        base_url=settings.api_url, client_id=settings.client_id, tokens=_AppToken(token)
    ) as helix:
        accounts = await helix.get_users_by_login(logins)
    return {a.login.lower(): a.user_id for a in accounts}
