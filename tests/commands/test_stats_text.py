"""The statistics replies in the channel's language, hours in the channel's timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commands.stats_text import chatstats_text, duration, hour, stream_text, top_text, user_text
from reports.i18n import Speaker
from reports.stream_text import ChannelFigures
from storage.models import StreamSession
from storage.stats_results import (
    ActionCount,
    Activity,
    ChatterCount,
    EmoteCount,
    HourCount,
    StreamSummary,
    UserStats,
)

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)  # winter: Paris is UTC+1
SUMMER = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)  # summer: Paris is UTC+2
PARIS_FR = Speaker("fr", "Europe/Paris")


def figures(busiest: int) -> ChannelFigures:
    week = Activity(900, 12, NOW - timedelta(days=7), NOW)
    hours = tuple(HourCount(h, 100 if h == busiest else 1) for h in range(24))
    return ChannelFigures(week, 3, None, week, hours, (EmoteCount("Kappa", 4),), week)


@pytest.mark.parametrize(
    ("tr", "now", "expected"),
    [
        pytest.param(Speaker(), NOW, "19:00 UTC", id="utc"),
        pytest.param(PARIS_FR, NOW, "20:00 CET", id="paris-winter"),
        pytest.param(PARIS_FR, SUMMER, "21:00 CEST", id="paris-summer"),
        pytest.param(Speaker("ja", "Asia/Tokyo"), NOW, "04:00 JST", id="tokyo-next-day"),
        pytest.param(Speaker("en", "Pacific/Tongatapu"), NOW, "08:00 UTC+13", id="utc-plus-13"),
    ],
)
def test_an_utc_hour_shows_in_the_channels_zone(tr: Speaker, now: datetime, expected: str) -> None:
    assert hour(tr, 19, now) == expected


def test_chatstats_in_french_shifts_the_busiest_hour_to_paris() -> None:
    text = chatstats_text(PARIS_FR, figures(busiest=19), now=NOW)
    assert "20:00 CET" in text and "19:00" not in text
    assert "900 messages" in text and "Sur 7 jours" in text
    english = chatstats_text(Speaker(), figures(busiest=19), now=NOW)
    assert "Busiest hour: 19:00 UTC." in english


def test_stats_in_french_gives_the_favourite_hour_in_paris() -> None:
    user = UserStats(1, "alice", 5, 1, 200, 6, NOW - timedelta(days=9), NOW, 1, 0, 20.0)
    text = user_text(PARIS_FR, user, [], now=NOW)
    assert "07:00 CET" in text
    assert text.startswith("alice : 5 messages ici (n° 1 sur 200 chatteurs")
    assert "1 exclusion temporaire" in text


def test_top_and_stream_in_french() -> None:
    top = top_text(PARIS_FR, [ChatterCount(1, "alice", 1_234)], week=False)
    assert top == "Top des chatteurs, depuis toujours : 1. alice 1\u202f234."
    session = StreamSession(1, 42, "s", NOW - timedelta(hours=2, minutes=5), None, "t", "c",
                            10, 5.0, "x", False)  # fmt: skip
    summary = StreamSummary(session, NOW, 40, 8, (ActionCount("ban", 2),), ())
    text = stream_text(PARIS_FR, summary, now=NOW)
    assert text.startswith("En direct depuis 2 h 05 min (t, c)")
    assert "2 bans" in text


@pytest.mark.parametrize(
    ("span", "english", "japanese"),
    [
        pytest.param(timedelta(minutes=45), "45 min", "45分", id="minutes"),
        pytest.param(timedelta(hours=2, minutes=5), "2 h 05 min", "2時間05分", id="hours"),
        pytest.param(timedelta(days=3, hours=4), "3 days 4 h", "3日4時間", id="days"),
    ],
)
def test_durations_read_in_the_language(span: timedelta, english: str, japanese: str) -> None:
    assert duration(Speaker(), span) == english
    assert duration(Speaker("ja"), span) == japanese
