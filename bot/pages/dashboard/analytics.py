"""The chat analytics pages (GET): leaderboards, the chat, two chatters side by side.

The chatter page (`pages.Pages.chatter`) adds this module's figures to what it already showed.
Times and hours are on the channel's clock, labelled; charts come from `bars`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, tzinfo

from aiohttp import web
from markupsafe import Markup

from bot.pages.dashboard.access import Viewer
from bot.pages.dashboard.analytics_views import (
    PERIOD_NAMES,
    AnalyticsViews,
    ChatPage,
    ChatterStats,
)
from bot.pages.dashboard.bars import Bar, bar_chart
from bot.pages.dashboard.filters import num
from bot.pages.dashboard.site import BASE, LANGUAGE, ZONE, Site
from reports import i18n, zones
from reports.i18n import N_
from storage import Channel
from storage.chatters import cosine

log = logging.getLogger(__name__)

POLL_S = 5.0  # how often a live chat page asks for its figures


def hour_name(hour: int) -> str:
    return f"{hour:02d}:00"


# A bar's tip in the hours charts: `per` of `hours_chart`, translated where it is drawn.
PER_MESSAGES = N_("{start}-{end}: {value} messages")
PER_DAY = N_("{start}-{end}: {value} messages a day")


def hours_chart(
    counts: tuple[int, ...] | list[float],
    *,
    what: str,
    per: str = PER_MESSAGES,
    mark: int | None = None,
    tr: i18n.Speaker = i18n.ENGLISH,
) -> Markup:
    """24 bars, one an hour of the day (00-23 on the channel's clock); `what` is translated."""
    bars = [
        Bar(
            label=f"{h:02d}",
            value=float(v),
            tip=tr.say(per, start=hour_name(h), end=hour_name((h + 1) % 24), value=_fmt(v, tr)),
            tick=h % 3 == 0,
            mark=h == mark,
        )
        for h, v in enumerate(counts)
    ]
    return bar_chart(bars, title=what)


def speaker_of(request: web.Request) -> i18n.Speaker:
    """The language and timezone of the channel page being drawn."""
    return i18n.Speaker(request.get(LANGUAGE, i18n.DEFAULT), request.get(ZONE, zones.UTC_NAME))


def _seconds(raw: str | None, default: float) -> float:
    """A poll interval from the address (tests ask for 1 s), between 1 s and 10 min."""
    try:
        return min(600.0, max(1.0, float(raw))) if raw else default
    except ValueError:
        return default


def _fmt(value: float, tr: i18n.Speaker = i18n.ENGLISH) -> str:
    if tr.english:
        return num(value) if value == int(value) or value >= 10 else f"{value:.1f}"
    return tr.num(round(value) if value == int(value) or value >= 10 else round(value, 1))


def last_day_chart(page: ChatPage, tz: tzinfo, tr: i18n.Speaker = i18n.ENGLISH) -> Markup:
    bars = []
    for i, b in enumerate(page.last_24h):
        local = b.start.astimezone(tz)
        bars.append(
            Bar(
                label=f"{local:%H}",
                value=float(b.messages),
                tip=tr.say(
                    "{when}: {messages} messages, {chatters} chatters",
                    when=zones.when(b.start, tz) if tr.english else tr.when(b.start),
                    messages=_fmt(b.messages, tr),
                    chatters=_fmt(b.chatters, tr),
                ),
                tick=i % 3 == 0,
                mark=i == len(page.last_24h) - 1,
            )
        )
    return bar_chart(bars, title=tr.say("Messages per hour over the last 24 hours"))


class AnalyticsPages:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.views = AnalyticsViews(site.deps.db)

    def add_routes(self, app: web.Application) -> None:
        s = self.site
        c = f"{BASE}/c/{{login}}"
        app.router.add_get(f"{c}/leaderboards", s.route(self.leaderboards))
        app.router.add_get(f"{c}/chat", s.route(self.chat))
        app.router.add_get(f"{c}/compare", s.route(self.compare))

    def _tz(self, request: web.Request) -> tzinfo:
        return zones.zone(request.get(ZONE, zones.UTC_NAME))

    def _now(self) -> datetime:
        return self.site.deps.clock().astimezone(UTC)

    async def leaderboards(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await site.channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        period = request.query.get("period", "7d")
        boards = await self.views.leaderboards(channel, self._tz(request), period, self._now())
        return site.render(
            request,
            "leaderboards.html",
            viewer=viewer,
            title=speaker_of(request).say("Leaderboards of {channel}", channel=channel.login),
            channel=channel,
            boards=boards,
            periods=PERIOD_NAMES,
        )

    async def chat(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        site = self.site
        channel = await site.channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        tz = self._tz(request)
        page = await self.views.chat(channel, tz, self._now())
        average = [h.messages / page.days if page.days else 0.0 for h in page.by_hour]
        tr = speaker_of(request)
        poll = _seconds(request.query.get("poll"), POLL_S)
        return site.render(
            request,
            "chat.html",
            viewer=viewer,
            title=tr.say("Chat in {channel}", channel=channel.login),
            channel=channel,
            page=page,
            last_day=last_day_chart(page, tz, tr),
            by_hour=hours_chart(
                average,
                what=tr.say("Average messages per day in each hour of the day"),
                per=PER_DAY,
                tr=tr,
            ),
            average=average,
            poll_s=poll,
        )

    async def compare(self, request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """Two chatters side by side (?a=login&b=login, logins or user ids)."""
        site = self.site
        channel = await site.channel(request, viewer)
        if channel is None:
            return site.not_found(request, viewer)
        a, b = request.query.get("a", ""), request.query.get("b", "")
        pair = await self._pair(channel, a, b, self._tz(request))
        tr = speaker_of(request)
        return site.render(
            request,
            "chatters_compare.html",
            viewer=viewer,
            title=tr.say("Chatters compared in {channel}", channel=channel.login),
            channel=channel,
            a=a,
            b=b,
            pair=pair,
            similarity=_similarity(pair),
            charts=[
                hours_chart(
                    s.hours,
                    what=tr.say("Messages of {login} by hour of the day", login=s.stats.login),
                    tr=tr,
                )
                for s in pair
                if s is not None
            ],
        )

    async def _pair(
        self, channel: Channel, a: str, b: str, tz: tzinfo
    ) -> list[ChatterStats | None]:
        out: list[ChatterStats | None] = []
        for raw in (a, b):
            uid = await self.views.user_id(channel, raw) if raw else None
            found = None if uid is None else await self.views.chatter(channel, uid, tz, self._now())
            out.append(found)
        return out


def _similarity(pair: list[ChatterStats | None]) -> float | None:
    first, second = pair
    if first is None or second is None:
        return None
    return round(cosine(first.hours, second.hours), 4)
