"""The chatters in columns, filled batch by batch while a capture runs (issue 21).

An audience filled out of order, a Get Users answer at a time with each account's place in the
chatter list, is analysed exactly as its accounts are in list order.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from reports.analysis import analyze, analyze_audience
from reports.audience import Audience, _sorting
from reports.model import DayCount, DayCounts, Flags
from storage.models import Account
from twitchsim.scenarios import Scenario, build

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def accounts_of(name: str, seed: int, size: int) -> tuple[list[Account], Scenario]:
    scenario = build(name, seed, size)
    rng = random.Random(seed)
    out = [
        Account(
            u.user_id,
            u.login,
            u.display_name,
            created_at=u.created_at if rng.random() > 0.02 else None,  # a few unknown
            profile_image_url=u.profile_image_url,
            description=u.description,
        )
        for u in scenario.chatters
    ]
    return out, scenario


@pytest.mark.parametrize(("name", "seed"), [("organic", 1), ("farm", 2), ("mixed", 3)])
def test_an_audience_filled_out_of_order_is_analysed_as_its_list(name: str, seed: int) -> None:
    accounts, scenario = accounts_of(name, seed, 6_000)
    rng = random.Random(seed)
    ids = [a.user_id for a in accounts]
    keywords = {
        "now": scenario.now,
        "known_bot_logins": frozenset(a.login.upper() for a in rng.sample(accounts, 8)),
        "viewer_count": 5_000,
        "renames": {uid: [f"was_{uid}"] for uid in rng.sample(ids, 25)} | {ids[0]: []},
        "chatted": frozenset(rng.sample(ids, 2_000)),
        "multi_channel": frozenset(rng.sample(ids, 12)),
    }
    # Pages of 1,000 in order; within a page, lookups of 100 land in any order.
    audience = Audience()
    for start in range(0, len(accounts), 1_000):
        places = list(range(start, min(start + 1_000, len(accounts))))
        rng.shuffle(places)
        for k in range(0, len(places), 100):
            part = places[k : k + 100]
            audience.add([accounts[i] for i in part], part)
    whole = analyze(accounts, **keywords)  # type: ignore[arg-type]
    fed = analyze_audience(audience, **keywords)  # type: ignore[arg-type]
    assert fed == whole
    assert list(fed.flags.items()) == list(whole.flags.items())  # same order: the list's
    assert fed.waves or fed.bursts or name == "organic"  # the farms are found


def test_a_list_with_repeats_keeps_each_id_once_at_its_first_place() -> None:
    a, b, c = (Account(i, f"user{i}", f"User{i}") for i in (1, 2, 3))
    audience = Audience.of([a, b, a, c, b])
    assert audience.columns().user_ids.tolist() == [1, 2, 3]
    assert analyze([a, b, a, c, b], now=NOW).totals.chatters == 3


def test_places_must_match_the_accounts() -> None:
    with pytest.raises(ValueError, match="one position"):
        Audience().add([Account(1, "a", "A")], [0, 1])


def test_places_with_gaps_are_sorted_too() -> None:
    places = np.array([7, 2, 40, 3], dtype=np.int64)
    order = _sorting(places)
    assert order is not None and places[order].tolist() == [2, 3, 7, 40]
    assert _sorting(np.array([0, 1, 2], dtype=np.int64)) is None  # in order already
    shuffled = np.array([2, 0, 3, 1], dtype=np.int64)  # 0..n-1: no sort needed
    inverse = _sorting(shuffled)
    assert inverse is not None and shuffled[inverse].tolist() == [0, 1, 2, 3]


def test_logins_are_compared_in_lower_case() -> None:
    accounts = [
        Account(1, "NightBot", "Nightbot", created_at=NOW - timedelta(days=900)),
        Account(2, "odd\nname", "Odd", created_at=NOW - timedelta(days=30)),
        Account(3, "plain", "Plain", created_at=NOW - timedelta(days=400)),
    ]
    columns = Audience.of(accounts).columns()
    assert columns.lows == ["nightbot", "odd\nname", "plain"]
    analysis = analyze(accounts, now=NOW, known_bot_logins=frozenset({"PLAIN"}))
    assert analysis.totals.known_bots == ("plain",)
    assert analysis.totals.service_bots == ("NightBot",)


def test_flags_read_as_a_mapping() -> None:
    flags = Flags(np.array([5, 9], dtype=np.int64), np.array([0, 3], dtype=np.int64))
    assert len(flags) == 2 and flags[9] == 3 and flags.get(4, 0) == 0
    assert dict(flags) == {5: 0, 9: 3} and list(flags) == [5, 9]


def test_day_counts_read_as_the_tuple_they_stand_for() -> None:
    days = np.array([0, 1, 19_000], dtype=np.int64)  # days since 1970-01-01
    counts = DayCounts(days, np.array([2, 1, 5], dtype=np.int64), 8)
    expected = (
        DayCount(date(1970, 1, 1), 2, 0.25),
        DayCount(date(1970, 1, 2), 1, 0.125),
        DayCount(date(2022, 1, 8), 5, 0.625),
    )
    assert len(counts) == 3 and counts[2] == expected[2] and counts[-1] == expected[-1]
    assert counts == expected and counts == list(expected) and tuple(counts) == expected
    assert counts[:2] == expected[:2] and counts != expected[:2] and counts != "abc"
    assert DayCounts(days[:0], days[:0], 0) == ()


def test_an_audience_s_day_tables_are_its_days() -> None:
    accounts = [
        Account(i, f"user{i}", f"User{i}", created_at=NOW - timedelta(days=i % 40, hours=i % 7))
        for i in range(1, 400)
    ]
    analysis = analyze(accounts, now=NOW)
    days: dict[date, int] = {}
    for a in accounts:
        assert a.created_at is not None
        days[a.created_at.date()] = days.get(a.created_at.date(), 0) + 1
    assert [(d.day, d.count) for d in analysis.days] == sorted(days.items())
    busiest = sorted(days.items(), key=lambda kv: (-kv[1], kv[0]))[: len(analysis.top_days)]
    assert [(d.day, d.count) for d in analysis.top_days] == busiest


def test_an_empty_audience() -> None:
    analysis = analyze_audience(Audience(), now=NOW)
    assert analysis.totals.chatters == 0 and analysis.flagged == 0
