"""Follow-bots: the analysis of a channel's follower list. Pure: follows and a clock in.

Three signals, each tested against the channel's own history (docs/detection.md):

1. **Follow bursts.** Follows sorted by time and chained while the gap to the next is at most
   `FOLLOW_GAP`; a chain of at least `MIN_FOLLOW_BURST` is a burst when its size is improbable
   for the channel's own follow rate in the days around it (Poisson tail below `FAMILY_ALPHA`
   over the number of gap-sized slots). Raids and viral clips are follow bursts too: a burst
   alone is an observation, never an accusation.
2. **Creation dates inside a follow burst.** The capture's analysis (`reports.analysis`) is run
   on the burst's accounts: people arriving with a raid or a clip were made over years; a
   follow-bot batch was made in a few sittings. When that analysis is *high*, its waves and
   bursts are the follow-bots. Accounts that followed within minutes of being made count only
   when they were made at a machine's pace (a strong burst): a clip brings honest newcomers.
3. **Creation-to-follow gap.** How many accounts followed within `QUICK_FOLLOW` of being made.

The capture's analysis of the whole list (waves and bursts among all followers) is kept too.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from reports.analysis import analyze
from reports.i18n import N_, Fmt, Lowered, Phrase, joined
from reports.model import Analysis, Burst, Level, Verdict, _iso, _plain
from reports.platform import SignupRates, signup_rates
from reports.stats import poisson_log_sf
from reports.verdict import burst_sentence, strong, wave_sentence
from storage.models import Account

FOLLOW_GAP = 120.0  # seconds between follows in one chain
MIN_FOLLOW_BURST = 10
FAMILY_ALPHA = 1e-3
LOCAL_DAYS = 3.0  # days either side that set the channel's own follow rate
QUICK_FOLLOW = 30 * 60.0  # seconds from creation to follow: "within minutes"
HIGH_MIN_BOTS = 10
HIGH_MIN_SHARE = 0.01  # of the listed follows
QUICK_ELEVATED_SHARE = 0.10
QUICK_ELEVATED_MIN = 20
MAX_REASONS = 6
DAY = 86_400.0

FOLLOW_FLAG_NAMES = ("follow_burst", "follow_bot", "quick_follow")
FOLLOW_FLAG_BITS = {name: 1 << i for i, name in enumerate(FOLLOW_FLAG_NAMES)}


@dataclass(frozen=True, slots=True)
class Follower:
    """One follow: the account (as Get Users describes it) and when it followed."""

    account: Account
    followed_at: datetime  # aware UTC


@dataclass(frozen=True, slots=True)
class FollowBurst:
    """Follows far faster than the channel's own rate, and what the accounts behind them share."""

    start: datetime
    end: datetime
    count: int
    expected: float  # follows the channel's own rate predicts over the span
    usual_per_hour: float
    p_value: float
    bots: int  # accounts in it flagged as follow-bots
    quick: int  # accounts in it that followed within QUICK_FOLLOW of being made
    sample_logins: tuple[str, ...]
    creation: Analysis = field(repr=False, compare=False)  # the capture's analysis of its accounts

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60.0


@dataclass(frozen=True, slots=True)
class FollowerAnalysis:
    """What a look at a follower list found; the writers render it like a check's Analysis."""

    generated_at: datetime
    follows: int
    first_follow: datetime | None
    last_follow: datetime | None
    bursts: tuple[FollowBurst, ...]
    bots: int
    quick: int
    creation: Analysis  # waves and bursts of creation dates among all followers
    verdict: Verdict
    flags: MappingProxyType[int, int] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )

    def bot_ids(self) -> frozenset[int]:
        """Return the accounts flagged as follow-bots."""
        bit = FOLLOW_FLAG_BITS["follow_bot"]
        return frozenset(uid for uid, m in self.flags.items() if m & bit)

    def flags_for(self, user_id: int) -> frozenset[str]:
        """Return one follower's follow flags (its creation flags are in `creation`)."""
        mask = self.flags.get(user_id, 0)
        return frozenset(n for n, b in FOLLOW_FLAG_BITS.items() if mask & b)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "schema": 1,
            "kind": "followers",
            "verdict": {"level": str(self.verdict.level), "reasons": list(self.verdict.reasons)},
            "generated_at": _iso(self.generated_at),
            "follows": self.follows,
            "first_follow": _iso(self.first_follow) if self.first_follow else None,
            "last_follow": _iso(self.last_follow) if self.last_follow else None,
            "bots": self.bots,
            "quick_follows": self.quick,
            "follow_bursts": [
                {
                    "start": _iso(b.start),
                    "end": _iso(b.end),
                    "minutes": round(b.minutes, 1),
                    "count": b.count,
                    "expected": _plain(b.expected),
                    "usual_per_hour": _plain(b.usual_per_hour),
                    "p_value": _plain(b.p_value),
                    "bots": b.bots,
                    "quick": b.quick,
                    "sample_logins": list(b.sample_logins),
                    "creation_level": str(b.creation.verdict.level),
                }
                for b in self.bursts
            ],
            "creation": self.creation.to_dict(),
        }


