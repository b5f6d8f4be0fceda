"""The per-day rollup (sqlite 0015 / postgres 0013) keeps every window exact, on both engines.

A hand-made history around two awkward clocks: Europe/Paris on the day it leaves summer time
(2026-10-25, a 25-hour day with 02:00-03:00 twice) and Pacific/Tongatapu (UTC+13 all year, so a
local day is 11:00 to 11:00 UTC). Local days and weeks are windows from one local midnight to
another; their counts (activity, top, writers, rising, a chatter's week) read whole UTC days
from `chat_user_days`, whole hours beside them and raw rows at the ends, and must equal counting
the stored messages. A few answers are written out by hand; the rest are brute force.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage import ChatMessage, Database
from storage.stats_rollups import DAY_MS, HOUR_MS, Cut, cut

PARIS = ZoneInfo("Europe/Paris")
TONGA = ZoneInfo("Pacific/Tongatapu")  # UTC+13, no DST
CHANNEL = 42
START = datetime(2026, 10, 18, tzinfo=UTC)
END = datetime(2026, 11, 2, tzinfo=UTC)


def at(day: str, clock: str, tz: tzinfo = UTC, *, fold: int = 0) -> datetime:
    """A moment given on a zone's clock (fold 1: the second 02:30 of a day leaving DST)."""
    local = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tz)
    return local.replace(fold=fold).astimezone(UTC)


def midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


# The hand-made part: user 1 and 2 around Paris's 25-hour day, user 3 around Tonga's midnight.
HAND = [
    (1, at("2026-10-24", "23:59:59", PARIS)),  # still the 24th in Paris (21:59:59 UTC)
    (1, at("2026-10-25", "00:00:00", PARIS)),  # the 25th begins (22:00 UTC on the 24th)
    (2, at("2026-10-25", "02:30:00", PARIS)),  # summer time 02:30 (00:30 UTC)
    (2, at("2026-10-25", "02:30:00", PARIS, fold=1)),  # winter time 02:30 (01:30 UTC)
    (1, at("2026-10-25", "23:59:00", PARIS)),  # the 25th's last minute (22:59 UTC)
    (2, at("2026-10-26", "00:00:00", PARIS)),  # the 26th (23:00 UTC on the 25th)
    (3, at("2026-10-30", "23:59:59", TONGA)),  # Tonga's 30th (10:59:59 UTC)
    (3, at("2026-10-31", "00:00:00", TONGA)),  # Tonga's 31st (11:00 UTC on the 30th)
    (3, at("2026-10-31", "12:00:00", TONGA)),  # 23:00 UTC on the 30th
    (3, at("2026-10-31", "13:00:00", TONGA)),  # 00:00 UTC on the 31st
]


def history() -> list[ChatMessage]:
    """The hand-made messages, then a random week-and-more of chat from ten chatters."""
    rng = random.Random(15)
    out = [
        ChatMessage(f"h{i}", CHANNEL, uid, f"user{uid}", "", "x" * (5 + i), when)
        for i, (uid, when) in enumerate(HAND)
    ]
    span_s = int((END - START).total_seconds())
    for i in range(1_500):
        uid = rng.choice([4, 5, 5, 6, 6, 6, 7, 8, 9, 10])
        when = START + timedelta(seconds=rng.randrange(span_s))
        out.append(
            ChatMessage(f"r{i}", CHANNEL, uid, f"user{uid}", "", "y" * rng.randint(1, 60), when)
        )
    return out


async def load(db: Database) -> list[ChatMessage]:
    await db.channels.join(CHANNEL, "chan", "Chan", at=START - timedelta(days=1))
    messages = history()
    for i in range(0, len(messages), 113):
        await db.history.write_batch(messages=messages[i : i + 113])
    return await db.history.messages(CHANNEL)


def inside(stored: list[ChatMessage], lo: datetime, hi: datetime) -> list[ChatMessage]:
    return [m for m in stored if lo <= m.sent_at < hi]


def local_days(tz: tzinfo) -> list[tuple[datetime, datetime]]:
    """Every local day from one midnight to the next over the history (and a day either side)."""
    first = (START - timedelta(days=1)).astimezone(tz).date()
    last = (END + timedelta(days=1)).astimezone(tz).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [(midnight(d, tz), midnight(d + timedelta(days=1), tz)) for d in days]


