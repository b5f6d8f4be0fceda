"""The daily report's files, from its stored JSON (reports/daily.py): the page (through
templates/daily_page.html), the hour-by-hour CSV and the JSON itself. Synchronous: run it in
a worker thread from async code.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reports import zones
from reports.daily import SAID, THRESHOLDS
from reports.html_page import render
from reports.i18n import ENGLISH, Speaker, from_data, said
from reports.page import Figure
from reports.render import _atomic_write
from reports.stream_analytics import analytics_view

PAGE, CSV_NAME, JSON_NAME = "index.html", "daily.csv", "daily.json"
DAILY_MARKER = JSON_NAME  # a report directory holding this file is a daily report's
CSV_COLUMNS = (
    "hour_start",
    "local_hour",
    "messages",
    "chatters",
    "viewers",
    "messages_per_viewer_hour",
    "category",
)


@dataclass(frozen=True, slots=True)
class DailyLinks:
    """Where the page's downloads live, relative to the page."""

    csv: str = CSV_NAME
    json: str = JSON_NAME
    expiry: str = "after the retention period"

    @classmethod
    def for_token(cls, token: str, expiry: str) -> DailyLinks:
        return cls(f"{token}.csv", f"{token}.json", expiry)


def _at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def _per_viewer(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def daily_html(d: dict[str, Any], links: DailyLinks, tr: Speaker = ENGLISH) -> str:
    """The daily report page, in the speaker's language (observations too, when the stored
    report kept them as phrases; older ones as they were written)."""
    tz = zones.zone(d["timezone"])
    start = _at(d["start"])
    assert start is not None
    day = date.fromisoformat(d["day"])
    zone_label = zones.abbreviation(start, tz)
    streams, segments = [], []
    for s in d["streams"]:
        st = _at(s["started_at"])
        assert st is not None
        share = s["returning_share"]
        streams.append(
            (
                f"{st.astimezone(tz):%H:%M} · {s['category'] or tr.say('no category')}",
                s["title"],
                tr.num(s["peak_viewers"]) if s["peak_viewers"] else "–",
                tr.num(s["messages"]),
                tr.pct(share) if share is not None else "–",
            )
        )
        segments += s["segments"]
    prev = d["previous_7_days_avg_messages"]
    figures = [
        Figure("messages", tr.say("Messages"), tr.num(d["messages"])),
        Figure("chatters", tr.say("Chatters"), tr.num(d["chatters"])),
        Figure("streams", tr.say("Streams"), tr.num(len(d["streams"]))),
        Figure("previous", tr.say("7-day average"), "–" if prev is None else tr.num(round(prev))),
    ]
    hours = []
    for h in d["hours"]:
        at = _at(h["start"])
        assert at is not None
        viewers = "–" if h["viewers"] is None else tr.num(round(h["viewers"]))
        hours.append(
            (
                f"{at.astimezone(tz):%H:%M}",
                tr.num(h["messages"]),
                tr.num(h["chatters"]),
                viewers,
                _per_viewer(h["messages_per_viewer_hour"]),
            )
        )
    generated = _at(d["generated_at"])
    assert generated is not None
    return render(
        "daily_page.html",
        speaker=tr,
        title=f"{d['channel']} · {tr.day(day)}",
        meta=tr.say(
            "Daily report · {zone}", zone=replace(tr, timezone=d["timezone"]).zone_label(now=start)
        ),
        figures=figures,
        insights=_insights(d, tr),
        streams=streams,
        analytics=analytics_view(d["retention"], segments, d["timezone"], [], tr),
        hours=hours,
        zone_label=zone_label,
        top_chatters=[(c["login"], tr.num(c["messages"])) for c in d["top_chatters"]],
        thresholds="; ".join(d["thresholds"] if tr.english else (said(t, tr) for t in THRESHOLDS)),
        links=links,
        zone=d["timezone"],
        generated=zones.when(generated, tz),
    )


def _insights(d: dict[str, Any], tr: Speaker) -> list[str]:
    stored = d.get(SAID)
    if tr.english or not isinstance(stored, list) or len(stored) != len(d["insights"]):
        return list(d["insights"])
    return [said(from_data(i), tr) for i in stored]


def daily_csv(d: dict[str, Any]) -> str:
    """One row an hour of the day."""
    tz = zones.zone(d["timezone"])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for h in d["hours"]:
        at = _at(h["start"])
        assert at is not None
        w.writerow(
            (
                h["start"],
                f"{at.astimezone(tz):%Y-%m-%d %H:%M}",
                h["messages"],
                h["chatters"],
                "" if h["viewers"] is None else h["viewers"],
                "" if h["messages_per_viewer_hour"] is None else h["messages_per_viewer_hour"],
                h["category"],
            )
        )
    return buf.getvalue()


def write_daily_report(
    d: dict[str, Any], out_dir: Path, *, links: DailyLinks, speaker: Speaker = ENGLISH
) -> Path:
    """Write index.html, daily.csv and daily.json into `out_dir` (the page last)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write(out_dir / CSV_NAME, daily_csv(d).encode("utf-8"))
    public = {k: v for k, v in d.items() if k != SAID}  # the phrases are for the page only
    body = json.dumps(public, ensure_ascii=False, indent=1) + "\n"
    _atomic_write(out_dir / JSON_NAME, body.encode("utf-8"))
    _atomic_write(out_dir / PAGE, daily_html(d, links, speaker).encode("utf-8"))
    return out_dir
