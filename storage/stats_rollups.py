"""Where the statistics read a time window from: hourly rollups for its whole hours, raw rows for
its ragged ends.

Migrations sqlite 0009 / postgres 0006 keep three rollups current by a trigger on
`chat_messages`: `chat_user_hours` (messages and characters per channel, user and UTC hour since
the epoch), `chat_users` (the same over all time, with first and last message) and
`chat_emote_hours` (emote uses per channel and UTC hour). A window [lo, hi) in milliseconds reads
the rollups for the whole hours inside it and `chat_messages` for the parts of an hour at either
end, so every answer is exactly what counting the raw rows gives. Left-out users are skipped
with the same `user_id NOT IN (...)` clause on both parts; the emote rollup has no user, so the
left-out users' emotes in its hours are read from their raw rows and taken off.

Hours are UTC: any whole-hour timezone offset is a re-grouping of them. Half-hour zones
(India, parts of Australia) would need the raw rows for the half hour at each day's edge.
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR_MS = 3_600_000


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


def per_user_rows(lo: int, hi: int, skip: str) -> str:
    """SQL rows (user_id, at, n, chars) covering [lo, hi) of channel $1, left-out users skipped.

    `at` is the hour's start for rollup rows and `sent_at` for raw rows; `n` messages and
    `chars` characters. Bounds are integers made here, written into the statement's text.
    """
    cut = split(int(lo), int(hi))
    parts = []
    if cut.first_hour < cut.end_hour:
        parts.append(
            f"SELECT user_id, hour * {HOUR_MS} AS at, messages AS n, chars FROM chat_user_hours "
            f"WHERE channel_id = $1 AND hour >= {cut.first_hour} AND hour < {cut.end_hour}{skip}"
        )
    for a, b in cut.raw:
        parts.append(
            "SELECT user_id, sent_at AS at, 1 AS n, text_length AS chars FROM chat_messages "
            f"WHERE channel_id = $1 AND sent_at >= {a} AND sent_at < {b}{skip}"
        )
    if not parts:  # an empty window
        parts.append(
            "SELECT user_id, sent_at AS at, 1 AS n, text_length AS chars FROM chat_messages "
            "WHERE channel_id = $1 AND 1 = 0"
        )
    return " UNION ALL ".join(parts)


def emote_names(emotes: str) -> list[str]:
    """The emote names of one message, split as the rollup trigger splits them."""
    return [e for e in emotes.split(" ") if e]
