"""The dashboard's shared machinery: sessions, who is signed in, guards around every handler.

Every dashboard route goes through `Site.route`: a per-address rate limit, the encrypted
session cookie (aiohttp-session, only on these routes: the public report links stay
cookie-free), sign-in, a per-user rate limit, and the security headers on every answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp_session
import jinja2
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.pages.dashboard.access import Access, SignedOut, Viewer
from bot.pages.dashboard.deps import DashboardDeps
from bot.pages.dashboard.security import load_session_key, same_secret, with_headers
from bot.pages.dashboard.twitch_login import TwitchLogin
from bot.pages.dashboard.views import Views
from bot.pages.routes import RateLimit
from reports import emotes as emote_filter
from reports import i18n, zones
from reports.i18n import N_, accepted_language
from storage import Channel
from storage.dashboard import Dashboard

log = logging.getLogger(__name__)

ZONE = "botcheck.timezone"  # request key: the IANA name of the page's channel timezone
LANGUAGE = "botcheck.language"  # request key: the language code of the page's channel

COOKIE = "botcheck_session"
BASE = "/dashboard"
API = "/api/v1"
_TEMPLATES = Path(__file__).parent / "templates"
TOO_MANY = N_("Too many requests; slow down.")
EXPIRED = N_("Your Twitch login has expired; sign in again.")
# A check's status in words (templates say `gettext(c.status.value)`; the API keeps the value).
STATUS_WORDS = (N_("running"), N_("complete"), N_("partial"), N_("failed"), N_("interrupted"))

Handler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]
OpenHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """Answered as JSON with `status`: {"error": the English, "error_said": the same in the
    reader's language}; a page shows `said`.

    `message` is an English message id (marked `N_`) with `{placeholders}` filled by `values`.
    """

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        **values: object,
    ) -> None:
        super().__init__(message.format(**values) if values else message)
        self.status = status
        self.message = message
        self.values = values
        self.headers = headers or {}

    def said(self, tr: i18n.Speaker) -> str:
        """The message in `tr`'s language."""
        return tr.say(self.message, **self.values)


class Site:
    """Shared state of the dashboard routes."""

    def __init__(self, deps: DashboardDeps) -> None:
        self.deps = deps
        self.twitch = TwitchLogin(
            auth_url=deps.auth_url,
            api_url=deps.api_url,
            client_id=deps.client_id,
            client_secret=deps.client_secret,
            redirect_uri=f"{deps.public_url.rstrip('/')}/login/callback",
        )
        self.access = Access(
            db=deps.db,
            twitch=self.twitch,
            owner_id=deps.owner_id,
            recheck_s=deps.recheck_s,
            clock=deps.clock,
            channel_moderators=deps.channel_moderators,
        )
        self.views = Views(deps)
        self.store: Dashboard = self.views.store
        storage = EncryptedCookieStorage(
            load_session_key(deps.session_key_path),
            cookie_name=COOKIE,
            max_age=deps.session_max_age_s,
            httponly=True,
            secure=deps.secure_cookies,
            samesite="Lax",
        )
        self._session_mw = aiohttp_session.session_middleware(storage)
        lim = deps.limits
        self.ip_limit = RateLimit(lim.ip_burst, lim.ip_per_second)
        self.user_limit = RateLimit(lim.user_burst, lim.user_per_second)
        self.revoked_sids: dict[str, datetime] = {}  # logged out, until the cookie's max age
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(_TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # {% trans %} and _(): the page's gettext comes in each render's context, from the
            # language of the channel being viewed (reports.i18n.Speaker.jinja).
            extensions=["jinja2.ext.i18n"],
        )
        self.env.newstyle_gettext = True  # type: ignore[attr-defined]
        from bot.pages.dashboard import filters

        filters.install(self.env, deps.clock)
        emote_filter.install(self.env, images=deps.emote_images)  # {{ e|emote }}
        self.env.globals["base"] = BASE

    # -- who is asking -------------------------------------------------------------------------

    async def viewer(self, request: web.Request) -> Viewer | None:
        """Return the signed-in person, by API token or by session cookie."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            found = await self.deps.db.api_tokens.user(value.strip(), at=self.deps.clock())
            if found is None:
                raise ApiError(401, N_("That API token is unknown or revoked."))
            return Viewer(user_id=found[0], login=found[1])
        session = await aiohttp_session.get_session(request)
        uid, sid = session.get("uid"), session.get("sid")
        if not isinstance(uid, int) or not isinstance(sid, str) or sid in self.revoked_sids:
            return None
        return Viewer(
            user_id=uid,
            login=str(session.get("login", "")),
            csrf=str(session.get("csrf", "")),
            twitch_token=session.get("tok"),
        )

    def revoke_sid(self, sid: str) -> None:
        now = self.deps.clock()
        self.revoked_sids[sid] = now
        cutoff = self.deps.session_max_age_s
        for old, at in list(self.revoked_sids.items()):
            if (now - at).total_seconds() > cutoff:
                del self.revoked_sids[old]

    # -- guards --------------------------------------------------------------------------------

    def _address(self, request: web.Request) -> str:
        if self.deps.client_address is not None:
            return self.deps.client_address(request)
        return request.remote or "?"

    def open_route(self, handler: OpenHandler, *, api: bool = False) -> OpenHandler:
        """Wrap a handler that needs no sign-in (login, logout, static)."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            wait = self.ip_limit.allow(self._address(request))
            if wait > 0:
                return self.too_many(request, wait, api=api)
            response = await self._session_mw(request, handler)
            return with_headers(response)

        return guarded

    def route(
        self, handler: Handler, *, api: bool = False, signed_out: OpenHandler | None = None
    ) -> OpenHandler:
        """Wrap a handler for signed-in people; others get 401 (API), `signed_out`, or the
        login page."""

        async def signed_in(request: web.Request) -> web.StreamResponse:
            try:
                viewer = await self.viewer(request)
                if viewer is None:
                    if api:
                        raise ApiError(401, N_("Sign in first: a session cookie or an API token."))
                    if signed_out is not None:
                        return await signed_out(request)
                    return self.login_redirect(request)
                wait = self.user_limit.allow(f"user:{viewer.user_id}")
                if wait > 0:
                    return self.too_many(request, wait, api=api)
                return await handler(request, viewer)
            except SignedOut:
                session = await aiohttp_session.get_session(request)
                session.invalidate()
                if api:
                    return self.json_error(request, ApiError(401, EXPIRED))
                return self.login_redirect(request)
            except ApiError as exc:
                return self.json_error(request, exc)

        return self.open_route(signed_in, api=api)

    async def channel(self, request: web.Request, viewer: Viewer) -> Channel | None:
        """The path's channel when the viewer may see it (else None); its pages then show
        times in the channel's timezone."""
        channel = await self.access.channel(viewer, request.match_info["login"])
        if channel is not None:
            request[ZONE] = await self.deps.db.channels.timezone(channel.channel_id)
            request[LANGUAGE] = await self.deps.db.channels.language(channel.channel_id)
        return channel

    def check_csrf(self, viewer: Viewer, form: Any) -> bool:
        return same_secret(form.get("csrf"), viewer.csrf)

    # -- answers -------------------------------------------------------------------------------

    def render(
        self, request: web.Request, template: str, *, status: int = 200, **context: Any
    ) -> web.Response:
        context.setdefault("viewer", None)
        context.setdefault("base", BASE)
        context.setdefault("title", "botcheck")
        name = request.get(ZONE, zones.UTC_NAME)
        context.setdefault("tz", zones.zone(name))
        context.setdefault("tz_name", name)
        speaker = self.speaker(request)
        context.setdefault("tz_label", speaker.zone_label(now=self.deps.clock()))
        context.setdefault("lang", speaker.language)
        context.setdefault("languages", i18n.LANGUAGES)
        for key, value in speaker.jinja().items():
            context.setdefault(key, value)
        html = self.env.get_template(template).render(request_path=request.path, **context)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    @staticmethod
    def speaker(request: web.Request) -> i18n.Speaker:
        """Who reads the page: a channel's page speaks the channel's language; a page of no
        channel (the channel list, settings, sign-in, errors) the browser's, when it is one
        botcheck speaks. Times are in the channel's timezone (UTC elsewhere)."""
        language = request.get(LANGUAGE) or accepted_language(
            request.headers.get("Accept-Language", "")
        )
        return i18n.Speaker(language, request.get(ZONE, zones.UTC_NAME))

    def error(
        self, request: web.Request, status: int, title: str, message: str, **context: Any
    ) -> web.Response:
        """An error page; `title` and `message` are English ids said in the reader's language."""
        tr = self.speaker(request)
        return self.render(
            request,
            "error.html",
            status=status,
            title=tr.say(title),
            message=tr.say(message),
            **context,
        )

    def not_found(self, request: web.Request, viewer: Viewer | None) -> web.Response:
        return self.error(
            request,
            404,
            N_("Not found"),
            N_("Nothing here, or not for you: check the address."),
            viewer=viewer,
        )

    def login_redirect(self, request: web.Request) -> web.StreamResponse:
        target = request.path_qs if request.method == "GET" else BASE
        location = "/login?" + urlencode({"next": target})
        return web.Response(status=302, headers={"Location": location})

    def too_many(self, request: web.Request, wait: float, *, api: bool) -> web.StreamResponse:
        headers = {"Retry-After": str(max(1, round(wait + 0.49)))}
        if api or request.path.startswith(API):
            return with_headers(self.json_error(request, ApiError(429, TOO_MANY, headers)))
        slow = self.speaker(request).say(TOO_MANY)
        response = web.Response(status=429, text=slow + "\n", headers=headers)
        return with_headers(response)

    def json_error(self, request: web.Request, error: ApiError) -> web.Response:
        """An API error: English for scripts (docs/api.md), and in the reader's language."""
        body = {"error": str(error), "error_said": error.said(self.speaker(request))}
        return web.json_response(body, status=error.status, headers=error.headers)

    async def db_capture(self, capture_id: int) -> Any:
        return await self.deps.db.captures.get(capture_id)
