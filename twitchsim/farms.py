"""Bot farms for simulated audiences: batches of accounts made in one sitting or over a few days.

A farm's accounts get near-consecutive ids (Twitch hands ids out in creation order), patterned
logins (`names.FARM_NAMINGS`) and mostly default avatars. `random_farm_specs` draws the varied
farms the detection benchmark scores; `make_farm` builds one farm and its ground truth.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from twitchsim import names
from twitchsim.growth import PLAIN, Growth
from twitchsim.users import DAY, DEFAULT_NOW, YEAR, SimUser


@dataclass(frozen=True, slots=True)
class Farm:
    """Ground truth for one bot farm in a scenario."""

    name: str
    user_ids: frozenset[int]
    sitting: bool  # True: created within minutes, in one go
    created_from: datetime
    created_to: datetime
    naming: str


@dataclass(frozen=True)
class FarmSpec:
    """What farm to add to a scenario; unset details are drawn from the scenario's seed."""

    size: int
    sitting: bool = True
    days: int = 1  # the spread when not sitting (1-7)
    created: datetime | None = None  # start; None: within the last ~2 years, from the seed
    naming: str = "stem_digits"  # one of names.FARM_NAMINGS
    default_avatar_share: float = 0.95
    description_share: float = 0.0
    name: str = ""


# --- farms --------------------------------------------------------------------------------------


def _farm_times(rng: random.Random, spec: FarmSpec, start: float) -> list[float]:
    if spec.sitting:
        duration = min(max(spec.size * rng.uniform(0.2, 1.5), 60.0), 2 * 3600.0)
        return sorted(start + rng.random() * duration for _ in range(spec.size))
    span = max(1, min(spec.days, 7)) * DAY
    if rng.random() < 0.6:  # a few sessions a day
        sessions = [
            (start + rng.random() * span, rng.uniform(600, 3600))
            for _ in range(rng.randint(max(1, spec.days), max(1, spec.days) * 3))
        ]
        times = []
        for _ in range(spec.size):
            at, length = rng.choice(sessions)
            times.append(at + rng.random() * length)
        return sorted(times)
    return sorted(start + rng.random() * span for _ in range(spec.size))


def make_farm(
    rng: random.Random,
    *,
    index: int,
    spec: FarmSpec,
    now: datetime,
    ids: set[int],
    logins: names.LoginPool,
    growth: Growth = PLAIN,
) -> tuple[Farm, list[SimUser]]:
    end = now.timestamp()
    span = (spec.days if not spec.sitting else 0) * DAY + 2 * 3600
    if spec.created is not None:
        start = spec.created.timestamp()
    else:
        start = end - span - rng.uniform(3 * DAY, 2 * YEAR)
    times = [min(t, end - 60.0) for t in _farm_times(rng, spec, start)]
    stem = names.farm_stem(rng)
    users: list[SimUser] = []
    for i, ts in enumerate(times):
        uid = growth.id_at(ts)
        while uid in ids:
            uid += 1
        ids.add(uid)
        parts = names.farm_login(spec.naming, stem, i, rng)
        login = logins.claim("".join(parts), rng)
        display = login.capitalize() if rng.random() < 0.25 else login
        avatar = (
            names.default_avatar(rng)
            if rng.random() < spec.default_avatar_share
            else names.custom_avatar(rng, login, old=False)
        )
        desc = names.description(rng) if rng.random() < spec.description_share else ""
        created = datetime.fromtimestamp(int(ts), UTC)
        users.append(SimUser(uid, login, display, created, "", "", avatar, desc))
    farm = Farm(
        name=spec.name or f"farm{index + 1}",
        user_ids=frozenset(u.user_id for u in users),
        sitting=spec.sitting,
        created_from=min(u.created_at for u in users) if users else now,
        created_to=max(u.created_at for u in users) if users else now,
        naming=spec.naming,
    )
    return farm, users


def random_farm_specs(rng: random.Random, audience_size: int) -> list[FarmSpec]:
    """Return 1-3 varied farms (size, spread, naming, avatars) for evaluation."""
    specs = []
    cap = max(20, min(5000, int(audience_size * 1.5)))
    for _ in range(rng.choices((1, 2, 3), weights=(5, 3, 2))[0]):
        size = int(math.exp(rng.uniform(math.log(10), math.log(cap))))
        sitting = rng.random() < 0.6
        r = rng.random()
        share = 0.95 if r < 0.6 else rng.uniform(0.3, 1.0) if r < 0.9 else 0.0
        aged = rng.random() < 0.1  # bought old accounts
        created = (DEFAULT_NOW - timedelta(days=rng.uniform(3 * 365, 8 * 365))) if aged else None
        specs.append(
            FarmSpec(
                size=size,
                sitting=sitting,
                days=rng.randint(1, 7),
                created=created,
                naming=rng.choices(names.FARM_NAMINGS, weights=(5, 1, 3, 2, 2))[0],
                default_avatar_share=share,
                description_share=0.0 if rng.random() < 0.85 else rng.uniform(0.05, 0.5),
            )
        )
    return specs
