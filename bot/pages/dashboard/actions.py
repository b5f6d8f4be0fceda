"""The dashboard's actions, each a POST with the session's CSRF token.

Run a check, keep or release a check, group checks into a named session and keep it, forget
the channel (broadcaster only, typed confirmation), create and revoke API tokens. Every action
on a channel goes into its audit log.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.pages.dashboard.access import Viewer
from bot.pages.dashboard.auth import redirect
from bot.pages.dashboard.deps import CheckRefused, Requester
from bot.pages.dashboard.pages import channel_url
from bot.pages.dashboard.site import BASE, Site
from reports import i18n, zones
from reports.i18n import N_
from storage import Channel

log = logging.getLogger(__name__)

API_TOKEN_PREFIX = "bc_"  # noqa: S105 (a prefix that marks our tokens, not a secret)


class Actions:
    def __init__(self, site: Site) -> None:
        self.site = site

    def add_routes(self, app: web.Application) -> None:
        s = self.site
        c = f"{BASE}/c/{{login}}"
        app.router.add_post(f"{c}/check", s.route(self.run_check))
        app.router.add_post(f"{c}/checks/{{id}}/keep", s.route(self.keep_check))
        app.router.add_post(f"{c}/sessions", s.route(self.new_session))
        app.router.add_post(f"{c}/sessions/{{sid}}/keep", s.route(self.keep_session))
        app.router.add_post(f"{c}/forget", s.route(self.forget))
        app.router.add_post(f"{c}/timezone", s.route(self.set_timezone))
        app.router.add_post(f"{c}/language", s.route(self.set_language))
        app.router.add_post(f"{c}/events", s.route(self.set_stream_events))
        app.router.add_get(f"{BASE}/settings", s.route(self.settings))
        app.router.add_post(f"{BASE}/settings/tokens", s.route(self.new_token))
        app.router.add_post(f"{BASE}/settings/tokens/{{id}}/revoke", s.route(self.revoke_token))
        # Anything else under the dashboard: the same headered 404 page (after the guards).
        app.router.add_route("*", f"{BASE}/{{tail:.*}}", s.route(self.unknown))

    async def unknown(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        return self.site.not_found(request, viewer)

    async def _form(self, request: web.Request, viewer: Viewer) -> Any:
        """Return the form, or raise 403 when its CSRF token is missing or wrong."""
        form = await request.post()
        if not self.site.check_csrf(viewer, form):
            log.info("refused a POST to %s without a valid CSRF token", request.path)
            raise _Refused
        return form

    async def _channel(self, request: web.Request, viewer: Viewer) -> Channel | None:
        return await self.site.channel(request, viewer)

    async def _audit(
        self,
        channel: Channel,
        viewer: Viewer,
        command: str,
        *,
        args: str,
        outcome: str,
        detail: str = "",
    ) -> None:
        await self.site.deps.db.audit.record(
            at=self.site.deps.clock(),
            channel_id=channel.channel_id,
            user_id=viewer.user_id,
            user_login=viewer.login,
            command=f"dashboard:{command}",
            args=args,
            outcome=outcome,
            detail=detail,
        )

    async def _channel_form(
        self, request: web.Request, viewer: Viewer
    ) -> tuple[Any, Any] | web.StreamResponse:
        """The channel in the URL and the posted form, or the 404/403 page that answers instead."""
        channel = await self._channel(request, viewer)
        if channel is None:
            return self.site.not_found(request, viewer)
        try:
            form = await self._form(request, viewer)
        except _Refused:
            return self._forbidden(request, viewer)
        return channel, form

    def _forbidden(self, request: web.Request, viewer: Viewer) -> web.Response:
        return self.site.error(
            request,
            403,
            N_("Refused"),
            N_(
                "This form has expired or did not come from this site: reload the page and "
                "try again."
            ),
            viewer=viewer,
        )

    async def run_check(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        try:
            await self._form(request, viewer)
        except _Refused:
            return self._forbidden(request, viewer)
        newest = await site.store.checks(channel.channel_id, limit=1)
        after = newest[0].capture_id if newest else 0
        try:
            await site.deps.start_check(channel.channel_id, Requester(viewer.user_id, viewer.login))
        except CheckRefused as exc:
            await self._audit(channel, viewer, "check", args="", outcome="refused", detail=str(exc))
            query = urlencode({"notice": str(exc)})
            return redirect(f"{channel_url(channel)}?{query}")
        await self._audit(channel, viewer, "check", args="", outcome="started")
        return redirect(f"{channel_url(channel)}/running?after={after}")

    async def _speaker(self, channel: Channel) -> i18n.Speaker:
        """The channel's language, for a notice shown on its page after an action."""
        return i18n.Speaker(await self.site.deps.db.channels.language(channel.channel_id))

    async def set_timezone(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """Set the channel's timezone (anyone who may see the channel: its moderators)."""
        site = self.site
        opened = await self._channel_form(request, viewer)
        if isinstance(opened, web.StreamResponse):
            return opened
        channel, form = opened
        raw = str(form.get("timezone", ""))[:64]
        try:
            name = zones.parse_zone(raw)
        except ValueError:
            await self._audit(channel, viewer, "timezone", args=raw, outcome="bad-argument")
            tr = await self._speaker(channel)
            notice = tr.say(
                "{name} is not a timezone name; pick one from the list, like Europe/Paris.",
                name=repr(raw),
            )
            return redirect(f"{channel_url(channel)}/timezone?{urlencode({'notice': notice})}")
        await site.deps.db.channels.set_timezone(channel.channel_id, name)
        await self._audit(channel, viewer, "timezone", args=name, outcome="ok")
        tr = await self._speaker(channel)
        notice = tr.say("Times on this channel's pages are now in {zone}.", zone=name)
        return redirect(f"{channel_url(channel)}?{urlencode({'notice': notice})}#timezone")

    async def set_language(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """Set the channel's language (its moderators): chat replies and its pages speak it."""
        opened = await self._channel_form(request, viewer)
        if isinstance(opened, web.StreamResponse):
            return opened
        channel, form = opened
        raw = str(form.get("language", ""))[:20]
        try:
            code = i18n.parse_language(raw)
        except ValueError:
            await self._audit(channel, viewer, "language", args=raw, outcome="bad-argument")
            tr = await self._speaker(channel)
            notice = tr.say(
                "{name} is not a language botcheck speaks; pick one from the list.", name=repr(raw)
            )
            return redirect(f"{channel_url(channel)}/timezone?{urlencode({'notice': notice})}")
        await self.site.deps.db.channels.set_language(channel.channel_id, code)
        await self._audit(channel, viewer, "language", args=code, outcome="ok")
        # Said in the new language: the page it leads to speaks it too.
        notice = i18n.Speaker(code).say(
            "This channel now speaks {language}.", language=i18n.LANGUAGES[code]
        )
        return redirect(f"{channel_url(channel)}?{urlencode({'notice': notice})}#timezone")

    async def set_stream_events(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """Switch the channel's stream events (its moderators), as `!botcheck events on|off`."""
        opened = await self._channel_form(request, viewer)
        if isinstance(opened, web.StreamResponse):
            return opened
        channel, form = opened
        deps = self.site.deps
        tr = await self._speaker(channel)
        raw = str(form.get("events", ""))[:8]
        back = f"{channel_url(channel)}/timezone"
        if not deps.stream_event_kinds:
            await self._audit(channel, viewer, "events", args=raw, outcome="refused")
            notice = tr.say("This bot records no stream events: its owner turned them off.")
            return redirect(f"{back}?{urlencode({'notice': notice})}#events")
        if raw not in ("on", "off"):
            await self._audit(channel, viewer, "events", args=raw, outcome="bad-argument")
            notice = tr.say("That is neither on nor off.")
            return redirect(f"{back}?{urlencode({'notice': notice})}#events")
        on = raw == "on"
        await deps.db.stream_events.set_enabled(channel.channel_id, on)
        if deps.stream_events_changed is not None:
            await deps.stream_events_changed(channel.channel_id)  # before the page says so
        await self._audit(channel, viewer, "events", args=raw, outcome="ok")
        if on:
            notice = tr.say(
                "Stream events are on here: subscriptions, raids and follows within reach are "
                "recorded on the stream pages."
            )
        else:
            notice = tr.say(
                "Stream events are off here: I only note raids into the channel, which raid "
                "defence needs."
            )
        return redirect(f"{back}?{urlencode({'notice': notice})}#events")

    async def keep_check(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        raw = request.match_info["id"]
        capture = None
        if channel is not None and raw.isdigit() and len(raw) < 19:
            capture = await site.views.check(channel, int(raw))
        if channel is None or capture is None:
            return site.not_found(request, viewer)
        try:
            form = await self._form(request, viewer)
        except _Refused:
            return self._forbidden(request, viewer)
        keep = form.get("keep") == "1"
        await site.deps.db.captures.pin(capture.capture_id, keep)
        await self._audit(
            channel,
            viewer,
            "keep" if keep else "release",
            args=str(capture.capture_id),
            outcome="ok",
        )
        return redirect(f"{channel_url(channel)}/checks/{capture.capture_id}")

    async def new_session(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        opened = await self._channel_form(request, viewer)
        if isinstance(opened, web.StreamResponse):
            return opened
        channel, form = opened
        name = str(form.get("name", "")).strip()[:100] or "Untitled session"
        ids = [int(v) for v in form.getall("check", []) if str(v).isdigit() and len(str(v)) < 19]
        if not ids:
            tr = await self._speaker(channel)
            query = urlencode({"notice": tr.say("Pick at least one check for the session.")})
            return redirect(f"{channel_url(channel)}?{query}")
        session_id = await site.store.create_session(
            channel_id=channel.channel_id,
            name=name,
            capture_ids=ids,
            created_by_id=viewer.user_id,
            created_by_login=viewer.login,
            at=site.deps.clock(),
        )
        if form.get("keep") == "1":
            await site.store.keep_session(session_id, True)
        await self._audit(
            channel, viewer, "session", args=name, outcome="ok", detail=f"{len(ids)} check(s)"
        )
        return redirect(f"{channel_url(channel)}/sessions/{session_id}")

    async def keep_session(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        raw = request.match_info["sid"]
        found = None
        if channel is not None and raw.isdigit() and len(raw) < 19:
            found = await site.store.session(int(raw))
        if channel is None or found is None or found.channel_id != channel.channel_id:
            return site.not_found(request, viewer)
        try:
            form = await self._form(request, viewer)
        except _Refused:
            return self._forbidden(request, viewer)
        keep = form.get("keep") == "1"
        await site.store.keep_session(found.session_id, keep)
        await self._audit(
            channel,
            viewer,
            "keep-session" if keep else "release-session",
            args=found.name,
            outcome="ok",
        )
        return redirect(f"{channel_url(channel)}/sessions/{found.session_id}")

    async def forget(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        opened = await self._channel_form(request, viewer)
        if isinstance(opened, web.StreamResponse):
            return opened
        channel, form = opened
        if not site.access.is_broadcaster(viewer, channel) or site.deps.forget_channel is None:
            return self._forbidden(request, viewer)
        if str(form.get("confirm", "")).strip().lower() != channel.login:
            tr = await self._speaker(channel)
            notice = tr.say("Type {login} to confirm; nothing was deleted.", login=channel.login)
            query = urlencode({"notice": notice})
            return redirect(f"{channel_url(channel)}?{query}")
        await site.deps.forget_channel(channel.channel_id)
        log.info("%s deleted the data of %s from the dashboard", viewer.login, channel.login)
        return redirect(BASE)

    async def settings(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        return await self._settings_page(request, viewer, new=None)

    async def _settings_page(
        self, request: web.Request, viewer: Viewer, *, new: str | None
    ) -> web.StreamResponse:
        tokens = await self.site.deps.db.api_tokens.of_user(viewer.user_id)
        return self.site.render(
            request,
            "settings.html",
            viewer=viewer,
            title=self.site.speaker(request).say("Settings"),
            tokens=tokens,
            new=new,
        )

    async def new_token(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        try:
            form = await self._form(request, viewer)
        except _Refused:
            return self._forbidden(request, viewer)
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        name = str(form.get("name", "")).strip()[:60] or "API token"
        await site.deps.db.api_tokens.add(
            token=token,
            user_id=viewer.user_id,
            user_login=viewer.login,
            name=name,
            at=site.deps.clock(),
        )
        # Shown once, on this answer only (no-store): only its hash is kept.
        return await self._settings_page(request, viewer, new=token)

    async def revoke_token(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        try:
            await self._form(request, viewer)
        except _Refused:
            return self._forbidden(request, viewer)
        raw = request.match_info["id"]
        if raw.isdigit() and len(raw) < 19:
            await site.deps.db.api_tokens.revoke(
                int(raw), user_id=viewer.user_id, at=site.deps.clock()
            )
        return redirect(f"{BASE}/settings")


class _Refused(Exception):
    """The form's CSRF token is missing or wrong."""
