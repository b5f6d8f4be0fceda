"""Stream events (subscriptions, raids, follows) as the stream report shows them: the timeline
rows of the page, the rows of the CSV, the entries of the JSON, and the raid markers of the
chart. Pure: events in, text and plain data out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reports import zones
from reports.i18n import ENGLISH, N_, Speaker
from storage.stream_events import EventKind, StreamEvent

LABELS = {
    EventKind.SUB: N_("subscription"),
    EventKind.RESUB: N_("resubscription"),
    EventKind.GIFT: N_("gifted subs"),
    EventKind.RAID_IN: N_("raid in"),
    EventKind.RAID_OUT: N_("raid out"),
    EventKind.FOLLOW: N_("follow"),
}
_TIERS = {"1000": N_("tier 1"), "2000": N_("tier 2"), "3000": N_("tier 3"), "prime": "Prime"}
MAX_MESSAGE = 120


@dataclass(frozen=True, slots=True)
class RaidMark:
    """A raid's arrival, drawn on the chart as a labelled vertical line."""

    at: datetime
    label: str  # "raid from bigstreamer (300)"


def tier_text(tier: str, tr: Speaker = ENGLISH) -> str:
    return tr.say(_TIERS[tier]) if tier in _TIERS else tier


def who(e: StreamEvent, tr: Speaker = ENGLISH) -> str:
    """The other party, in words: a login, or "anonymous" for a gift without a gifter."""
    if e.kind is EventKind.GIFT and not e.user_login:
        return tr.say("anonymous")
    return e.user_login or (str(e.user_id) if e.user_id is not None else "–")


def sentence(e: StreamEvent, tr: Speaker = ENGLISH) -> str:
    """One plain line describing the event (the page's timeline), in `tr`'s language."""
    name = who(e, tr)
    tier = f" ({tier_text(e.tier, tr)})" if e.tier else ""
    if e.kind is EventKind.SUB:
        return tr.say("{name} subscribed{tier}", name=name, tier=tier)
    if e.kind is EventKind.RESUB:
        months = tr.say(" for {months} months", months=tr.num(e.months)) if e.months else ""
        said = f": “{e.message[:MAX_MESSAGE]}”" if e.message else ""
        return tr.say(
            "{name} resubscribed{months}{tier}{message}",
            name=name,
            months=months,
            tier=tier,
            message=said,
        )
    if e.kind is EventKind.GIFT:
        n = e.amount or 1
        return tr.nsay(
            "{name} gifted {n} sub{tier}", "{name} gifted {n} subs{tier}", n, name=name, tier=tier
        )
    if e.kind is EventKind.RAID_IN:
        return tr.say(
            "{name} raided the channel with {viewers} viewers",
            name=name,
            viewers=tr.num(e.amount or 0),
        )
    if e.kind is EventKind.RAID_OUT:
        return tr.say(
            "the channel raided {name} with {viewers} viewers",
            name=name,
            viewers=tr.num(e.amount or 0),
        )
    return tr.say("{name} followed", name=name)


def timeline_rows(
    events: Sequence[StreamEvent], tr: Speaker = ENGLISH
) -> list[tuple[str, str, str, str]]:
    """(time, kind label, sentence, the label in `tr`'s language) per event, in time order;
    the time in `tr`'s timezone."""
    tz = zones.zone(tr.timezone)
    return [
        (f"{e.at.astimezone(tz):%H:%M}", LABELS[e.kind], sentence(e, tr), tr.say(LABELS[e.kind]))
        for e in events
    ]


def tally(events: Sequence[StreamEvent]) -> dict[str, int]:
    """How many events of each kind (gifts count the subs given)."""
    out = {k.value: 0 for k in EventKind}
    for e in events:
        out[e.kind.value] += (e.amount or 1) if e.kind is EventKind.GIFT else 1
    return out


def raid_marks(events: Sequence[StreamEvent], tr: Speaker = ENGLISH) -> list[RaidMark]:
    """The incoming raids, for the chart, in `tr`'s language."""
    return [
        RaidMark(
            e.at,
            tr.say("raid from {who} ({viewers})", who=who(e, tr), viewers=tr.num(e.amount or 0)),
        )
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
