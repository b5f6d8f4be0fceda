"""The stream report page: mobile-first, one file, no external assets (templates/stream_page.html).

It looks like the botcheck report page: the chart is a data URI and the only stylesheet is
inline, allowed by its hash (`stream_page_csp`). A live stream's page refreshes its figures and
chart in place: its inline script (allowed by its hash) polls the small `live.json` written
beside the page (`live_dict`), never reloading the page. Download links are relative, given by
`StreamLinks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from markupsafe import Markup

from reports import stream_events, stream_words, zones
from reports.html_page import LIVE_SCRIPT, asset, csp, png_data_uri, render
from reports.i18n import ENGLISH, Speaker
from reports.page import Figure
from reports.stream_analytics import analytics_view
from reports.stream_chart import FONT_PT, STREAM_DPI
from reports.stream_model import StreamReport
from reports.stream_text import duration, moderation_phrase, rate
from storage.models import ModerationEvent
from storage.stats_results import ActionCount

MAX_EVENT_ROWS = 40
REFRESH_S = 60  # how often a live page asks for new figures (the files are re-rendered as often)
CSV_NAME, JSON_NAME, CHART_NAME, LIVE_NAME = (
    "stream-chat.csv",
    "stream.json",
    "chart.png",
    "live.json",
)


@dataclass(frozen=True, slots=True)
class StreamLinks:
    """Where the page's downloads live, relative to the page (see ReportLinks)."""

    png: str = CHART_NAME
    csv: str = CSV_NAME
    json: str = JSON_NAME
    expiry: str = "unless pinned"  # "on 3 Dec 2026", "never (pinned)", ...
    live: str = LIVE_NAME  # the figures a live page polls for

    @classmethod
    def for_token(cls, token: str, expiry: str = "unless pinned") -> StreamLinks:
        return cls(f"{token}.png", f"{token}.csv", f"{token}.json", expiry, f"{token}.live.json")


STREAM_MARKER = JSON_NAME  # a report directory holding this file is a stream report's


def stream_page_csp() -> str:
    """Return the Content-Security-Policy that lets the stream page render and nothing more:
    its stylesheet and live script by hash, polls and chart reloads from the same origin."""
    return csp(script=True, self_images=True)


def _state(report: StreamReport, tr: Speaker) -> tuple[str, str, str]:
    s = report.summary
    if s.session.live:
        return (
            "live",
            tr.say("Live"),
            tr.say(
                "Live for {duration}; the figures update by themselves.",
                duration=_lasted(s.duration, tr),
            ),
        )
    return (
        "ended",
        tr.say("Ended"),
        tr.say(
            "Ended {when} after {duration}.",
            when=tr.when(s.until),
            duration=_lasted(s.duration, tr),
        ),
    )


def live_dict(report: StreamReport, tr: Speaker = ENGLISH) -> dict[str, Any]:
    """Return what a live page polls for: the state, the figures and when they were made."""
    _, label, detail = _state(report, tr)
    return {
        "live": report.summary.session.live,
        "state_label": label,
        "state_detail": detail,
        "generated": tr.when(report.generated_at),
        "figures": {f.ident: f.value for f in _figures(report, tr)},
    }


def stream_page_html(
    report: StreamReport,
    *,
    chart_png: bytes,
    links: StreamLinks,
    refresh_s: int = REFRESH_S,
    speaker: Speaker = ENGLISH,
) -> str:
    """Return the stream report page as one HTML document, in the speaker's language."""
    tr = speaker
    s = report.summary
    session = s.session
    tz = zones.zone(tr.timezone)
    zone_label = zones.abbreviation(session.started_at, tz)
    title = tr.say(
        "{login} · stream of {day}",
        login=report.channel_login,
        day=tr.day(session.started_at.astimezone(tz).date()),
    )
    end = tr.say("now") if session.live else f"{s.until.astimezone(tz):%H:%M}"
    meta = [
        f"{session.started_at.astimezone(tz):%H:%M}–{end} {zone_label}",
        _lasted(s.duration, tr),
    ]
    meta += [x for x in (session.title, session.category) if x]
    state, label, detail = _state(report, tr)
    total = max(1, s.messages)
    shown = report.events[:MAX_EVENT_ROWS]
    return render(
        "stream_page.html",
        speaker=tr,
        title=title,
        meta=" · ".join(meta),
        live=session.live,
        refresh_s=refresh_s,
        state=state,
        state_label=label,
        state_detail=detail,
        figures=_figures(report, tr),
        chart_src=png_data_uri(chart_png),
        chart_alt=_chart_alt(report, tr),
        text_px=f"{FONT_PT * STREAM_DPI / 72:.1f}",
        top_chatters=[
            (c.login, tr.num(c.messages), tr.pct(c.messages / total)) for c in report.top_chatters
        ],
        emotes=[(x.label, tr.num(x.count)) for x in report.top_emotes],
        writers=[(w.login, f"{w.avg_length:.0f}", tr.num(w.messages)) for w in report.writers],
        moderation_intro=_moderation_intro(s.moderation, tr),
        events=[
            (
                f"{ev.at.astimezone(tz):%H:%M}",
                stream_words.action_word(tr, ev.action.value),
                ev.target_login or "–",
                _event_detail(ev, tr),
            )
            for ev in shown
        ],
        more_events=tr.num(len(report.events) - len(shown))
        if len(report.events) > len(shown)
        else "",
        stream_events=stream_events.timeline_rows(report.stream_events[:MAX_EVENT_ROWS], tr),
        more_stream_events=tr.num(len(report.stream_events) - MAX_EVENT_ROWS)
        if len(report.stream_events) > MAX_EVENT_ROWS
        else "",
        captures=_captures(report, tr),
        analytics=_analytics(report, tr),
        links=links,
        zone_label=zone_label,
        zone=tr.zone_label(now=session.started_at),
        generated=Markup('<span id="generated">{}</span>').format(tr.when(report.generated_at)),
        script=Markup(asset(LIVE_SCRIPT)),  # noqa: S704
    )


