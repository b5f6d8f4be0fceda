"""OAuth onboarding on TwitchIO's web adapter: which scopes, who may authorize, what they see."""

from __future__ import annotations

import html
import logging
from typing import Any

from aiohttp import web
from twitchio import Scopes
from twitchio.web import AiohttpAdapter

log = logging.getLogger(__name__)

# What the bot account grants: read and send chat as a bot, list chatters, list the channels it
# moderates, and read moderation events for the channel history.
BOT_SCOPES = (
    "user:read:chat",
    "user:write:chat",
    "user:bot",
    "moderator:read:chatters",
    "user:read:moderated_channels",
    "moderator:read:banned_users",
    "moderator:read:blocked_terms",
    "moderator:read:chat_messages",
    "moderator:read:chat_settings",
    "moderator:read:moderators",
    "moderator:read:unban_requests",
    "moderator:read:vips",
    "moderator:read:warnings",
    "moderator:read:followers",  # `!botcheck followers` (issue 19)
)
# The owner only proves who they are (for `botcheck purge` and owner commands).
OWNER_SCOPES = ("user:read:moderated_channels",)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def scopes(names: tuple[str, ...]) -> Scopes:
    return Scopes(list(names))


def auth_link(public_url: str, *, owner: bool = False) -> str:
    """The link the bot account (or the owner) opens, while botcheck runs, to authorize it."""
    names = OWNER_SCOPES if owner else BOT_SCOPES
    return f"{public_url.rstrip('/')}/oauth?scopes={scopes(names).urlsafe()}&force_verify=true"


def _page(status: int, title: str, body: str) -> web.Response:
    text = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<body style='font:17px/1.5 system-ui,sans-serif;max-width:34em;margin:2em auto;"
        f"padding:0 1em'><h1 style='font-size:1.3em'>{html.escape(title)}</h1>"
        f"<p>{html.escape(body)}</p></body></html>"
    )
    return web.Response(
        status=status, text=text, content_type="text/html", headers=SECURITY_HEADERS
    )


class BotCheckAdapter(AiohttpAdapter[Any]):
    """TwitchIO's adapter, telling people plainly whether their authorization was kept."""

    def __init__(self, *, allowed_user_ids: frozenset[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._allowed = allowed_user_ids

    async def oauth_callback(self, request: web.Request) -> web.Response:
        # fetch_token exchanges the code and dispatches event_oauth_authorized; the bot's
        # handler applies the same rule, so an outsider's token is never stored.
        result = await self.fetch_token(request)
        payload = result.payload
        if payload is None:
            return _page(
                400 if result.status < 500 else 502,
                "That sign-in did not complete",
                "Twitch did not confirm the authorization. Open the link from "
                "`botcheck auth` again.",
            )
        user_id, login = payload.user_id or "", payload.user_login or "this account"
        if user_id not in self._allowed:
            log.warning(
                "authorization by %s (%s) refused: not the bot or the owner", login, user_id
            )
            return _page(
                403,
                "This link is not for this account",
                f"You signed in as {login}. Only the bot account and its owner authorize "
                "botcheck here; nothing was stored. To add botcheck to your channel, make "
                "the bot account a moderator instead.",
            )
        return _page(
            200,
            f"Thanks, {login}",
            "botcheck has what it needs. You can close this page.",
        )
