"""UTC hours since the epoch (the rollups' key) as hours of the day on a channel's clock.

A zone's offset changes only at its transitions (DST), so a span of hours is a few segments of
constant offset: `Offsets` finds them (a look a day apart, then an hour search inside the day
that changed) and maps any hour with a bisect, or writes the same map as a SQL CASE. Offsets
are whole hours: a half-hour zone (India, parts of Australia) counts its half hours with the
hour before, as the rollups keep whole UTC hours only.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

HOUR_S = 3600
DAY_H = 24


def _offset_h(hour: int, tz: tzinfo) -> int:
    """The zone's offset in whole hours at the start of that UTC hour (rounded down)."""
    at = datetime.fromtimestamp(hour * HOUR_S, UTC).astimezone(tz)
    delta = at.utcoffset()
    return 0 if delta is None else int(delta.total_seconds() // HOUR_S)


@dataclass(frozen=True, slots=True)
class Offsets:
    """The zone's offsets over [first, end) hours: segment starts and their offsets."""

    starts: tuple[int, ...]  # first hour of each segment, ascending; starts[0] == first
    offsets: tuple[int, ...]

    @classmethod
    def over(cls, tz: tzinfo, first: int, end: int) -> Offsets:
        """Find the segments of constant offset between hours `first` and `end`."""
        starts, offsets = [first], [_offset_h(first, tz)]
        hour = first
        while hour < end:
            nxt = min(hour + DAY_H, end)
            off = _offset_h(nxt, tz) if nxt < end else offsets[-1]
            if off != offsets[-1]:
                lo, hi = hour, nxt  # the change happens in (lo, hi]
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if _offset_h(mid, tz) == offsets[-1]:
                        lo = mid
                    else:
                        hi = mid
                starts.append(hi)
                offsets.append(_offset_h(hi, tz))
            hour = nxt
        return cls(tuple(starts), tuple(offsets))

    def local(self, hour: int) -> int:
        """The hour of the day (0-23) on the zone's clock of a UTC hour since the epoch."""
        i = max(0, bisect_right(self.starts, hour) - 1)
        return (hour + self.offsets[i]) % DAY_H

    def sql(self, column: str) -> str:
        """The same map as SQL over an integer column (only integers are written in)."""
        if len(self.offsets) == 1:
            return f"(({column} + {self.offsets[0]}) % {DAY_H})"
        cases = " ".join(
            f"WHEN {column} < {start} THEN {off}"
            for start, off in zip(self.starts[1:], self.offsets, strict=False)
        )
        return f"(({column} + CASE {cases} ELSE {self.offsets[-1]} END) % {DAY_H})"


def span(tz: tzinfo, first_ms: int, last_ms: int) -> Offsets:
    """Offsets for the hours holding the milliseconds [first_ms, last_ms]."""
    first = first_ms // (HOUR_S * 1000)
    return Offsets.over(tz, first, last_ms // (HOUR_S * 1000) + 1)
