from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.analysis import analyze
from reports.model import Analysis, Level
from storage.models import Account
from tests.reports.builders import NOW, account, farm, organic

FARM_DAY = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def flagged_ids(a: Analysis) -> set[int]:
    return set(a.flagged_ids())


@pytest.mark.parametrize(
    ("n", "seed"),
    [
        pytest.param(200, 1, id="200"),
        pytest.param(2_000, 2, id="2k"),
        pytest.param(20_000, 3, id="20k"),
    ],
)
def test_organic_audience_has_no_wave_and_a_low_verdict(n: int, seed: int) -> None:
    a = analyze(organic(n, seed), now=NOW, viewer_count=n)
    assert a.waves == ()
    assert a.bursts == ()
    assert a.verdict.level is Level.LOW
    assert a.flagged == 0
    assert a.totals.analysed == n


@pytest.mark.parametrize(
    ("audience", "size", "spread", "expect_burst", "level"),
    [
        # A farm under 10 accounts or 5% of the chat is a signal, not enough for "high".
        pytest.param(200, 8, timedelta(minutes=5), True, Level.ELEVATED, id="8-in-200-sitting"),
        pytest.param(2_000, 60, timedelta(days=2), False, Level.ELEVATED, id="60-over-2-days"),
        pytest.param(600, 60, timedelta(days=2), False, Level.HIGH, id="60-of-660-over-2-days"),
        pytest.param(20_000, 40, timedelta(minutes=20), True, Level.ELEVATED, id="40-in-20k"),
        pytest.param(5_000, 1_500, timedelta(hours=2), True, Level.HIGH, id="big-farm"),
    ],
)
def test_farm_is_found_with_its_accounts(
    audience: int, size: int, spread: timedelta, expect_burst: bool, level: Level
) -> None:
    members = farm(size, FARM_DAY, spread=spread)
    a = analyze(organic(audience) + members, now=NOW)
    truth = {m.user_id for m in members}
    found = flagged_ids(a)
    assert len(found & truth) >= 0.95 * size  # recall
    assert len(found & truth) >= 0.9 * len(found)  # precision
    assert (len(a.bursts) > 0) == expect_burst
    assert a.verdict.level is level
    biggest = max(a.waves, key=lambda w: w.count) if a.waves else None
    if biggest is not None:
        assert biggest.start <= FARM_DAY.date() <= biggest.end
        assert biggest.traits.default_avatar_share > 0.8  # the day also has ordinary signups
        assert biggest.traits.patterns[0].pattern == "lovelyfox + digits"
    lead = a.verdict.reasons[0]
    assert "bot" not in lead.lower()  # signals, never accusations
    assert f"{size:,}" in lead


def test_burst_reports_its_time_span_and_id_range() -> None:
    members = farm(30, FARM_DAY, spread=timedelta(minutes=10))
    a = analyze(organic(20_000) + members, now=NOW)
    (burst,) = a.bursts
    assert burst.count >= 30
    assert burst.minutes <= 12
    ids = sorted(m.user_id for m in members)
    assert burst.first_user_id <= ids[0] and burst.last_user_id >= ids[-1]
    assert burst.start.tzinfo is not None


def test_two_separate_waves_are_both_reported() -> None:
    first = farm(50, datetime(2025, 5, 1, tzinfo=UTC), spread=timedelta(days=1), stem="sunnyx")
    second = farm(80, FARM_DAY, spread=timedelta(days=3), stem="moonpie", seed=9)
    a = analyze(organic(5_000) + first + second, now=NOW)
    assert len(a.waves) == 2
    assert [w.start.year for w in a.waves] == [2025, 2026]


def test_empty_list() -> None:
    a = analyze([], now=NOW)
    assert a.totals.chatters == 0
    assert a.totals.analysed == 0
    assert a.waves == () and a.bursts == () and a.days == () and a.months == ()
    assert a.median_age_days is None
    assert a.verdict.level is Level.LOW
    json.dumps(a.to_dict())


def test_tiny_audience() -> None:
    accounts = [account(f"viewer{i}", NOW - timedelta(days=400 * i + 3)) for i in range(3)]
    a = analyze(accounts, now=NOW)
    assert a.totals.analysed == 3
    assert a.verdict.level is Level.LOW
    assert a.young[0].days == 7 and a.young[0].count == 1


def test_all_service_bots() -> None:
    accounts = [
        account(login, NOW - timedelta(days=3000 + i))
        for i, login in enumerate(["nightbot", "StreamElements", "moobot", "fossabot"])
    ]
    a = analyze(accounts, now=NOW)
    assert a.totals.chatters == 4
    assert a.totals.analysed == 0
    assert a.totals.service_bots == ("fossabot", "moobot", "nightbot", "StreamElements")
    assert a.verdict.level is Level.LOW
    assert all(a.flags_for(x.user_id) == {"service_bot"} for x in accounts)


