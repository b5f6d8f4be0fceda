"""The JSON API under /api/v1, for the signed-in person (session cookie or API token).

Every answer is `{"data": ...}` (lists may carry `next_before` for the next page) or
`{"error": "..."}`; docs/api.md and docs/openapi.json describe them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.capture import reason_code, stop_reason
from bot.pages.dashboard.access import Viewer
from bot.pages.dashboard.site import API, ApiError, Site
from bot.pages.dashboard.views import ChannelRow, ChatterView, CheckView, Comparison, Wave
from reports.i18n import N_, Speaker, said
from storage import Capture, Channel

PAGE = 100
NO_CHECK = N_("No such check in this channel.")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _int(value: str | None, missing: str) -> int:
    """A whole number from the address; else 404 with `missing` (a message id)."""
    if not value or not value.isdigit() or len(value) > 18:
        raise ApiError(404, missing)
    return int(value)


class Api:
    def __init__(self, site: Site) -> None:
        self.site = site

    def add_routes(self, app: web.Application) -> None:
        s = self.site
        c = f"{API}/channels/{{login}}"
        app.router.add_get(f"{API}/channels", s.route(self.channels, api=True))
        app.router.add_get(c, s.route(self.channel, api=True))
        app.router.add_get(f"{c}/checks", s.route(self.checks, api=True))
        app.router.add_get(f"{c}/checks/{{id}}", s.route(self.check, api=True))
        app.router.add_get(f"{c}/checks/{{id}}/comparison", s.route(self.comparison, api=True))
        app.router.add_get(f"{c}/chatters/{{user}}", s.route(self.chatter, api=True))
        app.router.add_route("*", f"{API}/{{tail:.*}}", s.route(self.unknown, api=True))
        app.router.add_route("*", API, s.route(self.unknown, api=True))

    async def _channel(self, request: web.Request, viewer: Viewer) -> Channel:
        channel = await self.site.channel(request, viewer)
        if channel is None:
            raise ApiError(404, N_("No such channel, or not one of yours."))
        return channel

    async def _capture(self, channel: Channel, raw: str | None) -> Capture:
        capture = await self.site.views.check(channel, _int(raw, NO_CHECK))
        if capture is None:
            raise ApiError(404, NO_CHECK)
        return capture

    async def unknown(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        raise ApiError(404, N_("No such API path; see docs/api.md."))

    async def channels(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channels = await self.site.access.channels(viewer)
        rows = await self.site.views.channel_rows(channels)
        return web.json_response({"data": [self._channel_json(r) for r in rows]})

    async def channel(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel = await self._channel(request, viewer)
        (row,) = await self.site.views.channel_rows([channel])
        return web.json_response({"data": self._channel_json(row)})

    async def checks(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel = await self._channel(request, viewer)
        before = request.query.get("before")
        limit = min(PAGE, max(1, int(request.query.get("limit", "50") or 50)))
        tr = self.site.speaker(request)
        checks = await self.site.store.checks(
            channel.channel_id,
            limit=limit,
            before_id=_int(before, N_("No such page.")) if before is not None else None,
        )
        return web.json_response(
            {
                "data": [self._check_json(channel, c, tr) for c in checks],
                "next_before": checks[-1].capture_id if len(checks) == limit else None,
            }
        )

    async def check(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel = await self._channel(request, viewer)
        capture = await self._capture(channel, request.match_info["id"])
        view = await self.site.views.check_view(capture)
        detail = self._check_detail(channel, view, self.site.speaker(request))
        return web.json_response({"data": detail})

    async def comparison(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel = await self._channel(request, viewer)
        later = await self._capture(channel, request.match_info["id"])
        other = request.query.get("with")
        if other is None:
            earlier = await self.site.store.previous_check(later)
            if earlier is None:
                raise ApiError(404, N_("This check has no earlier one to compare with."))
        else:
            earlier = await self._capture(channel, other)
        if earlier.capture_id == later.capture_id:
            raise ApiError(400, N_("Compare a check with another one."))
        comparison = await self.site.views.compare(earlier, later)
        return web.json_response({"data": _comparison_json(comparison)})

    async def chatter(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channel = await self._channel(request, viewer)
        raw = request.match_info["user"]
        user_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
        if user_id is None:
            user_id = await self.site.store.find_chatter(channel.channel_id, raw)
        view = None if user_id is None else await self.site.views.chatter(channel, user_id)
        if view is None:
            raise ApiError(404, N_("This channel never saw that chatter."))
        return web.json_response({"data": _chatter_json(view)})

    # -- shapes --------------------------------------------------------------------------------

    def _channel_json(self, row: ChannelRow) -> dict[str, Any]:
        c = row.channel
        last = row.last_check
        stream = row.last_stream
        return {
            "id": str(c.channel_id),
            "login": c.login,
            "display_name": c.display_name,
            "live": row.live,
            "viewers": row.viewers,
            "timezone": row.timezone,
            "language": row.language,
            "last_check": None
            if last is None
            else self._check_json(c, last, Speaker(row.language, row.timezone)),
            "last_stream": None
            if stream is None
            else {
                "started_at": _iso(stream.started_at),
                "ended_at": _iso(stream.ended_at),
                "title": stream.title,
                "category": stream.category,
                "peak_viewers": stream.peak_viewers,
            },
        }

    def _check_json(self, channel: Channel, c: Capture, tr: Speaker) -> dict[str, Any]:
        """A check; its stop reason in English, by name, and in the channel's language."""
        reason = stop_reason(c)
        return {
            "id": c.capture_id,
            "channel": channel.login,
            "started_at": _iso(c.started_at),
            "finished_at": _iso(c.finished_at),
            "status": c.status.value,
            "status_reason": c.status_reason,
            "status_reason_code": reason_code(reason),
            "status_reason_said": said(reason, tr),
            "verdict": c.verdict,
            "chatters": c.chatter_count,
            "chatter_total": c.chatter_total,
            "viewers": c.viewer_count,
            "requested_by": c.requested_by_login,
            "kept": c.pinned,
            "expires_at": _iso(self.site.views.expires_at(c)),
        }

    def _check_detail(self, channel: Channel, view: CheckView, tr: Speaker) -> dict[str, Any]:
        a = view.analysis or {}
        out = self._check_json(channel, view.capture, tr)
        out.update(
            {
                "summary": view.capture.summary,
                "report_url": view.report_url,
                "analysed": (a.get("totals") or {}).get("analysed"),
                "flagged": a.get("flagged"),
                "verdict_reasons": (a.get("verdict") or {}).get("reasons", []),
                "waves": [
                    {"start": w.get("start"), "end": w.get("end"), "count": w.get("count")}
                    for w in a.get("waves", [])
                ],
                "previous_id": view.previous.capture_id if view.previous else None,
                "sessions": [
                    {"id": s.session_id, "name": s.name, "kept": s.kept} for s in view.sessions
                ],
            }
        )
        return out