def analyze_followers(
    followers: Sequence[Follower], *, now: datetime, platform: SignupRates | None = None
) -> FollowerAnalysis:
    """Analyse a follower list (any order; an account's latest follow counts) as of `now`."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC timestamps")
    now = now.astimezone(UTC)
    latest: dict[int, Follower] = {}
    for f in followers:
        old = latest.get(f.account.user_id)
        if old is None or f.followed_at > old.followed_at:
            latest[f.account.user_id] = f
    follows = sorted(latest.values(), key=lambda f: (f.followed_at, f.account.user_id))
    accounts = [f.account for f in follows]
    if platform is None:
        platform = signup_rates(
            (a.user_id, a.created_at) for a in accounts if a.created_at is not None
        )
    creation = analyze(accounts, now=now, platform=platform)
    flags = dict.fromkeys((a.user_id for a in accounts), 0)
    quick_ids = {f.account.user_id for f in follows if _quick(f)}
    for uid in quick_ids:
        flags[uid] |= FOLLOW_FLAG_BITS["quick_follow"]

    times = [f.followed_at.timestamp() for f in follows]
    bursts = []
    for first, last, expected, usual, log_p in _follow_chains(times):
        members = follows[first : last + 1]
        inner = analyze([f.account for f in members], now=now, platform=platform)
        bots = _bots(members, inner, quick_ids)
        for f in members:
            flags[f.account.user_id] |= FOLLOW_FLAG_BITS["follow_burst"]
        for uid in bots:
            flags[uid] |= FOLLOW_FLAG_BITS["follow_bot"]
        step = max(1, len(members) // 5)
        bursts.append(
            FollowBurst(
                start=members[0].followed_at.astimezone(UTC),
                end=members[-1].followed_at.astimezone(UTC),
                count=len(members),
                expected=expected,
                usual_per_hour=usual * 3600.0,
                p_value=math.exp(log_p),
                bots=len(bots),
                quick=sum(1 for f in members if f.account.user_id in quick_ids),
                sample_logins=tuple(f.account.login for f in members[::step][:5]),
                creation=inner,
            )
        )
    n_bots = sum(1 for m in flags.values() if m & FOLLOW_FLAG_BITS["follow_bot"])
    verdict = _decide(len(follows), tuple(bursts), n_bots, len(quick_ids), creation)
    return FollowerAnalysis(
        generated_at=now,
        follows=len(follows),
        first_follow=follows[0].followed_at.astimezone(UTC) if follows else None,
        last_follow=follows[-1].followed_at.astimezone(UTC) if follows else None,
        bursts=tuple(bursts),
        bots=n_bots,
        quick=len(quick_ids),
        creation=creation,
        verdict=verdict,
        flags=MappingProxyType(flags),
    )


def _quick(f: Follower) -> bool:
    created = f.account.created_at
    if created is None:
        return False
    gap = (f.followed_at - created).total_seconds()
    return 0 <= gap <= QUICK_FOLLOW


def _follow_chains(times: list[float]) -> list[tuple[int, int, float, float, float]]:
    """Return (first, last, expected, usual rate per second, ln p) for each follow burst."""
    n = len(times)
    if n < MIN_FOLLOW_BURST:
        return []
    slots = max(1.0, (times[-1] - times[0]) / FOLLOW_GAP)
    log_alpha = math.log(FAMILY_ALPHA / slots)
    out = []
    first = 0
    for i in range(1, n + 1):
        if i < n and times[i] - times[i - 1] <= FOLLOW_GAP:
            continue
        last = i - 1
        count = last - first + 1
        if count >= MIN_FOLLOW_BURST:
            usual = _usual_rate(times, first, last)
            span = times[last] - times[first] + FOLLOW_GAP
            expected = usual * span
            log_p = poisson_log_sf(count, expected)
            if log_p < log_alpha:
                out.append((first, last, expected, usual, log_p))
        first = i
    return out


def _usual_rate(times: list[float], first: int, last: int) -> float:
    """Return the channel's follows per second in the days around a chain, the chain left out."""
    lo_t = max(times[0], times[first] - LOCAL_DAYS * DAY)
    hi_t = min(times[-1], times[last] + LOCAL_DAYS * DAY)
    around = bisect_right(times, hi_t) - bisect_left(times, lo_t) - (last - first + 1)
    span = max(hi_t - lo_t - (times[last] - times[first]), DAY)
    return (max(around, 0) + 1.0) / span  # one imagined follow: a quiet channel is never zero