def test_known_bots_and_unknown_dates_are_counted_apart() -> None:
    base = organic(300)
    lurkers = [account(f"lurker{i}", NOW - timedelta(days=2), user_id=10 + i) for i in range(40)]
    unknown = [account(f"gone{i}", None, user_id=100 + i) for i in range(7)]
    a = analyze(
        base + lurkers + unknown,
        now=NOW,
        known_bot_logins=frozenset(f"LURKER{i}" for i in range(40)),
    )
    assert a.totals.chatters == 347
    assert a.totals.analysed == 300
    assert a.totals.unknown == 7
    assert len(a.totals.known_bots) == 40
    # 40 listed lurkers in a chat of 347 is worth a mention, but lists alone never make it high.
    assert a.verdict.level is Level.ELEVATED
    assert any("known lurker-bot list" in r for r in a.verdict.reasons)
    assert "known_bot" in a.flags_for(10)
    assert "young" not in a.flags_for(10)  # left out of the statistics


def test_young_shares_and_flags() -> None:
    ages = [1, 5, 20, 60, 200, 400, 1000, 3000]
    accounts = [account(f"user{d}", NOW - timedelta(days=d)) for d in ages]
    a = analyze(accounts, now=NOW)
    assert [(b.days, b.count) for b in a.young] == [(7, 2), (30, 3), (90, 4), (365, 5)]
    assert a.young_share(90) == 0.5
    assert "young" in a.flags_for(accounts[3].user_id)
    assert "young" not in a.flags_for(accounts[4].user_id)
    assert a.median_age_days == pytest.approx(130, abs=1)


def test_window_limits_the_day_tables() -> None:
    accounts = organic(1_000)
    a = analyze(accounts, now=NOW, window=timedelta(days=30))
    cut = NOW.date() - timedelta(days=30)
    assert a.window_days == 30
    assert all(d.day > cut for d in a.days)
    assert a.window_count == sum(d.count for d in a.days)
    assert len(a.top_days) <= 10
    assert a.months[0].month < "2013"  # the monthly view keeps the whole history


def test_top_days_are_sorted_by_count() -> None:
    a = analyze(organic(3_000), now=NOW)
    counts = [d.count for d in a.top_days]
    assert counts == sorted(counts, reverse=True)
    assert len(a.top_days) == 10
    assert sum(m.count for m in a.months) == 3_000


def test_chatters_far_above_viewers_is_a_signal() -> None:
    a = analyze(organic(500), now=NOW, viewer_count=100)
    assert a.verdict.level is Level.ELEVATED
    assert any("500 accounts are in chat for 100 viewers" in r for r in a.verdict.reasons)
    offline = analyze(organic(500), now=NOW)
    assert offline.totals.viewer_count is None
    assert offline.verdict.level is Level.LOW


def test_renames_are_listed_and_flagged() -> None:
    accounts = organic(50)
    a = analyze(accounts, now=NOW, renames={accounts[0].user_id: ["oldname", "older"]})
    assert a.totals.renamed == 1
    (r,) = a.renames
    assert r.earlier == ("oldname", "older")
    assert "renamed" in a.flags_for(accounts[0].user_id)


def test_duplicate_user_ids_count_once() -> None:
    accounts = organic(40)
    a = analyze(accounts + accounts[:10], now=NOW)
    assert a.totals.chatters == 40


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        analyze([], now=datetime(2026, 1, 1))


def _walk(value: object) -> None:
    assert not isinstance(value, np.generic), value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _walk(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for v in value:
            _walk(v)


def test_no_numpy_types_leak_and_json_round_trips() -> None:
    members = farm(300, FARM_DAY, spread=timedelta(hours=1))
    a = analyze(organic(3_000) + members, now=NOW, viewer_count=2_000)
    _walk(a)
    doc = json.loads(json.dumps(a.to_dict()))
    assert doc["verdict"]["level"] == "high"
    assert isinstance(doc["verdict"]["reasons"], list)
    assert doc["waves"][0]["start"] == FARM_DAY.date().isoformat()
    assert isinstance(doc["waves"][0]["traits"]["patterns"], list)


_accounts = st.lists(
    st.builds(
        lambda i, days, login: account(
            login, NOW - timedelta(days=days) if days is not None else None, user_id=i + 1
        ),
        st.integers(0, 10_000),
        st.one_of(st.none(), st.floats(0, 6_000)),
        st.sampled_from(["nightbot", "somebody", "viewer_1", "x"]),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(_accounts)
def test_any_list_gives_consistent_totals(accounts: list[Account]) -> None:
    a = analyze(accounts, now=NOW)
    t = a.totals
    assert t.analysed + t.unknown + len(t.service_bots) + len(t.known_bots) == t.chatters
    assert 0 <= a.flagged <= t.analysed
    assert all(0.0 <= b.share <= 1.0 for b in a.young)
    assert isinstance(a.months, tuple)
    assert a.generated_at == NOW
    if t.analysed:
        assert a.months[-1].month == f"{NOW:%Y-%m}"
        assert a.days[0].day >= date(2000, 1, 1)
