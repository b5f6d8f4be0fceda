"""The `Analysis` record: what one look at a chat found, as plain frozen data.

Every number here is a Python `int`/`float` (never numpy), every timestamp an aware UTC
`datetime`, every day a `date`. `Analysis.to_dict()` is the JSON form; per-account flags stay
out of it (they go in the CSV) and are reached with `Analysis.flags_for(user_id)`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from reports.raid_model import IncomingRaid

FLAG_NAMES = (
    "wave",
    "burst",
    "pattern",
    "young",
    "default_avatar",
    "renamed",
    "service_bot",
    "known_bot",
    "remnant",
    "multi_channel",
    "stem_run",
)
"""Per-account flags, in the order the CSV lists them."""

FLAG_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(FLAG_NAMES)}
# What counts as a flagged account: in a wave, in a burst, or a burst's straggler.
FLAGGED_MASK = FLAG_BITS["wave"] | FLAG_BITS["burst"] | FLAG_BITS["remnant"] | FLAG_BITS["stem_run"]


class Flags(Mapping[int, int]):
    """User id -> flag bits, made into a dict on first read: the answer never reads it, the
    report files do, after it (issue 21: 100,000 entries were 10 ms of the answer)."""

    __slots__ = ("_built", "_flags", "_ids")

    def __init__(self, user_ids: npt.NDArray[np.int64], flags: npt.NDArray[np.int64]) -> None:
        self._ids, self._flags = user_ids, flags
        self._built: dict[int, int] | None = None

    def _dict(self) -> dict[int, int]:
        if self._built is None:
            self._built = dict(zip(self._ids.tolist(), self._flags.tolist(), strict=True))
        return self._built

    def __getitem__(self, user_id: int) -> int:
        return self._dict()[user_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"Flags({len(self)} chatters)"

    def masks_of(self, user_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The flag bits of each of `user_ids` (0 for an id not here), without the dict."""
        if not len(self._ids):
            return np.zeros(len(user_ids), dtype=np.int64)
        order = np.argsort(self._ids, kind="stable")
        known = self._ids[order]
        at = np.minimum(np.searchsorted(known, user_ids), len(known) - 1)
        return np.where(known[at] == user_ids, self._flags[order][at], 0)

    def mask_counts(self) -> dict[int, int]:
        """How many chatters carry each combination of flag bits."""
        masks, counts = np.unique(self._flags, return_counts=True)
        return dict(zip(masks.tolist(), counts.tolist(), strict=True))


@cache
def flag_names(mask: int) -> tuple[str, ...]:
    """Return the flag names in a bit mask, in CSV order."""
    return tuple(name for name, bit in FLAG_BITS.items() if mask & bit)


@cache
def flags_text(mask: int) -> str:
    """Return the flags in a bit mask as the CSV writes them: `wave;pattern;young`."""
    return ";".join(flag_names(mask))


SCHEMA_VERSION = 1


class Level(StrEnum):
    LOW = "low"
    ELEVATED = "elevated"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Totals:
    """Who was counted, and who was set apart before the statistics."""

    chatters: int  # everyone in the capture
    analysed: int  # chatters with a creation date, minus service and known bots
    unknown: int  # no creation date (lookup failed, deleted or suspended accounts)
    service_bots: tuple[str, ...]  # logins
    known_bots: tuple[str, ...]  # logins from the known-bot list file
    viewer_count: int | None  # None when the stream was offline
    renamed: int  # chatters with an earlier login on record
    # Logins seen in the chatter lists of at least K served channels in the same hour
    # (`reports.presence`); they stay in the statistics, listed apart like known bots.
    multi_channel: tuple[str, ...] = ()
    chat_recorded: bool = False  # whether the silent-chatter figures below mean anything
    # The latest raid into the channel shortly before the check (issue 18): the stored
    # channel.raid that chat defence also hears. Its viewers arrive in chat together.
    raid: IncomingRaid | None = None
    raid_minutes: float | None = None  # how long before the check it arrived


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    count: int
    share: float  # of analysed chatters


class DayCounts(Sequence[DayCount]):
    """Every creation day's count, made into `DayCount`s on first read: the answer never reads
    them, the report files do, after it (issue 21: 5,800 days were 25-30 ms of the answer).

    Equal to any sequence of the same `DayCount`s, as the tuple it stands for.
    """

    __slots__ = ("_built", "_counts", "_days", "_total")

    def __init__(
        self, days: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], total: int
    ) -> None:
        self._days, self._counts, self._total = days, counts, total  # day numbers since 1970
        self._built: tuple[DayCount, ...] | None = None

    def _tuple(self) -> tuple[DayCount, ...]:
        if self._built is None:
            dates = self._days.astype("datetime64[D]").tolist()  # datetime.date objects
            n = self._total
            self._built = tuple(
                DayCount(d, c, c / n) for d, c in zip(dates, self._counts.tolist(), strict=True)
            )
        return self._built

    @overload
    def __getitem__(self, i: int) -> DayCount: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[DayCount, ...]: ...

    def __getitem__(self, i: int | slice) -> DayCount | tuple[DayCount, ...]:
        return self._tuple()[i]

    def __iter__(self) -> Iterator[DayCount]:
        return iter(self._tuple())

    def __len__(self) -> int:
        return len(self._days)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._tuple() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DayCounts({len(self)} days)"


