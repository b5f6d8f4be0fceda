"""Stream analytics on the dashboard (issue 18): `/dashboard/c/<login>/streams` and the
`/api/v1/channels/<login>/engagement` and `/daily-reports` endpoints.

Peak engagement times (last 30 days, the channel's timezone), categories across streams and
the channel's daily reports, from the same queries the stream and daily reports use
(storage.stream_stats). Mounted before the API's catch-all route.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.pages.dashboard.access import Viewer
from bot.pages.dashboard.site import API, BASE, ApiError, Site
from bot.pages.links import Links
from reports.i18n import N_
from storage import Channel
from storage.stream_stats import PEAK_DAYS
from storage.stream_stats_results import CategoryFigures, PeakSlot, PeakTimes

Figures = tuple[PeakTimes, tuple[CategoryFigures, ...]]


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _slot_json(s: PeakSlot) -> dict[str, Any]:
    out: dict[str, Any] = {
        "hour": s.hour,
        "messages": s.messages,
        "live_hours": s.live_hours,
        "messages_per_viewer_hour": _rate(s.per_viewer_hour),
    }
    if s.weekday is not None:
        out["weekday"] = s.weekday
    return out


def _category_json(c: CategoryFigures) -> dict[str, Any]:
    return {
        "category": c.category,
        "streams": c.streams,
        "hours": round(c.hours, 2),
        "avg_viewers": None if c.avg_viewers is None else round(c.avg_viewers, 1),
        "messages": c.messages,
        "messages_per_viewer_hour": _rate(c.per_viewer_hour),
    }


CACHE_S = 60.0  # the figures cover 30 days: a minute-old answer is as good


class StreamAnalytics:
    def __init__(self, site: Site) -> None:
        self.site = site
        self._cache: dict[tuple[int, str], tuple[float, Figures]] = {}

    def add_routes(self, app: web.Application) -> None:
        s = self.site
        app.router.add_get(f"{BASE}/c/{{login}}/streams", s.route(self.page))
        c = f"{API}/channels/{{login}}"
        app.router.add_get(f"{c}/engagement", s.route(self.engagement, api=True))
        app.router.add_get(f"{c}/daily-reports", s.route(self.daily_reports, api=True))

    async def _figures(self, channel: Channel) -> Figures:
        """Peak times and categories, reused for `CACHE_S` per channel and timezone."""
        db, now = self.site.deps.db, self.site.deps.clock()
        zone = await db.channels.timezone(channel.channel_id)
        key = (channel.channel_id, zone)
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_S:
            return cached[1]
        peak = await db.stream_stats.peak_times(channel.channel_id, zone=zone, now=now)
        cats = await db.stream_stats.categories(
            channel.channel_id, since=now - timedelta(days=PEAK_DAYS), until=now
        )
        if len(self._cache) > 1000:
            self._cache.clear()
        self._cache[key] = (time.monotonic(), (peak, cats))
        return peak, cats

    async def _reports(self, channel: Channel) -> list[dict[str, Any]]:
        rows = await self.site.deps.db.daily_reports.recent(channel.channel_id, limit=30)
        public = self.site.deps.public_url
        return [
            {"day": r.day.isoformat(), "timezone": r.timezone, **_links(public, r.report_token)}
            for r in rows
        ]

    async def page(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await site.channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        peak, cats = await self._figures(channel)
        tr = site.speaker(request)
        best = max((s.per_viewer_hour or 0.0 for s in peak.by_hour), default=0.0) or 1.0
        hours = [
            (
                f"{s.hour:02d}:00",
                s.messages,
                s.live_hours,
                s.per_viewer_hour,
                round(100 * (s.per_viewer_hour or 0.0) / best),
            )
            for s in peak.by_hour
        ]
        return site.render(
            request,
            "streams.html",
            viewer=viewer,
            title=tr.say("Streams of {channel}", channel=channel.login),
            channel=channel,
            zone=tr.zone_label(now=site.deps.clock()),
            days=PEAK_DAYS,
            hours=hours,
            top=[(tr.weekday(s.weekday or 0), f"{s.hour:02d}:00", s) for s in peak.top()],
            min_live=peak.min_live_hours,
            categories=cats,
            reports=await self._reports(channel),
        )

    async def engagement(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel = await self.site.channel(request, viewer)
        if channel is None:
            raise ApiError(404, N_("No such channel, or not one of yours."))
        peak, cats = await self._figures(channel)
        return web.json_response(
            {
                "data": {
                    "timezone": peak.zone,
                    "since": peak.since.isoformat().replace("+00:00", "Z"),
                    "until": peak.until.isoformat().replace("+00:00", "Z"),
                    "min_live_hours": peak.min_live_hours,
                    "by_hour": [_slot_json(s) for s in peak.by_hour],
                    "by_week": [_slot_json(s) for s in peak.by_week],
                    "top": [_slot_json(s) for s in peak.top()],
                    "categories": [_category_json(c) for c in cats],
                }
            }
        )

    async def daily_reports(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel = await self.site.channel(request, viewer)
        if channel is None:
            raise ApiError(404, N_("No such channel, or not one of yours."))
        return web.json_response({"data": await self._reports(channel)})


def _links(public_url: str, token: str) -> dict[str, str]:
    links = Links.for_token(public_url, token)
    return {"page": links.page, "csv": links.csv, "json": links.json}
