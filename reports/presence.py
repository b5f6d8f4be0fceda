"""Cross-channel presence: accounts in the chatter lists of several served channels at once.

A person watches one stream, sometimes two or three in tabs; a viewer-list (lurker) bot sits
in thousands. The bot sees the chatter lists of every channel it serves, so an account found in
at least `k` of them within the same UTC hour is marked "seen in N channels at once". The mark
is listed apart, like the known lurker-bot list, and can raise a verdict to elevated, never to
high. `DEFAULT_K` is chosen by the bench (`bench/detection.py`, docs/detection.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_K = 5


@dataclass(frozen=True, slots=True)
class Sighting:
    """The chatters one channel's list held at one moment."""

    channel_id: int
    at: datetime  # aware UTC
    user_ids: Collection[int]


def channels_at_once(
    sightings: Iterable[Sighting], *, exclude: Collection[int] = ()
) -> dict[int, int]:
    """Return user id -> the most distinct channels it was seen in within one UTC hour.

    Accounts in `exclude` (known service bots, the bot itself) are left out.
    """
    by_hour: dict[datetime, dict[int, set[int]]] = {}
    for s in sightings:
        if s.at.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC timestamps")
        hour = s.at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        seen = by_hour.setdefault(hour, {})
        for uid in s.user_ids:
            seen.setdefault(uid, set()).add(s.channel_id)
    skip = set(exclude)
    best: Counter[int] = Counter()
    for seen in by_hour.values():
        for uid, channels in seen.items():
            if uid not in skip and len(channels) > best[uid]:
                best[uid] = len(channels)
    return dict(best)


def multi_channel(counts: Mapping[int, int], k: int = DEFAULT_K) -> frozenset[int]:
    """Return the accounts seen in at least `k` channels at once."""
    if k < 2:
        raise ValueError("k must be at least 2: everyone is in one channel")
    return frozenset(uid for uid, n in counts.items() if n >= k)
