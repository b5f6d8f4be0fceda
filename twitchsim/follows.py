"""Seeded follower lists with their ground truth: organic follows, honest spikes, follow-bots.

A channel's followers over its last weeks or months: ordinary accounts following at the
channel's own rhythm (new accounts sometimes follow minutes after signing up), honest spikes (a
raid: hundreds of follows within the hour from accounts of every age; a viral clip: thousands
over a few hours, a few percent of them brand new), and follow-bot attacks (farm accounts,
made in sittings minutes, days or years earlier, following within minutes of each other). Each
list knows which accounts are bots, so the follower analysis can be scored.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from twitchsim import names
from twitchsim.farms import Farm, FarmSpec, make_farm
from twitchsim.growth import EVENTFUL, PLAIN, Growth
from twitchsim.scenarios import organic_users
from twitchsim.users import DEFAULT_NOW, SimUser

HOUR = 3600.0
DAY = 86_400.0
FOLLOW_KINDS = ("fresh", "premade", "aged")


@dataclass(frozen=True, slots=True)
class SimFollow:
    """One follow as Get Channel Followers shows it, with the account behind it."""

    user: SimUser
    followed_at: datetime  # aware UTC


@dataclass(frozen=True, slots=True)
class Spike:
    """Ground truth for an honest spike of follows."""

    kind: str  # "raid" or "viral"
    start: datetime
    follows: int
    new_accounts: int  # accounts created shortly before they followed


@dataclass(frozen=True, slots=True)
class Attack:
    """Ground truth for one follow-bot attack."""

    kind: str  # one of FOLLOW_KINDS
    farm: Farm
    start: datetime  # first follow
    end: datetime


@dataclass(frozen=True, slots=True)
class FollowScenario:
    """A channel's follower list at one moment, newest first, with the truth about it."""

    name: str
    seed: int
    now: datetime
    follows: tuple[SimFollow, ...]  # newest first, as Twitch lists them
    spikes: tuple[Spike, ...]
    attacks: tuple[Attack, ...]

    def bot_ids(self) -> frozenset[int]:
        """Return the ids of every follow-bot."""
        return frozenset().union(*(a.farm.user_ids for a in self.attacks))


@dataclass(frozen=True, slots=True)
class _Ctx:
    """What every part of one list draws on: its seed, span, ids and logins in use, id curve."""

    seed: int
    start: float
    end: float
    ids: set[int]
    logins: names.LoginPool
    growth: Growth


@dataclass(frozen=True)
class AttackSpec:
    """A follow-bot attack to add; unset details come from the scenario's seed."""

    size: int
    kind: str = "fresh"  # "fresh": made minutes to hours before; "premade": days to months
    naming: str = "stem_digits"  # before; "aged": bought accounts made years before
    sitting: bool = True
    default_avatar_share: float = 0.95


def random_attacks(rng: random.Random, followers: int) -> list[AttackSpec]:
    """Return one or two varied attacks for evaluation."""
    out = []
    for _ in range(rng.choices((1, 2), weights=(3, 1))[0]):
        cap = max(60, min(3000, followers))
        r = rng.random()
        out.append(
            AttackSpec(
                size=int(math.exp(rng.uniform(math.log(50), math.log(cap)))),
                kind=rng.choices(FOLLOW_KINDS, weights=(4, 4, 2))[0],
                naming=rng.choices(names.FARM_NAMINGS, weights=(5, 1, 3, 2, 2))[0],
                sitting=rng.random() < 0.6,
                default_avatar_share=0.95 if r < 0.6 else rng.uniform(0.3, 1.0),
            )
        )
    return out


