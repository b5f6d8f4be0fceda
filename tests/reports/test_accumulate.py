"""The analysis fed while a capture runs (`reports.accumulate.Landed`) says exactly what
`analyze` says on the same accounts, however and whenever they landed."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reports.accumulate import Landed, creation_key
from reports.analysis import analyze
from storage.models import Account
from tests.reports.builders import NOW, account, farm, organic
from twitchsim import scenarios

Case = tuple[list[Account], dict[str, Any]]


def _organic() -> Case:
    return organic(2_000, seed=3), {}


def _farm_in_organic() -> Case:
    made = farm(400, NOW - timedelta(days=40), spread=timedelta(hours=3), stem="lovelyfox")
    return organic(3_000, seed=4) + made, {"viewer_count": 1_500}


def _two_farms_and_a_window() -> Case:
    one = farm(300, NOW - timedelta(days=200), spread=timedelta(days=2), stem="bluecat", seed=5)
    two = farm(250, NOW - timedelta(days=9), spread=timedelta(minutes=30), stem="redfox", seed=6)
    return organic(2_500, seed=7) + one + two, {"window": timedelta(days=30)}


def _renames_unknown_ages_and_known_bots() -> Case:
    base = organic(800, seed=8)
    unknown = [account(f"gone{i}", None, user_id=100 + i) for i in range(30)]
    lurkers = [account(f"lurker{i}", NOW - timedelta(days=3), user_id=500 + i) for i in range(25)]
    renames = {base[0].user_id: ["oldname"], base[5].user_id: ["a", "b"], 500: ["was_lurking"]}
    return base + unknown + lurkers + base[:20], {
        "renames": renames,
        "known_bot_logins": frozenset(f"LURKER{i}" for i in range(25)),
        "multi_channel": frozenset(a.user_id for a in base[100:140]),
        "chatted": frozenset(a.user_id for a in base[::3]),
    }


def _sim_farm() -> Case:
    sc = scenarios.build("farm", seed=7, size=5_000)
    accounts = [
        Account(u.user_id, u.login, u.display_name, created_at=u.created_at) for u in sc.chatters
    ]
    return accounts, {"viewer_count": sc.viewer_count}


def _other_time_zone() -> Case:
    cet = datetime.now(UTC).astimezone().tzinfo
    accounts = [
        dataclasses.replace(a, created_at=a.created_at.astimezone(cet) if a.created_at else None)
        for a in organic(500, seed=9)
    ]
    return accounts, {}


CASES = [
    pytest.param(_organic, id="organic"),
    pytest.param(_farm_in_organic, id="farm-in-organic"),
    pytest.param(_two_farms_and_a_window, id="two-farms-window"),
    pytest.param(_renames_unknown_ages_and_known_bots, id="renames-unknown-known-bots-dupes"),
    pytest.param(_sim_farm, id="twitchsim-farm"),
    pytest.param(_other_time_zone, id="other-time-zone"),
]


def _landed_as_a_capture_would(accounts: list[Account], seed: int) -> Landed:
    """Add the accounts in random chunks and order, some twice, some never, some stale."""
    rng = random.Random(seed)
    order = accounts[:]
    rng.shuffle(order)
    landed = Landed()
    i = 0
    while i < len(order):
        step = rng.randint(1, 150)
        chunk = order[i : i + step]
        landed.add(chunk[: max(0, len(chunk) - 3)])  # the last few never land
        if rng.random() < 0.3:
            landed.add(chunk[:2])  # landed twice
        if chunk and chunk[0].created_at is not None:
            # An earlier, different record of the same id (the memo must not be used for it).
            other = chunk[0].created_at - timedelta(days=3)
            landed.add(
                [dataclasses.replace(chunk[0], created_at=other, login="x" + chunk[0].login)]
            )
            landed.add([chunk[0]]) if rng.random() < 0.5 else None
        i += step
    return landed


@pytest.mark.parametrize("make", CASES)
def test_fed_as_it_lands_equals_analyze(make: Callable[[], Case]) -> None:
    accounts, options = make()
    expected = analyze(accounts, now=NOW, **options)
    for seed in (1, 2):
        got = analyze(
            accounts, now=NOW, landed=_landed_as_a_capture_would(accounts, seed), **options
        )
        assert got == expected
        assert dict(got.flags) == dict(expected.flags)
        assert list(got.flags) == list(expected.flags)


def test_creation_key_orders_as_the_datetimes_do() -> None:
    rng = random.Random(1)
    base = datetime(2015, 1, 1, tzinfo=UTC)
    times = [base + timedelta(microseconds=rng.randrange(10**15)) for _ in range(2_000)]
    times += [t + timedelta(microseconds=1) for t in times[:200]]
    assert sorted(times) == sorted(times, key=creation_key)
    assert len({creation_key(t) for t in times}) == len(set(times))
