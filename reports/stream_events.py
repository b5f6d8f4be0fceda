"""Stream events (subscriptions, raids, follows) as the stream report shows them: the timeline
rows of the page, the rows of the CSV, the entries of the JSON, and the raid markers of the
chart. Pure: events in, text and plain data out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reports import text
from storage.stream_events import EventKind, StreamEvent

LABELS = {
    EventKind.SUB: "subscription",
    EventKind.RESUB: "resubscription",
    EventKind.GIFT: "gifted subs",
    EventKind.RAID_IN: "raid in",
    EventKind.RAID_OUT: "raid out",
    EventKind.FOLLOW: "follow",
}
_TIERS = {"1000": "tier 1", "2000": "tier 2", "3000": "tier 3", "prime": "Prime"}
MAX_MESSAGE = 120


@dataclass(frozen=True, slots=True)
class RaidMark:
    """A raid's arrival, drawn on the chart as a labelled vertical line."""

    at: datetime
    label: str  # "raid from bigstreamer (300)"


def tier_text(tier: str) -> str:
    return _TIERS.get(tier, tier)


def who(e: StreamEvent) -> str:
    """The other party, in words: a login, or "anonymous" for a gift without a gifter."""
    if e.kind is EventKind.GIFT and not e.user_login:
        return "anonymous"
    return e.user_login or (str(e.user_id) if e.user_id is not None else "–")


def sentence(e: StreamEvent) -> str:
    """One plain line describing the event (the page's timeline)."""
    name = who(e)
    tier = f" ({tier_text(e.tier)})" if e.tier else ""
    if e.kind is EventKind.SUB:
        return f"{name} subscribed{tier}"
    if e.kind is EventKind.RESUB:
        months = f" for {text.num(e.months)} months" if e.months else ""
        said = f": “{e.message[:MAX_MESSAGE]}”" if e.message else ""
        return f"{name} resubscribed{months}{tier}{said}"
    if e.kind is EventKind.GIFT:
        n = e.amount or 1
        return f"{name} gifted {text.num(n)} sub{'s' if n != 1 else ''}{tier}"
    if e.kind is EventKind.RAID_IN:
        return f"{name} raided the channel with {text.num(e.amount or 0)} viewers"
    if e.kind is EventKind.RAID_OUT:
        return f"the channel raided {name} with {text.num(e.amount or 0)} viewers"
    return f"{name} followed"


def timeline_rows(events: Sequence[StreamEvent]) -> list[tuple[str, str, str]]:
    """(time, kind label, sentence) per event, in time order."""
    return [(f"{e.at:%H:%M}", LABELS[e.kind], sentence(e)) for e in events]


def tally(events: Sequence[StreamEvent]) -> dict[str, int]:
    """How many events of each kind (gifts count the subs given)."""
    out = {k.value: 0 for k in EventKind}
    for e in events:
        out[e.kind.value] += (e.amount or 1) if e.kind is EventKind.GIFT else 1
    return out


def raid_marks(events: Sequence[StreamEvent]) -> list[RaidMark]:
    """The incoming raids, for the chart."""
    return [
        RaidMark(e.at, f"raid from {who(e)} ({text.num(e.amount or 0)})")
        for e in events
        if e.kind is EventKind.RAID_IN
    ]


def csv_row(e: StreamEvent, iso: str) -> tuple[object, ...]:
    """The event as a row of the stream CSV (its columns: see `reports.stream_export`)."""
    return (
        iso,
        e.kind.value,
        e.user_id if e.user_id is not None else "",
        e.user_login,
        e.message,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        e.tier,
        e.amount if e.amount is not None else "",
        e.months if e.months is not None else "",
    )


def json_entry(e: StreamEvent, iso: str) -> dict[str, Any]:
    return {
        "at": iso,
        "kind": e.kind.value,
        "user_id": e.user_id,
        "login": e.user_login,
        "tier": e.tier or None,
        "amount": e.amount,
        "months": e.months,
        "message": e.message or None,
    }
