"""The hourly rollups give exactly what counting the raw messages gives, on both engines.

A seeded history (several channels' worth of hours, odd minutes, a left-out bot by login and
one by id, emotes with repeats, redelivered duplicates, deleted messages, retention) is written
in batches; each statistic is then compared with the same figure computed here in Python from
`history.messages`, over windows that start and end inside hours and on hour boundaries.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from storage import ChatMessage, Database
from storage.history import Removal
from storage.stats_rollups import HOUR_MS, split

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
BOT, SERVICE = 900, 901  # left out: BOT by id, SERVICE by login
EMOTES = ("Kappa", "LUL", 'we"ird', "back\\slash")


def history(seed: int = 7, n: int = 600) -> list[ChatMessage]:
    rng = random.Random(seed)
    users = [1, 2, 3, 4, 5, 6, BOT, SERVICE]
    out = []
    for i in range(n):
        user = rng.choice(users)
        emotes = tuple(rng.choice(EMOTES) for _ in range(rng.randint(0, 3)))
        out.append(
            ChatMessage(
                message_id=f"m{i}",
                channel_id=42,
                user_id=user,
                login="nightbot" if user == SERVICE else f"user{user}",
                display_name="",
                text="x" * rng.randint(1, 40),
                sent_at=NOW - timedelta(minutes=rng.randint(0, 20 * 24 * 60), seconds=i % 60),
                emotes=emotes,
            )
        )
    return out


async def load(db: Database) -> list[ChatMessage]:
    await db.channels.join(42, "chan", "Chan", at=NOW - timedelta(days=60))
    await db.channels.join(43, "other", "Other", at=NOW - timedelta(days=60))
    messages = history()
    for i in range(0, len(messages), 97):
        await db.history.write_batch(messages=messages[i : i + 97])
    await db.history.write_batch(messages=messages[:50])  # redelivered: stored once
    other = [ChatMessage("o1", 43, 1, "user1", "", "elsewhere", NOW, emotes=("Kappa",))]
    await db.history.write_batch(
        messages=other,
        removals=[Removal(42, NOW, message_id="m3"), Removal(42, NOW, user_id=2)],
    )
    await db.history.forget_text_before(NOW - timedelta(days=3))
    db.stats.leave_out(user_ids=[BOT], logins=["nightbot"])
    return await db.history.messages(42)


def window(stored: list[ChatMessage], since: datetime | None, until: datetime | None) -> list:
    return [
        m
        for m in stored
        if m.user_id not in (BOT, SERVICE)
        and (since is None or m.sent_at >= since)
        and (until is None or m.sent_at < until)
    ]


WINDOWS = [
    pytest.param(None, None, id="all-time"),
    pytest.param(NOW - timedelta(days=7), NOW, id="7-days-on-hours"),
    pytest.param(NOW - timedelta(days=5, minutes=17), NOW - timedelta(minutes=3), id="ragged"),
    pytest.param(NOW - timedelta(minutes=40), NOW - timedelta(minutes=5), id="inside-an-hour"),
    pytest.param(NOW - timedelta(days=2), None, id="since-only"),
]


@pytest.mark.parametrize(("since", "until"), WINDOWS)
async def test_window_figures_match_the_raw_messages(
    db: Database, since: datetime | None, until: datetime | None
) -> None:
    stored = await load(db)
    rows = window(stored, since, until)
    per_user = Counter(m.user_id for m in rows)
    activity = await db.stats.activity(42, since=since, until=until)
    assert (activity.messages, activity.chatters) == (len(rows), len(per_user))

    top = await db.stats.top_chatters(42, since=since, until=until, limit=10)
    expected = sorted(per_user.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [(c.user_id, c.messages) for c in top] == expected[:10]

    hours = Counter((int(m.sent_at.timestamp()) // 3600) % 24 for m in rows)
    answer = await db.stats.hours(42, since=since, until=until)
    assert [h.messages for h in answer] == [hours[h] for h in range(24)]

    uses = Counter(e for m in rows for e in m.emotes)
    emotes = await db.stats.top_emotes(42, since=since, until=until, limit=10)
    ranked = sorted(uses.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(e.name, e.count) for e in emotes] == ranked

    lengths: dict[int, list[int]] = {}
    for m in rows:
        lengths.setdefault(m.user_id, []).append(m.text_length or 0)
    avg = {u: sum(v) / len(v) for u, v in lengths.items() if len(v) >= 3}
    writers = await db.stats.writers(42, since=since, until=until, limit=10)
    want = sorted(avg, key=lambda u: (-avg[u], -len(lengths[u]), u))
    assert [w.user_id for w in writers] == want
    assert [w.avg_length for w in writers] == pytest.approx([avg[u] for u in want])


@pytest.mark.parametrize(
    ("since", "until", "bucket"),
    [
        pytest.param(NOW - timedelta(days=14), NOW, timedelta(days=1), id="days-on-hours"),
        pytest.param(NOW - timedelta(days=1), NOW, timedelta(hours=3), id="3-hours"),
        pytest.param(
            NOW - timedelta(days=4), NOW - timedelta(minutes=13), timedelta(days=1), id="ragged-end"
        ),
        pytest.param(
            NOW - timedelta(hours=2),
            NOW - timedelta(hours=1, minutes=50),
            timedelta(hours=1),
            id="less-than-an-hour",
        ),
        pytest.param(NOW - timedelta(hours=5, minutes=7), NOW, timedelta(minutes=25), id="ragged"),
    ],
)
async def test_series_matches_the_raw_messages(
    db: Database, since: datetime, until: datetime, bucket: timedelta
) -> None:
    stored = await load(db)
    rows = window(stored, since, until)
    slices: dict[int, list[ChatMessage]] = {}
    for m in rows:
        slices.setdefault(int((m.sent_at - since) / bucket), []).append(m)
    answer = await db.stats.series(42, since=since, until=until, bucket=bucket)
    for i, b in enumerate(answer):
        got = slices.get(i, [])
        assert (b.messages, b.chatters) == (len(got), len({m.user_id for m in got}))


async def test_rising_and_user_match_the_raw_messages(db: Database) -> None:
    stored = await load(db)
    now = NOW - timedelta(minutes=13)  # not on an hour
    recent = Counter(m.user_id for m in window(stored, now - timedelta(days=3), now))
    before = Counter(
        m.user_id for m in window(stored, now - timedelta(days=6), now - timedelta(days=3))
    )
    rising = await db.stats.rising_chatters(42, now=now, period=timedelta(days=3), limit=10)
    want = sorted(
        (u for u in recent if recent[u] > before[u]),
        key=lambda u: (-(recent[u] - before[u]), -recent[u], u),
    )
    assert [(r.user_id, r.recent, r.before) for r in rising] == [
        (u, recent[u], before[u]) for u in want
    ]

    everyone = Counter(m.user_id for m in window(stored, None, None))
    mine = [m for m in stored if m.user_id == 3]
    user = await db.stats.user(42, 3)
    assert user is not None
    assert user.messages == len(mine)
    assert (user.first_seen, user.last_seen) == (mine[0].sent_at, mine[-1].sent_at)
    assert user.rank == 1 + sum(1 for n in everyone.values() if n > len(mine))
    assert user.chatters == len(everyone)
    per_hour = Counter((int(m.sent_at.timestamp()) // 3600) % 24 for m in mine)
    assert user.favourite_hour == min(per_hour, key=lambda h: (-per_hour[h], h))
    bot = await db.stats.user(42, BOT)
    assert bot is not None and bot.messages == sum(1 for m in stored if m.user_id == BOT)
    assert await db.stats.user(42, 12345) is None


async def test_forgetting_a_channel_removes_its_rollups(db: Database) -> None:
    await load(db)
    await db.channels.delete(42)
    for table in ("chat_user_hours", "chat_users", "chat_emote_hours"):
        assert await db.fetchval(f"SELECT count(*) FROM {table} WHERE channel_id = 42") == 0
        assert await db.fetchval(f"SELECT count(*) FROM {table} WHERE channel_id = 43") == 1
    assert (await db.stats.activity(43)).messages == 1


@pytest.mark.parametrize(
    ("lo", "hi", "hours", "raw"),
    [
        pytest.param(0, 3 * HOUR_MS, (0, 3), (), id="whole-hours"),
        pytest.param(
            5, 3 * HOUR_MS - 1, (1, 2), ((5, HOUR_MS), (2 * HOUR_MS, 3 * HOUR_MS - 1)), id="ragged"
        ),
        pytest.param(5, 100, (0, 0), ((5, 100),), id="inside-one-hour"),
        pytest.param(7, 7, (0, 0), (), id="empty"),
    ],
)
def test_split_cuts_whole_hours_and_ends(
    lo: int, hi: int, hours: tuple[int, int], raw: tuple[tuple[int, int], ...]
) -> None:
    cut = split(lo, hi)
    assert ((cut.first_hour, cut.end_hour), cut.raw) == (hours, raw)
