"""The chatters of one check as columns, filled batch by batch while the capture runs (issue 21).

An analysis reads every chatter's creation time, id, avatar and login stem. Worked out one
account at a time after the capture, that was most of a 100,000-chatter analysis (0.5 of
0.7 s): datetimes made into seconds, logins into stems, 100,000 times over, while the moderator
waited. An `Audience` works them out as the accounts land, a page or a Get Users answer at a
time, in the gaps while the capture waits for Twitch; `reports.analysis.analyze_audience` then
sorts and tests what is already in columns.

`add` takes accounts in any order with their places in the chatter list (lookups land out of
order); `columns` puts them back in list order, so the analysis of an audience is the analysis
of its accounts in list order (`Audience.of`). An id added twice keeps its first place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from reports.patterns import stems_of
from storage.models import Account

__all__ = ["Audience", "Columns"]


@dataclass(frozen=True, slots=True)
class Columns:
    """An audience's accounts in list order, one entry per chatter in every column."""

    accounts: list[Account]
    lows: list[str]  # the logins in lower case
    user_ids: npt.NDArray[np.int64]
    seconds: npt.NDArray[np.float64]  # creation time, epoch seconds; NaN where unknown
    avatars: npt.NDArray[np.bool_]  # still one of Twitch's default pictures
    stems: npt.NDArray[np.int64]  # index into `stem_names`; -1: the login has no stem
    stem_names: list[str]

    def __len__(self) -> int:
        return len(self.accounts)


class Audience:
    """Accounts and their analysis columns, added a batch at a time (not thread-safe)."""

    __slots__ = ("_accounts", "_chunks", "_lows", "_stems")

    def __init__(self) -> None:
        self._accounts: list[Account] = []
        # The logins in lower case: the login itself where it is (Twitch's are), no copy.
        self._lows: list[str] = []
        # Per batch: positions, user ids, seconds, avatars, stem indexes.
        self._chunks: list[tuple[npt.NDArray[Any], ...]] = []
        self._stems: dict[str, int] = {}  # stem -> its index, in order of first appearance

    @classmethod
    def of(cls, accounts: Sequence[Account]) -> Audience:
        """The audience of `accounts`, in their order (an id listed twice counts once, at its
        first place)."""
        audience = cls()
        firsts: dict[int, Account] = {}
        for a in accounts:
            firsts.setdefault(a.user_id, a)
        audience.add(list(firsts.values()) if len(firsts) < len(accounts) else accounts)
        return audience

    def __len__(self) -> int:
        return len(self._accounts)

    def add(self, accounts: Sequence[Account], positions: Iterable[int] | None = None) -> None:
        """Add accounts at these places in the chatter list (None: after those added so far).

        Each id once in an audience: a capture adds each chatter once (`Audience.of` drops
        the repeats of a list).
        """
        count = len(accounts)
        if not count:
            return
        start = len(self._accounts)
        if positions is None:
            places = np.arange(start, start + count, dtype=np.int64)
        else:
            places = np.fromiter(positions, dtype=np.int64)
            if len(places) != count:
                raise ValueError("one position for each account")
        nan = math.nan
        lows = _lower([a.login for a in accounts])
        index = self._stems.setdefault
        stem_ids = [-1 if s is None else index(s, len(self._stems)) for s in stems_of(lows)]
        self._chunks.append(
            (
                places,
                np.fromiter((a.user_id for a in accounts), dtype=np.int64, count=count),
                np.fromiter(
                    (nan if a.created_at is None else a.created_at.timestamp() for a in accounts),
                    dtype=np.float64,
                    count=count,
                ),
                np.fromiter((a.default_avatar for a in accounts), dtype=bool, count=count),
                np.array(stem_ids, dtype=np.int64),
            )
        )
        self._accounts.extend(accounts)
        self._lows.extend(lows)

    def columns(self) -> Columns:
        """Return the accounts and their columns in list order, each id once."""
        if self._chunks:
            places, user_ids, seconds, avatars, stems = (
                np.concatenate(part) for part in zip(*self._chunks, strict=True)
            )
        else:
            places = user_ids = stems = np.zeros(0, dtype=np.int64)
            seconds, avatars = np.zeros(0, dtype=np.float64), np.zeros(0, dtype=bool)
        every, lows = self._accounts, self._lows
        order = _sorting(places)
        if order is None:
            accounts, lows = every[:], lows[:]
            order = np.arange(len(every))
        else:
            picked = order.tolist()
            accounts, lows = [every[i] for i in picked], [lows[i] for i in picked]
        return Columns(
            accounts=accounts,
            lows=lows,
            user_ids=user_ids[order],
            seconds=seconds[order],
            avatars=avatars[order],
            stems=stems[order],
            stem_names=list(self._stems),
        )


def _lower(logins: list[str]) -> list[str]:
    """Every login in lower case: `logins` itself when they all are, else one `lower` over
    them all (one by one if a login holds a newline)."""
    text = "\n".join(logins)
    low = text.lower()
    if low == text:
        return logins
    lows = low.split("\n")
    return lows if len(lows) == len(logins) else [login.lower() for login in logins]


def _sorting(places: npt.NDArray[np.int64]) -> npt.NDArray[np.int64] | None:
    """The order that sorts `places`, or None when they are sorted already.

    A capture's places are 0 to n - 1, each once: the order is their inverse, without a sort.
    """
    n = len(places)
    if n == 0 or bool((places[1:] > places[:-1]).all()):
        return None
    if int(places.min()) == 0 and int(places.max()) == n - 1:
        order = np.empty(n, dtype=np.int64)
        order[places] = np.arange(n)
        if bool((places[order] == np.arange(n)).all()):  # each place once
            return order
    return np.argsort(places, kind="stable")
