"""`/login`, `/login/callback` and `/logout`: log in with Twitch, rotate the session, log out."""

from __future__ import annotations

import logging

import aiohttp_session
from aiohttp import web

from bot.pages.dashboard.security import new_secret, safe_next, same_secret
from bot.pages.dashboard.site import BASE, Site
from bot.pages.dashboard.twitch_login import LoginError
from reports.i18n import N_, Phrase, said

log = logging.getLogger(__name__)


def redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


class Auth:
    def __init__(self, site: Site) -> None:
        self.site = site

    def add_routes(self, app: web.Application) -> None:
        s = self.site
        app.router.add_get("/login", s.open_route(self.login))
        app.router.add_get("/login/callback", s.open_route(self.callback))
        app.router.add_get("/logout", s.open_route(self.logout))
        app.router.add_post("/logout", s.open_route(self.logout))

    async def login(self, request: web.Request) -> web.StreamResponse:
        """Send the browser to Twitch with a fresh `state` kept in this browser's session."""
        target = safe_next(request.query.get("next"), BASE)
        if await self.site.viewer(request) is not None:
            return redirect(target)
        session = await aiohttp_session.get_session(request)
        state = new_secret()
        session["state"] = state
        session["next"] = target
        return redirect(self.site.twitch.authorize_url(state))

    async def callback(self, request: web.Request) -> web.StreamResponse:
        """Twitch sends the browser back here with `code` and the `state` we gave it."""
        site = self.site
        session = await aiohttp_session.get_session(request)
        expected = session.pop("state", None)
        target = safe_next(session.pop("next", None), BASE)
        if not same_secret(request.query.get("state"), expected):
            log.info("login refused: the state does not match this browser's session")
            return self._refused(request, N_("This login did not start here, or it expired."), 400)
        if "error" in request.query or not request.query.get("code"):
            return self._refused(request, N_("Twitch did not approve the login."), 403)
        try:
            user = await site.twitch.redeem(request.query["code"])
            moderated = await site.twitch.moderated_channels(user)
        except LoginError as exc:
            return self._refused(request, exc.args[0], 502)
        site.access.remember(user, moderated)
        old_sid = session.get("sid")
        if isinstance(old_sid, str):
            site.revoke_sid(old_sid)
        session.invalidate()
        fresh = await aiohttp_session.new_session(request)  # a new session, never the old one
        fresh["uid"] = user.user_id
        fresh["login"] = user.login
        fresh["tok"] = user.access_token
        fresh["sid"] = new_secret()
        fresh["csrf"] = new_secret()
        log.info("dashboard login: %s (%d channel(s) moderated)", user.login, len(moderated))
        return redirect(target)

    async def logout(self, request: web.Request) -> web.StreamResponse:
        site = self.site
        session = await aiohttp_session.get_session(request)
        sid, uid = session.get("sid"), session.get("uid")
        if isinstance(sid, str):
            site.revoke_sid(sid)
        if isinstance(uid, int):
            site.access.forget(uid)
        session.invalidate()
        return redirect(BASE)

    def _refused(self, request: web.Request, message: str, status: int) -> web.Response:
        """The login error page; `message` is an English id (or a `Phrase`), said here."""
        tr = self.site.speaker(request)
        return self.site.render(
            request,
            "error.html",
            status=status,
            title=tr.say("Login failed"),
            message=said(message, tr) if isinstance(message, Phrase) else tr.say(message),
            retry=True,
        )
