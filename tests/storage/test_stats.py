"""Statistics against a small fixed history whose answers were worked out by hand.

The history (channel 42, times UTC, NOW = 21 Nov 2026 20:00):

- eve (5): 1 message on 22 Oct (only in all-time figures).
- the week before last [7 Nov 20:00, 14 Nov 20:00): bob 3, carol 1, dave 1 (as dave_old).
- the last week: alice on 18 Nov 10:00; then a stream 18:00-19:30 on 21 Nov where alice says
  4 (two replies to carol, one to bob), bob 2, carol 3, dave 1; after it alice and bob once
  each within the last five minutes.
- moderation in the stream: bob's message deleted, carol timed out, dave banned; dave is
  unbanned after it. One capture during the stream, one the day before.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from storage import (
    CaptureStatus,
    ChatMessage,
    Database,
    ModAction,
    ModerationEvent,
    StreamSession,
    ViewerSample,
)

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
STREAM_START = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
STREAM_END = datetime(2026, 11, 21, 19, 30, tzinfo=UTC)
ALICE, BOB, CAROL, DAVE, EVE = 1, 2, 3, 4, 5
LOGINS = {ALICE: "alice", BOB: "bob", CAROL: "carol", DAVE: "dave", EVE: "eve"}


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


_ids = itertools.count(1)


def m(
    user: int,
    when: datetime,
    text: str = "hi",
    *,
    emotes: tuple[str, ...] = (),
    reply_to: int | None = None,
    login: str | None = None,
) -> ChatMessage:
    return ChatMessage(
        message_id=f"msg-{next(_ids)}",
        channel_id=42,
        user_id=user,
        login=login or LOGINS[user],
        display_name="",
        text=text,
        sent_at=when,
        emotes=emotes,
        reply_parent_id="parent" if reply_to else None,
        reply_parent_user_id=reply_to,
    )


def ev(key: str, action: ModAction, when: datetime, target: int, **kw: object) -> ModerationEvent:
    return ModerationEvent(
        key, 42, action, when, moderator_id=99, moderator_login="mod", target_id=target, **kw
    )  # type: ignore[arg-type]


MESSAGES = [
    m(EVE, at(22, 15, month=10)),
    m(BOB, at(10, 12, 0)),
    m(BOB, at(10, 12, 1)),
    m(BOB, at(10, 12, 2)),
    m(CAROL, at(12, 9)),
    m(DAVE, at(11, 21), login="dave_old"),
    m(ALICE, at(18, 10)),
    m(ALICE, at(21, 18, 5), "hi"),
    m(ALICE, at(21, 18, 10), "hello", reply_to=BOB),
    m(ALICE, at(21, 18, 15), "hey there", reply_to=CAROL),
    m(ALICE, at(21, 19, 0), "Kappa Kappa", emotes=("Kappa", "Kappa"), reply_to=CAROL),
    m(BOB, at(21, 18, 20), "LUL", emotes=("LUL",)),
    m(BOB, at(21, 18, 25), "ok"),
    m(CAROL, at(21, 18, 30), "a long message here"),
    m(CAROL, at(21, 19, 10), "another long one"),
    m(CAROL, at(21, 19, 20), "x", reply_to=ALICE),
    m(DAVE, at(21, 19, 25), "yo"),
    m(BOB, at(21, 19, 57)),
    m(ALICE, at(21, 19, 58)),
]
EVENTS = [
    ev("e1", ModAction.DELETE, at(21, 18, 21), BOB, message_id="msg-12"),
    ev("e2", ModAction.TIMEOUT, at(21, 18, 40), CAROL, duration_s=600),
    ev("e3", ModAction.BAN, at(21, 19, 26), DAVE, reason="spam"),
    ev("e4", ModAction.UNBAN, at(21, 19, 45), DAVE),
]


@pytest.fixture
async def stream(db: Database) -> StreamSession:
    return await load_history(db)


async def load_history(db: Database, *, title: str = "Speedruns") -> StreamSession:
    """Write the fixed history above into `db`; return the ended stream."""
    await db.channels.join(42, "chan", "Chan", at=at(1, 0, month=10))
    await db.history.write_batch(messages=MESSAGES, events=EVENTS)
    session = await db.history.start_session(
        channel_id=42,
        stream_id="s1",
        started_at=STREAM_START,
        title=title,
        category="Games",
        report_token="t" * 32,
    )
    await db.history.add_viewer_samples(
        [
            ViewerSample(session.session_id, at(21, 18, 0), 100),
            ViewerSample(session.session_id, at(21, 18, 30), 150),
            ViewerSample(session.session_id, at(21, 19, 0), 120),
        ]
    )
    await db.history.end_session(session.session_id, ended_at=STREAM_END)
    for when, token in ((at(21, 18, 45), "c" * 32), (at(20, 12), "d" * 32)):
        capture = await db.captures.start(
            channel_id=42,
            requested_by_id=99,
            requested_by_login="mod",
            report_token=token,
            started_at=when,
        )
        await db.captures.finish(
            capture.capture_id,
            status=CaptureStatus.COMPLETE,
            finished_at=when + timedelta(seconds=5),
            viewer_count=140,
        )
    ended = await db.history.session(session.session_id)
    assert ended is not None
    return ended


async def test_channel_activity_all_time_and_windows(db: Database, stream: StreamSession) -> None:
    everything = await db.stats.activity(42)
    assert (everything.messages, everything.chatters) == (19, 5)
    week = await db.stats.activity(42, since=NOW - timedelta(days=7), until=NOW)
    assert (week.messages, week.chatters) == (13, 4)
    assert await db.stats.active_chatters(42, now=NOW) == 2
    ten = await db.stats.activity(42, since=NOW - timedelta(minutes=10), until=NOW)
    assert ten.per_minute == pytest.approx(0.2)
    assert await db.stats.current_viewers(42) is None  # the stream has ended


async def test_top_chatters_all_time_and_last_week(db: Database, stream: StreamSession) -> None:
    top = await db.stats.top_chatters(42)
    assert [(c.login, c.messages) for c in top] == [
        ("alice", 6),
        ("bob", 6),
        ("carol", 4),
        ("dave", 2),
        ("eve", 1),
    ]
    week = await db.stats.top_chatters(42, since=NOW - timedelta(days=7), until=NOW, limit=3)
    assert [(c.login, c.messages) for c in week] == [("alice", 6), ("bob", 3), ("carol", 3)]


async def test_rising_chatters_compare_two_weeks(db: Database, stream: StreamSession) -> None:
    rising = await db.stats.rising_chatters(42, now=NOW)
    assert [(r.login, r.recent, r.before, r.gain) for r in rising] == [
        ("alice", 6, 0, 6),
        ("carol", 3, 1, 2),
    ]


async def test_hours_of_day(db: Database, stream: StreamSession) -> None:
    hours = await db.stats.hours(42)
    assert len(hours) == 24 and sum(h.messages for h in hours) == 19
    assert {h.hour: h.messages for h in hours if h.messages} == {
        9: 1,
        10: 1,
        12: 3,
        15: 1,
        18: 6,
        19: 6,
        21: 1,
    }


async def test_one_user(db: Database, stream: StreamSession) -> None:
    assert await db.stats.find_user(42, "DAVE") == DAVE
    assert await db.stats.find_user(42, "dave_old") == DAVE
    assert await db.stats.find_user(42, "nobody") is None
    alice = await db.stats.user(42, ALICE)
    assert alice is not None
    assert (alice.messages, alice.rank, alice.chatters, alice.percentile) == (6, 1, 5, 1.0)
    assert alice.favourite_hour == 18
    assert alice.first_seen == at(18, 10) and alice.last_seen == at(21, 19, 58)
    carol = await db.stats.user(42, CAROL)
    assert carol is not None
    assert (carol.rank, carol.percentile, carol.timeouts, carol.bans) == (3, 0.5, 1, 0)
    dave = await db.stats.user(42, DAVE)
    assert dave is not None and dave.login == "dave" and (dave.timeouts, dave.bans) == (0, 1)
    assert await db.stats.user(42, 777) is None
    targets = await db.stats.reply_targets(42, ALICE)
    assert [(t.login, t.replies) for t in targets] == [("carol", 2), ("bob", 1)]


async def test_emotes_and_writers_in_the_stream(db: Database, stream: StreamSession) -> None:
    window = {"since": STREAM_START, "until": STREAM_END}
    emotes = await db.stats.top_emotes(42, **window)
    assert [(e.name, e.count) for e in emotes] == [("Kappa", 2), ("LUL", 1)]
    writers = await db.stats.writers(42, **window)
    assert [(w.login, w.messages, w.avg_length) for w in writers] == [
        ("carol", 3, pytest.approx(12.0)),
        ("alice", 4, pytest.approx(6.75)),
    ]


async def test_stream_summary(db: Database, stream: StreamSession) -> None:
    summary = await db.stats.stream_summary(stream, now=NOW)
    assert summary.duration == timedelta(minutes=90)
    assert (summary.messages, summary.chatters) == (10, 4)
    assert summary.per_minute == pytest.approx(10 / 90)
    assert stream.peak_viewers == 150 and stream.avg_viewers == pytest.approx(370 / 3)
    assert summary.chatter_ratio == pytest.approx(4 / 150)
    assert [(a.action, a.count) for a in summary.moderation] == [
        ("ban", 1),
        ("delete", 1),
        ("timeout", 1),
    ]
    assert summary.moderation_total == 3
    assert [c.report_token for c in summary.captures] == ["c" * 32]


async def test_series_has_every_slice(db: Database, stream: StreamSession) -> None:
    series = await db.stats.series(
        42, since=STREAM_START, until=STREAM_END, bucket=timedelta(minutes=30)
    )
    assert [(b.start, b.messages, b.chatters) for b in series] == [
        (at(21, 18, 0), 5, 2),
        (at(21, 18, 30), 1, 1),
        (at(21, 19, 0), 4, 3),
    ]


async def test_a_live_stream_counts_up_to_now(db: Database) -> None:
    await db.channels.join(42, "chan", "Chan", at=at(1, 0))
    session = await db.history.start_session(
        channel_id=42,
        stream_id="live",
        started_at=STREAM_START,
        title="",
        category="",
        report_token="l" * 32,
    )
    await db.history.write_batch(messages=[m(ALICE, at(21, 18, 1)), m(BOB, at(21, 18, 2))])
    await db.history.add_viewer_samples([ViewerSample(session.session_id, at(21, 18, 3), 40)])
    summary = await db.stats.stream_summary(session, now=at(21, 18, 10))
    assert summary.duration == timedelta(minutes=10) and summary.messages == 2
    assert await db.stats.current_viewers(42) == 40
