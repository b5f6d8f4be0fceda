"""Twitch-wide signup rates from user ids, and event days in the wave baseline."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from reports.analysis import analyze
from reports.platform import SignupRates, signup_rates
from storage.models import Account

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
START = datetime(2024, 1, 1, tzinfo=UTC)
EVENT = datetime(2025, 3, 10, tzinfo=UTC)  # three days at 2.5 times the usual signups
BASE_IDS_A_DAY = 300_000


def platform_id(when: datetime) -> int:
    """Ids handed out by `when`: 300k a day, 2.5 times that on the event's three days."""
    days = (when - START).total_seconds() / 86_400
    ev0 = (EVENT - START).total_seconds() / 86_400
    extra = min(max(days - ev0, 0.0), 3.0) * 1.5
    return int(1_000_000_000 + (days + extra) * BASE_IDS_A_DAY)


def audience(n_per_day: float, seed: int = 1, *, farm: int = 0) -> list[Account]:
    """An audience whose signups follow the platform: busier on the event days."""
    rng = random.Random(seed)
    counts = np.random.default_rng(seed)
    out = []
    day = START
    i = 0
    while day < NOW - timedelta(days=1):
        rate = n_per_day * (2.5 if EVENT <= day < EVENT + timedelta(days=3) else 1.0)
        for _ in range(counts.poisson(rate)):
            created = day + timedelta(seconds=rng.random() * 86_400)
            out.append(Account(user_id=platform_id(created) + i, login=f"v{i}", created_at=created))
            i += 1
        day += timedelta(days=1)
    for k in range(farm):  # made in one sitting on the first event day
        created = EVENT + timedelta(hours=10, seconds=20 * k)
        out.append(Account(user_id=platform_id(created) + 7 + k, login=f"f{k}", created_at=created))
    return out


def test_rates_follow_the_ids_not_the_sample() -> None:
    rates = signup_rates((a.user_id, a.created_at) for a in audience(5.0) if a.created_at)
    day = int(EVENT.timestamp() // 86_400)
    axis = rates.on_axis(day - 20, day + 20)
    assert axis[20] == pytest.approx(2.5 * BASE_IDS_A_DAY, rel=0.1)
    assert axis[0] == pytest.approx(BASE_IDS_A_DAY, rel=0.1)
    factors = rates.factors(day - 20, day + 20)
    assert factors[20:23] == pytest.approx([2.5, 2.5, 2.5], rel=0.15)
    assert factors[0] == 1.0 and factors[-1] == 1.0


def test_a_farm_in_the_sample_does_not_excuse_itself() -> None:
    """Thousands of accounts on one day barely move Twitch's hundreds of thousands."""
    sample = audience(5.0) + [
        Account(
            user_id=platform_id(START + timedelta(days=100, seconds=k)),
            login=f"x{k}",
            created_at=START + timedelta(days=100, seconds=k),
        )
        for k in range(3000)
    ]
    rates = signup_rates((a.user_id, a.created_at) for a in sample if a.created_at)
    day = int((START + timedelta(days=100)).timestamp() // 86_400)
    assert rates.factors(day, day)[0] == 1.0


@pytest.mark.parametrize(
    ("platform", "wave"),
    [
        pytest.param("own", False, id="estimated-from-own-ids"),
        pytest.param("none", True, id="without-platform-rates"),
    ],
)
def test_an_event_day_is_not_a_wave(platform: str, wave: bool) -> None:
    accounts = audience(20.0)
    rates = None if platform == "own" else SignupRates(0, (), 0)
    a = analyze(accounts, now=NOW, platform=rates)
    on_event = [
        w for w in a.waves if w.start <= EVENT.date() + timedelta(days=2) and w.end >= EVENT.date()
    ]
    assert bool(on_event) is wave


def test_a_farm_on_an_event_day_is_still_found() -> None:
    a = analyze(audience(20.0, farm=80), now=NOW)
    farm = {a_.user_id for a_ in audience(20.0, farm=80)[-80:]}
    assert len(a.flagged_ids() & farm) >= 76
    assert a.bursts


def test_a_tiny_sample_knows_nothing() -> None:
    rates = signup_rates([(5, NOW)])
    assert rates.ids_per_day == () and rates.factors(0, 9).tolist() == [1.0] * 10
