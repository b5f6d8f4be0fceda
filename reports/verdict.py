"""The verdict: low, elevated or high, with the signals behind it.

Reasons are observations about accounts ("48 accounts were created within 3 minutes"), never
claims about people. Only waves and bursts can make a verdict high: they are the signals tested
against the audience's own baseline. Youth, lurker lists and chatter/viewer counts can raise it
to elevated at most, because ordinary channels vary widely on them.
"""

from __future__ import annotations

from reports import text
from reports.model import (
    AgeBucket,
    Burst,
    Level,
    LoginPattern,
    StemRun,
    Totals,
    Traits,
    Verdict,
    Wave,
)

HIGH_MIN_ACCOUNTS = 10
HIGH_MIN_SHARE = 0.05  # of analysed chatters in waves or bursts
# "High" also needs one group that people signing up together would not make: more accounts
# than a class or a raid's newcomers, a sitting at a machine's pace, or a shared login pattern.
STRONG_MIN_ACCOUNTS = 50
SITTING_MIN_ACCOUNTS = 10
SITTING_PACE_S = 60.0  # seconds per account, at most, over the whole burst
PATTERN_MIN_SHARE = 0.5  # of the group sharing one login pattern
PATTERN_MIN_ACCOUNTS = 5
NOTABLE_SITTING_MIN = 5  # a burst this large at a machine's pace is worth a look
MIN_STEM_RUN_NOTABLE = 5
YOUNG_ELEVATED_SHARE = 0.25  # under 30 days
YOUNG_ELEVATED_MIN = 10
KNOWN_BOTS_ELEVATED_SHARE = 0.10
KNOWN_BOTS_ELEVATED_MIN = 10
CHATTERS_OVER_VIEWERS = 1.5  # chatters above this multiple of viewers (plus a margin)
CHATTERS_MARGIN = 20
MULTI_CHANNEL_ELEVATED_SHARE = 0.05  # of chatters seen in several served channels at once
MULTI_CHANNEL_ELEVATED_MIN = 10
MAX_REASONS = 6
PERSON_PACE = (
    " Made at a person's pace without a shared login pattern, as friends or a class signing"
    " up together would be."
)


def decide(
    totals: Totals,
    waves: tuple[Wave, ...],
    bursts: tuple[Burst, ...],
    young: tuple[AgeBucket, ...],
    flagged: int,
    *,
    stem_runs: tuple[StemRun, ...] = (),
) -> Verdict:
    """Return the verdict for an analysis' parts."""
    reasons: list[str] = []
    analysed = totals.analysed
    inside: set[int] = set()
    for w in sorted(waves, key=lambda w: -w.count):
        within = [
            i
            for i, b in enumerate(bursts)
            if w.start <= b.start.date() <= w.end and i not in inside
        ]
        inside.update(within)
        inner = [bursts[i] for i in within]
        weak = not notable(w) and not any(notable(b) for b in inner)
        reasons.append(wave_sentence(w, analysed, inner) + (PERSON_PACE if weak else ""))
    for i, b in sorted(enumerate(bursts), key=lambda ib: -ib[1].count):
        if i not in inside:
            reasons.append(burst_sentence(b, analysed) + ("" if notable(b) else PERSON_PACE))
    for r in sorted(stem_runs, key=lambda r: -r.count):
        reasons.append(
            f"{text.num(r.count)} accounts sharing the login pattern “{r.stem}” were created on "
            f"{text.day_range(r.start, r.end)}, against about {_about(r.expected)} expected "
            "from how often this audience uses it."
        )
    level = Level.LOW
    # A stem run shares a login pattern by definition: notable, and strong from 10 accounts.
    if (
        any(notable(w) for w in waves)
        or any(notable(b) for b in bursts)
        or any(r.count >= MIN_STEM_RUN_NOTABLE for r in stem_runs)
    ):
        level = Level.ELEVATED
        if (
            flagged >= HIGH_MIN_ACCOUNTS
            and flagged >= HIGH_MIN_SHARE * analysed
            and (
                any(strong(w) for w in waves)
                or any(strong(b) for b in bursts)
                or any(r.count >= SITTING_MIN_ACCOUNTS for r in stem_runs)
            )
        ):
            level = Level.HIGH
    under30 = next((b for b in young if b.days == 30), None)
    young_wave = (
        under30 is not None
        and under30.count >= YOUNG_ELEVATED_MIN
        and under30.share >= YOUNG_ELEVATED_SHARE
    )
    if young_wave and under30 is not None:
        said = f"{text.pct(under30.share)} of the accounts are under 30 days old"
        raid = raid_phrase(totals)
        reasons.append(f"{said}, {raid}." if raid else f"{said}.")
        level = max(level, Level.ELEVATED, key=_rank)
    elif (waves or bursts) and raid_phrase(totals):
        # Waves right after a raid: say so next to the largest one, where it is read.
        reasons.insert(1, f"These chatters came {raid_phrase(totals)}.")
    known = len(totals.known_bots)
    if known >= KNOWN_BOTS_ELEVATED_MIN and known >= KNOWN_BOTS_ELEVATED_SHARE * totals.chatters:
        reasons.append(
            f"{text.num(known)} of {text.num(totals.chatters)} chatters are on the known "
            "lurker-bot list."
        )
        level = max(level, Level.ELEVATED, key=_rank)
    multi = len(totals.multi_channel)
    if (
        multi >= MULTI_CHANNEL_ELEVATED_MIN
        and multi >= MULTI_CHANNEL_ELEVATED_SHARE * totals.chatters
    ):
        reasons.append(
            f"{text.num(multi)} of {text.num(totals.chatters)} chatters were in the chat of "
            "several other channels in the same hour."
        )
        level = max(level, Level.ELEVATED, key=_rank)
    viewers = totals.viewer_count
    if viewers is not None and totals.chatters > CHATTERS_OVER_VIEWERS * viewers + CHATTERS_MARGIN:
        reasons.append(
            f"{text.num(totals.chatters)} accounts are in chat for {text.num(viewers)} viewers."
        )
        level = max(level, Level.ELEVATED, key=_rank)
    if not reasons:
        reasons.append(_calm(totals))
    return Verdict(level, tuple(reasons[:MAX_REASONS]))


