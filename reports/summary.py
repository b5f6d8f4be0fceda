"""The one chat message: the verdict in words first, the main signal in numbers, the report link.

A moderator reads it at a glance in a busy chat, so it leads with what the check found
("Likely viewbot waves: ..."), counts the chatters once (the ones checked) and says in plain
words who was set apart and why.
"""

from __future__ import annotations

from reports import text
from reports.model import Analysis, Level

MAX_CHARS = 500  # Twitch's limit for one chat message
LEADS = {
    Level.HIGH: "Likely viewbot waves",
    Level.ELEVATED: "Worth a look",
    Level.LOW: "Nothing unusual",
}
NOTHING_TO_CHECK = "Nothing to check"


def summary_text(analysis: Analysis, link: str) -> str:
    """Return at most 500 characters that always end with `link`."""
    tail = f"Report: {link}"
    if len(tail) > MAX_CHARS:
        return link if len(link) <= MAX_CHARS else link[:MAX_CHARS]  # a link that long is a bug
    budget = MAX_CHARS - len(tail) - 1
    out: list[str] = []
    for sentence in _sentences(analysis):
        need = len(sentence) + (1 if out else 0)
        if need <= budget:
            out.append(sentence)
            budget -= need
        elif not out and budget > 20:  # the lead matters most: shorten it rather than drop it
            out.append(sentence[: budget - 1].rstrip() + "…")
            budget = 0
    return " ".join([*out, tail])


def _sentences(a: Analysis) -> list[str]:
    t = a.totals
    if t.chatters == 0:
        return [f"{NOTHING_TO_CHECK}: no chatters were in the list."]
    if not t.analysed:
        if t.service_bots or t.known_bots:
            lead = f"all {text.num(t.chatters)} chatters are service or listed bots"
        else:
            lead = f"no account creation dates are known for the {text.num(t.chatters)} chatters"
        return [f"{NOTHING_TO_CHECK}: {lead}.", *_stream(a), *_set_apart(a)]
    finding = _finding(a)
    sentences = [f"{LEADS[a.verdict.level]}: {finding}."]
    if t.raid is not None and "raid" not in finding:
        sentences.append(_raid(a))  # young accounts right after a raid: say so early
    sentences.append(
        f"{text.pct(a.young_share(90))} of the chatters' accounts are under 90 days old."
    )
    if a.window_days is not None:
        sentences.append(
            f"{text.num(a.window_count or 0)} were created in the last "
            f"{text.num(a.window_days)} days."
        )
    if "viewers" not in finding:
        sentences += _stream(a)
    more = len(a.waves) - 1 if a.waves else len(a.bursts) - 1
    if more > 0:
        kind = "wave" if a.waves else "burst"
        sentences.append(f"{more} more {kind}{'s' if more > 1 else ''} in the report.")
    return sentences + _set_apart(a)


def _finding(a: Analysis) -> str:
    """Return the main signal: the largest wave, else the largest burst, else the calm."""
    checked = f"{text.num(a.totals.analysed)} chatters"
    if a.waves:
        w = max(a.waves, key=lambda w: w.count)
        return (
            f"{text.num(w.count)} of {checked} ({text.pct(w.share)}) have accounts created "
            f"on {text.day_range(w.start, w.end)}, when {_about(w.expected)} would be normal"
        )
    if a.bursts:
        b = max(a.bursts, key=lambda b: b.count)
        return (
            f"{text.num(b.count)} of {checked} ({text.pct(b.share)}) have accounts created "
            f"within {text.minutes(b.start, b.end)} of each other on {text.day(b.start.date())}"
        )
    if a.verdict.level is not Level.LOW and a.verdict.reasons:
        # Young accounts, a lurker list or more chatters than viewers: the verdict's own words.
        return a.verdict.reasons[0].rstrip(".")
    return f"no waves of accounts created on the same days among {checked}"


def _about(expected: float) -> str:
    if expected < 0.5:
        return "none"
    return f"about {text.num(max(1, round(expected)))}"


def _raid(a: Analysis) -> str:
    raid, minutes = a.totals.raid, a.totals.raid_minutes or 0.0
    assert raid is not None
    ago = "under a minute" if minutes < 1 else f"{text.num(round(minutes))} min"
    return (
        f"This came right after a raid from {raid.from_login} with "
        f"{text.num(raid.viewers)} viewers, {ago} before the check."
    )


def _stream(a: Analysis) -> list[str]:
    viewers = a.totals.viewer_count
    if viewers is None:
        return ["The stream is offline."]
    return [f"The stream shows {text.num(viewers)} viewer{'s' if viewers != 1 else ''}."]


def _set_apart(a: Analysis) -> list[str]:
    t = a.totals
    parts = []
    if t.service_bots:
        parts.append(_count(len(t.service_bots), "service bot"))
    if t.known_bots:
        parts.append(_count(len(t.known_bots), "listed lurker bot"))
    if t.unknown:
        parts.append(f"{text.num(t.unknown)} with no known creation date")
    if not parts or not t.analysed:
        return []
    return [f"Not counted above: {', '.join(parts)}."]


def _count(n: int, noun: str) -> str:
    return f"{text.num(n)} {noun}" + ("" if n == 1 else "s")
