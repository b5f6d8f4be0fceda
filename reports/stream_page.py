"""The stream report page: mobile-first, one file, no external assets.

It looks like the botcheck report page (reports/page.html): the chart is a data URI and the
only stylesheet is inline, allowed by its hash (`stream_page_csp`). Download links are relative,
given by `StreamLinks`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta
from string import Template

from reports import text
from reports.html_page import csp_for, png_data_uri, template
from reports.stream_model import StreamReport
from reports.stream_text import duration, moderation_phrase, rate
from storage.models import ModerationEvent

MAX_EVENT_ROWS = 40
CSV_NAME, JSON_NAME, CHART_NAME = "stream-chat.csv", "stream.json", "chart.png"


@dataclass(frozen=True, slots=True)
class StreamLinks:
    """Where the page's downloads live, relative to the page (see ReportLinks)."""

    png: str = CHART_NAME
    csv: str = CSV_NAME
    json: str = JSON_NAME
    expiry: str = "unless pinned"  # "on 3 Dec 2026", "never (pinned)", ...

    @classmethod
    def for_token(cls, token: str, expiry: str = "unless pinned") -> StreamLinks:
        return cls(f"{token}.png", f"{token}.csv", f"{token}.json", expiry)


def _template() -> str:
    return template("stream_page.html")


STREAM_MARKER = JSON_NAME  # a report directory holding this file is a stream report's


def stream_page_csp() -> str:
    """Return the Content-Security-Policy that lets the stream page render and nothing more."""
    return csp_for("stream_page.html")


def stream_page_html(report: StreamReport, *, chart_png: bytes, links: StreamLinks) -> str:
    """Return the stream report page as one HTML document."""
    e = html.escape
    s = report.summary
    session = s.session
    title = f"{report.channel_login} · stream of {text.day(session.started_at.date())}"
    end = "now" if session.live else f"{s.until:%H:%M}"
    meta = [f"{session.started_at:%H:%M}–{end} UTC", duration(s.duration)]
    meta += [x for x in (session.title, session.category) if x]
    if session.live:
        state, label = "live", "Live"
        detail = f"<p>Live for {e(duration(s.duration))}; this page reloads every minute."
    else:
        state, label = "ended", "Ended"
        detail = f"<p>Ended {e(text.clock(s.until))} after {e(duration(s.duration))}."
    values = {
        "title": e(title),
        "refresh": '<meta http-equiv="refresh" content="60">' if session.live else "",
        "meta": " · ".join(e(m) for m in meta),
        "state": state,
        "state_label": label,
        "state_detail": detail + "</p>",
        "figures": _figures(report),
        "chart_src": png_data_uri(chart_png),
        "chart_alt": e(_chart_alt(report)),
        "top_chatters": _top(report),
        "emotes": _emotes(report),
        "writers": _writers(report),
        "moderation": _moderation(report),
        "captures": _captures(report),
        "csv_href": e(links.csv),
        "json_href": e(links.json),
        "png_href": e(links.png),
        "generated": e(text.clock(report.generated_at)),
        "expiry": e(links.expiry),
    }
    return Template(_template()).substitute(values)


def _figure(label: str, value: str, ident: str) -> str:
    e = html.escape
    return f'<div id="fig-{ident}"><dt>{e(label)}</dt><dd>{e(value)}</dd></div>'


def _figures(r: StreamReport) -> str:
    s = r.summary
    session = s.session
    peak = text.num(session.peak_viewers) if session.peak_viewers else "–"
    avg = text.num(round(session.avg_viewers)) if session.avg_viewers else "–"
    ratio = text.pct(s.chatter_ratio) if s.chatter_ratio is not None else "–"
    return "".join(
        (
            _figure("Messages", text.num(s.messages), "messages"),
            _figure("Chatters", text.num(s.chatters), "chatters"),
            _figure("Messages / min", rate(s.per_minute), "rate"),
            _figure("Peak viewers", peak, "peak"),
            _figure("Average viewers", avg, "avg"),
            _figure("Chatters / peak", ratio, "ratio"),
            _figure("Mod actions", text.num(s.moderation_total), "moderation"),
            _figure("Botchecks", text.num(len(s.captures)), "captures"),
        )
    )


