"""Chat analytics against a small hand-made history whose answers were worked out by hand.

Channel 42, NOW = 21 Nov 2026 12:00 UTC (Paris is UTC+1 then):

- ann (1): 6 messages at 10:0x and 3 at 20:0x UTC on 18 Nov (last week); Twitch says she was
  "annie_old" before.
- ben (2): 4 at 10:1x and 2 at 20:1x on 18 Nov: the same shape as ann (similarity 1).
- cat (3): 6 at 20:2x on 10 Nov (the week before): similarity with ann 18/(sqrt(45)*6) = 0.4472.
- dan (4): 5 at 03:0x on 10 Nov, the first as "dan_old": nothing in common with ann.

Hour leaders (UTC): 03 dan 5, 10 ann 6, 20 cat 6 (ann 3, ben 2). All time: ann 9, ben 6,
cat 6, dan 5, so ann is first of four (percentile 1) and dan last (0). Rising (7 d against the
7 before): ann +9, ben +6.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest

from reports import zones
from storage import Account, ChatMessage, Database
from storage.chatters import cosine
from storage.local_hours import Offsets

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ANN, BEN, CAT, DAN = 1, 2, 3, 4
LOGINS = {ANN: "ann", BEN: "ben", CAT: "cat", DAN: "dan"}
PARIS = zones.zone("Europe/Paris")
_ids = itertools.count(1)


def m(user: int, day: int, hour: int, minute: int, login: str | None = None) -> ChatMessage:
    return ChatMessage(
        message_id=f"c-{next(_ids)}",
        channel_id=42,
        user_id=user,
        login=login or LOGINS[user],
        display_name="",
        text="hello there",
        sent_at=datetime(2026, 11, day, hour, minute, tzinfo=UTC),
    )


MESSAGES = (
    [m(ANN, 18, 10, i) for i in range(6)]
    + [m(ANN, 18, 20, i) for i in range(3)]
    + [m(BEN, 18, 10, 10 + i) for i in range(4)]
    + [m(BEN, 18, 20, 10 + i) for i in range(2)]
    + [m(CAT, 10, 20, 20 + i) for i in range(6)]
    + [m(DAN, 10, 3, 0, "dan_old")]
    + [m(DAN, 10, 3, i) for i in range(1, 5)]
)


@pytest.fixture
async def chat(db: Database) -> Database:
    await db.channels.join(42, "chan", "Chan", at=NOW - timedelta(days=60))
    await db.history.write_batch(messages=MESSAGES, events=[])
    seen = NOW - timedelta(days=300)
    await db.accounts.upsert_many([Account(ANN, "annie_old")], seen_at=seen)
    await db.accounts.upsert_many([Account(ANN, "ann"), Account(BEN, "ben")], seen_at=NOW)
    await db.accounts.upsert_many([Account(99, "annabel")], seen_at=NOW)  # never chatted here
    return db


def test_cosine() -> None:
    assert cosine([6, 3], [4, 2]) == pytest.approx(1.0)
    assert cosine([6, 3], [0, 6]) == pytest.approx(3 / math.sqrt(45))
    assert cosine([0, 0], [1, 2]) == 0.0


@pytest.mark.parametrize(
    ("zone", "when", "local"),
    [
        pytest.param("UTC", datetime(2026, 11, 18, 10, tzinfo=UTC), 10, id="utc"),
        pytest.param("Europe/Paris", datetime(2026, 11, 18, 10, tzinfo=UTC), 11, id="paris-winter"),
        pytest.param("Europe/Paris", datetime(2026, 7, 18, 10, tzinfo=UTC), 12, id="paris-summer"),
        pytest.param("Pacific/Kiritimati", datetime(2026, 11, 18, 10, tzinfo=UTC), 0, id="utc+14"),
        pytest.param("Europe/Paris", datetime(2026, 3, 29, 0, tzinfo=UTC), 1, id="dst-day-before"),
        pytest.param("Europe/Paris", datetime(2026, 3, 29, 1, tzinfo=UTC), 3, id="dst-day-after"),
    ],
)
def test_local_hours_follow_the_zone_across_dst(zone: str, when: datetime, local: int) -> None:
    tz = zones.zone(zone)
    hour = int(when.timestamp()) // 3600
    offsets = Offsets.over(tz, hour - 24 * 400, hour + 24 * 400)
    assert offsets.local(hour) == local


async def test_hour_leaders_in_utc_and_paris(chat: Database) -> None:
    leaders = await chat.chatters.hour_leaders(42, zones.zone("UTC"))
    assert [(h.hour, h.login, h.messages) for h in leaders] == [
        (3, "dan", 5),
        (10, "ann", 6),
        (20, "cat", 6),
    ]
    paris = await chat.chatters.hour_leaders(42, PARIS)
    assert [(h.hour, h.login) for h in paris] == [(4, "dan"), (11, "ann"), (21, "cat")]


@pytest.mark.parametrize("candidates", [pytest.param(1, id="one"), pytest.param(2, id="two")])
async def test_hour_leaders_with_few_candidates_count_the_rest(
    chat: Database, candidates: int
) -> None:
    # ann alone is a candidate: hours 3 and 20 are undecided and counted over everyone.
    leaders = await chat.chatters.hour_leaders(42, PARIS, candidates=candidates)
    assert [(h.hour, h.login, h.messages) for h in leaders] == [
        (4, "dan", 5),
        (11, "ann", 6),
        (21, "cat", 6),
    ]


async def test_rivals_by_cosine_similarity(chat: Database) -> None:
    rivals = await chat.chatters.rivals(42, ANN, PARIS)
    assert [(r.login, r.similarity) for r in rivals] == [
        ("ben", 1.0),
        ("cat", round(3 / math.sqrt(45), 4)),
    ]
    assert rivals[0].messages == 6


async def test_hours_of_day_and_the_days_they_span(chat: Database) -> None:
    hours, days = await chat.chatters.hours_of_day(42, PARIS)
    assert {h.hour: h.messages for h in hours if h.messages} == {4: 5, 11: 10, 21: 11}
    assert days == 9  # 10 Nov 03:00 to 18 Nov 20:13


async def test_user_hours_peak_and_ranks(chat: Database) -> None:
    vector = await chat.chatters.user_hours(42, ANN, PARIS)
    assert vector[11] == 6 and vector[21] == 3 and sum(vector) == 9
    peak = await chat.chatters.peak(42, ANN)
    assert peak is not None and peak.messages == 6
    assert peak.start == datetime(2026, 11, 18, 10, tzinfo=UTC)
    ranks = await chat.chatters.ranks(42, ANN, PARIS, now=NOW, writer_min=5)
    assert ranks.all_time == 1 and ranks.week == 1 and ranks.rising == 1
    assert ranks.hours_led == (11,)
    assert ranks.writer == 1  # every message is "hello there": nobody writes longer
    dan = await chat.chatters.ranks(42, DAN, PARIS, now=NOW, writer_min=5)
    assert (dan.all_time, dan.week, dan.rising, dan.hours_led) == (4, None, None, (4,))


async def test_percentile_among_the_channels_chatters(chat: Database) -> None:
    ann, cat, dan = [await chat.stats.user(42, u) for u in (ANN, CAT, DAN)]
    assert ann is not None and ann.percentile == 1.0
    assert cat is not None and cat.rank == 2 and cat.percentile == pytest.approx(2 / 3)
    assert dan is not None and dan.percentile == 0.0


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("a", [("ann", None)], id="login"),
        pytest.param("@AN", [("ann", None)], id="case-and-at"),
        pytest.param("annie", [("ann", "annie_old")], id="earlier-name-from-twitch"),
        pytest.param("dan_", [("dan", "dan_old")], id="earlier-name-from-chat"),
        pytest.param("d", [("dan", None)], id="one-row-per-chatter"),
        pytest.param("zz", [], id="nobody"),
        pytest.param("a%", [], id="not-a-login"),
    ],
)
async def test_autocomplete_on_logins_and_earlier_names(
    chat: Database, typed: str, expected: list[tuple[str, str | None]]
) -> None:
    found = await chat.search.complete(42, typed)
    assert [(f.login, f.earlier) for f in found] == expected
