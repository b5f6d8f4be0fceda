"""The statistics commands' sentences (commands/stats_text.py, in English here) and the stream
page's phrases (reports/stream_text.py): plain, right in the singular, one message at worst."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commands import stats_text
from reports.i18n import ENGLISH
from reports.stream_text import (
    ChannelFigures,
    count,
    duration,
    moderation_phrase,
    ordinal,
)
from storage.models import StreamSession
from storage.stats_results import (
    ActionCount,
    Activity,
    CaptureBrief,
    ChatterCount,
    EmoteCount,
    HourCount,
    ReplyTarget,
    RisingChatter,
    StreamSummary,
    UserStats,
)
from storage.stream_stats_results import Returning

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
LONG = "a_very_long_login_name_25"  # Twitch logins have at most 25 characters
BIG = 123_456_789


def chatstats_text(f: ChannelFigures) -> str:
    return stats_text.chatstats_text(ENGLISH, f, now=NOW)


def top_text(
    top: list[ChatterCount], *, week: bool, rising: list[RisingChatter] | None = None
) -> str:
    return stats_text.top_text(ENGLISH, top, week=week, rising=rising or ())


def user_text(u: UserStats, replies: list[ReplyTarget], *, now: datetime) -> str:
    return stats_text.user_text(ENGLISH, u, replies, now=now)


def stream_text(
    s: StreamSummary, *, now: datetime, link: str | None = None, returning: Returning | None = None
) -> str:
    return stats_text.stream_text(ENGLISH, s, now=now, link=link, returning=returning)


def session(*, live: bool, title: str = "t" * 140) -> StreamSession:
    return StreamSession(
        session_id=1,
        channel_id=42,
        stream_id="s",
        started_at=NOW - timedelta(hours=30),
        ended_at=None if live else NOW - timedelta(minutes=5),
        title=title,
        category="c" * 60,
        peak_viewers=BIG,
        avg_viewers=BIG / 2,
        report_token="t" * 32,
        pinned=False,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(timedelta(minutes=45), "45 min", id="minutes"),
        pytest.param(timedelta(hours=2, minutes=5), "2 h 05 min", id="hours"),
        pytest.param(timedelta(days=3, hours=4), "3 days 4 h", id="days"),
    ],
)
def test_duration(value: timedelta, expected: str) -> None:
    assert duration(value) == expected


def test_counts_and_ordinals() -> None:
    assert count(1, "chatter") == "1 chatter" and count(1204, "message") == "1,204 messages"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 100)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "100th",
    ]
    assert moderation_phrase([]) == "no mod actions"
    assert moderation_phrase([ActionCount("ban", 1)]) == "1 mod action (1 ban)"


def test_worst_cases_fit_one_message() -> None:
    big = Activity(BIG, BIG, NOW - timedelta(minutes=10), NOW)
    figures = ChannelFigures(
        now=big,
        active_5m=BIG,
        viewers=BIG,
        week=big,
        week_hours=tuple(HourCount(h, BIG) for h in range(24)),
        week_emotes=tuple(EmoteCount("E" * 25, BIG) for _ in range(3)),
        all_time=big,
    )
    top = [ChatterCount(i, LONG, BIG) for i in range(5)]
    rising = [RisingChatter(i, LONG, BIG, 0) for i in range(3)]
    user = UserStats(1, LONG, BIG, BIG, BIG, 23, NOW, NOW, BIG, BIG, 499.0)
    replies = [ReplyTarget(i, LONG, BIG) for i in range(2)]
    captures = tuple(CaptureBrief(i, NOW, "complete", "high", BIG, BIG, "x") for i in range(9))
    actions = tuple(ActionCount(a, BIG) for a in ("ban", "timeout", "delete", "clear"))
    texts = [
        chatstats_text(figures),
        top_text(top, week=False),
        top_text(top, week=True, rising=rising),
        user_text(user, replies, now=NOW),
    ]
    for live in (True, False):
        summary = StreamSummary(session(live=live), NOW, BIG, BIG, actions, captures)
        texts.append(
            stream_text(
                summary,
                now=NOW,
                link="https://example.org/r/" + "t" * 32,
                returning=Returning(BIG, BIG, BIG),
            )
        )
    for text in texts:
        assert len(text) <= 500, text


def test_quiet_channels_get_a_plain_sentence() -> None:
    empty = Activity(0, 0, None, None)
    figures = ChannelFigures(empty, 0, None, empty, (), (), empty)
    assert chatstats_text(figures).startswith("No chat recorded")
    assert top_text([], week=True) == "No chat recorded here in the last 7 days."
    assert "Nobody is rising" in top_text([ChatterCount(1, "a", 1)], week=True)


@pytest.mark.parametrize(
    ("rank", "chatters", "standing"),
    [
        pytest.param(1, 200, "#1 of 200 chatters, top 1%", id="first"),
        pytest.param(10, 200, "#10 of 200 chatters, top 5%", id="top-share"),
        pytest.param(200, 200, "#200 of 200 chatters)", id="last-no-percentile"),
        pytest.param(2, 3, "#2 of 3 chatters)", id="tiny-channel"),
    ],
)
def test_user_standing_in_plain_words(rank: int, chatters: int, standing: str) -> None:
    user = UserStats(1, "alice", 5, rank, chatters, None, NOW, NOW, 0, 0, 20.0)
    text = user_text(user, [], now=NOW)
    assert standing in text, text
    assert "percentile" not in text


def test_chatstats_never_gives_a_share_of_viewers_over_100() -> None:
    now = Activity(600, 502, NOW - timedelta(minutes=10), NOW)
    figures = ChannelFigures(now, 502, 397, now, (), (), now)
    text = chatstats_text(figures)
    assert "502 chatters in the last 5 min while 397 viewers watch" in text
    assert "of 397" not in text


def test_stream_answer_says_the_returning_share_of_the_page() -> None:
    summary = StreamSummary(session(live=True), NOW, 100, 40, (), ())
    assert "40 chatters (25% returning)" in stream_text(
        summary, now=NOW, returning=Returning(40, 10, 3)
    )
    first = stream_text(summary, now=NOW, returning=Returning(40, 0, 0))
    assert "returning" not in first  # no earlier stream: nothing to return to
