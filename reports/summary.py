"""The one chat message: the verdict in words first, the main signal in numbers, the report link.

A moderator reads it at a glance in a busy chat, so it leads with what the check found
("Likely viewbot waves: ..."), counts the chatters once (the ones checked) and says in plain
words who was set apart and why. It speaks the channel's language (`reports.i18n.Speaker`).
"""

from __future__ import annotations

from reports.i18n import ENGLISH, N_, Speaker, said
from reports.model import Analysis, Level

MAX_CHARS = 500  # Twitch's limit for one chat message
LEADS = {
    Level.HIGH: N_("Likely viewbot waves"),
    Level.ELEVATED: N_("Worth a look"),
    Level.LOW: N_("Nothing unusual"),
}
NOTHING_TO_CHECK = N_("Nothing to check")
# The verdict's level in words (the English word is the level's value, as in the JSON).
LEVEL_WORDS = {Level.HIGH: N_("high"), Level.ELEVATED: N_("elevated"), Level.LOW: N_("low")}


def summary_text(analysis: Analysis, link: str, tr: Speaker = ENGLISH) -> str:
    """Return at most 500 characters that always end with `link`."""
    tail = tr.say("Report: {link}", link=link)
    if len(tail) > MAX_CHARS:
        return link if len(link) <= MAX_CHARS else link[:MAX_CHARS]  # a link that long is a bug
    budget = MAX_CHARS - len(tail) - 1
    out: list[str] = []
    for sentence in _sentences(analysis, tr):
        need = len(sentence) + (1 if out else 0)
        if need <= budget:
            out.append(sentence)
            budget -= need
        elif not out and budget > 20:  # the lead matters most: shorten it rather than drop it
            out.append(sentence[: budget - 1].rstrip() + "…")
            budget = 0
    # Japanese runs its sentences together; the others leave a space (counted above either way).
    return ("" if tr.language == "ja" else " ").join([*out, tail])


def _sentences(a: Analysis, tr: Speaker) -> list[str]:
    t = a.totals
    nothing = tr.say(NOTHING_TO_CHECK)
    if t.chatters == 0:
        return [tr.say("{lead}: no chatters were in the list.", lead=nothing)]
    if not t.analysed:
        if t.service_bots or t.known_bots:
            why = tr.say(
                "{lead}: all {count} chatters are service or listed bots.",
                lead=nothing,
                count=tr.num(t.chatters),
            )
        else:
            why = tr.say(
                "{lead}: no account creation dates are known for the {count} chatters.",
                lead=nothing,
                count=tr.num(t.chatters),
            )
        return [why, *_stream(a, tr), *_set_apart(a, tr)]
    finding = _finding(a, tr)
    lead = tr.say(LEADS[a.verdict.level])
    sentences = [tr.say("{lead}: {finding}.", lead=lead, finding=finding)]
    if t.raid is not None and "raid" not in finding:
        sentences.append(_raid(a, tr))  # young accounts right after a raid: say so early
    sentences.append(
        tr.say(
            "{share} of the chatters' accounts are under 90 days old.",
            share=tr.pct(a.young_share(90)),
        )
    )
    if a.window_days is not None:
        sentences.append(
            tr.nsay(
                "{count} were created in the last {n} day.",
                "{count} were created in the last {n} days.",
                a.window_days,
                count=tr.num(a.window_count or 0),
            )
        )
    if not _finding_is_viewers(a):
        sentences += _stream(a, tr)
    more = len(a.waves) - 1 if a.waves else len(a.bursts) - 1
    if more > 0:
        if a.waves:
            said = tr.nsay("{n} more wave in the report.", "{n} more waves in the report.", more)
        else:
            said = tr.nsay("{n} more burst in the report.", "{n} more bursts in the report.", more)
        sentences.append(said)
    return sentences + _set_apart(a, tr)


def _finding_is_viewers(a: Analysis) -> bool:
    """Whether the main signal is the verdict's own sentence about viewers (said once)."""
    if a.waves or a.bursts or a.verdict.level is Level.LOW or not a.verdict.reasons:
        return False
    return "viewers" in a.verdict.reasons[0]


def _finding(a: Analysis, tr: Speaker) -> str:
    """Return the main signal: the largest wave, else the largest burst, else the calm."""
    if a.waves:
        w = max(a.waves, key=lambda w: w.count)
        return tr.say(
            "{count} of {checked} chatters ({share}) have accounts created on {days}, "
            "when {normal} would be normal",
            count=tr.num(w.count),
            checked=tr.num(a.totals.analysed),
            share=tr.pct(w.share),
            days=tr.day_range(w.start, w.end),
            normal=_about(w.expected, tr),
        )
    if a.bursts:
        b = max(a.bursts, key=lambda b: b.count)
        return tr.say(
            "{count} of {checked} chatters ({share}) have accounts created within {span} "
            "of each other on {day}",
            count=tr.num(b.count),
            checked=tr.num(a.totals.analysed),
            share=tr.pct(b.share),
            span=tr.span(b.start, b.end),
            day=tr.day(b.start.date()),
        )
    if a.verdict.level is not Level.LOW and a.verdict.reasons:
        # Young accounts, a lurker list or more chatters than viewers: the verdict's own words.
        return said(a.verdict.reasons[0], tr).rstrip(".")
    return tr.say(
        "no waves of accounts created on the same days among {checked} chatters",
        checked=tr.num(a.totals.analysed),
    )


def _about(expected: float, tr: Speaker) -> str:
    if expected < 0.5:
        return tr.say("none")
    return tr.say("about {count}", count=tr.num(max(1, round(expected))))


def _raid(a: Analysis, tr: Speaker) -> str:
    raid, minutes = a.totals.raid, a.totals.raid_minutes or 0.0
    assert raid is not None
    if minutes < 1:
        ago = tr.say("under a minute")
    else:
        ago = tr.say("{minutes} min", minutes=tr.num(round(minutes)))
    return tr.say(
        "This came right after a raid from {login} with {viewers} viewers, {ago} before the check.",
        login=raid.from_login,
        viewers=tr.num(raid.viewers),
        ago=ago,
    )


def _stream(a: Analysis, tr: Speaker) -> list[str]:
    viewers = a.totals.viewer_count
    if viewers is None:
        return [tr.say("The stream is offline.")]
    return [
        tr.nsay("The stream shows {n} viewer.", "The stream shows {n} viewers.", viewers),
    ]


def _set_apart(a: Analysis, tr: Speaker) -> list[str]:
    t = a.totals
    parts = []
    if t.service_bots:
        parts.append(tr.nsay("{n} service bot", "{n} service bots", len(t.service_bots)))
    if t.known_bots:
        parts.append(tr.nsay("{n} listed lurker bot", "{n} listed lurker bots", len(t.known_bots)))
    if t.unknown:
        parts.append(
            tr.nsay("{n} with no known creation date", "{n} with no known creation date", t.unknown)
        )
    if not parts or not t.analysed:
        return []
    return [tr.say("Not counted above: {parts}.", parts=", ".join(parts))]
