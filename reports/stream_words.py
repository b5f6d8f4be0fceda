"""Stream words in the channel's language: durations, rates and moderation actions, counted.

Shared by the statistics replies (`commands.stats_text`) and the stream page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from reports.i18n import N_, Speaker
from storage.stats_results import ActionCount

# A moderation action's name in words (the English word is the action's stored value).
ACTION_WORDS = {
    "ban": N_("ban"),
    "timeout": N_("timeout"),
    "unban": N_("unban"),
    "untimeout": N_("untimeout"),
    "delete": N_("delete"),
    "clear": N_("clear"),
    "other": N_("other"),
}


def action_word(tr: Speaker, name: str) -> str:
    """One moderation action's name: "timeout", "expulsion temporaire"."""
    return tr.say(ACTION_WORDS[name]) if name in ACTION_WORDS else name


def action(tr: Speaker, name: str, n: int) -> str:
    """ "3 timeouts", "1 ban": one kind of moderation action, counted."""
    if name == "ban":
        return tr.nsay("{n} ban", "{n} bans", n)
    if name == "timeout":
        return tr.nsay("{n} timeout", "{n} timeouts", n)
    if name == "unban":
        return tr.nsay("{n} unban", "{n} unbans", n)
    if name == "untimeout":
        return tr.nsay("{n} untimeout", "{n} untimeouts", n)
    if name == "delete":
        return tr.nsay("{n} deletion", "{n} deletions", n)
    if name == "clear":
        return tr.nsay("{n} chat clear", "{n} chat clears", n)
    return tr.nsay("{n} other", "{n} others", n)


def duration(tr: Speaker, span: timedelta) -> str:
    """ "45 min", "2 h 05 min" or "3 days 4 h" in the channel's language."""
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes < 60:
        return tr.say("{minutes} min", minutes=minutes)
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return tr.say("{hours} h {minutes} min", hours=hours, minutes=f"{rest:02d}")
    days, hours = divmod(hours, 24)
    return tr.nsay("{n} day {hours} h", "{n} days {hours} h", days, hours=hours)


def rate(tr: Speaker, per_minute: float) -> str:
    return tr.num(round(per_minute, 1)) if per_minute < 100 else tr.num(round(per_minute))


def moderation(tr: Speaker, actions: Sequence[ActionCount]) -> str:
    """ "5 mod actions (3 timeouts, 2 bans)" or "no mod actions"."""
    total = sum(a.count for a in actions)
    if not total:
        return tr.say("no mod actions")
    parts = ", ".join(action(tr, a.action, a.count) for a in actions[:3])
    return tr.nsay("{n} mod action ({actions})", "{n} mod actions ({actions})", total,
                   actions=parts)  # fmt: skip
