"""Cross-channel presence: accounts in several served channels' chatter lists in one hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reports.analysis import analyze
from reports.model import Level
from reports.presence import Sighting, channels_at_once, multi_channel
from tests.reports.builders import NOW, organic

T = datetime(2026, 11, 21, 18, 5, tzinfo=UTC)


def test_counts_distinct_channels_within_one_hour() -> None:
    sightings = [
        Sighting(1, T, {10, 11}),
        Sighting(2, T + timedelta(minutes=20), {10, 12}),
        Sighting(3, T + timedelta(minutes=50), {10}),
        Sighting(1, T + timedelta(minutes=30), {11}),  # the same channel twice: one
        Sighting(4, T + timedelta(hours=1), {11, 12}),  # the next hour
    ]
    counts = channels_at_once(sightings)
    assert counts == {10: 3, 11: 1, 12: 1} | {11: 1, 12: 1}
    assert multi_channel(counts, 3) == {10}
    assert channels_at_once(sightings, exclude={10}).get(10) is None


@pytest.mark.parametrize(
    ("k", "error"), [pytest.param(1, True, id="k=1"), pytest.param(2, False, id="k=2")]
)
def test_k_must_be_at_least_two(k: int, error: bool) -> None:
    if error:
        with pytest.raises(ValueError, match="at least 2"):
            multi_channel({1: 5}, k)
    else:
        assert multi_channel({1: 5, 2: 1}, k) == {1}


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        channels_at_once([Sighting(1, datetime(2026, 1, 1), {1})])


@pytest.mark.parametrize(
    ("marked", "level"),
    [
        pytest.param(40, Level.ELEVATED, id="many-marked"),
        pytest.param(5, Level.LOW, id="few-marked"),
    ],
)
def test_multi_channel_accounts_are_listed_and_raise_to_elevated_at_most(
    marked: int, level: Level
) -> None:
    accounts = organic(400)
    ids = frozenset(a.user_id for a in accounts[:marked])
    a = analyze(accounts, now=NOW, multi_channel=ids)
    assert len(a.totals.multi_channel) == marked
    assert a.verdict.level is level
    assert a.flag_counts()["multi_channel"] == marked
    assert a.flagged == 0  # listed apart, never flagged as a wave or burst
