"""The analysis: accounts and a clock in, an `Analysis` out. Pure, synchronous, no I/O.

Service bots (our list) and known lurker bots (the optional list file) are counted apart and left
out of the statistics, as are accounts without a creation date. Waves (`waves.py`) and bursts
(`bursts.py`) are found on the rest; `verdict.py` words what they mean. docs/detection.md holds
the method and its thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from reports import bursts as bursts_mod
from reports import waves as waves_mod
from reports.audience import Audience
from reports.model import (
    FLAG_BITS,
    FLAGGED_MASK,
    AgeBucket,
    Analysis,
    Burst,
    DayCount,
    DayCounts,
    Flags,
    MonthCount,
    Rename,
    StemRun,
    Totals,
    Wave,
)
from reports.patterns import LoginForms, silent_traits, stems, traits_of
from reports.platform import SignupRates, signup_rates_from
from reports.raid_model import IncomingRaid
from reports.remnants import find_remnants
from reports.service_bots import service_bot_logins
from reports.stemruns import find_grouped_stem_runs
from reports.verdict import decide
from reports.window import parse_window
from storage.models import Account

__all__ = ["analyze", "analyze_audience", "parse_window"]

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
    return analyze_audience(
        Audience.of(accounts),
        now=now,
        window=window,
        known_bot_logins=known_bot_logins,
        viewer_count=viewer_count,
        renames=renames,
        platform=platform,
        chatted=chatted,
        multi_channel=multi_channel,
        raid=raid,
    )


def analyze_audience(
    audience: Audience,
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
    """`analyze` for chatters already in columns (a capture fills them as it runs, issue 21).

    What is left here works on the columns at once: the sort by creation time, the tests, and
    the accounts of what they find.
    """
    if now.tzinfo is None:
        raise ValueError("naive datetime: use timezone-aware UTC timestamps")
    now = now.astimezone(UTC)
    cols = audience.columns()
    accounts, every_id = cols.accounts, cols.user_ids
    size = len(accounts)
    flags = np.zeros(size, dtype=np.int64)  # by row, in list order
    dated = ~np.isnan(cols.seconds)
    service_list = service_bot_logins()
    known_list = frozenset(x.lower() for x in known_bot_logins)
    lows = cols.lows
    service_rows = _rows_in(lows, service_list)
    known_rows = _rows_in(lows, known_list - service_list)
    flags[service_rows] |= FLAG_BITS["service_bot"]
    flags[known_rows] |= FLAG_BITS["known_bot"]
    set_apart = np.zeros(size, dtype=bool)
    set_apart[service_rows] = True
    set_apart[known_rows] = True
    flags[dated & cols.avatars] |= FLAG_BITS["default_avatar"]
    renamed_bit = FLAG_BITS["renamed"]
    if renames:
        flags[_rows_of(every_id, [uid for uid, was in renames.items() if was])] |= renamed_bit
    if multi_channel:
        multi = np.zeros(size, dtype=bool)
        multi[_rows_of(every_id, multi_channel)] = True
        multi[service_rows] = False
        flags[multi] |= FLAG_BITS["multi_channel"]
    unknown = int((~dated & ~set_apart).sum())

    # By creation time, then id: one numpy sort of float seconds (distinct microseconds stay
    # distinct and in order at this magnitude), not 100,000 datetime comparisons.
    candidates = np.flatnonzero(dated & ~set_apart)
    order = np.lexsort((every_id[candidates], cols.seconds[candidates]))
    rows = candidates[order]  # the kept accounts, by creation time
    n = len(rows)
    seconds, user_ids = cols.seconds[rows], every_id[rows]
    kept = _Kept(accounts, rows)
    renamed_ids = frozenset(every_id[(flags & renamed_bit) != 0].tolist())
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
        flags[rows[i]] |= FLAG_BITS["remnant"]
        remnant_counts[k] += 1

    pattern_bit = FLAG_BITS["pattern"]
    burst_list: list[Burst] = []
    in_burst = np.zeros(n, dtype=bool)
    burst_stems: dict[date, set[str]] = {}  # creation day -> stems its bursts share
    for k, chain in enumerate(chains):
        lo, hi = chain.first, chain.last + 1
        members = kept[lo:hi]
        in_burst[lo:hi] = True
        traits, matched = traits_of(members, renamed_ids, forms)
        traits = silent_traits(traits, members, chatted)
        flags[rows[lo:hi]] |= FLAG_BITS["burst"]
        flags[rows[lo:hi][_fits(members, matched)]] |= pattern_bit
        ids = user_ids[lo:hi]
        burst_stems.setdefault(_created(members[0]).date(), set()).update(stems(traits.patterns))
        burst_list.append(
            Burst(
                start=_created(members[0]),
                end=_created(members[-1]),
                count=chain.count,
                expected=chain.expected,
                share=chain.count / n,
                p_value=float(np.exp(chain.log_p)),
                first_user_id=int(ids.min()),
                last_user_id=int(ids.max()),
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
        if explained:
            sibling = np.fromiter(
                (forms.stem(a.login) in sibling_stems for a in members), dtype=bool
            )
            in_wave = in_burst[lo:hi] | sibling
        else:
            in_wave = np.ones(hi - lo, dtype=bool)
        flags[rows[lo:hi][in_wave]] |= FLAG_BITS["wave"]
        flags[rows[lo:hi][in_wave & _fits(members, matched)]] |= pattern_bit
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
    kept_stems = cols.stems[rows]
    for r in find_grouped_stem_runs(kept_stems, cols.stem_names, day_numbers - first_day, rate):
        member_rows = rows[list(r.members)]
        if int(((flags[member_rows] & FLAGGED_MASK) != 0).sum()) >= 0.8 * len(member_rows):
            continue  # already a wave or a burst: said once
        flags[member_rows] |= FLAG_BITS["stem_run"] | pattern_bit
        members = [accounts[i] for i in member_rows.tolist()]
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
    flags[rows[ages < YOUNG_FLAG_DAYS]] |= FLAG_BITS["young"]

    window_days = max(1, window.days) if window is not None else None
    if window_days is not None:
        shown = day_numbers[day_numbers > today - window_days]
        window_count: int | None = len(shown)
    else:
        shown = day_numbers
        window_count = None
    days, top = _day_tables(shown, n)
    flagged = int(((flags[rows] & FLAGGED_MASK) != 0).sum())

    totals = Totals(
        chatters=size,
        analysed=n,
        unknown=unknown,
        service_bots=_logins(accounts, service_rows),
        known_bots=_logins(accounts, known_rows),
        viewer_count=viewer_count,
        renamed=int(((flags & renamed_bit) != 0).sum()),
        multi_channel=_logins(
            accounts, np.flatnonzero(flags & FLAG_BITS["multi_channel"]).tolist()
        ),
        chat_recorded=chatted is not None,
        raid=raid,
        raid_minutes=(now - raid.at).total_seconds() / 60 if raid is not None else None,
    )
    rename_list = tuple(
        Rename(a.user_id, a.login, tuple(renames[a.user_id]))
        for a in (accounts[i] for i in np.flatnonzero(flags & renamed_bit).tolist())
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
        flags=Flags(every_id, flags),
    )


class _Kept:
    """The kept accounts by creation time, made into a list only where a slice is read."""

    __slots__ = ("_accounts", "_rows")

    def __init__(self, accounts: list[Account], rows: npt.NDArray[np.int64]) -> None:
        self._accounts = accounts
        self._rows = rows

    def __getitem__(self, part: slice) -> list[Account]:
        every = self._accounts
        return [every[i] for i in self._rows[part].tolist()]


def _rows_in(lows: list[str], logins: frozenset[str]) -> list[int]:
    """The rows whose (lower-case) login is one of `logins`."""
    if not logins or logins.isdisjoint(lows):
        return []
    return [i for i, low in enumerate(lows) if low in logins]


def _rows_of(user_ids: npt.NDArray[np.int64], wanted: Iterable[int]) -> npt.NDArray[np.int64]:
    """The rows of these ids (ids not among the chatters are left out)."""
    ids = np.fromiter(wanted, dtype=np.int64)
    return np.flatnonzero(np.isin(user_ids, ids))


def _fits(members: list[Account], matched: frozenset[str]) -> npt.NDArray[np.bool_]:
    """Which members' logins fit one of their group's shared patterns."""
    return np.fromiter((a.login in matched for a in members), dtype=bool, count=len(members))


def _logins(accounts: list[Account], rows: Iterable[int]) -> tuple[str, ...]:
    return tuple(sorted((accounts[i].login for i in rows), key=str.lower))


def _created(a: Account) -> datetime:
    assert a.created_at is not None  # only accounts with a date reach here
    return a.created_at.astimezone(UTC)


def _date(day_number: int) -> date:
    return _EPOCH_DATE + timedelta(days=day_number)


def _sample(members: Sequence[Account]) -> tuple[str, ...]:
    step = max(1, len(members) // SAMPLE_LOGINS)
    return tuple(a.login for a in members[::step][:SAMPLE_LOGINS])


def _day_tables(day_numbers: np.ndarray, n: int) -> tuple[DayCounts, tuple[DayCount, ...]]:
    """Every creation day's count (the day numbers are sorted) and the busiest days."""
    if len(day_numbers) == 0:
        return DayCounts(np.zeros(0, np.int64), np.zeros(0, np.int64), n), ()
    starts = np.flatnonzero(np.r_[True, day_numbers[1:] != day_numbers[:-1]])
    cnt = np.diff(np.r_[starts, len(day_numbers)])
    uniq = day_numbers[starts]
    busiest = np.lexsort((uniq, -cnt))[:TOP_DAYS]  # most accounts first, then earliest
    top = DayCounts(uniq[busiest], cnt[busiest], n)
    return DayCounts(uniq, cnt, n), tuple(top)


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