@pytest.mark.parametrize(
    ("day", "tz", "messages", "chatters"),
    [
        pytest.param("2026-10-24", PARIS, 1, 1, id="paris-before-the-change"),
        pytest.param("2026-10-25", PARIS, 4, 2, id="paris-25-hour-day"),
        pytest.param("2026-10-26", PARIS, 1, 1, id="paris-after-the-change"),
        pytest.param("2026-10-30", TONGA, 1, 1, id="tonga-30th"),
        pytest.param("2026-10-31", TONGA, 3, 1, id="tonga-31st"),
    ],
)
async def test_hand_made_local_days(
    db: Database, day: str, tz: tzinfo, messages: int, chatters: int
) -> None:
    stored = await load(db)
    d = date.fromisoformat(day)
    lo, hi = midnight(d, tz), midnight(d + timedelta(days=1), tz)
    hand = [m for m in inside(stored, lo, hi) if m.user_id <= 3]
    assert (len(hand), len({m.user_id for m in hand})) == (messages, chatters)
    if day == "2026-10-25":
        assert hi - lo == timedelta(hours=25)
    rows = inside(stored, lo, hi)
    activity = await db.stats.activity(CHANNEL, since=lo, until=hi)
    assert (activity.messages, activity.chatters) == (len(rows), len({m.user_id for m in rows}))


@pytest.mark.parametrize("tz", [pytest.param(PARIS, id="paris"), pytest.param(TONGA, id="utc+13")])
async def test_every_local_day_and_week_matches_the_raw_messages(db: Database, tz: tzinfo) -> None:
    stored = await load(db)
    days = local_days(tz)
    windows = days + [(days[i][0], days[i + 6][1]) for i in range(0, len(days) - 6, 3)]
    for lo, hi in windows:
        rows = inside(stored, lo, hi)
        per_user = Counter(m.user_id for m in rows)
        activity = await db.stats.activity(CHANNEL, since=lo, until=hi)
        assert (activity.messages, activity.chatters) == (len(rows), len(per_user)), (lo, hi)
        assert await db.stats.window_counts(CHANNEL, since=lo, until=hi) == per_user
        top = await db.stats.top_chatters(CHANNEL, since=lo, until=hi, limit=20)
        want = sorted(per_user.items(), key=lambda kv: (-kv[1], kv[0]))
        assert [(c.user_id, c.messages) for c in top] == want
        lengths: dict[int, list[int]] = {}
        for m in rows:
            lengths.setdefault(m.user_id, []).append(m.text_length or 0)
        avg = {u: sum(v) / len(v) for u, v in lengths.items() if len(v) >= 3}
        writers = await db.stats.writers(CHANNEL, since=lo, until=hi, limit=20)
        ranked = sorted(avg, key=lambda u: (-avg[u], -len(lengths[u]), u))
        assert [w.user_id for w in writers] == ranked
        assert [w.avg_length for w in writers] == pytest.approx([avg[u] for u in ranked])


@pytest.mark.parametrize(
    "now",
    [
        pytest.param(midnight(date(2026, 11, 1), PARIS), id="paris-midnight"),
        pytest.param(midnight(date(2026, 11, 1), TONGA), id="tonga-midnight"),
        pytest.param(datetime(2026, 11, 1, 17, 23, 5, tzinfo=UTC), id="ragged"),
    ],
)
async def test_rising_over_whole_days_matches_the_raw_messages(db: Database, now: datetime) -> None:
    stored = await load(db)
    week = timedelta(days=7)
    recent = Counter(m.user_id for m in inside(stored, now - week, now))
    before = Counter(m.user_id for m in inside(stored, now - 2 * week, now - week))
    rising = await db.stats.rising_chatters(CHANNEL, now=now, period=week, limit=20)
    want = sorted(
        (u for u in recent if recent[u] > before[u]),
        key=lambda u: (-(recent[u] - before[u]), -recent[u], u),
    )
    assert [(r.user_id, r.recent, r.before) for r in rising] == [
        (u, recent[u], before[u]) for u in want
    ]


