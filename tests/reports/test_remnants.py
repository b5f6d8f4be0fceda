"""Farm remnants, renames and silent chatters as traits of waves and bursts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reports.analysis import analyze
from storage.models import Account
from tests.reports.builders import NOW, account, farm, organic, user_id_at

OLD_DAY = datetime(2016, 3, 9, 14, 0, tzinfo=UTC)  # an era when few of a small audience signed up


def stragglers(start: datetime, minutes: tuple[int, ...], *, id_shift: int = 0) -> list[Account]:
    """Accounts with ordinary logins made `minutes` after `start`, ids where the clock puts them."""
    out = []
    for i, m in enumerate(minutes):
        created = start + timedelta(minutes=m)
        uid = user_id_at(created) + 1 + 2 * i + id_shift
        out.append(account(f"quietmarten{chr(97 + i)}", created, user_id=uid, default_avatar=True))
    return out


def test_stragglers_of_a_farm_on_a_quiet_day_are_flagged_with_its_burst() -> None:
    members = farm(20, OLD_DAY, spread=timedelta(minutes=10))
    late = stragglers(OLD_DAY + timedelta(minutes=10), (25, 48, 80))
    a = analyze(organic(300) + members + late, now=NOW)
    assert len(a.bursts) == 1
    burst = a.bursts[0]
    assert burst.remnants == 3
    for acc in late:
        assert "remnant" in a.flags_for(acc.user_id)
    assert {acc.user_id for acc in late} <= a.flagged_ids()
    assert "3 more within hours of them" in a.verdict.reasons[0]
    assert a.flag_counts()["remnant"] == 3


def test_ordinary_signups_on_busy_days_stay_unflagged() -> None:
    recent = NOW - timedelta(days=40)
    members = farm(60, recent, spread=timedelta(minutes=10))
    late = stragglers(recent + timedelta(minutes=10), (30, 50))
    a = analyze(organic(20_000) + members + late, now=NOW)
    assert a.bursts and all(b.remnants == 0 for b in a.bursts)
    for acc in late:
        assert "remnant" not in a.flags_for(acc.user_id)


@pytest.mark.parametrize(
    ("minutes", "shift", "flagged"),
    [
        pytest.param((40,), 0, True, id="close-in-time-and-id"),
        pytest.param((40,), 2_000_000, False, id="id-far-from-the-clock"),
        pytest.param((300,), 0, False, id="five-hours-later"),
    ],
)
def test_a_straggler_must_be_close_in_time_and_id(
    minutes: tuple[int, ...], shift: int, flagged: bool
) -> None:
    members = farm(20, OLD_DAY, spread=timedelta(minutes=10))
    late = stragglers(OLD_DAY + timedelta(minutes=10), minutes, id_shift=shift)
    a = analyze(organic(300) + members + late, now=NOW)
    assert ("remnant" in a.flags_for(late[0].user_id)) is flagged


def test_renames_are_a_trait_of_waves_and_bursts() -> None:
    members = farm(30, OLD_DAY, spread=timedelta(minutes=10))
    renames = {m.user_id: ("oldname" + str(i),) for i, m in enumerate(members[:12])}
    a = analyze(organic(300) + members, now=NOW, renames=renames)
    assert a.bursts[0].traits.renamed == 12
    assert a.waves[0].traits.renamed == 12
    assert "12 have had another login" in a.verdict.reasons[0]
    assert a.to_dict()["bursts"][0]["traits"]["renamed"] == 12


@pytest.mark.parametrize(
    ("chatted_share", "sentence"),
    [
        pytest.param(0.0, "none of the 30 ever chatted here", id="none-chatted"),
        pytest.param(0.2, "24 never chatted here", id="most-silent"),
        pytest.param(0.9, None, id="most-chatted"),
    ],
)
def test_silent_chatters_are_counted_per_wave_and_burst(
    chatted_share: float, sentence: str | None
) -> None:
    audience = organic(300)
    members = farm(30, OLD_DAY, spread=timedelta(minutes=10))
    chatted = frozenset(
        [a.user_id for a in audience] + [m.user_id for m in members[: int(30 * chatted_share)]]
    )
    a = analyze(audience + members, now=NOW, chatted=chatted)
    burst = a.bursts[0]
    assert burst.traits.silent == 30 - int(30 * chatted_share)
    assert a.to_dict()["bursts"][0]["traits"]["silent_share"] == pytest.approx(1 - chatted_share)
    assert a.totals.chat_recorded
    if sentence:
        assert sentence in a.verdict.reasons[0]
    else:
        assert "chatted" not in a.verdict.reasons[0]
    # Silence supports, never decides: the same accounts without chat give the same level.
    assert analyze(audience + members, now=NOW).verdict.level is a.verdict.level


def test_without_chat_records_silence_is_unknown() -> None:
    a = analyze(organic(300) + farm(30, OLD_DAY, spread=timedelta(minutes=10)), now=NOW)
    assert a.bursts[0].traits.silent is None and not a.totals.chat_recorded
