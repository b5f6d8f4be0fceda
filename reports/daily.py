"""A channel's day in figures, and the plain observations drawn from them (pure).

Insights are observations, never advice: each states figures from the day and appears only
when they clear the threshold named beside it here (and listed in the page's footnote).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from itertools import pairwise
from typing import Any

from reports.i18n import N_, Fmt, Phrase, to_data
from reports.stream_analytics import point_dict, retention_dict, segment_dict
from storage.stats_results import ActionCount, ChatterCount
from storage.stream_stats_results import EngagementPoint, Retention, Returning, Segment

# Thresholds (the page's footnote lists them).
CATEGORY_CHANGE_MIN_PCT = 25  # chat per viewer changed at least this much across a change
SEGMENT_MIN_MINUTES = 15  # both sides of the change lasted at least this long
SEGMENT_MIN_MESSAGES = 30  # and each had at least this many messages
WEEK_CHANGE_MIN_PCT = 25  # the day's messages against the previous 7 days' average
WEEK_MIN_AVG = 50  # ... only when that average is at least this many messages a day
RETURNING_MIN_CHATTERS = 20  # returning share of a stream with at least this many chatters
RETENTION_MIN_CHATTERS = 20  # how long chatters stayed, with at least this many chatters
BUSIEST_MIN_MESSAGES = 100  # busiest hour, on a day with at least this many messages

THRESHOLDS = (
    Phrase(
        N_(
            "a change of chat per viewer at a category change: at least {pct}%, both sides "
            "{minutes} min and {messages} messages or more"
        ),
        pct=CATEGORY_CHANGE_MIN_PCT,
        minutes=SEGMENT_MIN_MINUTES,
        messages=SEGMENT_MIN_MESSAGES,
    ),
    Phrase(
        N_(
            "the day against the previous 7 days: at least {pct}% apart, their average "
            "{messages} messages a day or more"
        ),
        pct=WEEK_CHANGE_MIN_PCT,
        messages=WEEK_MIN_AVG,
    ),
    Phrase(
        N_("returning chatters: a stream with {chatters} chatters or more"),
        chatters=RETURNING_MIN_CHATTERS,
    ),
    Phrase(
        N_("how long chatters stayed: {chatters} chatters or more"),
        chatters=RETENTION_MIN_CHATTERS,
    ),
    Phrase(
        N_("busiest hour: {messages} messages in the day or more"), messages=BUSIEST_MIN_MESSAGES
    ),
)
SAID = "insights_said"  # the insights as phrases, for pages in the channel's language


@dataclass(frozen=True, slots=True)
class DayStream:
    """A stream that overlapped the day."""

    session_id: int
    title: str
    category: str
    started_at: datetime
    ended_at: datetime | None
    peak_viewers: int | None
    avg_viewers: float | None
    messages: int  # during the stream, within the day
    returning: Returning
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class DayFigures:
    """Everything a daily report shows."""

    channel_login: str
    day: date
    zone: str
    start: datetime  # local midnight, in UTC
    end: datetime  # the next local midnight, in UTC (23 or 25 hours away on a DST day)
    generated_at: datetime
    messages: int
    chatters: int
    hours: tuple[EngagementPoint, ...]  # one an hour of the day (local)
    streams: tuple[DayStream, ...]
    retention: Retention
    top_chatters: tuple[ChatterCount, ...]
    moderation: tuple[ActionCount, ...]
    previous_avg: float | None  # messages a day over the previous 7 days (None: no history)
    insights: tuple[str, ...] = field(default=())


def _pct(change: float) -> Fmt:
    return Fmt("whole_pct", abs(change))


def _rate(value: float) -> Fmt:
    return Fmt("rate", value)


def _clock(at: datetime, tz: tzinfo) -> str:
    return f"{at.astimezone(tz):%H:%M}"


def _began(at: datetime, tz: tzinfo, day: date) -> str:
    """A stream's start: "21:00", or "31 Oct 23:00" when it began the day before."""
    local = at.astimezone(tz)
    return f"{local:%H:%M}" if local.date() == day else f"{local.day} {local:%b %H:%M}"