@pytest.mark.parametrize(
    ("since", "until", "bucket"),
    [
        pytest.param(START, END, timedelta(days=1), id="utc-days"),
        pytest.param(START, END - timedelta(minutes=7), timedelta(days=1), id="ragged-last-day"),
        pytest.param(START, END - timedelta(hours=5), timedelta(days=2), id="two-day-slices"),
        pytest.param(
            midnight(date(2026, 10, 20), TONGA),
            midnight(date(2026, 10, 30), TONGA),
            timedelta(days=1),
            id="tonga-days",
        ),
        pytest.param(
            midnight(date(2026, 10, 22), PARIS),
            midnight(date(2026, 10, 28), PARIS),
            timedelta(hours=6),
            id="paris-6-hours-over-the-change",
        ),
    ],
)
async def test_day_series_matches_the_raw_messages(
    db: Database, since: datetime, until: datetime, bucket: timedelta
) -> None:
    stored = await load(db)
    slices: dict[int, list[ChatMessage]] = {}
    for m in inside(stored, since, until):
        slices.setdefault(int((m.sent_at - since) / bucket), []).append(m)
    answer = await db.stats.series(CHANNEL, since=since, until=until, bucket=bucket)
    assert len(answer) == -(-(until - since) // bucket)
    for i, b in enumerate(answer):
        got = slices.get(i, [])
        assert (b.start, b.messages, b.chatters) == (
            since + i * bucket,
            len(got),
            len({m.user_id for m in got}),
        )


async def test_left_out_chatters_stay_out_of_the_day_rows(db: Database) -> None:
    stored = await load(db)
    db.stats.leave_out(user_ids=[6])
    lo, hi = START, END
    rows = [m for m in inside(stored, lo, hi) if m.user_id != 6]
    activity = await db.stats.activity(CHANNEL, since=lo, until=hi)
    assert (activity.messages, activity.chatters) == (len(rows), len({m.user_id for m in rows}))
    series = await db.stats.series(CHANNEL, since=lo, until=hi, bucket=timedelta(days=1))
    assert sum(b.messages for b in series) == len(rows)


async def _rewind(db: Database) -> None:
    """Put the database back to before the day rollup (its table, the later migrations'
    changes and their versions gone)."""
    await db.execute("ALTER TABLE captures DROP COLUMN status_said")  # sqlite 0016 / postgres 0014
    await db.execute("DROP TABLE chat_user_days")
    if db.name == "sqlite":
        await db.execute("PRAGMA user_version = 14")
    else:
        await db.execute("DELETE FROM schema_version WHERE version >= 13")


async def test_the_migration_backfills_the_days(db_target: Path | str) -> None:
    async with Database(db_target) as db:
        stored = await load(db)
        await _rewind(db)
    async with Database(db_target) as db:
        got = {
            (int(d), int(u)): (int(n), int(c))
            for d, u, n, c in await db.fetch(
                "SELECT day, user_id, messages, chars FROM chat_user_days WHERE channel_id = $1",
                CHANNEL,
            )
        }
        want: dict[tuple[int, int], tuple[int, int]] = {}
        for m in stored:
            key = (int(m.sent_at.timestamp() * 1000) // DAY_MS, m.user_id)
            n, c = want.get(key, (0, 0))
            want[key] = (n + 1, c + (m.text_length or 0))
        assert got == want
        # The trigger keeps them from here on.
        late = ChatMessage("late", CHANNEL, 1, "user1", "", "abc", END - timedelta(hours=1))
        await db.history.write_batch(messages=[late])
        row = await db.fetchrow(
            "SELECT messages, chars FROM chat_user_days WHERE channel_id = $1 AND day = $2 "
            "AND user_id = 1",
            CHANNEL,
            int((END - timedelta(hours=1)).timestamp() * 1000) // DAY_MS,
        )
        assert row is not None and tuple(row) == (1, 3)


async def test_a_duplicate_is_counted_once_in_the_day_rows(db: Database) -> None:
    stored = await load(db)
    await db.history.write_batch(messages=history()[:40])  # redelivered
    total = await db.fetchval(
        "SELECT sum(messages) FROM chat_user_days WHERE channel_id = $1", CHANNEL
    )
    assert int(total) == len(stored)


async def test_forgetting_a_channel_removes_its_day_rows(db: Database) -> None:
    await load(db)
    await db.channels.delete(CHANNEL)
    assert await db.fetchval("SELECT count(*) FROM chat_user_days") == 0


@pytest.mark.parametrize(
    ("lo", "hi", "want"),
    [
        pytest.param(0, 2 * DAY_MS, Cut((0, 2), (), ()), id="whole-days"),
        pytest.param(
            5,
            2 * DAY_MS + 3 * HOUR_MS + 9,
            Cut(
                (1, 2),
                ((1, 24), (48, 51)),
                ((5, HOUR_MS), (51 * HOUR_MS, 51 * HOUR_MS + 9)),
            ),
            id="days-hours-and-ends",
        ),
        pytest.param(
            11 * HOUR_MS, DAY_MS + 11 * HOUR_MS, Cut((0, 0), ((11, 35),), ()), id="a-tonga-day"
        ),
        pytest.param(5, 100, Cut((0, 0), (), ((5, 100),)), id="inside-one-hour"),
        pytest.param(7, 7, Cut((0, 0), (), ()), id="empty"),
    ],
)
def test_cut_takes_whole_days_then_hours_then_raw(lo: int, hi: int, want: Cut) -> None:
    assert cut(lo, hi) == want


async def test_a_sliding_window_moves_on_exactly(db: Database) -> None:
    """The kept week moves with the clock; late, backfilled and new messages all count."""
    stored = await load(db)
    week = timedelta(days=7)
    extra = [
        # new chat at the window's front, a message sent long ago arriving now (backfill),
        # and one a few minutes late (inside the part always read)
        ChatMessage("n1", CHANNEL, 4, "user4", "", "new", at("2026-11-01", "12:30")),
        ChatMessage("b1", CHANNEL, 11, "user11", "", "old", at("2026-10-28", "03:00")),
        ChatMessage("l1", CHANNEL, 5, "user5", "", "late", at("2026-11-01", "12:02")),
    ]
    nows = [datetime(2026, 11, 1, 12, 5, tzinfo=UTC) + timedelta(minutes=7 * i) for i in range(6)]
    for i, now in enumerate(nows):
        if i == 2:
            await db.history.write_batch(messages=extra[:1])
        if i == 3:
            await db.history.write_batch(messages=extra[1:])
        everything = stored + (extra[:1] if i >= 2 else []) + (extra[1:] if i >= 3 else [])
        want = Counter(m.user_id for m in inside(everything, now - week, now))
        assert await db.stats.window_counts(CHANNEL, since=now - week, until=now) == want, i
        top = await db.stats.top_chatters(CHANNEL, since=now - week, until=now, limit=3)
        ranked = sorted(want.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        assert [(c.user_id, c.messages) for c in top] == ranked
    assert db.stats.windows._kept  # the window was kept and moved, not only read whole


async def test_all_time_hours_of_day_move_on_exactly(db: Database) -> None:
    """The kept all-time hours take the chat after them; a message sent long ago arriving now
    (a backfill inside the kept hours) makes them read again."""
    everything = await load(db)
    last = max(m.sent_at for m in everything)
    batches = [
        [],
        [ChatMessage("hod-1", CHANNEL, 4, "user4", "", "new", last + timedelta(hours=2))],
        [ChatMessage("hod-2", CHANNEL, 11, "user11", "", "old", at("2026-10-28", "03:00"))],
        [ChatMessage("hod-3", CHANNEL, 5, "user5", "", "new", last + timedelta(hours=3))],
    ]
    for i, batch in enumerate(batches):
        await db.history.write_batch(messages=batch)
        everything += batch
        db.chatters.memo.clear()  # a new minute: only the kept hours stay
        hours, _ = await db.chatters.hours_of_day(CHANNEL, UTC)
        want = Counter(m.sent_at.hour for m in everything)
        assert {h.hour: h.messages for h in hours if h.messages} == dict(want), i
        assert db.stats.windows._hours  # kept for the next minute


async def test_kept_hour_vectors_move_on_exactly(db: Database) -> None:
    """Hour leaders and the rivals' vectors keep the busiest chatters' older hours from one
    minute to the next; new chat and a backfill inside the kept hours both count."""
    everything = await load(db)
    last = max(m.sent_at for m in everything)
    batches = [
        [],
        [ChatMessage("vec-1", CHANNEL, 4, "user4", "", "new", last + timedelta(hours=2))],
        [ChatMessage("vec-2", CHANNEL, 11, "user11", "", "old", at("2026-10-28", "03:00"))],
        [ChatMessage("vec-3", CHANNEL, 5, "user5", "", "new", last + timedelta(hours=3))],
    ]
    for i, batch in enumerate(batches):
        await db.history.write_batch(messages=batch)
        everything += batch
        db.chatters.memo.clear()  # a new minute: only the kept hours stay
        per_hour: dict[int, Counter[int]] = {}
        vectors: dict[int, list[int]] = {}
        for m in everything:
            per_hour.setdefault(m.sent_at.hour, Counter())[m.user_id] += 1
            vectors.setdefault(m.user_id, [0] * 24)[m.sent_at.hour] += 1
        leaders = await db.chatters.hour_leaders(CHANNEL, UTC)
        want = {h: min(c.items(), key=lambda kv: (-kv[1], kv[0])) for h, c in per_hour.items()}
        assert {x.hour: (x.user_id, x.messages) for x in leaders} == want, i
        _, got = await db.chatters._rival_candidates(CHANNEL, UTC)
        assert got and all(got[u] == tuple(vectors[u]) for u in got), i
        assert db.stats.windows._vectors  # kept for the next minute