def follower_list(
    seed: int,
    size: int,
    *,
    attacks: tuple[AttackSpec, ...] | list[AttackSpec] = (),
    spikes: bool = True,
    events: bool = True,
    days: int | None = None,
    now: datetime = DEFAULT_NOW,
) -> FollowScenario:
    """Return a channel's `size` organic follows (plus spikes and attacks) over its last days."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC timestamps")
    growth = EVENTFUL if events else PLAIN
    rng = random.Random(f"{seed}:follows")
    span = (days if days is not None else rng.randint(30, 365)) * DAY
    end = now.timestamp()
    ids: set[int] = set()
    logins = names.LoginPool()
    users, _ = organic_users(
        random.Random(f"{seed}:followers"), size, now, ids, logins, growth=growth
    )
    ctx = _Ctx(seed, end - span, end, ids, logins, growth)
    follows = [_organic_follow(rng, u, ctx) for u in users]
    spike_truth: list[Spike] = []
    if spikes:
        for kind in ("raid", "viral"):
            if rng.random() < 0.5:
                spike, extra = _spike(rng, kind, ctx)
                spike_truth.append(spike)
                follows.extend(extra)
    attack_truth: list[Attack] = []
    for i, spec in enumerate(attacks):
        attack, extra = _attack(rng, i, spec, ctx)
        attack_truth.append(attack)
        follows.extend(extra)
    follows.sort(key=lambda f: (f.followed_at, f.user.user_id), reverse=True)
    seen: set[int] = set()
    unique = []
    for f in follows:  # an account follows once: its latest follow stands
        if f.user.user_id not in seen:
            seen.add(f.user.user_id)
            unique.append(f)
    return FollowScenario(
        name="followers",
        seed=seed,
        now=now,
        follows=tuple(unique),
        spikes=tuple(spike_truth),
        attacks=tuple(attack_truth),
    )


def _organic_follow(rng: random.Random, user: SimUser, ctx: _Ctx) -> SimFollow:
    start, end = ctx.start, ctx.end
    created = user.created_at.timestamp()
    if created > start and rng.random() < 0.3:
        at = created + rng.expovariate(1 / (20 * 60))  # signed up to follow
    else:
        lo = max(start, created + 60)
        # Channels grow: recent days hold more follows than old ones.
        at = lo + (end - lo) * math.sqrt(rng.random())
    return SimFollow(user, _when(min(at, end - 1)))


def _new_account(
    rng: random.Random, user: SimUser, created: float, ids: set[int], growth: Growth
) -> SimUser:
    """Return `user` re-made as an account created at `created` (id from the clock)."""
    ids.discard(user.user_id)
    uid = growth.id_at(created)
    while uid in ids:
        uid += 1
    ids.add(uid)
    avatar = names.default_avatar(rng) if rng.random() < 0.75 else user.profile_image_url
    return dataclasses.replace(
        user,
        user_id=uid,
        created_at=_when(int(growth.ts_at(uid))),
        profile_image_url=avatar,
        description="",
        broadcaster_type="",
    )


def _spike(rng: random.Random, kind: str, ctx: _Ctx) -> tuple[Spike, list[SimFollow]]:
    end = ctx.end
    at = rng.uniform(ctx.start, end - 12 * HOUR)
    if kind == "raid":
        n, mean_delay, new_share = rng.randint(100, 1500), 15 * 60.0, 0.015
    else:
        n, mean_delay, new_share = rng.randint(300, 3000), 90 * 60.0, 0.04
    users, _ = organic_users(
        random.Random(f"{ctx.seed}:{kind}"), n, _when(at), ctx.ids, ctx.logins, growth=ctx.growth
    )
    out = []
    new = 0
    for user in users:
        followed = at + rng.expovariate(1 / mean_delay)
        follower = user
        if rng.random() < new_share:  # a newcomer signed up to follow
            made = followed - rng.expovariate(1 / 300.0) - 30
            follower = _new_account(rng, user, made, ctx.ids, ctx.growth)
            new += 1
        out.append(SimFollow(follower, _when(min(followed, end - 1))))
    return Spike(kind, _when(at), n, new), out


def _attack(
    rng: random.Random, index: int, spec: AttackSpec, ctx: _Ctx
) -> tuple[Attack, list[SimFollow]]:
    end = ctx.end
    at = rng.uniform(ctx.start, end - 2 * HOUR)
    made = {
        "fresh": at - rng.uniform(5 * 60, 6 * HOUR),
        "premade": at - rng.uniform(3 * DAY, 180 * DAY),
        "aged": at - rng.uniform(3 * 365 * DAY, 8 * 365 * DAY),
    }[spec.kind]
    days = rng.randint(1, 5) if not spec.sitting else 1
    farm_spec = FarmSpec(
        size=spec.size,
        sitting=spec.sitting or spec.kind == "fresh",
        days=days,
        created=_when(made - (0 if spec.sitting else days * DAY)),
        naming=spec.naming,
        default_avatar_share=spec.default_avatar_share,
        name=f"followbots{index + 1}",
    )
    farm, users = make_farm(
        random.Random(f"{ctx.seed}:followbots{index}"),
        index=index,
        spec=farm_spec,
        now=_when(at),
        ids=ctx.ids,
        logins=ctx.logins,
        growth=ctx.growth,
    )
    duration = spec.size * rng.uniform(0.3, 3.0)
    follows = []
    for u in users:
        t = max(at + rng.random() * duration, u.created_at.timestamp() + 5)
        follows.append(SimFollow(u, _when(min(t, end - 1))))
    first = min(f.followed_at for f in follows)
    last = max(f.followed_at for f in follows)
    return Attack(spec.kind, farm, first, last), follows


def _when(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def one_follow_list(seed: int, size: int = 500) -> FollowScenario:
    """Return a small list with one fresh attack, for the demo and quick tests."""
    return follower_list(
        seed, size, attacks=[AttackSpec(size=max(50, size // 5))], days=60, now=DEFAULT_NOW
    )


__all__ = [
    "FOLLOW_KINDS",
    "Attack",
    "AttackSpec",
    "FollowScenario",
    "SimFollow",
    "Spike",
    "follower_list",
    "one_follow_list",
    "random_attacks",
]
