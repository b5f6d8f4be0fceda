from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from twitchsim import scenarios
from twitchsim.growth import FIRST_ID
from twitchsim.scenarios import FarmSpec, date_for_id, id_for_date


@pytest.mark.parametrize(
    ("when", "low", "high"),
    [
        pytest.param(datetime(2011, 7, 1, tzinfo=UTC), 17e6, 22e6, id="2011"),
        pytest.param(datetime(2014, 6, 1, tzinfo=UTC), 50e6, 58e6, id="2014"),
        pytest.param(datetime(2017, 6, 1, tzinfo=UTC), 135e6, 150e6, id="2017"),
        pytest.param(datetime(2018, 6, 1, tzinfo=UTC), 210e6, 225e6, id="mid-2018"),
        pytest.param(datetime(2023, 6, 1, tzinfo=UTC), 850e6, 930e6, id="2023"),
        pytest.param(datetime(2026, 1, 1, tzinfo=UTC), 1.2e9, 1.3e9, id="2026"),
    ],
)
def test_growth_curve_matches_twitch(when: datetime, low: float, high: float) -> None:
    assert low <= id_for_date(when) <= high


def test_growth_curve_is_monotonic_and_invertible() -> None:
    start = datetime(2007, 6, 1, tzinfo=UTC)
    previous = 0
    for days in range(0, 7200, 13):
        when = start + timedelta(days=days, hours=days % 24)
        uid = id_for_date(when)
        assert uid > previous
        previous = uid
        assert abs((date_for_id(uid) - when).total_seconds()) < 30
        assert abs(id_for_date(date_for_id(uid)) - uid) <= 1
    assert id_for_date(start) >= FIRST_ID


def test_same_seed_same_scenario_and_ground_truth() -> None:
    a = scenarios.build("mixed", 42)
    b = scenarios.build("mixed", 42)
    assert a == b
    assert a.labels() == b.labels()
    c = scenarios.build("mixed", 43)
    assert {u.user_id for u in c.chatters} != {u.user_id for u in a.chatters}


def test_adding_farms_keeps_the_organic_audience() -> None:
    base = scenarios.organic(5, 400)
    farmed = scenarios.with_farms(5, 400, [FarmSpec(size=60)])
    assert base.organic_ids == farmed.organic_ids
    assert len(farmed.chatters) == 460
    assert len(farmed.farm_user_ids()) == 60


@pytest.mark.parametrize("name", scenarios.SCENARIO_NAMES[:3])
def test_named_scenarios_are_consistent(name: str) -> None:
    sc = scenarios.build(name, 1, 600)
    ids = [u.user_id for u in sc.chatters]
    assert len(ids) == 600
    assert len(set(ids)) == len(ids)
    assert len({u.login for u in sc.chatters}) == len(ids)
    assert all(u.user_id >= FIRST_ID for u in sc.chatters)
    assert all(u.created_at.tzinfo is not None and u.created_at < sc.now for u in sc.chatters)
    labels = sc.labels()
    assert set(labels) == set(ids)  # every chatter has exactly one truth
    assert sc.viewer_count > 0


def test_sitting_farm_is_tight_and_patterned() -> None:
    spec = FarmSpec(size=300, sitting=True, naming="stem_digits")
    sc = scenarios.with_farms(9, 1000, [spec])
    (farm,) = sc.farms
    members = sorted(
        (u for u in sc.chatters if u.user_id in farm.user_ids), key=lambda u: u.user_id
    )
    assert len(members) == 300
    assert farm.created_to - farm.created_from <= timedelta(hours=2)
    # near-consecutive ids: the whole farm spans a few thousand ids at most
    assert members[-1].user_id - members[0].user_id < 50_000
    stem = members[0].login.rstrip("0123456789")
    assert all(u.login.startswith(stem) for u in members)
    default = sum(u.default_avatar for u in members) / len(members)
    assert default > 0.85
    assert all(u.description == "" for u in members)
    assert all(
        "user-default-pictures-uv" in u.profile_image_url for u in members if u.default_avatar
    )


def test_spread_farm_spans_days() -> None:
    spec = FarmSpec(
        size=200, sitting=False, days=5, naming="random_letters", default_avatar_share=0.0
    )
    (farm,) = scenarios.with_farms(2, 100, [spec]).farms
    assert timedelta(hours=12) < farm.created_to - farm.created_from <= timedelta(days=5, hours=3)
    assert farm.naming == "random_letters"


def test_organic_audience_looks_like_a_channel() -> None:
    sc = scenarios.organic(11, 5000)
    years = [u.created_at.year for u in sc.chatters]
    old = sum(y <= 2016 for y in years) / len(years)
    recent = scenarios.young_share(sc, 365)
    assert 0.03 < old < 0.35
    assert 0.05 < recent < 0.35
    default = sum(u.default_avatar for u in sc.chatters) / len(years)
    assert 0.15 < default < 0.6
    assert any(u.description for u in sc.chatters)
    # no artificial clustering: no minute holds more than a handful of organic creations
    minutes: dict[int, int] = {}
    for u in sc.chatters:
        key = int(u.created_at.timestamp() // 60)
        minutes[key] = minutes.get(key, 0) + 1
    assert max(minutes.values()) <= 4


def test_service_and_lurker_bots() -> None:
    sc = scenarios.with_farms(3, 200, [], service=4, lurkers=10)
    by_id = {u.user_id: u for u in sc.chatters}
    assert {by_id[i].login for i in sc.service_bot_ids} >= {"nightbot", "streamelements"}
    lurkers = [by_id[i] for i in sc.lurker_bot_ids]
    assert len(lurkers) == 10
    # the same lurker accounts show up across channels
    other = scenarios.with_farms(4, 200, [], lurkers=40)
    assert sc.lurker_bot_ids & other.lurker_bot_ids
    pool = scenarios.lurker_pool()
    old = sum(u.created_at.year <= 2020 for u in pool) / len(pool)
    assert old > 0.7


def test_random_farm_specs_vary() -> None:
    rng = random.Random(0)
    specs = [s for _ in range(60) for s in scenarios.random_farm_specs(rng, 2000)]
    sizes = [s.size for s in specs]
    assert min(sizes) < 30 and max(sizes) > 1000
    assert {s.sitting for s in specs} == {True, False}
    assert len({s.naming for s in specs}) >= 4
    assert any(s.default_avatar_share < 0.5 for s in specs)


def test_big_scenario_builds() -> None:
    # Its speed is measured by bench/capture.py against a same-run baseline, not asserted here.
    sc = scenarios.build("big", 0)
    assert len(sc.chatters) == 100_000
    assert len({u.user_id for u in sc.chatters}) == 100_000
    assert sc.farms and len(sc.farm_user_ids()) >= 1000
