"""Follow-bots: follow bursts, creation dates inside them, and the creation-to-follow gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reports.followers import Follower, analyze_followers
from reports.model import Level
from storage.models import Account
from tests.reports.builders import NOW, farm, organic

RAID = NOW - timedelta(days=10, hours=3)


def channel(n: int = 1500, seed: int = 1) -> list[Follower]:
    """Ordinary follows spread over 60 days, each after its account was made."""
    out = []
    for i, a in enumerate(organic(n, seed)):
        assert a.created_at is not None
        start = max(a.created_at, NOW - timedelta(days=60))
        at = start + (NOW - start) * ((i * 7919 % 1000) / 1000)
        out.append(Follower(a, at))
    return out


def arriving(accounts: list[Account], at: datetime, seconds_apart: float) -> list[Follower]:
    return [Follower(a, at + timedelta(seconds=i * seconds_apart)) for i, a in enumerate(accounts)]


def test_an_ordinary_channel_is_low() -> None:
    a = analyze_followers(channel(), now=NOW)
    assert a.verdict.level is Level.LOW and a.bots == 0 and not a.bursts


def test_a_raid_of_accounts_of_every_age_is_a_burst_but_not_bots() -> None:
    raiders = organic(600, seed=9)
    a = analyze_followers(channel() + arriving(raiders, RAID, 4.0), now=NOW)
    assert len(a.bursts) == 1 and a.bursts[0].count >= 590
    assert a.bots == 0 and a.verdict.level is Level.LOW
    assert "created over many different days" in a.verdict.reasons[0]


@pytest.mark.parametrize(
    ("made", "quick"),
    [
        pytest.param(RAID - timedelta(minutes=20), True, id="fresh"),
        pytest.param(RAID - timedelta(days=40), False, id="premade"),
        pytest.param(datetime(2019, 5, 1, tzinfo=UTC), False, id="aged"),
    ],
)
def test_follow_bots_made_in_a_sitting_are_found(made: datetime, quick: bool) -> None:
    bots = farm(300, made, spread=timedelta(minutes=15), stem="followme")
    a = analyze_followers(channel() + arriving(bots, RAID, 1.5), now=NOW)
    truth = {b.user_id for b in bots}
    assert len(a.bot_ids() & truth) >= 0.95 * len(truth)
    assert len(a.bot_ids() - truth) <= 0.05 * len(a.bot_ids())
    assert a.verdict.level is Level.HIGH
    assert "created in a few sittings" in a.verdict.reasons[0]
    assert (a.bursts[0].quick > 200) is quick
    assert "bot" not in a.verdict.reasons[0].lower()


def test_many_accounts_following_right_after_creation_are_noted() -> None:
    fresh = []
    for i, acc in enumerate(organic(300, seed=4)):
        made = NOW - timedelta(days=50) + timedelta(hours=3 * i)
        fresh.append(
            Follower(Account(acc.user_id, acc.login, created_at=made), made + timedelta(minutes=4))
        )
    a = analyze_followers(channel(600) + fresh, now=NOW)
    assert a.quick >= 300
    assert any("within 30 minutes of being created" in r for r in a.verdict.reasons)
    assert a.verdict.level is Level.ELEVATED


def test_json_and_flags() -> None:
    bots = farm(200, RAID - timedelta(days=3), spread=timedelta(minutes=10))
    a = analyze_followers(channel(800) + arriving(bots, RAID, 1.0), now=NOW)
    d = a.to_dict()
    assert d["kind"] == "followers" and d["bots"] == a.bots
    assert d["follow_bursts"][0]["bots"] == a.bursts[0].bots
    assert a.flags_for(bots[0].user_id) >= {"follow_burst", "follow_bot"}
    assert d["creation"]["totals"]["analysed"] == 1000


def test_the_latest_follow_of_an_account_counts_once() -> None:
    acc = organic(1)[0]
    follows = [Follower(acc, NOW - timedelta(days=2)), Follower(acc, NOW - timedelta(days=1))]
    a = analyze_followers(follows, now=NOW)
    assert a.follows == 1 and a.last_follow == NOW - timedelta(days=1)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        analyze_followers([], now=datetime(2026, 1, 1))