def _wave_json(w: Wave) -> dict[str, Any]:
    return {"start": w.start.isoformat(), "end": w.end.isoformat(), "count": w.count}


def _comparison_json(c: Comparison) -> dict[str, Any]:
    return {
        "earlier_id": c.earlier.capture_id,
        "later_id": c.later.capture_id,
        "new": [{"user_id": str(u), "login": login} for u, login in c.overlap.new],
        "gone": [{"user_id": str(u), "login": login} for u, login in c.overlap.gone],
        "both": c.overlap.both,
        "waves_known": c.waves_known,
        "waves_appeared": [_wave_json(w) for w in c.appeared],
        "waves_vanished": [_wave_json(w) for w in c.vanished],
    }


def _chatter_json(v: ChatterView) -> dict[str, Any]:
    a = v.account
    return {
        "user_id": str(v.user_id),
        "login": v.login,
        "display_name": a.display_name if a else "",
        "created_at": _iso(a.created_at) if a else None,
        "names": [
            {
                "login": n.login,
                "display_name": n.display_name,
                "first_seen_at": _iso(n.first_seen_at),
                "last_seen_at": _iso(n.last_seen_at),
            }
            for n in v.names
        ],
        "checks": [c.capture_id for c in v.checks],
        "message_count": v.message_count,
        "messages": [
            {"sent_at": _iso(m.sent_at), "text": m.text, "deleted": m.deleted_at is not None}
            for m in v.messages
        ],
        "actions": [
            {
                "at": _iso(e.at),
                "action": e.action.value,
                "moderator": e.moderator_login,
                "reason": e.reason,
                "duration_s": e.duration_s,
            }
            for e in v.actions
        ],
    }
