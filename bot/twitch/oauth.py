"""OAuth onboarding on TwitchIO's web adapter: which scopes, who may authorize, what they see.

`/oauth` sends a browser to Twitch with one of our two scope sets only (the bot's, the owner's),
a fresh `state` that is also set as a cookie on that browser, and the redirect URI built from
BOTCHECK_PUBLIC_URL (never from the request's Host header). `/oauth/callback` exchanges a code
only when its `state` is one we issued, unused, younger than ten minutes and equal to the
browser's cookie. Both are rate-limited per client and carry the security headers.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from aiohttp import web
from twitchio import Scopes
from twitchio.web import AiohttpAdapter

from bot.pages.routes import RateLimit
from bot.pages.server import ConnectionGuard, guard_server, quiet_accept_errors

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
# ... and, when subscription events are on (BOTCHECK_STREAM_EVENTS), lets the bot hear its own
# channel's subscriptions: Twitch sends them only to the broadcaster's own grant (issue 18).
OWNER_SUBS_SCOPES = (*OWNER_SCOPES, "channel:read:subscriptions")

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


def auth_link(public_url: str, *, owner: bool = False, subs: bool = False) -> str:
    """The link the bot account (or the owner) opens, while botcheck runs, to authorize it.

    `subs`: the owner's link also asks for subscription events (only when they are on).
    """
    names = (OWNER_SUBS_SCOPES if subs else OWNER_SCOPES) if owner else BOT_SCOPES
    return f"{public_url.rstrip('/')}/oauth?scopes={scopes(names).urlsafe()}&force_verify=true"


STATE_COOKIE = "botcheck_oauth_state"
STATE_TTL_S = 600.0
MAX_STATES = 1000  # states waiting for their callback; the oldest go first beyond this


def _page(
    status: int, title: str, body: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    text = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<body style='font:17px/1.5 system-ui,sans-serif;max-width:34em;margin:2em auto;"
        f"padding:0 1em'><h1 style='font-size:1.3em'>{html.escape(title)}</h1>"
        f"<p>{html.escape(body)}</p></body></html>"
    )
    return web.Response(
        status=status,
        text=text,
        content_type="text/html",
        headers={**SECURITY_HEADERS, **(headers or {})},
    )


class BotCheckAdapter(AiohttpAdapter[Any]):
    """TwitchIO's adapter, with our OAuth rules, telling people plainly what happened.

    `guard` sets the web server's read timeouts and connection caps (`bot.pages.server`);
    `client_address` says who a request is from for rate limits (X-Forwarded-For when the
    peer is a trusted proxy).
    """

    def __init__(
        self,
        *,
        allowed_user_ids: frozenset[str],
        public_url: str = "",
        client_id: str = "",
        auth_url: str = "https://id.twitch.tv",
        guard: ConnectionGuard | None = None,
        client_address: Callable[[web.BaseRequest], str] | None = None,
        oauth_rate_limit: RateLimit | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._allowed = allowed_user_ids
        self._public = urllib.parse.urlsplit(public_url.rstrip("/")) if public_url else None
        self._client_id = client_id
        self._auth_url = auth_url.rstrip("/")
        self.guard = guard if guard is not None else ConnectionGuard()
        self._address = client_address or (lambda request: request.remote or "?")
        # Sign-ins are rare: ten at once and one every six seconds per client is plenty.
        self._oauth_limit = oauth_rate_limit or RateLimit(burst=10, per_second=1 / 6)
        self._states: dict[str, float] = {}  # state -> when it was issued (monotonic)

    def _make_handler(self, **kwargs: Any) -> Any:  # aiohttp: the protocol factory
        # Idle keep-alive connections close after 15 s (aiohttp's default is 75 s).
        kwargs.setdefault("keepalive_timeout", 15.0)
        return guard_server(super()._make_handler(**kwargs), self.guard)

    async def event_startup(self) -> None:
        # "Too many open files" on accept: one line per minute, not a traceback a second.
        quiet_accept_errors(asyncio.get_running_loop())
        await super().event_startup()

    @property
    def callback_url(self) -> str:
        """The redirect URI Twitch sends the browser back to: under BOTCHECK_PUBLIC_URL."""
        if self._public is None:
            return self.redirect_url
        return f"{self._public.scheme}://{self._public.netloc}{self._public.path}/oauth/callback"

    def _limited(self, request: web.Request) -> web.Response | None:
        wait = self._oauth_limit.allow(self._address(request))
        if wait <= 0:
            return None
        return _page(
            429,
            "Too many sign-in attempts",
            "Please wait a moment and open the link again.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )

    async def oauth_redirect(self, request: web.Request) -> web.Response:
        """Send the browser to Twitch with our scopes, a fresh state and our redirect URI."""
        limited = self._limited(request)
        if limited is not None:
            return limited
        asked = frozenset(urllib.parse.unquote_plus(request.query.get("scopes", "")).split())
        if not asked:
            asked = frozenset(BOT_SCOPES)
        if asked not in (
            frozenset(BOT_SCOPES),
            frozenset(OWNER_SCOPES),
            frozenset(OWNER_SUBS_SCOPES),
        ):
            log.warning("/oauth asked for scopes botcheck does not use: refused")
            return _page(
                400,
                "That is not a botcheck sign-in link",
                "botcheck asks only for its own permissions. Use the link that `botcheck auth` "
                "prints.",
            )
        state = self._new_state()
        query = {
            "client_id": self._client_id,
            "redirect_uri": self.callback_url,
            "response_type": "code",
            "scope": " ".join(sorted(asked)),
            "state": state,
            "force_verify": "true" if request.query.get("force_verify") == "true" else "false",
        }
        location = f"{self._auth_url}/oauth2/authorize?{urllib.parse.urlencode(query)}"
        response = web.Response(status=302, headers={**SECURITY_HEADERS, "Location": location})
        response.set_cookie(
            STATE_COOKIE,
            state,
            max_age=int(STATE_TTL_S),
            path="/oauth",
            httponly=True,
            samesite="Lax",
            secure=self._public is not None and self._public.scheme == "https",
        )
        return response

    def _new_state(self) -> str:
        now = time.monotonic()
        for old, at in list(self._states.items()):
            if now - at > STATE_TTL_S:
                del self._states[old]
        while len(self._states) >= MAX_STATES:
            del self._states[next(iter(self._states))]
        state = secrets.token_urlsafe(32)
        self._states[state] = now
        return state

    def _take_state(self, request: web.Request) -> bool:
        """True when the callback's state is ours, fresh, unused and this browser's."""
        state = request.query.get("state", "")
        cookie = request.cookies.get(STATE_COOKIE, "")
        issued = self._states.pop(state, None) if state else None
        if issued is None or time.monotonic() - issued > STATE_TTL_S:
            return False
        return secrets.compare_digest(state, cookie)

    async def oauth_callback(self, request: web.Request) -> web.Response:
        limited = self._limited(request)
        if limited is not None:
            return limited
        if not self._take_state(request):
            log.warning("an OAuth callback without a valid state was refused (no code exchanged)")
            return _page(
                400,
                "That sign-in did not start here",
                "This link is stale, was used already, or was opened in another browser; "
                "nothing was stored. Open the link from `botcheck auth` again.",
            )
        # TwitchIO builds the redirect URI from the request's host: give it the public one.
        if self._public is not None:
            request = request.clone(scheme=self._public.scheme, host=self._public.netloc)
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
