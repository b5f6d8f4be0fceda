"""The newcomer list: young accounts writing in a channel for the first time (issue 20).

`/dashboard/c/<login>/newcomers` lists them and follows the chat without a reload
(`newcomers.js` polls `newcomers.json` every few seconds); `/api/v1/channels/<login>/newcomers`
answers the same for scripts. The list is derived from the recorded chat and the account cache
(`storage.newcomers`): nothing is stored for it, and the chat digest stays as the channel set it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.pages.dashboard.access import Viewer
from bot.pages.dashboard.site import API, BASE, ApiError, Site
from reports.i18n import N_
from storage import Channel
from storage.defence import DefenceStore
from storage.newcomers import Newcomer, Newcomers

DEFAULT_DAYS = 7  # account age when the channel's notice is off
DEFAULT_HOURS = 24
MAX_HOURS = 168
MAX_DAYS = 365
LIMIT = 100
POLL_MS = 5000


def _bounded(raw: str | None, default: int, top: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= top:
        raise ApiError(400, N_("Give a whole number from 1 to {top}."), top=top)
    return int(raw)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


class NewcomerPages:
    """The page, its poll and the API path."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.store = Newcomers(site.deps.db)
        self.defence = DefenceStore(site.deps.db)

    def add_routes(self, app: web.Application) -> None:
        """Mount the routes (before the API's catch-all)."""
        s = self.site
        app.router.add_get(f"{BASE}/c/{{login}}/newcomers", s.route(self.page))
        app.router.add_get(f"{BASE}/c/{{login}}/newcomers.json", s.route(self.poll, api=True))
        app.router.add_get(f"{API}/channels/{{login}}/newcomers", s.route(self.api, api=True))

    async def _list(self, channel: Channel, request: web.Request) -> dict[str, Any]:
        settings = await self.defence.settings(channel.channel_id)
        days = _bounded(request.query.get("days"), settings.notice_days or DEFAULT_DAYS, MAX_DAYS)
        hours = _bounded(request.query.get("hours"), DEFAULT_HOURS, MAX_HOURS)
        now = self.site.deps.clock()
        rows = await self.store.recent(
            channel.channel_id,
            since=now - timedelta(hours=hours),
            young_since=now - timedelta(days=days),
            limit=LIMIT,
        )
        return {
            "days": days,
            "hours": hours,
            "digest_in_chat": settings.notice_days is not None,
            "newcomers": [_json(n, now) for n in rows],
        }

    async def _channel(self, request: web.Request, viewer: Viewer) -> Channel:
        channel = await self.site.channel(request, viewer)
        if channel is None:
            raise ApiError(404, N_("No such channel, or not one of yours."))
        return channel

    async def api(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel = await self._channel(request, viewer)
        return web.json_response({"data": await self._list(channel, request)})

    async def poll(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel = await self._channel(request, viewer)
        body = {"data": await self._list(channel, request)}
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    async def page(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await site.channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        try:
            data = await self._list(channel, request)
        except ApiError as exc:
            return site.render(
                request,
                "error.html",
                status=exc.status,
                viewer=viewer,
                title=site.speaker(request).say("Newcomers"),
                message=exc.said(site.speaker(request)),
            )
        poll = f"{BASE}/c/{channel.login}/newcomers.json?days={data['days']}&hours={data['hours']}"
        return site.render(
            request,
            "newcomers.html",
            viewer=viewer,
            title=site.speaker(request).say(
                "Newcomers · {channel}", channel=channel.display_name or channel.login
            ),
            channel=channel,
            data=data,
            poll=poll,
            poll_ms=POLL_MS,
        )


def _json(n: Newcomer, now: datetime) -> dict[str, Any]:
    return {
        "user_id": str(n.user_id),
        "login": n.login,
        "created_at": _iso(n.created_at),
        "account_age_days": round(n.age_days(now), 1),
        "first_at": _iso(n.first_at),
        "first_message": n.text,
    }
