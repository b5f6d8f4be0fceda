"""Seeded chat audiences with their ground truth: organic viewers, bot farms, lurkers, services.

A scenario is a frozen list of chatters plus the truth about them (which accounts belong to which
farm, which are service or lurker bots), so tests and the detection benchmark can score the
analysis. Everything follows from the seed; each part draws from its own stream
(``"{seed}:organic"``, ``"{seed}:farm{i}"``, ...), so adding a farm leaves the organic audience of
the same seed unchanged.

Organic accounts are drawn day by day from Twitch's signup curve (`growth`), weighted toward
recent years by a channel-specific recency skew, with mild weekday/seasonal texture and day-level
noise but no clusters. Farms are batches made in one sitting (minutes) or over a few days, with
near-consecutive ids and patterned logins.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from twitchsim import names
from twitchsim.clusters import Cluster, cluster_times
from twitchsim.farms import Farm, FarmSpec, make_farm, random_farm_specs
from twitchsim.growth import (
    EPOCH,
    EVENTFUL,
    FIRST_ID,
    PLAIN,
    Growth,
    date_for_id,
    id_for_date,
    ids_per_second,
)
from twitchsim.users import DAY, DEFAULT_NOW, YEAR, SimUser, lurker_pool, service_bots

__all__ = [
    "DEFAULT_NOW",
    "FIRST_ID",
    "SCENARIO_NAMES",
    "Cluster",
    "Farm",
    "FarmSpec",
    "Scenario",
    "SimUser",
    "build",
    "date_for_id",
    "id_for_date",
    "lurker_pool",
    "organic",
    "random_farm_specs",
    "service_bots",
    "with_farms",
]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A channel's chatters at one moment, with the truth about who is who."""

    name: str
    seed: int
    now: datetime
    channel_login: str
    chatters: tuple[SimUser, ...]
    viewer_count: int
    farms: tuple[Farm, ...]
    service_bot_ids: frozenset[int]
    lurker_bot_ids: frozenset[int]
    organic_ids: frozenset[int] = field(default_factory=frozenset)
    clusters: tuple[Cluster, ...] = ()  # honest clusters among the organic accounts
    growth: Growth = field(default=PLAIN, repr=False, compare=False)

    def farm_user_ids(self) -> frozenset[int]:
        """Return the ids of every farm member."""
        return frozenset().union(*(f.user_ids for f in self.farms))

    def labels(self) -> dict[int, str]:
        """Return ``user_id -> "organic" | "service" | "lurker" | "farm:<name>"``."""
        out = dict.fromkeys(self.organic_ids, "organic")
        out.update(dict.fromkeys(self.service_bot_ids, "service"))
        out.update(dict.fromkeys(self.lurker_bot_ids, "lurker"))
        for f in self.farms:
            out.update(dict.fromkeys(f.user_ids, f"farm:{f.name}"))
        return out


# --- organic audiences --------------------------------------------------------------------------


def _day_weights(
    rng: random.Random, now: datetime, growth: Growth
) -> tuple[list[float], list[float]]:
    """Return (day start timestamps, cumulative weights) for drawing organic creation days."""
    tau = rng.uniform(1.5, 10.0) * YEAR  # the channel's recency skew
    floor = rng.uniform(0.05, 0.35)  # share of weight that ignores recency
    # Early signups were mostly people who stayed; after 2018 many ids went to throwaways.
    settled, boom = datetime(2018, 1, 1, tzinfo=UTC).timestamp(), 1.5 * YEAR
    loyalty = rng.uniform(1.3, 2.2)
    start = EPOCH.timestamp()
    end = now.timestamp()
    starts: list[float] = []
    cum: list[float] = []
    total = 0.0
    t = start
    while t < end:
        day = datetime.fromtimestamp(t, UTC)
        age = end - t
        signups = ids_per_second(t) if not growth.events else growth.ids_per_day(t) / DAY
        weight = signups * (floor + (1.0 - floor) * math.exp(-age / tau))
        weight *= 1.0 + (loyalty - 1.0) * min(1.0, max(0.0, (settled + boom - t) / boom))
        weekday = (0.97, 0.96, 0.97, 0.99, 1.04, 1.1, 1.08)[day.weekday()]
        doy = day.timetuple().tm_yday
        season = 1.0 + 0.06 * math.cos(2 * math.pi * (doy - 200) / 365.25)
        if doy >= 355 or doy <= 3:  # holidays: new consoles, time off
            season *= 1.08
        weight *= weekday * season * rng.lognormvariate(0.0, 0.08)
        # The last day is partial.
        weight *= min(1.0, (end - t) / DAY)
        total += weight
        starts.append(t)
        cum.append(total)
        t += DAY
    return starts, cum


