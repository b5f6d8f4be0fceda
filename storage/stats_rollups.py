"""Where the statistics read a time window from: daily rollups for its whole UTC days, hourly
rollups for its other whole hours, raw rows for its ragged ends.

Migrations sqlite 0009 / postgres 0006 keep three rollups current by a trigger on
`chat_messages`: `chat_user_hours` (messages and characters per channel, user and UTC hour since
the epoch), `chat_users` (the same over all time, with first and last message) and
`chat_emote_hours` (emote uses per channel and UTC hour); sqlite 0015 / postgres 0013 add
`chat_user_days` (per channel, user and UTC day since the epoch) to the same trigger. A window
[lo, hi) in milliseconds reads the day rollup for the whole UTC days inside it, the hour rollup
for the whole hours around them and `chat_messages` for the parts of an hour at either end
(`cut`), so every answer is exactly what counting the raw rows gives. A window on a channel's
clock (a local day) is such a window too: whichever UTC days it holds, plus hours. Left-out
users are skipped with the same `user_id NOT IN (...)` clause on every part; the emote rollup
has no user, so the left-out users' emotes in its hours are read from their raw rows and taken
off.

Hours are UTC: any whole-hour timezone offset is a re-grouping of them. Half-hour zones
(India, parts of Australia) would need the raw rows for the half hour at each day's edge.
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
DAY_H = 24


@dataclass(frozen=True, slots=True)
class Split:
    """A window cut into whole hours [first_hour, end_hour) and raw ranges in milliseconds."""

    first_hour: int
    end_hour: int  # first_hour == end_hour: no whole hour inside
    raw: tuple[tuple[int, int], ...]  # [lo, hi) ranges of chat_messages, at most two

    @property
    def hours_lo_ms(self) -> int:
        return self.first_hour * HOUR_MS

    @property
    def hours_hi_ms(self) -> int:
        return self.end_hour * HOUR_MS


def split(lo: int, hi: int) -> Split:
    """Cut [lo, hi) into its whole UTC hours and the ragged ends."""
    first, end = -(-lo // HOUR_MS), hi // HOUR_MS
    if first >= end:
        return Split(0, 0, ((lo, hi),) if lo < hi else ())
    raw = tuple((a, b) for a, b in ((lo, first * HOUR_MS), (end * HOUR_MS, hi)) if a < b)
    return Split(first, end, raw)


@dataclass(frozen=True, slots=True)
class Cut:
    """A window cut into whole UTC days, whole hours outside them, and raw ranges (ms)."""

    days: tuple[int, int]  # [first_day, end_day); equal: no whole day inside
    hours: tuple[tuple[int, int], ...]  # [first_hour, end_hour) ranges, at most two
    raw: tuple[tuple[int, int], ...]  # [lo, hi) ranges of chat_messages, at most two


def cut(lo: int, hi: int) -> Cut:
    """Cut [lo, hi) into whole UTC days, the whole hours beside them and the ragged ends."""
    hours = split(lo, hi)
    first_day, end_day = -(-hours.first_hour // DAY_H), hours.end_hour // DAY_H
    if hours.first_hour >= hours.end_hour or first_day >= end_day:
        whole = ((hours.first_hour, hours.end_hour),) if hours.first_hour < hours.end_hour else ()
        return Cut((0, 0), whole, hours.raw)
    around = (
        (hours.first_hour, first_day * DAY_H),
        (end_day * DAY_H, hours.end_hour),
    )
    return Cut((first_day, end_day), tuple((a, b) for a, b in around if a < b), hours.raw)


def per_user_rows(lo: int, hi: int, skip: str) -> str:
    """SQL rows (user_id, n, chars) covering [lo, hi) of channel $1, left-out users skipped.

    `n` messages and `chars` characters, a row per user and day, hour or message. Bounds are
    integers made here, written into the statement's text.
    """
    parts = []
    for lo_ms, hi_ms, table, column in rollup_parts(int(lo), int(hi)):
        parts.append(
            f"SELECT user_id, messages AS n, chars FROM {table} WHERE channel_id = $1 "
            f"AND {column} >= {lo_ms} AND {column} < {hi_ms}{skip}"
        )
    for a, b in cut(int(lo), int(hi)).raw:
        parts.append(
            "SELECT user_id, 1 AS n, text_length AS chars FROM chat_messages "
            f"WHERE channel_id = $1 AND sent_at >= {a} AND sent_at < {b}{skip}"
        )
    if not parts:  # an empty window
        parts.append(
            "SELECT user_id, 1 AS n, text_length AS chars FROM chat_messages "
            "WHERE channel_id = $1 AND 1 = 0"
        )
    return " UNION ALL ".join(parts)


def rollup_parts(lo: int, hi: int) -> list[tuple[int, int, str, str]]:
    """The rollup ranges of [lo, hi): (first, end, table, key column), days then hours."""
    c = cut(lo, hi)
    parts = [(c.days[0], c.days[1], "chat_user_days", "day")] if c.days[0] < c.days[1] else []
    return parts + [(a, b, "chat_user_hours", "hour") for a, b in c.hours]


def emote_names(emotes: str) -> list[str]:
    """The emote names of one message, split as the rollup trigger splits them."""
    return [e for e in emotes.split(" ") if e]
