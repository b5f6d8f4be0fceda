"""Stream analytics as JSON-ready data (the stream report's "analytics", the daily report's
parts): returning chatters, how long chatters stayed, category segments, chat per viewer; and
what templates/_stream_analytics.html shows from that data (`analytics_view`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.numbers import format_decimal

from reports import zones
from reports.i18n import ENGLISH, Speaker
from reports.page import Figure
from storage.stream_stats_results import EngagementPoint, Retention, Returning, Segment


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def _round(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


def point_dict(p: EngagementPoint) -> dict[str, Any]:
    return {
        "start": _iso(p.start),
        "messages": p.messages,
        "chatters": p.chatters,
        "viewers": _round(p.viewers, 1),
        "messages_per_viewer_hour": _round(p.per_viewer_hour),
        "category": p.category,
    }


def returning_dict(r: Returning) -> dict[str, Any]:
    return {
        "chatters": r.chatters,
        "returning": r.returning,
        "share": _round(r.share),
        "earlier_streams": r.earlier_streams,
    }


def stream_analytics_dict(
    returning: Returning,
    retention: Retention,
    segments: tuple[Segment, ...],
    points: tuple[EngagementPoint, ...],
) -> dict[str, Any]:
    """A stream's analytics: what its JSON carries and its page shows."""
    return {
        "returning": returning_dict(returning),
        "retention": retention_dict(retention),
        "segments": [segment_dict(g) for g in segments],
        "chat_per_viewer": [point_dict(p) for p in points],
    }


def segment_dict(g: Segment) -> dict[str, Any]:
    return {
        "category": g.category,
        "start": _iso(g.start),
        "end": _iso(g.end),
        "messages": g.messages,
        "avg_viewers": _round(g.avg_viewers, 1),
        "messages_per_viewer_hour": _round(g.per_viewer_hour),
    }


def retention_dict(r: Retention) -> dict[str, Any]:
    return {
        "chatters": r.chatters,
        "single_message": r.single,
        "median_span_min": _round(r.median_min, 1),
        "bands": [
            {"from_min": b.low_min, "to_min": b.high_min, "label": b.label, "chatters": b.chatters}
            for b in r.bands
        ],
        "still_active": [{"after_min": m, "chatters": n} for m, n in r.curve],
    }


def _at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def _per_viewer(value: float | None, tr: Speaker = ENGLISH) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if tr.english else format_decimal(value, format="0.00", locale=tr.locale)


def analytics_view(
    retention: dict[str, Any],
    segments: list[dict[str, Any]],
    zone: str,
    extra: list[Figure],
    tr: Speaker = ENGLISH,
) -> dict[str, Any]:
    """What templates/_stream_analytics.html shows, from the JSON of a retention and segments,
    in `tr`'s language."""
    tz = zones.zone(zone)
    chatters = int(retention["chatters"])
    median = retention["median_span_min"]
    figures = [
        *extra,
        Figure(
            "stayed",
            tr.say("Median span"),
            "–" if median is None else tr.say("{minutes} min", minutes=f"{median:.0f}"),
        ),
        Figure(
            "single",
            tr.say("One message only"),
            tr.pct(retention["single_message"] / chatters) if chatters else "–",
        ),
    ]
    curve = [
        (
            tr.say("{minutes} min", minutes=p["after_min"]),
            tr.num(p["chatters"]),
            tr.pct(p["chatters"] / chatters) if chatters else "–",
        )
        for p in retention["still_active"]
        if p["after_min"] > 0
    ]
    rows = []
    for g in segments:
        start, end = _at(g["start"]), _at(g["end"])
        assert start is not None and end is not None
        when = f"{start.astimezone(tz):%H:%M}–{end.astimezone(tz):%H:%M}"
        viewers = "–" if g["avg_viewers"] is None else tr.num(round(g["avg_viewers"]))
        rows.append(
            (
                g["category"],
                tr.nsay("{when}, {n} message", "{when}, {n} messages", g["messages"], when=when),
                viewers,
                _per_viewer(g["messages_per_viewer_hour"], tr),
            )
        )
    return {"figures": figures, "curve": curve if chatters else [], "segments": rows}
