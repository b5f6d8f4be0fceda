"""The analysis: accounts and a clock in, an `Analysis` out. Pure, synchronous, no I/O.

Service bots (our list) and known lurker bots (the optional list file) are counted apart and left
out of the statistics, as are accounts without a creation date. Waves (`waves.py`) and bursts
(`bursts.py`) are found on the rest; `verdict.py` words what they mean. docs/detection.md holds
the method and its thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import compress
from types import MappingProxyType

import numpy as np

from reports import bursts as bursts_mod
from reports import waves as waves_mod
from reports.model import (
    FLAG_BITS,
    FLAGGED_MASK,
    AgeBucket,
    Analysis,
    Burst,
    DayCount,
    MonthCount,
    Rename,
    StemRun,
    Totals,
    Wave,
)
from reports.patterns import LoginForms, silent_traits, stems, stems_of, traits_of
from reports.platform import SignupRates, signup_rates_from
from reports.raid_model import IncomingRaid
from reports.remnants import find_remnants
from reports.service_bots import service_bot_logins
from reports.stemruns import find_stem_runs
from reports.verdict import decide
from reports.window import parse_window
from storage.models import Account

__all__ = ["analyze", "parse_window"]

DAY = 86_400
YOUNG_DAYS = (7, 30, 90, 365)
YOUNG_FLAG_DAYS = 90  # the CSV's `young` flag
TOP_DAYS = 10
SAMPLE_LOGINS = 5
_EPOCH_DATE = date(1970, 1, 1)


def analyze(
    accounts: Sequence[Account],
    *,
    now: datetime,
    window: timedelta | None = None,
    known_bot_logins: frozenset[str] = frozenset(),
    viewer_count: int | None = None,
    renames: Mapping[int, Sequence[str]] = MappingProxyType({}),
    platform: SignupRates | None = None,
    chatted: frozenset[int] | None = None,
    multi_channel: frozenset[int] = frozenset(),
    raid: IncomingRaid | None = None,
) -> Analysis:
    """Analyse one capture's chatters as of `now` (aware UTC).

    `platform`: Twitch-wide signups by day (`reports.platform.signup_rates` over every account
    the cache holds); None estimates them from these chatters' own ids. `chatted`: the ids that
    ever wrote in this channel, where chat is recorded (None: not recorded). `multi_channel`:
    ids seen in several served channels in the same hour (`reports.presence`). `raid`: the
    latest raid into the channel shortly before `now`, which the verdict's words mention.
    """
    if now.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC timestamps")
    now = now.astimezone(UTC)
    unique = list({a.user_id: a for a in reversed(accounts)}.values())[::-1]  # first one wins
    service_list = service_bot_logins()
    known_list = frozenset(x.lower() for x in known_bot_logins)
    flags: dict[int, int] = {}
    service: list[Account] = []
    known: list[Account] = []
    unknown = 0
    kept: list[Account] = []
    service_bit, known_bit = FLAG_BITS["service_bot"], FLAG_BITS["known_bot"]
    avatar_bit, renamed_bit = FLAG_BITS["default_avatar"], FLAG_BITS["renamed"]
    multi_bit = FLAG_BITS["multi_channel"]
    for a in unique:  # once per chatter: locals, one flags write (issue 21)
        uid, f = a.user_id, 0
        login = a.login.lower()
        if login in service_list:
            service.append(a)
            f = service_bit
        elif login in known_list:
            known.append(a)
            f = known_bit
        elif a.created_at is None:
            unknown += 1
        else:
            kept.append(a)
        if a.created_at is not None and a.default_avatar:
            f |= avatar_bit
        if renames and renames.get(uid):
            f |= renamed_bit
        if multi_channel and uid in multi_channel and login not in service_list:
            f |= multi_bit
        flags[uid] = f
    renamed_ids = frozenset(uid for uid, f in flags.items() if f & renamed_bit)

    # By creation time, then id: one numpy sort of float seconds (distinct microseconds stay
    # distinct and in order at this magnitude), not 100,000 datetime comparisons.
    n = len(kept)
    seconds = np.fromiter(map(_epoch_seconds, kept), dtype=np.float64, count=n)
    user_ids = np.fromiter((a.user_id for a in kept), dtype=np.int64, count=n)
    order = np.lexsort((user_ids, seconds))
    kept = [kept[i] for i in order.tolist()]
    seconds, user_ids = seconds[order], user_ids[order]
    forms = LoginForms()
    day_numbers = (seconds // DAY).astype(np.int64)
    today = int(now.timestamp() // DAY)
    first_day = int(day_numbers[0]) if n else today
    last_day = max(today, int(day_numbers[-1])) if n else today

    counts = waves_mod.day_counts(day_numbers, first_day, last_day)
    if platform is None:
        platform = signup_rates_from(seconds, user_ids)
    runs, rate = waves_mod.find_waves(counts, platform.factors(first_day, last_day))
    chains = bursts_mod.find_bursts(seconds, rate, first_day)
    remnants = find_remnants(
        seconds,
        user_ids,
        chains,
        rate,
        first_day=first_day,
        ids_per_day=platform.on_axis(first_day, last_day),
    )
    remnant_counts = [0] * len(chains)
    for i, k in remnants.items():
        flags[kept[i].user_id] |= FLAG_BITS["remnant"]
        remnant_counts[k] += 1

    burst_list: list[Burst] = []
    in_burst = np.zeros(n, dtype=bool)
    burst_stems: dict[date, set[str]] = {}  # creation day -> stems its bursts share
    for k, chain in enumerate(chains):
        members = kept[chain.first : chain.last + 1]
        in_burst[chain.first : chain.last + 1] = True
        traits, matched = traits_of(members, renamed_ids, forms)
        traits = silent_traits(traits, members, chatted)
        for a in members:
            flags[a.user_id] |= FLAG_BITS["burst"]
            if a.login in matched:
                flags[a.user_id] |= FLAG_BITS["pattern"]
        ids = [a.user_id for a in members]
        burst_stems.setdefault(_created(members[0]).date(), set()).update(stems(traits.patterns))
        burst_list.append(
            Burst(
                start=_created(members[0]),
                end=_created(members[-1]),
                count=chain.count,
                expected=chain.expected,
                share=chain.count / n,
                p_value=float(np.exp(chain.log_p)),
                first_user_id=min(ids),
                last_user_id=max(ids),
                sample_logins=_sample(members),
                traits=traits,
                remnants=remnant_counts[k],
            )
        )

    waves: list[Wave] = []
    for run in runs:
        lo = int(np.searchsorted(day_numbers, first_day + run.first, side="left"))
        hi = int(np.searchsorted(day_numbers, first_day + run.last, side="right"))
        members = kept[lo:hi]
        traits, matched = traits_of(members, renamed_ids, forms)
        traits = silent_traits(traits, members, chatted)
        # When the bursts inside a wave carry its whole excess, the wave's other accounts are
        # those days' ordinary signups: only the burst members are flagged, and the accounts
        # whose login has the same stem as a burst's (the same farm, between its sittings).
        explained = waves_mod.explained_by_bursts(run, int(in_burst[lo:hi].sum()), len(counts))
        start, end = _date(first_day + run.first), _date(first_day + run.last)
        sibling_stems = set().union(*(s for d, s in burst_stems.items() if start <= d <= end))
        for a, bursty in zip(members, in_burst[lo:hi].tolist(), strict=True):
            if bursty or not explained or forms.stem(a.login) in sibling_stems:
                flags[a.user_id] |= FLAG_BITS["wave"]
                if a.login in matched:
                    flags[a.user_id] |= FLAG_BITS["pattern"]
        waves.append(
            Wave(
                start=start,
                end=end,
                count=run.count,
                expected=run.expected,
                share=run.count / n,
                p_value=float(np.exp(run.log_p)),
                sample_logins=_sample(members),
                traits=traits,
            )
        )

    stem_runs = []
    for r in find_stem_runs(stems_of([a.login for a in kept]), day_numbers - first_day, rate):
        members = [kept[i] for i in r.members]
        if sum(1 for a in members if flags[a.user_id] & FLAGGED_MASK) >= 0.8 * len(members):
            continue  # already a wave or a burst: said once
        for a in members:
            flags[a.user_id] |= FLAG_BITS["stem_run"] | FLAG_BITS["pattern"]
        stem_runs.append(
            StemRun(
                stem=f"{r.stem} + digits",
                start=_date(first_day + r.first_day),
                end=_date(first_day + r.last_day),
                count=len(members),
                expected=r.expected,
                p_value=float(np.exp(r.log_p)),
                sample_logins=_sample(members),
            )
        )

    ages = (now.timestamp() - seconds) / DAY
    young = tuple(
        AgeBucket(d, int((ages < d).sum()), float((ages < d).mean()) if n else 0.0)
        for d in YOUNG_DAYS
    )
    young_bit = FLAG_BITS["young"]
    for a in compress(kept, (ages < YOUNG_FLAG_DAYS).tolist()):
        flags[a.user_id] |= young_bit

    window_days = max(1, window.days) if window is not None else None
    if window_days is not None:
        shown = day_numbers[day_numbers > today - window_days]
        window_count: int | None = len(shown)
    else:
        shown = day_numbers
        window_count = None
    days, top = _day_tables(shown, n)
    flagged = sum(1 for a in kept if flags[a.user_id] & FLAGGED_MASK)

    totals = Totals(
        chatters=len(unique),
        analysed=n,
        unknown=unknown,
        service_bots=tuple(sorted((a.login for a in service), key=str.lower)),
        known_bots=tuple(sorted((a.login for a in known), key=str.lower)),
        viewer_count=viewer_count,
        renamed=sum(1 for f in flags.values() if f & FLAG_BITS["renamed"]),
        multi_channel=tuple(
            sorted(
                (a.login for a in unique if flags[a.user_id] & FLAG_BITS["multi_channel"]),
                key=str.lower,
            )
        ),
        chat_recorded=chatted is not None,
        raid=raid,
        raid_minutes=(now - raid.at).total_seconds() / 60 if raid is not None else None,
    )
    rename_list = tuple(
        Rename(a.user_id, a.login, tuple(renames[a.user_id]))
        for a in unique
        if renames.get(a.user_id)
    )
    verdict = decide(
        totals, tuple(waves), tuple(burst_list), young, flagged, stem_runs=tuple(stem_runs)
    )
    return Analysis(
        generated_at=now,
        window_days=window_days,
        totals=totals,
        days=days,
        months=_months(day_numbers, n, now),
        top_days=top,
        window_count=window_count,
        waves=tuple(waves),
        bursts=tuple(burst_list),
        young=young,
        median_age_days=float(np.median(ages)) if n else None,
        flagged=flagged,
        renames=rename_list,
        verdict=verdict,
        stem_runs=tuple(stem_runs),
        flags=MappingProxyType(flags),
    )


def _created(a: Account) -> datetime:
    assert a.created_at is not None  # only accounts with a date reach here
    return a.created_at.astimezone(UTC)


def _epoch_seconds(a: Account) -> float:
    assert a.created_at is not None  # only accounts with a date reach here
    return a.created_at.timestamp()


def _date(day_number: int) -> date:
    return _EPOCH_DATE + timedelta(days=day_number)


def _sample(members: Sequence[Account]) -> tuple[str, ...]:
    step = max(1, len(members) // SAMPLE_LOGINS)
    return tuple(a.login for a in members[::step][:SAMPLE_LOGINS])


def _day_tables(
    day_numbers: np.ndarray, n: int
) -> tuple[tuple[DayCount, ...], tuple[DayCount, ...]]:
    if len(day_numbers) == 0:
        return (), ()
    uniq, cnt = np.unique(day_numbers, return_counts=True)
    days = tuple(
        DayCount(_date(d), c, c / n) for d, c in zip(uniq.tolist(), cnt.tolist(), strict=True)
    )
    order = sorted(days, key=lambda dc: (-dc.count, dc.day))
    return days, tuple(order[:TOP_DAYS])


def _months(day_numbers: np.ndarray, n: int, now: datetime) -> tuple[MonthCount, ...]:
    if n == 0:
        return ()
    dates = day_numbers.astype("datetime64[D]").astype("datetime64[M]")
    first = dates[0]
    last = np.datetime64(f"{now:%Y-%m}", "M")
    span = int((last - first).astype(np.int64)) + 1
    counts = np.bincount((dates - first).astype(np.int64), minlength=span)
    out = []
    for i, c in enumerate(counts.tolist()):
        month = str(first + np.timedelta64(i, "M"))
        out.append(MonthCount(month, int(c), c / n))
    return tuple(out)
