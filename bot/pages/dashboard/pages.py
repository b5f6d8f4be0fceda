"""The dashboard's HTML pages (GET): channels, a channel, a check, a comparison, a chatter."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from aiohttp import web

from bot.capture import stop_reason
from bot.pages.dashboard.access import Viewer
from bot.pages.dashboard.analytics import hours_chart, speaker_of
from bot.pages.dashboard.analytics_views import AnalyticsViews
from bot.pages.dashboard.chart import checks_chart
from bot.pages.dashboard.deps import Progress
from bot.pages.dashboard.site import BASE, ZONE, ApiError, Site
from bot.pages.dashboard.views import FINISHED
from reports import zones
from reports.i18n import ENGLISH, N_, Speaker, said
from storage import Capture, CaptureStatus, Channel

log = logging.getLogger(__name__)

_STATIC = Path(__file__).parent / "static"
_STATIC_FILES = {
    "dashboard.css": "text/css",
    "running.js": "text/javascript",
    "newcomers.js": "text/javascript",
    "analytics.js": "text/javascript",
}


def channel_url(channel: Channel) -> str:
    return f"{BASE}/c/{channel.login}"


def progress_text(progress: Progress | None, tr: Speaker = ENGLISH) -> str:
    """The running page's sentence (also sent to running.js), in the channel's language."""
    if progress is None:
        return tr.say("Starting the check…")
    seen = tr.num(progress.chatters_seen)
    if progress.total:
        seen = tr.say("{seen} of {total}", seen=seen, total=tr.num(progress.total))
    eta = ""
    if progress.eta_s:
        eta = tr.say(", about {seconds} s left", seconds=max(1, round(progress.eta_s)))
    return tr.say("{seen} chatters so far{eta}.", seen=seen, eta=eta)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


class Pages:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.analytics = AnalyticsViews(site.deps.db)

    def add_routes(self, app: web.Application) -> None:
        s = self.site
        c = f"{BASE}/c/{{login}}"
        home = s.route(self.channels, signed_out=self.signed_out)
        app.router.add_get(BASE, home)
        app.router.add_get(f"{BASE}/", home)
        app.router.add_get(f"{BASE}/static/{{name}}", s.open_route(self.static))
        app.router.add_get(c, s.route(self.channel))
        app.router.add_get(f"{c}/checks/{{id}}", s.route(self.check))
        app.router.add_get(f"{c}/checks/{{id}}/compare", s.route(self.compare))
        app.router.add_get(f"{c}/checks/{{id}}/{{kind:days|months}}.csv", s.route(self.check_csv))
        app.router.add_get(f"{c}/chatters", s.route(self.find_chatter))
        app.router.add_get(f"{c}/chatters/{{user:\\d+}}", s.route(self.chatter))
        app.router.add_get(f"{c}/chatters/{{user:\\d+}}.csv", s.route(self.chatter_csv))
        app.router.add_get(f"{c}/sessions/{{sid}}", s.route(self.session))
        app.router.add_get(f"{c}/running", s.route(self.running))
        app.router.add_get(f"{c}/running.json", s.route(self.running_json))
        app.router.add_get(f"{c}/timezone", s.route(self.timezone))

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in _STATIC_FILES:
            return self.site.not_found(request, None)
        return web.FileResponse(
            _STATIC / name,
            headers={"Content-Type": _STATIC_FILES[name], "Cache-Control": "public, max-age=3600"},
        )

    async def signed_out(self, request: web.Request) -> web.StreamResponse:
        """The page that offers to log in."""
        return self.site.render(
            request, "signed_out.html", title=self.site.speaker(request).say("botcheck dashboard")
        )

    async def channels(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        channels = await self.site.access.channels(viewer)
        rows = await self.site.views.channel_rows(channels)
        return self.site.render(
            request,
            "channels.html",
            viewer=viewer,
            rows=rows,
            title=self.site.speaker(request).say("Your channels"),
        )

    async def _channel(self, request: web.Request, viewer: Viewer) -> Channel | None:
        return await self.site.channel(request, viewer)

    async def _check(self, channel: Channel, raw: str | None) -> Capture | None:
        capture_id = _int(raw)
        return None if capture_id is None else await self.site.views.check(channel, capture_id)

    async def channel(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        cid = channel.channel_id
        before = _int(request.query.get("before"))
        await site.views.fill_metrics(channel)
        checks = await site.store.checks(cid, limit=50, before_id=before)
        points = await site.store.series(cid, limit=60)
        return site.render(
            request,
            "channel.html",
            viewer=viewer,
            title=channel.display_name or channel.login,
            channel=channel,
            chart=checks_chart(
                points, zones.zone(request.get(ZONE, zones.UTC_NAME)), speaker_of(request)
            ),
            points=points,
            checks=checks,
            expires={c.capture_id: site.views.expires_at(c) for c in checks},
            more=checks[-1].capture_id if len(checks) == 50 else None,
            total=await site.store.count_checks(cid),
            streams=await site.store.streams(cid, limit=20),
            sessions=await site.store.sessions(cid),
            audit=await site.store.audit(cid, limit=50),
            running=site.deps.check_progress(cid),
            broadcaster=site.access.is_broadcaster(viewer, channel),
            notice=request.query.get("notice", ""),
        )

    async def timezone(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """The channel's timezone and the form that changes it (with every zone name)."""
        site = self.site
        channel = await self._channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        return site.render(
            request,
            "timezone.html",
            viewer=viewer,
            title=speaker_of(request).say("Timezone of {channel}", channel=channel.login),
            channel=channel,
            zone_names=zones.names(),
            notice=request.query.get("notice", ""),
            events_on=await site.deps.db.stream_events.enabled(channel.channel_id),
            events_possible=bool(site.deps.stream_event_kinds),
        )

    async def check(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        capture = None if channel is None else await self._check(channel, request.match_info["id"])
        if channel is None or capture is None:
            return site.not_found(request, viewer)
        view = await site.views.check_view(capture)
        comparison = None
        if view.previous is not None:
            comparison = await site.views.compare(view.previous, capture)
        recent = await site.store.checks(channel.channel_id, limit=20)
        return site.render(
            request,
            "check.html",
            viewer=viewer,
            title=speaker_of(request).say(
                "Check {id} of {channel}", id=capture.capture_id, channel=channel.login
            ),
            channel=channel,
            view=view,
            reasons=[said(r, speaker_of(request)) for r in view.reasons],
            stopped=said(stop_reason(capture), speaker_of(request)),
            comparison=comparison,
            recent=[c for c in recent if c.capture_id != capture.capture_id],
        )

    async def compare(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        later = await self._check(channel, request.match_info["id"])
        earlier = await self._check(channel, request.query.get("with"))
        if later is None or earlier is None or later.capture_id == earlier.capture_id:
            return site.not_found(request, viewer)
        comparison = await site.views.compare(earlier, later)
        return site.render(
            request,
            "compare.html",
            viewer=viewer,
            title=speaker_of(request).say(
                "Checks {earlier} and {later}",
                earlier=comparison.earlier.capture_id,
                later=comparison.later.capture_id,
            ),
            channel=channel,
            comparison=comparison,
        )

    async def check_csv(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """The day (or month) aggregates of one check's accounts, as CSV."""
        site = self.site
        channel = await self._channel(request, viewer)
        capture = None if channel is None else await self._check(channel, request.match_info["id"])
        analysis = None if capture is None else await site.views.analysis(capture)
        if channel is None or capture is None or analysis is None:
            return site.not_found(request, viewer)
        kind = request.match_info["kind"]
        key = "day" if kind == "days" else "month"
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([key, "accounts", "share"])
        for row in analysis.get(kind, []):
            writer.writerow([row.get(key, ""), row.get("count", 0), row.get("share", 0)])
        name = f"check-{capture.capture_id}-{kind}.csv"
        return _csv(out.getvalue(), name)

    async def find_chatter(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        login = request.query.get("login", "").strip().lstrip("@").lower()
        user_id = await self.analytics.user_id(channel, login) if login else None
        if user_id is None and login:  # seen in a check only
            user_id = await site.store.find_chatter(channel.channel_id, login)
        if user_id is None:
            return site.render(
                request,
                "error.html",
                status=404,
                viewer=viewer,
                title=speaker_of(request).say("No such chatter"),
                message=speaker_of(request).say(
                    "Nobody called {login} chatted or was checked in {channel}.",
                    login=repr(login),
                    channel=channel.login,
                ),
                back=channel_url(channel),
            )
        return web.Response(
            status=303, headers={"Location": f"{channel_url(channel)}/chatters/{user_id}"}
        )

    async def chatter(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        user_id = _int(request.match_info["user"])
        view = None
        if channel is not None and user_id is not None:
            view = await site.views.chatter(channel, user_id)
        if channel is None or view is None:
            return site.not_found(request, viewer)
        tz = zones.zone(request.get(ZONE, zones.UTC_NAME))
        figures = await self.analytics.chatter(channel, view.user_id, tz, site.deps.clock())
        chart = None
        if figures is not None:
            tr = speaker_of(request)
            chart = hours_chart(
                figures.hours,
                what=tr.say("Messages of {login} by hour of the day", login=view.login),
                mark=figures.favourite_hour,
                tr=tr,
            )
        return site.render(
            request,
            "chatter.html",
            viewer=viewer,
            title=view.login,
            channel=channel,
            view=view,
            figures=figures,
            hours_chart=chart,
        )

    async def chatter_csv(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        user_id = _int(request.match_info["user"])
        if channel is None or user_id is None:
            return site.not_found(request, viewer)
        if not await site.store.seen_in_channel(channel.channel_id, user_id):
            return site.not_found(request, viewer)
        messages = await site.store.user_messages(channel.channel_id, user_id, limit=100_000)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["sent_at", "login", "text", "deleted_at"])
        for m in messages:
            text = m.text if m.text is not None else ""
            if text[:1] in ("=", "+", "-", "@"):  # never a formula in a spreadsheet
                text = "'" + text
            writer.writerow(
                [
                    m.sent_at.isoformat(),
                    m.login,
                    text,
                    m.deleted_at.isoformat() if m.deleted_at else "",
                ]
            )
        return _csv(out.getvalue(), f"{channel.login}-{user_id}-messages.csv")

    async def session(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await self._channel(request, viewer)
        sid = _int(request.match_info["sid"])
        found = None if channel is None or sid is None else await site.store.session(sid)
        if channel is None or found is None or found.channel_id != channel.channel_id:
            return site.not_found(request, viewer)
        checks = [c for i in found.capture_ids if (c := await site.db_capture(i)) is not None]
        return site.render(
            request,
            "session.html",
            viewer=viewer,
            title=found.name,
            channel=channel,
            found=found,
            checks=checks,
            expires={c.capture_id: site.views.expires_at(c) for c in checks},
        )

    async def _progress(self, channel: Channel, after: int) -> tuple[Progress | None, str | None]:
        """The running check's progress, and the finished check's page once it has one."""
        site = self.site
        progress = site.deps.check_progress(channel.channel_id)
        if progress is None:
            newest = await site.store.checks(channel.channel_id, limit=1)
            if newest and newest[0].capture_id > after and self._reported(newest[0]):
                return None, f"{channel_url(channel)}/checks/{newest[0].capture_id}"
        return progress, None

    async def running(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """A check's progress, kept current by running.js (or a refresh); its page once done."""
        site = self.site
        channel = await self._channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        after = _int(request.query.get("after")) or 0
        progress, done = await self._progress(channel, after)
        if done is not None:
            return web.Response(status=303, headers={"Location": done})
        return site.render(
            request,
            "running.html",
            viewer=viewer,
            title=speaker_of(request).say("Checking {channel}", channel=channel.login),
            channel=channel,
            progress=progress,
            text=progress_text(progress, speaker_of(request)),
            after=after,
        )

    async def running_json(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """The same as `running`, small enough to poll every second: no page reload."""
        channel = await self._channel(request, viewer)
        if channel is None:
            return self.site.json_error(request, ApiError(404, N_("No such channel here.")))
        progress, done = await self._progress(channel, _int(request.query.get("after")) or 0)
        return web.json_response(
            {
                "running": progress is not None,
                "chatters_seen": progress.chatters_seen if progress else None,
                "total": progress.total if progress else None,
                "eta_s": round(progress.eta_s, 1) if progress and progress.eta_s else None,
                "text": progress_text(progress, speaker_of(request)),
                "done": done,
            }
        )

    def _reported(self, capture: Capture) -> bool:
        """True once a finished check has its verdict (its report is written just after)."""
        if capture.status not in FINISHED or capture.verdict is not None:
            return capture.status is not CaptureStatus.RUNNING
        done = capture.finished_at or capture.started_at
        return (self.site.deps.clock() - done).total_seconds() > 60  # the report never came


def _csv(text: str, filename: str) -> web.Response:
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