def organic_users(
    rng: random.Random,
    size: int,
    now: datetime,
    ids: set[int],
    logins: names.LoginPool,
    *,
    growth: Growth = PLAIN,
    clusters: random.Random | None = None,
) -> tuple[list[SimUser], list[Cluster]]:
    starts, cum = _day_weights(rng, now, growth)
    end = now.timestamp()
    rand = rng.random
    found: list[Cluster] = []
    times: list[float] = []
    if clusters is not None:

        def draw_day() -> float:
            return clusters.choices(starts, cum_weights=cum)[0]

        for cluster, members in cluster_times(clusters, size, draw_day, end):
            if len(times) + len(members) > size // 4:
                break  # clusters are a part of an audience, never most of it
            found.append(cluster)
            times.extend(members)
    days = rng.choices(starts, cum_weights=cum, k=size - len(times))
    out: list[SimUser] = []
    # Ordinary signups first, then the clusters' own times; the draws keep their old order so
    # an audience without clusters is the one the same seed always gave.
    for day, fixed in [(d, None) for d in days] + [(0.0, t) for t in times]:
        ts = min(day + rand() * DAY, end - 60.0) if fixed is None else fixed
        uid = growth.id_at(ts)
        while uid in ids:
            uid += 1
        ids.add(uid)
        created = int(growth.ts_at(uid))
        age = (end - created) / YEAR
        parts = names.ordinary_parts(rng)
        login = logins.claim("".join(parts), rng)
        display = names.display_for(parts, login, rng)
        p_custom = 0.25 if age < 0.1 else 0.45 if age < 1 else 0.62 if age < 3 else 0.78
        avatar = (
            names.custom_avatar(rng, login, age > 6)
            if rand() < p_custom
            else names.default_avatar(rng)
        )
        desc = names.description(rng) if rand() < (0.06 if age < 1 else 0.22) else ""
        btype = ""
        if age > 0.5:
            r = rand()
            btype = "partner" if r < 0.002 else "affiliate" if r < 0.05 else ""
        out.append(
            SimUser(
                uid, login, display, datetime.fromtimestamp(created, UTC), "", btype, avatar, desc
            )
        )
    return out, found


# --- putting it together ------------------------------------------------------------------------


