"""Daily report observations: each appears only when its figures clear its threshold."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.daily import DayFigures, DayStream, insights, report_dict
from reports.daily_page import DailyLinks, daily_csv, daily_html
from reports.i18n import Speaker
from storage.stream_stats import retention_of
from storage.stream_stats_results import Returning, Segment

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 11, 20, 23, tzinfo=UTC)  # 21 Nov 00:00 in Paris
NOBODY = Returning(0, 0, 0)


def seg(cat: str, start_h: float, hours: float, messages: int, viewers: float) -> Segment:
    start = START + timedelta(hours=start_h)
    return Segment(1, cat, start, start + timedelta(hours=hours), messages, viewers)


def figures(
    *,
    segments: tuple[Segment, ...] = (),
    messages: int = 0,
    previous: float | None = None,
    returning: Returning = NOBODY,
    spans: tuple[int, ...] = (),
) -> DayFigures:
    stream = DayStream(
        1,
        "t",
        "Chess",
        START + timedelta(hours=20),
        None,
        None,
        None,
        messages,
        returning,
        segments,
    )
    return DayFigures(
        channel_login="chan",
        day=date(2026, 11, 21),
        zone="Europe/Paris",
        start=START,
        end=START + timedelta(days=1),
        generated_at=START + timedelta(days=1),
        messages=messages,
        chatters=0,
        hours=(),
        streams=(stream,),
        retention=retention_of(list(spans)),
        top_chatters=(),
        moderation=(),
        previous_avg=previous,
    )


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(
            seg("Art", 21.1667, 1, 60, 100),  # 0.6 a viewer-hour after 1.0: fell 40%
            "Chat per viewer fell 40% after the category change to Art at 21:10 "
            "(1.00 → 0.60 messages per viewer-hour).",
            id="fell-40",
        ),
        pytest.param(
            seg("Art", 21.1667, 1, 130, 100),
            "Chat per viewer rose 30% after the category change to Art at 21:10 "
            "(1.00 → 1.30 messages per viewer-hour).",
            id="rose-30",
        ),
        pytest.param(seg("Art", 21.1667, 1, 80, 100), None, id="20-percent-is-below"),
        pytest.param(seg("Art", 21.1667, 0.2, 12, 100), None, id="too-short"),
        pytest.param(seg("Art", 21.1667, 1, 20, 100), None, id="too-few-messages"),
    ],
)
def test_category_change_observation(after: Segment, expected: str | None) -> None:
    before = seg("Chess", 20.1667, 1, 100, 100)  # 1.0 a viewer-hour
    found = insights(figures(segments=(before, after)), PARIS)
    changes = [i for i in found if "category change" in i]
    assert changes == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("messages", "previous", "expected"),
    [
        pytest.param(150, 100.0, "There were 50% more messages", id="more"),
        pytest.param(70, 100.0, "There were 30% fewer messages", id="fewer"),
        pytest.param(120, 100.0, None, id="below-threshold"),
        pytest.param(90, 40.0, None, id="too-little-history"),
        pytest.param(90, None, None, id="no-history"),
    ],
)
def test_week_comparison_observation(
    messages: int, previous: float | None, expected: str | None
) -> None:
    found = [
        i for i in insights(figures(messages=messages, previous=previous), PARIS) if "7 days" in i
    ]
    assert [i[: len(expected)] for i in found] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("returning", "shown"),
    [
        pytest.param(Returning(20, 13, 3), True, id="enough-chatters"),
        pytest.param(Returning(19, 13, 3), False, id="too-few"),
    ],
)
def test_returning_observation(returning: Returning, shown: bool) -> None:
    found = [i for i in insights(figures(returning=returning), PARIS) if "earlier stream" in i]
    assert bool(found) is shown
    if shown:
        assert found == [
            "65% of the chatters of the stream at 20:00 had chatted during an earlier stream "
            "(13 of 20)."
        ]


def test_retention_observation_needs_twenty_chatters() -> None:
    spans = tuple([0] * 10 + [600_000] * 10)  # half one message, half 10 minutes
    found = [i for i in insights(figures(spans=spans), PARIS) if "active for" in i]
    assert found == [
        "Half of the day's 20 chatters were active for 5 min or less from their first to their "
        "last message; 50% sent a single message."
    ]
    assert not [i for i in insights(figures(spans=spans[1:]), PARIS) if "active for" in i]


def test_the_page_and_csv_render_from_the_stored_json() -> None:
    f = figures(segments=(seg("Chess", 20, 1, 100, 100), seg("Art", 21, 1, 60, 100)))
    d = report_dict(f)
    page = daily_html(d, DailyLinks())
    assert "chan · 21 Nov 2026" in page and "Nothing in the day" in page
    assert daily_csv(d).startswith("hour_start,local_hour,")


def test_a_stream_from_the_day_before_is_named_with_its_date() -> None:
    f = figures(returning=Returning(30, 15, 2))
    early = DayStream(
        2,
        "t",
        "Chess",
        START - timedelta(hours=2),
        START + timedelta(hours=1),
        None,
        None,
        10,
        Returning(30, 15, 2),
        (),
    )
    found = insights(replace(f, streams=(early, *f.streams)), PARIS)
    assert [i.split(" had")[0] for i in found if "earlier stream" in i] == [
        "50% of the chatters of the stream at 20 Nov 22:00",
        "50% of the chatters of the stream at 20:00",
    ]


def test_the_page_is_written_in_the_channels_language() -> None:
    f = figures(segments=(seg("Chess", 20, 1, 100, 100), seg("Art", 21, 1, 60, 100)))
    page = daily_html(report_dict(f), DailyLinks(), Speaker("fr", "Europe/Paris"))
    assert '<html lang="fr">' in page and "Heure par heure" in page
    assert "Rapport du jour" in page and "Hour by hour" not in page
