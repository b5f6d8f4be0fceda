"""Chatter lists of many served channels hour by hour: people in a tab or three, lurker bots in
most of them. Ground truth for the cross-channel presence signal (`reports.presence`).

People have a home channel and, in a given hour, are present or not; when present, most are in
one chat, some in two or three (tabs), a few in more. Viewer-list (lurker) bots sit in a large
share of the channels every hour.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from reports.presence import Sighting
from twitchsim.users import DEFAULT_NOW

# How many chats a present person sits in at once: one, mostly.
TABS = (1, 2, 3, 4, 5, 6)
TAB_WEIGHTS = (0.85, 0.11, 0.03, 0.007, 0.002, 0.001)
LURKER_ID0 = 5_000_000_000  # lurker ids apart from people's


@dataclass(frozen=True, slots=True)
class PresenceScenario:
    """Sightings of `channels` served channels over some hours, with who is a lurker bot."""

    channels: int
    sightings: tuple[Sighting, ...]
    people: frozenset[int]
    lurkers: frozenset[int]


def served_channels(
    seed: int,
    channels: int,
    *,
    hours: int = 4,
    people_per_channel: int = 300,
    lurkers: int = 100,
    now: datetime = DEFAULT_NOW,
) -> PresenceScenario:
    """Return the chatter lists of `channels` channels, sampled every 20 minutes for `hours`."""
    rng = random.Random(f"{seed}:presence")
    sizes = [max(5, int(people_per_channel * rng.lognormvariate(0, 1))) for _ in range(channels)]
    homes = [c for c, n in enumerate(sizes) for _ in range(n)]
    people = list(range(1, len(homes) + 1))
    bot_share = {LURKER_ID0 + i: rng.uniform(0.3, 1.0) for i in range(lurkers)}
    bot_channels = {
        b: [c for c in range(channels) if rng.random() < share] for b, share in bot_share.items()
    }
    sightings = []
    for h in range(hours):
        lists: list[set[int]] = [set() for _ in range(channels)]
        for person, home in zip(people, homes, strict=True):
            if rng.random() < 0.5:
                continue
            tabs = min(channels, rng.choices(TABS, TAB_WEIGHTS)[0])
            chats = {home}
            while len(chats) < tabs:
                chats.add(rng.choices(range(channels), weights=sizes)[0])
            for c in chats:
                lists[c].add(person)
        for b, where in bot_channels.items():
            for c in where:
                lists[c].add(b)
        at = now - timedelta(hours=hours - h)
        for minute in (5, 25, 45):
            for c, ids in enumerate(lists):
                sightings.append(Sighting(c, at + timedelta(minutes=minute), frozenset(ids)))
    return PresenceScenario(
        channels,
        tuple(sightings),
        frozenset(people),
        frozenset(b for b, w in bot_channels.items() if w),
    )
