"""The `Raid` record: what the raid detector saw when it tripped, as plain frozen data.

Timestamps are aware UTC datetimes; `Raid.to_dict()` is the JSON form the raid page's
download and the bot's audit use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from reports.i18n import ENGLISH, Speaker, said
from reports.risk import Risk


class RaidKind(StrEnum):
    """What a tripped window looks like.

    HONEST: a real streamer's raid (``channel.raid``) arrived just before and nothing hateful
    was said: the alert says so and no guard acts on it. SPAM: near-duplicate text from new
    or young accounts. HATE: the same, with hateful or harassing words.
    """

    HONEST = "honest"
    SPAM = "spam"
    HATE = "hate"


@dataclass(frozen=True, slots=True)
class RaidMessage:
    """One message of the raid."""

    at: datetime
    user_id: int
    login: str
    text: str


@dataclass(frozen=True, slots=True)
class RaidAccount:
    """One account that took part, with what made it suspect."""

    user_id: int
    login: str
    created_at: datetime | None  # None: not known when the message came in
    first_time: bool  # first message in this channel
    messages: int
    first_at: datetime


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """Raid messages in one second, and how many accounts wrote for the first time then."""

    at: datetime
    messages: int
    new_accounts: int


@dataclass(frozen=True, slots=True)
class IncomingRaid:
    """A ``channel.raid`` to this channel: a streamer sent their viewers here."""

    at: datetime
    from_login: str
    viewers: int


@dataclass(frozen=True, slots=True)
class Raid:
    """A tripped raid window: who, when, what they said, and why it counts as a raid."""

    channel: str
    kind: RaidKind
    started_at: datetime  # the first message of the raid's cluster
    detected_at: datetime  # the message that tripped the detector
    accounts: tuple[RaidAccount, ...]  # in order of first message
    messages: tuple[RaidMessage, ...]  # in order; at most `MAX_KEPT_MESSAGES` kept
    timeline: tuple[TimelinePoint, ...]  # one point per second with a raid message
    reasons: tuple[str, ...]  # short phrases: "14 near-identical messages in 6 s", ...
    risk: Risk
    incoming: IncomingRaid | None = None  # the channel.raid just before, if any

    @property
    def account_ids(self) -> frozenset[int]:
        return frozenset(a.user_id for a in self.accounts)

    @property
    def is_hostile(self) -> bool:
        """True for spam and hate raids: the ones a guard may act on."""
        return self.kind is not RaidKind.HONEST

    def headline(self, tr: Speaker = ENGLISH) -> str:
        """Return the alert's one line in `tr`'s language.

        A hostile raid's line starts with "Raid alert:" in every language, for searching.
        """
        n = len(self.accounts)
        if self.kind is RaidKind.HONEST and self.incoming is not None:
            return tr.say(
                "Raid from {login} ({viewers} viewers): {count} new chatters, "
                "looks like an honest raid",
                login=self.incoming.from_login,
                viewers=self.incoming.viewers,
                count=n,
            )
        reasons = "; ".join(said(r, tr) for r in self.reasons[:2])
        if self.kind is RaidKind.HATE:
            return tr.say(
                "Raid alert: hate raid by {count} accounts ({reasons})", count=n, reasons=reasons
            )
        return tr.say(
            "Raid alert: spam raid by {count} accounts ({reasons})", count=n, reasons=reasons
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the raid as JSON-ready data."""
        return {
            "channel": self.channel,
            "kind": self.kind.value,
            "started_at": _iso(self.started_at),
            "detected_at": _iso(self.detected_at),
            "reasons": list(self.reasons),
            "risk": self.risk.to_dict(),
            "incoming": None
            if self.incoming is None
            else {
                "at": _iso(self.incoming.at),
                "from_login": self.incoming.from_login,
                "viewers": self.incoming.viewers,
            },
            "accounts": [
                {
                    "user_id": a.user_id,
                    "login": a.login,
                    "created_at": None if a.created_at is None else _iso(a.created_at),
                    "first_time": a.first_time,
                    "messages": a.messages,
                    "first_at": _iso(a.first_at),
                }
                for a in self.accounts
            ],
            "messages": [
                {"at": _iso(m.at), "user_id": m.user_id, "login": m.login, "text": m.text}
                for m in self.messages
            ],
            "timeline": [
                {"at": _iso(p.at), "messages": p.messages, "new_accounts": p.new_accounts}
                for p in self.timeline
            ],
        }


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