def raid_phrase(totals: Totals) -> str:
    """ "right after a raid from X brought 300 viewers (4 minutes before this check)", or ""."""
    raid, minutes = totals.raid, totals.raid_minutes
    if raid is None or minutes is None:
        return ""
    ago = "less than a minute" if minutes < 1 else f"{text.num(round(minutes))} min"
    return (
        f"right after a raid from {raid.from_login} brought {text.num(raid.viewers)} viewers "
        f"({ago} before this check); a raid's viewers arrive together"
    )


def strong(group: Wave | Burst) -> bool:
    """Tell whether a wave or burst is beyond what friends, a class or a raid would make."""
    if group.count >= STRONG_MIN_ACCOUNTS:
        return True
    if (
        isinstance(group, Burst)
        and group.count >= SITTING_MIN_ACCOUNTS
        and (group.end - group.start).total_seconds() <= SITTING_PACE_S * group.count
    ):
        return True
    patterns = group.traits.patterns
    return bool(patterns) and patterns[0].count >= max(
        PATTERN_MIN_ACCOUNTS, PATTERN_MIN_SHARE * group.count
    )


def notable(group: Wave | Burst) -> bool:
    """Tell whether a wave or burst is worth a moderator's look: strong, or a quick sitting.

    Friends, a class or a raid's newcomers make small waves and short chains at a person's pace
    with ordinary logins; those are listed as observations but leave the verdict low.
    """
    if strong(group):
        return True
    return (
        isinstance(group, Burst)
        and group.count >= NOTABLE_SITTING_MIN
        and (group.end - group.start).total_seconds() <= SITTING_PACE_S * group.count
    )


def wave_sentence(w: Wave, analysed: int, bursts: list[Burst] | None = None) -> str:
    """Describe a wave (and the bursts inside it) as an observation."""
    out = (
        f"{text.num(w.count)} of {text.num(analysed)} accounts ({text.pct(w.share)}) were "
        f"created on {text.day_range(w.start, w.end)}, against about {_about(w.expected)} "
        "expected from this audience's other days"
    )
    if bursts:
        b = max(bursts, key=lambda b: b.count)
        out += f"; {text.num(b.count)} of them within {text.minutes(b.start, b.end)}"
        if b.remnants:
            out += f" and {text.num(b.remnants)} more within hours of them"
    out += "."
    return out + _traits(w.traits, w.count)


def burst_sentence(b: Burst, analysed: int) -> str:
    """Describe a burst as an observation."""
    out = (
        f"{text.num(b.count)} of {text.num(analysed)} accounts ({text.pct(b.share)}) were "
        f"created within {text.minutes(b.start, b.end)} on {text.clock(b.start)}"
    )
    if b.remnants:
        out += f", and {text.num(b.remnants)} more within hours of them, on days when almost "
        out += "no one else here signed up"
    return out + "." + _traits(b.traits, b.count)


def _traits(traits: Traits, count: int) -> str:
    parts = []
    if traits.default_avatar_share >= 0.5:
        parts.append(f"{text.pct(traits.default_avatar_share)} keep the default avatar")
    patterns: tuple[LoginPattern, ...] = traits.patterns
    if patterns:
        parts.append(
            f"{text.num(patterns[0].count)} share the login pattern “{patterns[0].pattern}”"
        )
    if traits.renamed:
        parts.append(f"{text.num(traits.renamed)} have had another login")
    if traits.silent is not None and traits.silent_share is not None:
        if traits.silent == count:
            parts.append(f"none of the {text.num(count)} ever chatted here")
        elif traits.silent_share >= 0.5:
            parts.append(f"{text.num(traits.silent)} never chatted here")
    return f" {'; '.join(parts)}." if parts else ""


def _about(expected: float) -> str:
    if expected < 1:
        return "none" if expected < 0.5 else "1"
    return text.num(round(expected))


def _calm(totals: Totals) -> str:
    if totals.analysed == 0:
        return "No chatters with a known creation date to analyse."
    return "No unusual clusters of account creation dates among these chatters."


def _rank(level: Level) -> int:
    return (Level.LOW, Level.ELEVATED, Level.HIGH).index(level)
