"""A stream report's downloads and the writer of all its files. Synchronous: run it in a worker
thread from async code.

The CSV has one row per chat message, moderation action and stream event (subscription, raid,
follow), in time order; the JSON holds the summary, the series, the viewer counts, the
rankings, the captures, the messages, the moderation actions and the stream events.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reports import stream_events
from reports.i18n import ENGLISH, Speaker
from reports.render import _atomic_write
from reports.stream_chart import stream_chart_png
from reports.stream_model import StreamReport
from reports.stream_page import (
    CHART_NAME,
    CSV_NAME,
    JSON_NAME,
    LIVE_NAME,
    StreamLinks,
    live_dict,
    stream_page_html,
)

log = logging.getLogger(__name__)

PAGE = "index.html"
CSV_COLUMNS = (
    "at",
    "kind",
    "user_id",
    "login",
    "text",
    "text_length",
    "emotes",
    "reply_to_user_id",
    "deleted",
    "moderator",
    "duration_s",
    "reason",
    "tier",  # stream events: a subscription's tier
    "amount",  # stream events: a gift's count, a raid's viewers
    "months",  # stream events: a resubscription's months
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def csv_text(report: StreamReport) -> str:
    """Return the stream's messages and moderation actions as CSV, in time order."""
    rows: list[tuple[datetime, int, tuple[object, ...]]] = []
    for m in report.messages:
        rows.append(
            (
                m.sent_at,
                0,
                (
                    _iso(m.sent_at),
                    "message",
                    m.user_id,
                    m.login,
                    _cell(m.text) if m.text is not None else "",
                    m.text_length if m.text_length is not None else len(m.text or ""),
                    " ".join(m.emotes),
                    m.reply_parent_user_id if m.reply_parent_user_id is not None else "",
                    "yes" if m.deleted_at else "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ),
            )
        )
    for e in report.events:
        rows.append(
            (
                e.at,
                1,
                (
                    _iso(e.at),
                    e.action.value,
                    e.target_id if e.target_id is not None else "",
                    e.target_login,
                    "",
                    "",
                    "",
                    "",
                    "",
                    e.moderator_login,
                    e.duration_s if e.duration_s is not None else "",
                    _cell(e.reason),
                    "",
                    "",
                    "",
                ),
            )
        )
    for se in report.stream_events:
        row = stream_events.csv_row(se, _iso(se.at))
        rows.append((se.at, 2, tuple(_cell(v) if isinstance(v, str) else v for v in row)))
    rows.sort(key=lambda r: (r[0], r[1]))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(r[2] for r in rows)
    return buf.getvalue()


def report_dict(report: StreamReport) -> dict[str, Any]:
    """Return everything the report shows as plain JSON-ready data."""
    s = report.summary
    session = s.session
    return {
        "channel": report.channel_login,
        "generated_at": _iso(report.generated_at),
        "stream": {
            "stream_id": session.stream_id,
            "title": session.title,
            "category": session.category,
            "started_at": _iso(session.started_at),
            "ended_at": _iso(session.ended_at) if session.ended_at else None,
            "live": session.live,
            "duration_s": round(s.duration.total_seconds()),
            "peak_viewers": session.peak_viewers,
            "avg_viewers": session.avg_viewers,
            "messages": s.messages,
            "chatters": s.chatters,
            "messages_per_minute": round(s.per_minute, 3),
            "chatters_per_peak_viewer": (
                round(s.chatter_ratio, 4) if s.chatter_ratio is not None else None
            ),
            "moderation": {a.action: a.count for a in s.moderation},
        },
        "bucket_s": round(report.bucket.total_seconds()),
        "series": [
            {"start": _iso(b.start), "messages": b.messages, "chatters": b.chatters}
            for b in report.series
        ],
        "viewers": [{"at": _iso(v.at), "viewers": v.viewers} for v in report.viewers],
        "top_chatters": [
            {"user_id": c.user_id, "login": c.login, "messages": c.messages}
            for c in report.top_chatters
        ],
        "top_emotes": [{"name": x.name, "count": x.count} for x in report.top_emotes],
        "writers": [
            {
                "user_id": w.user_id,
                "login": w.login,
                "messages": w.messages,
                "avg_length": round(w.avg_length, 2),
            }
            for w in report.writers
        ],
        "captures": [
            {
                "started_at": _iso(c.started_at),
                "status": c.status,
                "verdict": c.verdict,
                "chatters": c.chatter_count,
                "viewers": c.viewer_count,
            }
            for c in s.captures
        ],
        "messages": [
            {
                "message_id": m.message_id,
                "at": _iso(m.sent_at),
                "user_id": m.user_id,
                "login": m.login,
                "text": m.text,
                "text_length": m.text_length,
                "emotes": list(m.emotes),
                "reply_to_user_id": m.reply_parent_user_id,
                "deleted": m.deleted_at is not None,
            }
            for m in report.messages
        ],
        "analytics": report.analytics,
        "moderation": [
            {
                "at": _iso(e.at),
                "action": e.action.value,
                "moderator": e.moderator_login,
                "target_id": e.target_id,
                "target": e.target_login,
                "duration_s": e.duration_s,
                "reason": e.reason,
            }
            for e in report.events
        ],
        "stream_events": [stream_events.json_entry(se, _iso(se.at)) for se in report.stream_events],
        "stream_event_counts": stream_events.tally(report.stream_events),
    }


def json_text(report: StreamReport) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=1) + "\n"


@dataclass(frozen=True, slots=True)
class StreamFiles:
    directory: Path
    page: Path
    chart: Path
    csv: Path
    json: Path


def write_stream_report(
    report: StreamReport, out_dir: Path, *, links: StreamLinks, speaker: Speaker = ENGLISH
) -> StreamFiles:
    """Write index.html, chart.png, stream-chat.csv and stream.json into `out_dir`; the page
    in the speaker's language."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = StreamFiles(
        out_dir, out_dir / PAGE, out_dir / CHART_NAME, out_dir / CSV_NAME, out_dir / JSON_NAME
    )
    png = stream_chart_png(report, tr=speaker)
    _atomic_write(files.chart, png)
    _atomic_write(files.csv, csv_text(report).encode("utf-8"))
    _atomic_write(files.json, json_text(report).encode("utf-8"))
    # The page last: once it exists the report is complete.
    live = json.dumps(live_dict(report, speaker), ensure_ascii=False)
    _atomic_write(out_dir / LIVE_NAME, live.encode("utf-8"))
    page = stream_page_html(report, chart_png=png, links=links, speaker=speaker)
    _atomic_write(files.page, page.encode("utf-8"))
    log.info("wrote stream report to %s (%d messages)", out_dir, report.summary.messages)
    return files