def _figures(r: StreamReport, tr: Speaker = ENGLISH) -> list[Figure]:
    s = r.summary
    session = s.session
    peak = tr.num(session.peak_viewers) if session.peak_viewers else "–"
    avg = tr.num(round(session.avg_viewers)) if session.avg_viewers else "–"
    ratio = tr.pct(s.chatter_ratio) if s.chatter_ratio is not None else "–"
    return [
        Figure("messages", tr.say("Messages"), tr.num(s.messages)),
        Figure("chatters", tr.say("Chatters"), tr.num(s.chatters)),
        Figure(
            "rate",
            tr.say("Messages / min"),
            rate(s.per_minute) if tr.english else stream_words.rate(tr, s.per_minute),
        ),
        Figure("peak", tr.say("Peak viewers"), peak),
        Figure("avg", tr.say("Average viewers"), avg),
        Figure("ratio", tr.say("Chatters / peak"), ratio),
        Figure("moderation", tr.say("Mod actions"), tr.num(s.moderation_total)),
        Figure("captures", tr.say("Botchecks"), tr.num(len(s.captures))),
    ]


def _event_detail(ev: ModerationEvent, tr: Speaker) -> str:
    parts = [tr.say("by {login}", login=ev.moderator_login)] if ev.moderator_login else []
    if ev.duration_s:
        parts.append(_for(ev.duration_s, tr))
    if ev.reason:
        parts.append(ev.reason[:120])
    return " · ".join(parts)


def _for(seconds: int, tr: Speaker) -> str:
    if tr.english:
        return f"{seconds} s" if seconds < 120 else duration(timedelta(seconds=seconds))
    if seconds < 120:
        return tr.say("{seconds} s", seconds=seconds)
    return stream_words.duration(tr, timedelta(seconds=seconds))


def _lasted(span: timedelta, tr: Speaker) -> str:
    return duration(span) if tr.english else stream_words.duration(tr, span)


def _moderation_intro(actions: Sequence[ActionCount], tr: Speaker) -> str:
    if tr.english:  # the page's English as it always read
        return moderation_phrase(actions).capitalize() + "."
    said = stream_words.moderation(tr, actions)
    return said[:1].upper() + said[1:] + ("" if tr.language == "ja" else ".")


def _captures(r: StreamReport, tr: Speaker) -> list[tuple[str, str, str, str]]:
    tz = zones.zone(tr.timezone)
    rows = []
    for c in r.summary.captures:
        chatters = tr.num(c.chatter_count)
        if c.viewer_count:
            chatters = tr.say(
                "{chatters}, {viewers} viewers", chatters=chatters, viewers=tr.num(c.viewer_count)
            )
        rows.append(
            (
                f"{c.started_at.astimezone(tz):%H:%M}",
                c.verdict or c.status,
                chatters,
                c.report_token,
            )
        )
    return rows


def _chart_alt(r: StreamReport, tr: Speaker) -> str:
    s = r.summary
    tz = zones.zone(tr.timezone)
    busiest = max(r.series, key=lambda b: b.messages, default=None)
    alt = tr.say(
        "Chat messages per minute and viewers during the stream: {count} messages", count=s.messages
    )
    if busiest is not None and busiest.messages:
        alt += tr.say(", busiest at {time}", time=zones.clock(busiest.start, tz))
    if s.session.peak_viewers:
        alt += tr.say(", peak {count} viewers", count=s.session.peak_viewers)
    for mark in stream_events.raid_marks(r.stream_events, tr):
        alt += tr.say(", {raid} at {time}", raid=mark.label, time=zones.clock(mark.at, tz))
    return alt + "."


def _analytics(r: StreamReport, tr: Speaker) -> dict[str, Any] | None:
    """What templates/_stream_analytics.html shows for the stream (issue 18)."""
    a = r.analytics
    if a is None:
        return None
    back = a["returning"]
    share = tr.pct(back["share"]) if back["share"] is not None else "–"
    extra = [Figure("returning", tr.say("Returning chatters"), share)]
    return analytics_view(a["retention"], a["segments"], tr.timezone, extra, tr)