def category_changes(segments: tuple[Segment, ...], tz: tzinfo) -> list[str]:
    """Observations at each category change whose chat per viewer moved past the threshold."""
    out: list[str] = []
    for before, after in pairwise(segments):
        a, b = before.per_viewer_hour, after.per_viewer_hour
        if a is None or b is None or a <= 0:
            continue
        if min(before.hours, after.hours) * 60 < SEGMENT_MIN_MINUTES:
            continue
        if min(before.messages, after.messages) < SEGMENT_MIN_MESSAGES:
            continue
        change = (b - a) / a
        if abs(change) * 100 < CATEGORY_CHANGE_MIN_PCT:
            continue
        rose = N_(
            "Chat per viewer rose {pct} after the category change to {category} at {time} "
            "({before} → {after} messages per viewer-hour)."
        )
        fell = N_(
            "Chat per viewer fell {pct} after the category change to {category} at {time} "
            "({before} → {after} messages per viewer-hour)."
        )
        out.append(
            Phrase(
                rose if change > 0 else fell,
                pct=_pct(change),
                category=after.category,
                time=_clock(after.start, tz),
                before=_rate(a),
                after=_rate(b),
            )
        )
    return out


def insights(f: DayFigures, tz: tzinfo) -> tuple[str, ...]:
    """The day's observations, each only past its threshold (see THRESHOLDS)."""
    out: list[str] = []
    for s in f.streams:
        out += category_changes(s.segments, tz)
    if f.previous_avg is not None and f.previous_avg >= WEEK_MIN_AVG:
        change = (f.messages - f.previous_avg) / f.previous_avg
        if abs(change) * 100 >= WEEK_CHANGE_MIN_PCT:
            more = N_(
                "There were {pct} more messages than the average of the previous 7 days "
                "({messages} against {average})."
            )
            fewer = N_(
                "There were {pct} fewer messages than the average of the previous 7 days "
                "({messages} against {average})."
            )
            out.append(
                Phrase(
                    more if change > 0 else fewer,
                    pct=_pct(change),
                    messages=Fmt("num", f.messages),
                    average=Fmt("num", round(f.previous_avg)),
                )
            )
    for s in f.streams:
        r = s.returning
        if r.chatters >= RETURNING_MIN_CHATTERS and r.share is not None:
            out.append(
                Phrase(
                    N_(
                        "{pct} of the chatters of the stream at {began} had chatted during an "
                        "earlier stream ({returning} of {chatters})."
                    ),
                    pct=_pct(r.share),
                    began=_began(s.started_at, tz, f.day),
                    returning=Fmt("num", r.returning),
                    chatters=Fmt("num", r.chatters),
                )
            )
    ret = f.retention
    if ret.chatters >= RETENTION_MIN_CHATTERS and ret.median_min is not None:
        out.append(
            Phrase(
                N_(
                    "Half of the day's {chatters} chatters were active for {minutes} min or "
                    "less from their first to their last message; {pct} sent a single message."
                ),
                chatters=Fmt("num", ret.chatters),
                minutes=f"{ret.median_min:.0f}",
                pct=_pct(ret.single / ret.chatters),
            )
        )
    if f.messages >= BUSIEST_MIN_MESSAGES and f.hours:
        top = max(f.hours, key=lambda h: (h.messages, -h.start.timestamp()))
        out.append(
            Phrase(
                N_(
                    "The busiest hour began at {time}, with {messages} messages ({pct} of the "
                    "day's)."
                ),
                time=_clock(top.start, tz),
                messages=Fmt("num", top.messages),
                pct=_pct(top.messages / f.messages),
            )
        )
    return tuple(out)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def _round(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


def report_dict(f: DayFigures) -> dict[str, Any]:
    """The report as JSON-ready data: what is stored, served as JSON and rendered."""
    return {
        "channel": f.channel_login,
        "day": f.day.isoformat(),
        "timezone": f.zone,
        "start": _iso(f.start),
        "end": _iso(f.end),
        "generated_at": _iso(f.generated_at),
        "messages": f.messages,
        "chatters": f.chatters,
        "previous_7_days_avg_messages": _round(f.previous_avg, 1),
        "insights": list(f.insights),
        SAID: [to_data(i) for i in f.insights],
        "thresholds": list(THRESHOLDS),
        "hours": [point_dict(h) for h in f.hours],
        "streams": [
            {
                "session_id": s.session_id,
                "title": s.title,
                "category": s.category,
                "started_at": _iso(s.started_at),
                "ended_at": _iso(s.ended_at),
                "peak_viewers": s.peak_viewers,
                "avg_viewers": _round(s.avg_viewers, 1),
                "messages": s.messages,
                "chatters": s.returning.chatters,
                "returning_chatters": s.returning.returning,
                "returning_share": _round(s.returning.share),
                "segments": [segment_dict(g) for g in s.segments],
            }
            for s in f.streams
        ],
        "retention": retention_dict(f.retention),
        "top_chatters": [
            {"user_id": c.user_id, "login": c.login, "messages": c.messages} for c in f.top_chatters
        ],
        "moderation": {a.action: a.count for a in f.moderation},
    }