def _table(ident: str, head: tuple[str, ...], rows: list[str]) -> str:
    cells = "".join(
        f'<th class="n">{html.escape(h)}</th>' if i else f"<th>{html.escape(h)}</th>"
        for i, h in enumerate(head)
    )
    return (
        f'<table id="{ident}"><thead><tr>{cells}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _top(r: StreamReport) -> str:
    e = html.escape
    if not r.top_chatters:
        return "<p>No chat recorded during this stream.</p>"
    total = max(1, r.summary.messages)
    rows = [
        f"<tr><td>{i}. {e(c.login)}</td><td class='n'>{e(text.num(c.messages))}</td>"
        f"<td class='n'>{e(text.pct(c.messages / total))}</td></tr>"
        for i, c in enumerate(r.top_chatters, 1)
    ]
    return _table("top-chatters", ("Chatter", "Messages", "Share"), rows)


def _emotes(r: StreamReport) -> str:
    e = html.escape
    if not r.top_emotes:
        return ""
    chips = "".join(f"<li>{e(x.name)} <b>{e(text.num(x.count))}</b></li>" for x in r.top_emotes)
    return f'<h2>Top emotes</h2><ul class="chips" id="emotes">{chips}</ul>'


def _writers(r: StreamReport) -> str:
    e = html.escape
    if not r.writers:
        return ""
    rows = [
        f"<tr><td>{e(w.login)}</td><td class='n'>{w.avg_length:.0f}</td>"
        f"<td class='n'>{e(text.num(w.messages))}</td></tr>"
        for w in r.writers
    ]
    return "<h2>Writers</h2><p class='note'>The longest messages on average.</p>" + _table(
        "writers", ("Chatter", "Characters", "Messages"), rows
    )


def _event_detail(ev: ModerationEvent) -> str:
    parts = [f"by {ev.moderator_login}"] if ev.moderator_login else []
    if ev.duration_s:
        parts.append(_for(ev.duration_s))
    if ev.reason:
        parts.append(ev.reason[:120])
    return " · ".join(parts)


def _for(seconds: int) -> str:
    return f"{seconds} s" if seconds < 120 else duration(timedelta(seconds=seconds))


def _moderation(r: StreamReport) -> str:
    e = html.escape
    if not r.events:
        return "<p>No moderation actions during this stream.</p>"
    shown = r.events[:MAX_EVENT_ROWS]
    rows = [
        f"<tr><td class='t'>{ev.at:%H:%M}</td><td class='t'>{e(ev.action.value)}</td>"
        f"<td>{e(ev.target_login or '–')}<div class='note'>{e(_event_detail(ev))}</div></td>"
        "</tr>"
        for ev in shown
    ]
    intro = f"<p>{e(moderation_phrase(r.summary.moderation).capitalize())}.</p>"
    more = len(r.events) - len(shown)
    tail = f"<p class='note'>And {text.num(more)} more in the CSV.</p>" if more > 0 else ""
    table = (
        '<table id="moderation"><thead><tr><th>UTC</th><th>Action</th><th>Target</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return intro + table + tail


def _captures(r: StreamReport) -> str:
    e = html.escape
    if not r.summary.captures:
        return "<p>No !botcheck during this stream.</p>"
    rows = []
    for c in r.summary.captures:
        verdict = c.verdict or c.status
        viewers = f", {text.num(c.viewer_count)} viewers" if c.viewer_count else ""
        rows.append(
            f"<tr><td>{c.started_at:%H:%M}</td><td>{e(verdict)}</td>"
            f"<td class='n'>{e(text.num(c.chatter_count))}{e(viewers)}</td>"
            f"<td><a href='{e(c.report_token)}'>report</a></td></tr>"
        )
    return (
        '<table id="captures"><thead><tr><th>UTC</th><th>Verdict</th><th class="n">Chatters</th>'
        f"<th>Link</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _chart_alt(r: StreamReport) -> str:
    s = r.summary
    busiest = max(r.series, key=lambda b: b.messages, default=None)
    alt = f"Chat messages per minute and viewers during the stream: {s.messages} messages"
    if busiest is not None and busiest.messages:
        alt += f", busiest at {busiest.start:%H:%M} UTC"
    if s.session.peak_viewers:
        alt += f", peak {s.session.peak_viewers} viewers"
    return alt + "."
