"""The chat analytics API under /api/v1/channels/{login}: leaderboards, chat, a chatter's
statistics, autocomplete, two chatters compared.

The same guards as every API path (sign-in, access to the channel, the per-user rate limit with
429 and Retry-After); hours of the day are on the channel's clock, named in `timezone`.
docs/api.md and docs/openapi.json describe the answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from aiohttp import web

from bot.pages.dashboard.access import Viewer
from bot.pages.dashboard.analytics_views import (
    AnalyticsViews,
    ChatNow,
    ChatterStats,
    Leaderboards,
)
from bot.pages.dashboard.site import API, ZONE, ApiError, Site
from reports import zones
from reports.emotes import image_path
from reports.i18n import N_
from storage import Channel
from storage.chatters import cosine
from storage.stats_results import EmoteCount


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class AnalyticsApi:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.views = AnalyticsViews(site.deps.db)

    def add_routes(self, app: web.Application) -> None:
        """Mount the routes; before `Api.add_routes`, whose catch-all answers unknown paths."""
        s = self.site
        c = f"{API}/channels/{{login}}"
        app.router.add_get(f"{c}/leaderboards", s.route(self.leaderboards, api=True))
        app.router.add_get(f"{c}/chat", s.route(self.chat, api=True))
        app.router.add_get(f"{c}/chat/now", s.route(self.chat_now, api=True))
        app.router.add_get(f"{c}/chatters/{{user}}/stats", s.route(self.chatter, api=True))
        app.router.add_get(f"{c}/search", s.route(self.search, api=True))
        app.router.add_get(f"{c}/compare", s.route(self.compare, api=True))

    async def _channel(self, request: web.Request, viewer: Viewer) -> tuple[Channel, tzinfo, str]:
        channel = await self.site.channel(request, viewer)
        if channel is None:
            raise ApiError(404, N_("No such channel, or not one of yours."))
        name = request.get(ZONE, zones.UTC_NAME)
        return channel, zones.zone(name), name

    def _now(self) -> datetime:
        return self.site.deps.clock().astimezone(UTC)

    async def leaderboards(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel, tz, name = await self._channel(request, viewer)
        period = request.query.get("period", "7d")
        boards = await self.views.leaderboards(channel, tz, period, self._now())
        return web.json_response({"data": _boards_json(boards, name)})

    async def chat(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel, tz, name = await self._channel(request, viewer)
        page = await self.views.chat(channel, tz, self._now())
        days = page.days
        return web.json_response(
            {
                "data": {
                    **_now_json(page.now),
                    "timezone": name,
                    "last_24h": [
                        {"start": _iso(b.start), "messages": b.messages, "chatters": b.chatters}
                        for b in page.last_24h
                    ],
                    "days": days,
                    "by_hour": [
                        {
                            "hour": h.hour,
                            "messages": h.messages,
                            "per_day": round(h.messages / days, 2) if days else 0.0,
                        }
                        for h in page.by_hour
                    ],
                    "emotes_7d": [_emote(e) for e in page.emotes],
                }
            }
        )

    async def chat_now(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """The few figures a live chat page polls for."""
        channel, _, _ = await self._channel(request, viewer)
        return web.json_response(
            {"data": _now_json(await self.views.chat_now(channel, self._now()))}
        )

    async def _chatter(self, channel: Channel, raw: str, tz: tzinfo) -> ChatterStats:
        uid = await self.views.user_id(channel, raw)
        found = None if uid is None else await self.views.chatter(channel, uid, tz, self._now())
        if found is None:
            raise ApiError(404, N_("No chat recorded here from that chatter."))
        return found

    async def chatter(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel, tz, name = await self._channel(request, viewer)
        found = await self._chatter(channel, request.match_info["user"], tz)
        return web.json_response({"data": _chatter_json(found, name)})

    async def search(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel, _, _ = await self._channel(request, viewer)
        try:
            limit = min(20, max(1, int(request.query.get("limit", "8"))))
        except ValueError:
            raise ApiError(400, N_("limit is a number from 1 to 20.")) from None
        found = await self.site.deps.db.search.complete(
            channel.channel_id, request.query.get("q", ""), limit=limit
        )
        return web.json_response(
            {
                "data": [
                    {
                        "user_id": str(m.user_id),
                        "login": m.login,
                        "earlier_name": m.earlier,
                        "messages": m.messages,
                    }
                    for m in found
                ]
            }
        )

    async def compare(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel, tz, name = await self._channel(request, viewer)
        a, b = request.query.get("a", ""), request.query.get("b", "")
        if not a or not b:
            raise ApiError(400, N_("Name two chatters: ?a=login&b=login."))
        first, second = await self._chatter(channel, a, tz), await self._chatter(channel, b, tz)
        return web.json_response(
            {
                "data": {
                    "a": _chatter_json(first, name),
                    "b": _chatter_json(second, name),
                    "similarity": round(cosine(first.hours, second.hours), 4),
                }
            }
        )


def _user(user_id: int, login: str) -> dict[str, Any]:
    return {"user_id": str(user_id), "login": login}


def _boards_json(b: Leaderboards, zone: str) -> dict[str, Any]:
    return {
        "period": b.period,
        "timezone": zone,
        "top": [{**_user(c.user_id, c.login), "messages": c.messages} for c in b.top],
        "rising": [
            {**_user(r.user_id, r.login), "recent": r.recent, "before": r.before, "gain": r.gain}
            for r in b.rising
        ],
        "hour_leaders": [
            {"hour": h.hour, **_user(h.user_id, h.login), "messages": h.messages} for h in b.leaders
        ],
        "writers": [
            {
                **_user(w.user_id, w.login),
                "messages": w.messages,
                "avg_length": round(w.avg_length, 1),
            }
            for w in b.writers
        ],
        "writer_min_messages": b.writer_min,
    }


def _now_json(n: ChatNow) -> dict[str, Any]:
    return {
        "at": _iso(n.at),
        "live": n.live,
        "viewers": n.viewers,
        "active_5m": n.active_5m,
        "messages_24h": n.messages_24h,
        "chatters_24h": n.chatters_24h,
    }


def _chatter_json(c: ChatterStats, zone: str) -> dict[str, Any]:
    s, r = c.stats, c.ranks
    return {
        **_user(s.user_id, s.login),
        "timezone": zone,
        "messages": s.messages,
        "rank": s.rank,
        "chatters": s.chatters,
        "percentile": round(s.percentile * 100, 1),
        "first_seen": _iso(s.first_seen),
        "last_seen": _iso(s.last_seen),
        "avg_length": round(s.avg_length, 1),
        "hours": list(c.hours),
        "favourite_hour": c.favourite_hour,
        "peak": None
        if c.peak is None
        else {"start": _iso(c.peak.start), "messages": c.peak.messages},
        "rivals": [
            {**_user(v.user_id, v.login), "similarity": v.similarity, "messages": v.messages}
            for v in c.rivals
        ],
        "replies_to": [{**_user(t.user_id, t.login), "replies": t.replies} for t in c.replies],
        "ranks": {
            "all_time": r.all_time,
            "week": r.week,
            "writer": r.writer,
            "rising": r.rising,
            "hours_led": list(r.hours_led),
        },
        "emotes": [_emote(e) for e in c.emotes],
    }


def _emote(e: EmoteCount) -> dict[str, Any]:
    """An emote as chat shows it, its provider (null: Twitch) and its image on our origin."""
    ref = e.ref
    return {"name": e.label, "count": e.count, "provider": ref.provider, "image": image_path(ref)}
