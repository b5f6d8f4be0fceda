"""Stream analytics against a hand-made history whose answers were worked out by hand.

Channel 42 (times UTC), joined 1 Nov 2026:

- stream S1, 10 Nov 18:00-20:00, "Chess" (samples 80 at 18:00, 120 at 19:00 without a category):
  alice at 18:30, bob at 19:00.
- carol on 11 Nov 12:00, off air (not during a stream).
- stream S2, 20 Nov 18:00-20:00; samples 100 "Chess" at 18:00 and 18:30, 50 "Art" at 19:00 and
  19:30. alice 18:05 and 18:50 (span 45 min), bob 18:10 (one message), carol 18:20 and 19:40
  (80 min), dave 19:10 and 19:12 (2 min).

So in S2: 4 chatters, 2 returning (alice, bob; carol chatted only off air); spans 0, 2, 45, 80
min (median 23.5); Chess 18:00-19:00 4 messages at 100 viewers (0.04 a viewer-hour), Art
19:00-20:00 3 messages at 50 (0.06).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from storage import ChatMessage, Database, StreamSession, ViewerSample
from storage.stream_stats import engagement_series

ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4
LOGINS = {ALICE: "alice", BOB: "bob", CAROL: "carol", DAVE: "dave"}
_ids = itertools.count(1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def m(user: int, when: datetime) -> ChatMessage:
    return ChatMessage(
        message_id=f"ss-{next(_ids)}",
        channel_id=42,
        user_id=user,
        login=LOGINS[user],
        display_name="",
        text="hello",
        sent_at=when,
    )


async def _stream(
    db: Database,
    sid: str,
    start: datetime,
    end: datetime,
    samples: list[tuple[datetime, int, str]],
) -> StreamSession:
    s = await db.history.start_session(
        channel_id=42,
        stream_id=sid,
        started_at=start,
        title=f"stream {sid}",
        category="Chess",
        report_token=f"tok-{sid}".ljust(32, "x"),
    )
    await db.history.add_viewer_samples(
        [ViewerSample(s.session_id, a, v, c) for a, v, c in samples]
    )
    await db.history.end_session(s.session_id, ended_at=end)
    found = await db.history.session(s.session_id)
    assert found is not None
    return found


@pytest.fixture
async def history(db: Database) -> tuple[Database, StreamSession, StreamSession]:
    await db.channels.join(42, "chan", "Chan", at=at(1, 0))
    s1 = await _stream(
        db, "s1", at(10, 18), at(10, 20), [(at(10, 18), 80, "Chess"), (at(10, 19), 120, "")]
    )
    s2 = await _stream(
        db,
        "s2",
        at(20, 18),
        at(20, 20),
        [
            (at(20, 18), 100, "Chess"),
            (at(20, 18, 30), 100, "Chess"),
            (at(20, 19), 50, "Art"),
            (at(20, 19, 30), 50, "Art"),
        ],
    )
    await db.history.write_batch(
        messages=[
            m(ALICE, at(10, 18, 30)),
            m(BOB, at(10, 19)),
            m(CAROL, at(11, 12)),
            m(ALICE, at(20, 18, 5)),
            m(ALICE, at(20, 18, 50)),
            m(BOB, at(20, 18, 10)),
            m(CAROL, at(20, 18, 20)),
            m(CAROL, at(20, 19, 40)),
            m(DAVE, at(20, 19, 10)),
            m(DAVE, at(20, 19, 12)),
        ]
    )
    return db, s1, s2


async def test_returning_share_counts_chatters_of_earlier_streams_only(history) -> None:  # type: ignore[no-untyped-def]
    db, _, s2 = history
    r = await db.stream_stats.returning(42, s2.started_at, at(20, 20))
    assert (r.chatters, r.returning, r.earlier_streams) == (4, 2, 1)
    assert r.share == 0.5


async def test_retention_spans_from_first_to_last_message(history) -> None:  # type: ignore[no-untyped-def]
    db, _, s2 = history
    ret = await db.stream_stats.retention(42, s2.started_at, at(20, 20))
    assert (ret.chatters, ret.single, ret.median_min) == (4, 1, 23.5)
    assert [b.chatters for b in ret.bands] == [1, 1, 0, 0, 1, 1, 0]
    assert ret.curve == ((0, 4), (5, 2), (15, 2), (30, 2), (60, 1), (120, 0))
    assert ret.still_active(60) == 0.25


async def test_segments_cut_a_stream_at_its_category_changes(history) -> None:  # type: ignore[no-untyped-def]
    db, s1, s2 = history
    chess, art = await db.stream_stats.segments(s2, now=at(21, 0))
    assert (chess.category, chess.start, chess.end, chess.messages) == (
        "Chess",
        at(20, 18),
        at(20, 19),
        4,
    )
    assert (art.category, art.start, art.end, art.messages) == ("Art", at(20, 19), at(20, 20), 3)
    assert chess.per_viewer_hour == pytest.approx(0.04)
    assert art.per_viewer_hour == pytest.approx(0.06)
    (only,) = await db.stream_stats.segments(s1, now=at(21, 0))  # '' falls back to the session's
    assert (only.category, only.avg_viewers, only.messages) == ("Chess", 100, 2)


async def test_category_comparison_across_streams(history) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = history
    chess, art = await db.stream_stats.categories(42, since=at(1, 0), until=at(21, 0))
    assert (chess.category, chess.streams, chess.hours, chess.messages) == ("Chess", 2, 3, 6)
    assert chess.avg_viewers == pytest.approx(100)
    assert chess.per_viewer_hour == pytest.approx(6 / 300)
    assert (art.category, art.streams, art.hours, art.messages) == ("Art", 1, 1, 3)
    assert art.avg_viewers == pytest.approx(50)


async def test_chat_per_viewer_over_a_stream(history) -> None:  # type: ignore[no-untyped-def]
    db, _, s2 = history
    width = timedelta(minutes=30)
    series = await db.stats.series(42, since=s2.started_at, until=at(20, 20), bucket=width)
    points = engagement_series(series, width, await db.stream_stats.samples(s2.session_id))
    assert [p.messages for p in points] == [3, 1, 2, 1]
    assert [p.viewers for p in points] == [100, 100, 50, 50]
    assert [p.category for p in points] == ["Chess", "Chess", "Art", "Art"]
    assert points[0].per_viewer_hour == pytest.approx(3 / 50)


async def test_peak_times_by_local_hour_over_30_days(history) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = history
    peak = await db.stream_stats.peak_times(42, zone="Europe/Paris", now=at(21, 0))
    by_hour = {s.hour: s for s in peak.by_hour}
    # UTC 18h and 19h are 19h and 20h in Paris in November.
    assert (by_hour[19].messages, by_hour[19].live_hours, by_hour[19].viewer_hours) == (5, 2, 180)
    assert (by_hour[20].messages, by_hour[20].live_hours, by_hour[20].viewer_hours) == (4, 2, 170)
    assert (by_hour[13].messages, by_hour[13].live_hours) == (1, 0)  # carol, off air
    tuesday_19 = peak.by_week[1 * 24 + 19]
    assert (tuesday_19.weekday, tuesday_19.messages, tuesday_19.live_hours) == (1, 1, 1)
    # Every slot of the week has one live hour: none clears the two-hour threshold.
    assert peak.top() == ()
    assert len(peak.by_week) == 168


async def test_no_viewers_after_the_stream_ended(history) -> None:  # type: ignore[no-untyped-def]
    db, _, s2 = history
    width = timedelta(minutes=30)
    series = await db.stats.series(42, since=at(20, 19), until=at(20, 21), bucket=width)
    samples = await db.stream_stats.samples(s2.session_id)
    points = engagement_series(series, width, samples, live=[(s2.started_at, at(20, 20))])
    assert [p.viewers for p in points] == [50, 50, None, None]
    assert points[2].per_viewer_hour is None
