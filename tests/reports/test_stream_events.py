"""Stream events in the stream report and the verdict (issue 18): the timeline's words, the CSV
and JSON rows, the chart's raid marker, and a check right after a raid worded as such."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from reports.analysis import analyze
from reports.i18n import Speaker
from reports.raid_model import IncomingRaid
from reports.stream_chart import stream_chart_png
from reports.stream_events import raid_marks, sentence, tally
from reports.stream_export import csv_text, json_text
from reports.stream_page import StreamLinks, stream_page_html
from reports.summary import summary_text
from storage import Database, EventKind, StreamEvent
from tests.reports.builders import NOW, farm, organic
from tests.reports.test_stream_page import gather
from tests.storage.test_stats import at

LINK = "https://botcheck.example.org/r/Zx9_k2LqP0aBcDeFgHiJkLmNoPqRsTuV"
T = datetime(2026, 11, 20, 20, 5, tzinfo=UTC)


def ev(kind: EventKind, **kw: object) -> StreamEvent:
    return StreamEvent(f"k-{kind}", 42, kind, T, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("event", "words"),
    [
        pytest.param(
            ev(EventKind.SUB, user_login="fan", tier="1000"), "fan subscribed (tier 1)", id="sub"
        ),
        pytest.param(
            ev(EventKind.RESUB, user_login="fan", tier="prime", months=14, message="hi"),
            "fan resubscribed for 14 months (Prime): “hi”",
            id="resub",
        ),
        pytest.param(
            ev(EventKind.GIFT, tier="3000", amount=1),
            "anonymous gifted 1 sub (tier 3)",
            id="anonymous-gift",
        ),
        pytest.param(ev(EventKind.GIFT, user_login="g", amount=20), "g gifted 20 subs", id="gift"),
        pytest.param(
            ev(EventKind.RAID_IN, user_login="big", amount=1200),
            "big raided the channel with 1,200 viewers",
            id="raid-in",
        ),
        pytest.param(
            ev(EventKind.RAID_OUT, user_login="pal", amount=40),
            "the channel raided pal with 40 viewers",
            id="raid-out",
        ),
        pytest.param(ev(EventKind.FOLLOW, user_login="new"), "new followed", id="follow"),
    ],
)
def test_each_kind_in_words(event: StreamEvent, words: str) -> None:
    assert sentence(event) == words


@pytest.mark.parametrize(
    ("event", "language", "words"),
    [
        pytest.param(
            ev(EventKind.GIFT, user_login="g", amount=20, tier="1000"),
            "fr",
            "g a offert 20 abonnements (niveau 1)",
            id="fr-gift",
        ),
        pytest.param(
            ev(EventKind.RAID_IN, user_login="big", amount=12),
            "ja",
            "big が視聴者 12 人でレイド",
            id="ja-raid-in",
        ),
    ],
)
def test_each_kind_in_the_channels_language(event: StreamEvent, language: str, words: str) -> None:
    assert sentence(event, Speaker(language)) == words


def test_tally_counts_gifted_subs() -> None:
    counts = tally([ev(EventKind.GIFT, amount=5), ev(EventKind.FOLLOW), ev(EventKind.FOLLOW)])
    assert counts["gift"] == 5 and counts["follow"] == 2 and counts["sub"] == 0


async def test_page_csv_json_and_chart_show_the_events(db: Database) -> None:
    report = await gather(db)
    raid = StreamEvent("r1", 42, EventKind.RAID_IN, at(21, 18, 30), user_login="big", amount=300)
    resub = StreamEvent(
        "s1",
        42,
        EventKind.RESUB,
        at(21, 18, 40),
        user_id=7,
        user_login="fan",
        months=3,
        message="=cmd|evil",
    )
    report = dataclasses.replace(report, stream_events=(raid, resub))
    page = stream_page_html(report, chart_png=b"png", links=StreamLinks())
    assert "big raided the channel with 300 viewers" in page
    assert 'id="stream-events"' in page and "raid from big (300)" in page  # the chart's alt
    rows = list(csv.DictReader(io.StringIO(csv_text(report))))
    mine = [r for r in rows if r["kind"] in ("raid_in", "resub")]
    assert [r["kind"] for r in mine] == ["raid_in", "resub"]  # in time order among the chat
    assert mine[0]["amount"] == "300" and mine[1]["months"] == "3"
    assert mine[1]["text"] == "'=cmd|evil"  # never a spreadsheet formula
    doc = json.loads(json_text(report))
    assert [e["kind"] for e in doc["stream_events"]] == ["raid_in", "resub"]
    assert doc["stream_event_counts"]["raid_in"] == 1
    # The marker: the raid's green dashed line shows in the chart.
    marked = np.asarray(Image.open(io.BytesIO(stream_chart_png(report))).convert("RGB"))
    plain = np.asarray(
        Image.open(
            io.BytesIO(stream_chart_png(dataclasses.replace(report, stream_events=())))
        ).convert("RGB")
    )
    green = (marked[..., 1] > 120) & (marked[..., 0] < 80) & (marked[..., 2] < 90)
    assert (
        green.sum() > 50
        and not ((plain[..., 1] > 120) & (plain[..., 0] < 80) & (plain[..., 2] < 90)).sum()
    )
    assert raid_marks(report.stream_events)[0].label == "raid from big (300)"


def test_young_accounts_right_after_a_raid_are_worded_as_such() -> None:
    young = farm(60, NOW - timedelta(days=10), spread=timedelta(days=9))
    chatters = organic(120) + young
    raid = IncomingRaid(NOW - timedelta(minutes=4), "bigstreamer", 250)
    plain = analyze(chatters, now=NOW, viewer_count=400)
    after = analyze(chatters, now=NOW, viewer_count=400, raid=raid)
    assert not any("raid" in r for r in plain.verdict.reasons)
    worded = [r for r in after.verdict.reasons if "raid" in r]
    assert worded, after.verdict.reasons
    assert (
        "right after a raid from bigstreamer brought 250 viewers (4 min before this check)"
        in worded[0]
    )
    text = summary_text(after, LINK)
    assert "right after a raid from bigstreamer" in text and len(text) <= 500
    assert "raid" not in summary_text(plain, LINK)
