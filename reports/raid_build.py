"""Turning the detector's window into a `Raid`: accounts, messages and a per-second timeline.

`Seen` is one suspect message as the detector keeps it (epoch seconds, not datetimes, on the
hot path); the `Raid` is made only when a detector trips or its `active` raid is read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from reports.raid_model import (
    IncomingRaid,
    Raid,
    RaidAccount,
    RaidKind,
    RaidMessage,
    TimelinePoint,
)
from reports.risk import Risk


@dataclass(slots=True, eq=False)
class Seen:
    """One message in the detector's window."""

    t: float
    user_id: int
    login: str
    created_at: datetime | None
    first_time: bool
    young: bool
    text: str


def build_raid(
    channel: str,
    kind: RaidKind,
    *,
    members: list[Seen],
    t: float,
    reasons: tuple[str, ...],
    risk: Risk,
    incoming: IncomingRaid | None,
) -> Raid:
    """Return the `Raid` of a trip from the messages that made it."""
    raid = Raid(
        channel=channel,
        kind=kind,
        started_at=utc(members[0].t),
        detected_at=utc(t),
        accounts=(),
        messages=(),
        timeline=(),
        reasons=reasons,
        risk=risk,
        incoming=incoming,
    )
    return with_members(raid, members)


def with_members(raid: Raid, members: list[Seen]) -> Raid:
    """Return ``raid`` with its accounts, messages and timeline made from ``members``."""
    ordered = sorted(members, key=lambda m: m.t)
    accounts: dict[int, list[Seen]] = {}
    for m in ordered:
        accounts.setdefault(m.user_id, []).append(m)
    seconds: dict[int, list[int]] = {}
    seen: set[int] = set()
    for m in ordered:
        point = seconds.setdefault(int(m.t), [0, 0])
        point[0] += 1
        if m.user_id not in seen:
            seen.add(m.user_id)
            point[1] += 1
    return replace(
        raid,
        started_at=min(raid.started_at, utc(ordered[0].t)) if ordered else raid.started_at,
        accounts=tuple(
            RaidAccount(
                user_id=uid,
                login=ms[0].login,
                created_at=ms[0].created_at,
                first_time=any(x.first_time for x in ms),
                messages=len(ms),
                first_at=utc(ms[0].t),
            )
            for uid, ms in accounts.items()
        ),
        messages=tuple(RaidMessage(utc(m.t), m.user_id, m.login, m.text) for m in ordered),
        timeline=tuple(TimelinePoint(utc(s), c[0], c[1]) for s, c in sorted(seconds.items())),
    )


def utc(t: float) -> datetime:
    """Return an epoch time as an aware UTC datetime."""
    return datetime.fromtimestamp(t, UTC)
