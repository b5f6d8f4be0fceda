"""Platform-wide event days in the id curve, honest clusters, and many channels' chatter lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reports.presence import channels_at_once, multi_channel
from twitchsim import scenarios
from twitchsim.growth import _ANCHORS, EVENTFUL, PLAIN, id_at, platform_events
from twitchsim.presence import served_channels


def test_events_are_shared_days_of_two_to_three_times_the_signups() -> None:
    events = platform_events()
    assert events == platform_events()  # the same for every audience
    assert len(events) >= 12
    for e in events:
        assert 2 <= e.days <= 4 and 2.0 <= e.factor <= 3.0
        day = e.start.timestamp()
        usual = EVENTFUL.ids_per_day(day - 10 * 86_400)
        assert EVENTFUL.ids_per_day(day) == pytest.approx(e.factor * usual, rel=0.02)


@pytest.mark.parametrize("when, uid", [pytest.param(t, i, id=f"{t:%Y}") for t, i in _ANCHORS[3:]])
def test_event_days_keep_every_anchor(when: datetime, uid: int) -> None:
    assert EVENTFUL.id_at(when.timestamp()) == pytest.approx(uid, abs=1)
    assert abs(EVENTFUL.ts_at(uid) - when.timestamp()) < 2


def test_the_plain_curve_is_the_module_curve() -> None:
    t = datetime(2023, 3, 3, 3, tzinfo=UTC).timestamp()
    assert PLAIN.id_at(t) == id_at(t)


def test_organic_audiences_sign_up_more_on_event_days() -> None:
    event = platform_events()[-1]
    s = scenarios.organic(11, 40_000, events=True)
    plain = scenarios.organic(11, 40_000)

    def on(sc: scenarios.Scenario, start: datetime, days: int) -> int:
        end = start + timedelta(days=days)
        return sum(1 for u in sc.chatters if start <= u.created_at < end)

    before = event.start - timedelta(days=20)
    ratio = on(s, event.start, event.days) / max(1, on(s, before, event.days))
    assert ratio > 1.6
    assert on(plain, event.start, event.days) < on(s, event.start, event.days)


def test_clusters_are_organic_ground_truth_and_seeded() -> None:
    a = scenarios.organic(21, 3000, clusters=True)
    assert a == scenarios.organic(21, 3000, clusters=True)
    assert a.clusters and {c.kind for c in a.clusters} <= {"friends", "class", "raid"}
    assert sum(c.size for c in a.clusters) <= 3000 // 4
    assert len(a.organic_ids) == 3000 and not a.farms
    assert scenarios.organic(21, 3000).clusters == ()


def test_lurker_bots_sit_in_many_channels_people_in_few() -> None:
    s = served_channels(2, 30, people_per_channel=80)
    counts = channels_at_once(s.sightings)
    marked = multi_channel(counts, 5)
    assert len(marked & s.lurkers) >= 0.95 * len(s.lurkers)
    assert len(marked & s.people) <= 0.02 * len(s.people)