def with_farms(
    seed: int,
    size: int,
    farms: Sequence[FarmSpec],
    *,
    now: datetime = DEFAULT_NOW,
    channel_login: str = "streamer",
    service: int = 0,
    lurkers: int = 0,
    name: str = "farms",
    events: bool = False,
    clusters: bool = False,
) -> Scenario:
    """Return ``size`` organic chatters plus ``farms``, ``service`` service bots, ``lurkers``.

    ``events``: Twitch-wide event days (`growth.EVENTFUL`) shape every account's id and the
    organic signups; ``clusters``: the organic audience holds honest clusters (`clusters`).
    """
    if now.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC timestamps")
    fixed_service = service_bots()[:service] if service else ()
    pool = lurker_pool(now)
    fixed_lurkers = tuple(random.Random(f"{seed}:lurkers").sample(pool, min(lurkers, len(pool))))
    ids = {u.user_id for u in fixed_service + fixed_lurkers}
    logins = names.LoginPool({u.login for u in service_bots() + pool} | {channel_login})

    growth = EVENTFUL if events else PLAIN
    organic_list, found = organic_users(
        random.Random(f"{seed}:organic"),
        size,
        now,
        ids,
        logins,
        growth=growth,
        clusters=random.Random(f"{seed}:clusters") if clusters else None,
    )
    farm_truth: list[Farm] = []
    farm_users: list[SimUser] = []
    for i, spec in enumerate(farms):
        farm, users = make_farm(
            random.Random(f"{seed}:farm{i}"),
            index=i,
            spec=spec,
            now=now,
            ids=ids,
            logins=logins,
            growth=growth,
        )
        farm_truth.append(farm)
        farm_users.extend(users)

    rng = random.Random(f"{seed}:mix")
    chatters = organic_list + farm_users + list(fixed_service) + list(fixed_lurkers)
    rng.shuffle(chatters)
    viewers = size * rng.uniform(0.7, 1.4) + sum(len(f.user_ids) * rng.random() for f in farm_truth)
    return Scenario(
        name=name,
        seed=seed,
        now=now,
        channel_login=channel_login,
        chatters=tuple(chatters),
        viewer_count=round(viewers),
        farms=tuple(farm_truth),
        service_bot_ids=frozenset(u.user_id for u in fixed_service),
        lurker_bot_ids=frozenset(u.user_id for u in fixed_lurkers),
        organic_ids=frozenset(u.user_id for u in organic_list),
        clusters=tuple(found),
        growth=growth,
    )


def organic(
    seed: int,
    size: int,
    *,
    now: datetime = DEFAULT_NOW,
    channel_login: str = "streamer",
    service: int = 0,
    lurkers: int = 0,
    events: bool = False,
    clusters: bool = False,
) -> Scenario:
    """Return an organic audience of ``size`` chatters (plus any service and lurker bots)."""
    return with_farms(
        seed,
        size,
        (),
        now=now,
        channel_login=channel_login,
        service=service,
        lurkers=lurkers,
        name="organic",
        events=events,
        clusters=clusters,
    )


SCENARIO_NAMES: tuple[str, ...] = ("organic", "farm", "mixed", "big")
_DEFAULT_SIZES = {"organic": 500, "farm": 800, "mixed": 2000, "big": 100_000}


def build(name: str, seed: int, size: int | None = None) -> Scenario:
    """Return a named scenario with ``size`` chatters in all (see `SCENARIO_NAMES`)."""
    if name not in _DEFAULT_SIZES:
        raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIO_NAMES)}")
    total = size if size is not None else _DEFAULT_SIZES[name]
    if name == "organic":
        return organic(seed, total)
    if name == "farm":
        farm = FarmSpec(size=max(10, total // 4), sitting=True, name="farm1")
        return with_farms(seed, total - farm.size, [farm], name="farm")
    if name == "mixed":
        service, lurkers = min(4, total // 50), min(25, total // 40)
        specs = [
            FarmSpec(size=max(10, total // 8), sitting=True, naming="stem_digits"),
            FarmSpec(
                size=max(10, total // 20),
                sitting=False,
                days=4,
                naming="random_letters",
                default_avatar_share=0.8,
            ),
            FarmSpec(
                size=max(10, total // 40),
                sitting=True,
                naming="name_year",
                default_avatar_share=0.3,
            ),
        ]
        organic_size = max(0, total - sum(s.size for s in specs) - service - lurkers)
        return with_farms(seed, organic_size, specs, service=service, lurkers=lurkers, name="mixed")
    farm = FarmSpec(size=max(10, total * 3 // 100), sitting=True, name="farm1")
    service, lurkers = 3, 20
    return with_farms(
        seed,
        max(0, total - farm.size - service - lurkers),
        [farm],
        service=service,
        lurkers=lurkers,
        name="big",
    )


def young_share(scenario: Scenario, days: int = 365) -> float:
    """Return the share of chatters created within ``days`` of the scenario's ``now``."""
    cut = scenario.now - timedelta(days=days)
    young = sum(1 for u in scenario.chatters if u.created_at >= cut)
    return young / max(1, len(scenario.chatters))