@dataclass(frozen=True, slots=True)
class MonthCount:
    month: str  # "YYYY-MM"
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class AgeBucket:
    """Chatters whose accounts are younger than `days` days."""

    days: int
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class LoginPattern:
    """A login shape several accounts in one group share, such as a stem followed by digits."""

    kind: str  # "stem_digits" or "shape"
    pattern: str  # human-readable, e.g. "lena + 4 digits" or "aaaaaa_9999"
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Traits:
    """What the accounts of one wave or burst have in common."""

    patterns: tuple[LoginPattern, ...]
    pattern_share: float  # accounts whose login fits one of `patterns`
    default_avatar_share: float
    empty_description_share: float
    renamed: int = 0  # accounts with an earlier login on record
    # Accounts that never wrote a message in this channel, where chat is recorded (else None).
    silent: int | None = None
    silent_share: float | None = None


@dataclass(frozen=True, slots=True)
class Wave:
    """A run of creation days far above this audience's own baseline."""

    start: date
    end: date  # inclusive
    count: int  # analysed chatters created in [start, end]
    expected: float  # what the local baseline predicts for these days
    share: float  # count / analysed
    p_value: float  # Poisson upper tail of `count` against `expected`
    sample_logins: tuple[str, ...]
    traits: Traits

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Burst:
    """Accounts created within minutes of each other: one sitting."""

    start: datetime
    end: datetime
    count: int
    expected: float  # organic accounts the local rate predicts over the span
    share: float
    p_value: float
    first_user_id: int
    last_user_id: int
    sample_logins: tuple[str, ...]
    traits: Traits
    # Stragglers flagged with it: accounts made within hours of it, with ids to match, on days
    # when almost nobody else in this audience signed up (`reports.remnants`).
    remnants: int = 0

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60.0


@dataclass(frozen=True, slots=True)
class StemRun:
    """Accounts sharing a login stem, made within a few days, more than chance allows."""

    stem: str  # "sweetangel + digits"
    start: date
    end: date  # inclusive
    count: int
    expected: float
    p_value: float
    sample_logins: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rename:
    user_id: int
    login: str
    earlier: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    level: Level
    reasons: tuple[str, ...]  # signals, worded as observations


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the writers show, computed once from accounts and a clock."""

    generated_at: datetime
    window_days: int | None
    totals: Totals
    days: Sequence[DayCount]  # creation days with at least one chatter, in the window if any
    months: tuple[MonthCount, ...]  # every month from the first creation to now
    top_days: tuple[DayCount, ...]
    window_count: int | None  # analysed chatters created inside the window
    waves: tuple[Wave, ...]
    bursts: tuple[Burst, ...]
    young: tuple[AgeBucket, ...]
    median_age_days: float | None
    flagged: int  # analysed chatters in a wave or a burst
    renames: tuple[Rename, ...]
    verdict: Verdict
    stem_runs: tuple[StemRun, ...] = ()  # `reports.stemruns`
    # user_id -> bit mask of FLAG_BITS; read it through flags_for() and flagged_ids().
    flags: Mapping[int, int] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )

    def flags_for(self, user_id: int) -> frozenset[str]:
        """Return the flags of one chatter (empty when none)."""
        return frozenset(flag_names(self.flags.get(user_id, 0)))

    def flag_text(self, user_id: int) -> str:
        """Return one chatter's flags as the CSV writes them: `wave;pattern;young`."""
        return flags_text(self.flags.get(user_id, 0))

    def flagged_ids(self) -> frozenset[int]:
        """Return the chatters in a wave or a burst."""
        return frozenset(uid for uid, mask in self.flags.items() if mask & FLAGGED_MASK)

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.totals.analysed if self.totals.analysed else 0.0

    def young_share(self, days: int) -> float:
        for bucket in self.young:
            if bucket.days == days:
                return bucket.share
        raise KeyError(days)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: plain dicts, lists, strings and numbers."""
        out: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "verdict": {"level": str(self.verdict.level), "reasons": list(self.verdict.reasons)},
            "generated_at": _iso(self.generated_at),
            "window_days": self.window_days,
            "window_count": self.window_count,
            "totals": _plain(self.totals),
            "flagged": self.flagged,
            "flag_counts": self.flag_counts(),
            "young": [_plain(b) for b in self.young],
            "median_age_days": self.median_age_days,
            "waves": [_plain(w) | {"days": w.days} for w in self.waves],
            "bursts": [_plain(b) | {"minutes": round(b.minutes, 1)} for b in self.bursts],
            "top_days": [_plain(d) for d in self.top_days],
            "days": [_plain(d) for d in self.days],
            "months": [_plain(m) for m in self.months],
            "renames": [_plain(r) for r in self.renames],
            "stem_runs": [_plain(r) for r in self.stem_runs],
        }
        return out

    def flag_counts(self) -> dict[str, int]:
        by_mask: dict[int, int] = {}
        if isinstance(self.flags, Flags):
            by_mask = self.flags.mask_counts()
        else:
            for mask in self.flags.values():
                by_mask[mask] = by_mask.get(mask, 0) + 1
        counts = dict.fromkeys(FLAG_NAMES, 0)
        for mask, k in by_mask.items():
            for name in flag_names(mask):
                counts[name] += k
        return counts


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _plain(obj: object) -> Any:
    """Turn a tree of slotted dataclasses into JSON-ready values."""
    if isinstance(obj, datetime):
        return _iso(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, StrEnum):
        return str(obj)
    if isinstance(obj, float):
        return round(obj, 6) if math.isfinite(obj) else None  # NaN is not JSON
    if isinstance(obj, (tuple, list)):
        return [_plain(v) for v in obj]
    slots = getattr(type(obj), "__slots__", None)
    if slots is not None and hasattr(obj, "__dataclass_fields__"):
        return {name: _plain(getattr(obj, name)) for name in obj.__dataclass_fields__}
    return obj
