"""The ban plan behind `!botcheck ban`: which accounts of a check may be banned, and why not
the others.

Only accounts in a wave or a burst (`FLAGGED_MASK`) are candidates: being young, in a login
pattern, on a public known-bot list or a service bot is never enough alone. An account that
wrote in this channel before the wave began is a regular and is spared, whatever its flags;
so are the accounts the caller protects (broadcaster, moderators, VIPs, the bot).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from reports.i18n import ENGLISH, Speaker
from reports.model import FLAG_BITS, FLAGGED_MASK, Analysis
from storage.models import Account

_NEVER = FLAG_BITS["service_bot"]


@dataclass(frozen=True, slots=True)
class BanPlan:
    """Who would be banned, in the order to ban them, and how many were spared and why."""

    ban: tuple[Account, ...]  # flagged, not regulars, not protected: youngest accounts first
    spared_regulars: tuple[Account, ...]  # flagged but wrote here before the wave began
    spared_protected: int  # flagged but protected by the caller
    not_flagged: int  # everyone else in the check (young, listed or unremarkable)

    @property
    def user_ids(self) -> tuple[int, ...]:
        return tuple(a.user_id for a in self.ban)

    def summary(self, tr: Speaker = ENGLISH) -> str:
        """Return one sentence for the chat reply, in `tr`'s language."""
        n = len(self.ban)
        text = tr.nsay(
            "{n} wave/burst account would be banned", "{n} wave/burst accounts would be banned", n
        )
        spared = []
        if self.spared_regulars:
            spared.append(
                tr.say("{count} who chatted here before the wave", count=len(self.spared_regulars))
            )
        if self.spared_protected:
            spared.append(tr.say("{count} moderators, VIPs or bots", count=self.spared_protected))
        if spared:
            text += tr.say("; spared: {names}", names=", ".join(spared))
        return text + "."


def ban_plan(
    analysis: Analysis,
    accounts: Iterable[Account],
    *,
    earlier_chatters: Collection[int],
    protected: Collection[int] = (),
) -> BanPlan:
    """Return the ban plan for a check's accounts.

    ``earlier_chatters`` are the user ids who wrote in the channel before the wave began (the
    caller asks storage for messages before the check's first flagged creation day, or before
    the raid's start); ``protected`` those never to ban.
    """
    ban: list[Account] = []
    regulars: list[Account] = []
    protected_n = not_flagged = 0
    seen: set[int] = set()
    for a in accounts:
        if a.user_id in seen:
            continue
        seen.add(a.user_id)
        mask = analysis.flags.get(a.user_id, 0)
        if not mask & FLAGGED_MASK or mask & _NEVER:
            not_flagged += 1
        elif a.user_id in protected:
            protected_n += 1
        elif a.user_id in earlier_chatters:
            regulars.append(a)
        else:
            ban.append(a)
    ban.sort(key=lambda a: (-(a.created_at.timestamp() if a.created_at else 0.0), a.user_id))
    return BanPlan(tuple(ban), tuple(regulars), protected_n, not_flagged)
