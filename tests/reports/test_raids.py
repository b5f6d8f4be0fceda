"""The raid detector on twitchsim's scenarios with ground truth, and on hand-made chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reports.raid_model import Raid, RaidKind
from reports.raids import RaidDetector, Sensitivity, Thresholds
from reports.risk import Category, RuleSet
from twitchsim import raids as sim

RULES = RuleSet.default().with_terms(Category.HATE, sim.PLACEHOLDER_SLURS)
T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
OLD = T0 - timedelta(days=900)


def replay(sc: sim.RaidScenario, detector: RaidDetector) -> list[tuple[float, Raid]]:
    if sc.incoming_from is not None:
        at = sc.start + timedelta(seconds=sc.incoming_at_s)
        detector.note_incoming_raid(at, sc.incoming_from.login, sc.incoming_viewers)
    trips = []
    for m in sc.messages:
        raid = detector.feed(
            sc.start + timedelta(seconds=m.at_s),
            m.user.user_id,
            m.user.login,
            created_at=m.user.created_at,
            first_time=m.first_time,
            text=m.text,
        )
        if raid is not None:
            trips.append((m.at_s, raid))
    return trips


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    ("truth", "kind"),
    [
        pytest.param(sim.Truth.SPAM, RaidKind.SPAM, id="spam"),
        pytest.param(sim.Truth.HATE, RaidKind.HATE, id="hate"),
    ],
)
def test_hostile_raids_trip_by_their_tenth_message(
    truth: sim.Truth, kind: RaidKind, seed: int
) -> None:
    sc = sim.build(truth, seed)
    trips = replay(sc, RaidDetector("chan", rules=RULES))
    assert trips, "not detected"
    at, raid = trips[0]
    tenth = sc.raid_message_at(10)
    assert tenth is not None and at <= tenth + 5.0
    assert raid.kind is kind
    assert raid.account_ids <= sc.raiders  # never a regular
    assert "raid" in raid.headline().lower()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("truth", [sim.Truth.HONEST, sim.Truth.ORGANIC])
def test_honest_raids_and_hype_are_never_hate_raids(truth: sim.Truth, seed: int) -> None:
    sc = sim.build(truth, seed, size=80)
    trips = replay(sc, RaidDetector("chan", rules=RULES))
    assert all(r.kind is not RaidKind.HATE for _, r in trips)
    if truth is sim.Truth.ORGANIC:
        assert not trips


def feed(
    d: RaidDetector, t: float, uid: int, text: str, *, age_days: float, first: bool
) -> Raid | None:
    at = T0 + timedelta(seconds=t)
    return d.feed(
        at, uid, f"u{uid}", created_at=at - timedelta(days=age_days), first_time=first, text=text
    )


def test_identical_raid_message_after_channel_raid_is_honest() -> None:
    d = RaidDetector("chan", rules=RULES)
    d.note_incoming_raid(T0, "bigstreamer", 500)
    trips = [
        feed(d, 1 + i * 0.2, 100 + i, "bigstreamer raid PogChamp", age_days=400, first=True)
        for i in range(12)
    ]
    raid = next(r for r in trips if r is not None)
    assert raid.kind is RaidKind.HONEST and not raid.is_hostile
    assert raid.incoming is not None and "bigstreamer" in raid.headline()


def test_hype_by_regulars_with_some_newcomers_does_not_trip() -> None:
    d = RaidDetector("chan", thresholds=Thresholds.for_sensitivity(Sensitivity.HIGH))
    t = 0.0
    for i in range(200):
        t += 0.05
        first = i % 10 == 0
        assert feed(d, t, 1000 + i, "KEKW KEKW", age_days=3 if first else 800, first=first) is None


def test_short_greetings_from_old_newcomers_do_not_trip() -> None:
    d = RaidDetector("chan")
    for i in range(30):
        assert feed(d, i * 0.5, 500 + i, "hi", age_days=700, first=True) is None


def test_a_single_account_repeating_itself_is_not_a_raid() -> None:
    d = RaidDetector("chan")
    for i in range(30):
        assert feed(d, i * 0.5, 7, "buy cheap viewers dot com", age_days=1, first=i == 0) is None


def test_window_forgets_old_messages() -> None:
    d = RaidDetector("chan")
    for i in range(7):  # seven spread over minutes never meet in one window
        assert (
            feed(d, i * 30.0, 300 + i, "buy cheap viewers dot com", age_days=3, first=True) is None
        )


@pytest.mark.parametrize(
    ("sensitivity", "needed"),
    [
        pytest.param(Sensitivity.HIGH, 5, id="high"),
        pytest.param(Sensitivity.NORMAL, 8, id="normal"),
        pytest.param(Sensitivity.LOW, 12, id="low"),
    ],
)
def test_sensitivity_sets_how_many_messages_trip(sensitivity: Sensitivity, needed: int) -> None:
    d = RaidDetector("chan", thresholds=Thresholds.for_sensitivity(sensitivity))
    got = None
    for i in range(20):
        raid = feed(
            d, i * 0.3, 900 + i, f"cheap viewers at bigfollows dot com {i}", age_days=5, first=True
        )
        if raid is not None:
            got = i + 1
            break
    assert got == needed


def test_active_raid_collects_late_raiders_and_ends_when_quiet() -> None:
    d = RaidDetector("chan", rules=RULES)
    for i in range(10):
        feed(d, i * 0.2, 2000 + i, f"slurxa go away {i}", age_days=0.5, first=True)
    first = d.active
    assert first is not None and first.kind is RaidKind.HATE
    feed(d, 5.0, 2100, "slurxa go away 99", age_days=0.5, first=True)
    later = d.active
    assert later is not None and 2100 in later.account_ids
    assert later.timeline[0].messages >= 1
    assert sum(p.messages for p in later.timeline) == len(later.messages)
    feed(d, 500.0, 1, "hello again", age_days=900, first=False)
    assert d.active is None


def test_raid_to_dict_is_json_ready() -> None:
    d = RaidDetector("chan", rules=RULES)
    for i in range(10):
        feed(d, i * 0.2, 3000 + i, "slurxb slurxb get out", age_days=0.2, first=True)
    raid = d.active
    assert raid is not None
    data = raid.to_dict()
    assert data["kind"] == "hate" and len(data["accounts"]) == 10
    assert data["accounts"][0]["created_at"].endswith("Z")
    assert data["risk"]["category"] == "hate"