def _bots(members: list[Follower], inner: Analysis, quick_ids: set[int]) -> set[int]:
    """Return the burst's follow-bots: its creation waves and bursts, when those are 'high'."""
    if inner.verdict.level is not Level.HIGH:
        return set()
    flagged = inner.flagged_ids()
    sittings = [b for b in inner.bursts if strong(b)]
    out = set()
    for f in members:
        a = f.account
        if a.user_id not in flagged:
            continue
        if a.user_id in quick_ids and not any(_in_burst(a, b) for b in sittings):
            continue  # a newcomer who signed up to follow, at a person's pace
        out.add(a.user_id)
    return out


def _in_burst(a: Account, b: Burst) -> bool:
    return (
        a.created_at is not None
        and b.start <= a.created_at <= b.end
        and b.first_user_id <= a.user_id <= b.last_user_id
    )


def _decide(
    follows: int,
    bursts: tuple[FollowBurst, ...],
    bots: int,
    quick: int,
    creation: Analysis,
) -> Verdict:
    reasons: list[str] = []
    level = Level.LOW
    for b in sorted(bursts, key=lambda b: (-b.bots, -b.count)):
        reasons.append(_burst_sentence(b))
        if b.bots:
            level = Level.ELEVATED
    if bots >= HIGH_MIN_BOTS and bots >= HIGH_MIN_SHARE * follows:
        level = Level.HIGH
    if quick >= QUICK_ELEVATED_MIN and quick >= QUICK_ELEVATED_SHARE * follows:
        reasons.append(
            Phrase(
                N_(
                    "{count} of {follows} accounts followed within {minutes} minutes of being "
                    "created."
                ),
                count=Fmt("num", quick),
                follows=Fmt("num", follows),
                minutes=int(QUICK_FOLLOW // 60),
            )
        )
        level = max(level, Level.ELEVATED, key=_rank)
    # Creation waves among all followers raise the verdict only when they alone would be
    # "high": a raid or a clip brings honest newcomers who made their accounts that day.
    if creation.verdict.level is Level.HIGH and (creation.waves or creation.bursts):
        if creation.waves:
            w = max(creation.waves, key=lambda w: w.count)
            reasons.append(_among_all(wave_sentence(w, follows)))
        else:
            c = max(creation.bursts, key=lambda c: c.count)
            reasons.append(_among_all(burst_sentence(c, follows)))
        level = max(level, Level.ELEVATED, key=_rank)
    if not reasons:
        reasons.append(
            Phrase(N_("No unusual bursts of follows or clusters of account creation dates."))
        )
    return Verdict(level, tuple(reasons[:MAX_REASONS]))


def _among_all(sentence: str) -> Phrase:
    return Phrase(N_("Among all followers: {finding}"), finding=Lowered(sentence))


def _burst_sentence(b: FollowBurst) -> str:
    """The burst as an observation: English `str`, said in a channel's language (a `Phrase`)."""
    parts: list[str] = [
        Phrase(
            N_(
                "{count} accounts followed within {span} on {when}, against about {expected} "
                "expected from this channel's usual follows"
            ),
            count=Fmt("num", b.count),
            span=Fmt("span", b.start, b.end),
            when=Fmt("when", b.start),
            expected=_about(b.expected),
        )
    ]
    if b.bots:
        c = b.creation
        shares = [(g.count, g.traits.default_avatar_share) for g in c.waves]
        shares += [(g.count, g.traits.default_avatar_share) for g in c.bursts]
        parts.append(
            Phrase(N_("; {count} of them were created in a few sittings"), count=Fmt("num", b.bots))
        )
        if shares and max(shares)[1] >= 0.5:
            share = Fmt("pct", max(shares)[1])
            parts.append(Phrase(N_(" ({share} default avatars)"), share=share))
    elif b.count:
        parts.append(
            Phrase(
                N_(
                    "; their accounts were created over many different days, as a raid's or a "
                    "clip's"
                )
            )
        )
    if b.quick:
        parts.append(
            Phrase(
                N_("; {count} followed within minutes of being created"), count=Fmt("num", b.quick)
            )
        )
    parts.append(".")
    return joined(*parts)


def _about(expected: float) -> str:
    if expected < 1:
        return Phrase(N_("none")) if expected < 0.5 else "1"
    return Fmt("num", round(expected))


def _rank(level: Level) -> int:
    return (Level.LOW, Level.ELEVATED, Level.HIGH).index(level)
