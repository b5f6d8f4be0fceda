"""The verdict: low, elevated or high, with the signals behind it.

Reasons are observations about accounts ("48 accounts were created within 3 minutes"), never
claims about people. Only waves and bursts can make a verdict high: they are the signals tested
against the audience's own baseline. Youth, lurker lists and chatter/viewer counts can raise it
to elevated at most, because ordinary channels vary widely on them.
"""

from __future__ import annotations

from reports.i18n import N_, Fmt, Phrase, joined
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
PERSON_PACE = N_(
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
        reasons.append(_paced(wave_sentence(w, analysed, inner), weak))
    for i, b in sorted(enumerate(bursts), key=lambda ib: -ib[1].count):
        if i not in inside:
            reasons.append(_paced(burst_sentence(b, analysed), not notable(b)))
    for r in sorted(stem_runs, key=lambda r: -r.count):
        reasons.append(
            Phrase(
                N_(
                    "{count} accounts sharing the login pattern “{stem}” were created on "
                    "{days}, against about {expected} expected from how often this audience "
                    "uses it."
                ),
                count=Fmt("num", r.count),
                stem=r.stem,
                days=Fmt("day_range", r.start, r.end),
                expected=_about(r.expected),
            )
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
        share = Fmt("pct", under30.share)
        raid = raid_phrase(totals)
        if raid:
            reasons.append(
                Phrase(
                    N_("{share} of the accounts are under 30 days old, {raid}."),
                    share=share,
                    raid=raid,
                )
            )
        else:
            reasons.append(
                Phrase(N_("{share} of the accounts are under 30 days old."), share=share)
            )
        level = max(level, Level.ELEVATED, key=_rank)
    elif (waves or bursts) and raid_phrase(totals):
        # Waves right after a raid: say so next to the largest one, where it is read.
        reasons.insert(1, Phrase(N_("These chatters came {raid}."), raid=raid_phrase(totals)))
    known = len(totals.known_bots)
    if known >= KNOWN_BOTS_ELEVATED_MIN and known >= KNOWN_BOTS_ELEVATED_SHARE * totals.chatters:
        reasons.append(
            Phrase(
                N_("{count} of {chatters} chatters are on the known lurker-bot list."),
                count=Fmt("num", known),
                chatters=Fmt("num", totals.chatters),
            )
        )
        level = max(level, Level.ELEVATED, key=_rank)
    multi = len(totals.multi_channel)
    if (
        multi >= MULTI_CHANNEL_ELEVATED_MIN
        and multi >= MULTI_CHANNEL_ELEVATED_SHARE * totals.chatters
    ):
        reasons.append(
            Phrase(
                N_(
                    "{count} of {chatters} chatters were in the chat of several other channels "
                    "in the same hour."
                ),
                count=Fmt("num", multi),
                chatters=Fmt("num", totals.chatters),
            )
        )
        level = max(level, Level.ELEVATED, key=_rank)
    viewers = totals.viewer_count
    if viewers is not None and totals.chatters > CHATTERS_OVER_VIEWERS * viewers + CHATTERS_MARGIN:
        reasons.append(
            Phrase(
                N_("{chatters} accounts are in chat for {viewers} viewers."),
                chatters=Fmt("num", totals.chatters),
                viewers=Fmt("num", viewers),
            )
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
    ago = (
        Phrase(N_("less than a minute"))
        if minutes < 1
        else Phrase(N_("{minutes} min"), minutes=Fmt("num", round(minutes)))
    )
    return Phrase(
        N_(
            "right after a raid from {login} brought {viewers} viewers ({ago} before this "
            "check); a raid's viewers arrive together"
        ),
        login=raid.from_login,
        viewers=Fmt("num", raid.viewers),
        ago=ago,
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
    parts: list[str] = [
        Phrase(
            N_(
                "{count} of {analysed} accounts ({share}) were created on {days}, against "
                "about {expected} expected from this audience's other days"
            ),
            count=Fmt("num", w.count),
            analysed=Fmt("num", analysed),
            share=Fmt("pct", w.share),
            days=Fmt("day_range", w.start, w.end),
            expected=_about(w.expected),
        )
    ]
    if bursts:
        b = max(bursts, key=lambda b: b.count)
        parts.append(
            Phrase(
                N_("; {count} of them within {span}"),
                count=Fmt("num", b.count),
                span=Fmt("span", b.start, b.end),
            )
        )
        if b.remnants:
            parts.append(
                Phrase(N_(" and {count} more within hours of them"), count=Fmt("num", b.remnants))
            )
    parts.append(".")
    traits = _traits(w.traits, w.count)
    return joined(*parts, traits) if traits else joined(*parts)


def burst_sentence(b: Burst, analysed: int) -> str:
    """Describe a burst as an observation."""
    parts: list[str] = [
        Phrase(
            N_("{count} of {analysed} accounts ({share}) were created within {span} on {when}"),
            count=Fmt("num", b.count),
            analysed=Fmt("num", analysed),
            share=Fmt("pct", b.share),
            span=Fmt("span", b.start, b.end),
            when=Fmt("when", b.start),
        )
    ]
    if b.remnants:
        parts.append(
            Phrase(
                N_(
                    ", and {count} more within hours of them, on days when almost no one else "
                    "here signed up"
                ),
                count=Fmt("num", b.remnants),
            )
        )
    parts.append(".")
    traits = _traits(b.traits, b.count)
    return joined(*parts, traits) if traits else joined(*parts)


def _traits(traits: Traits, count: int) -> str:
    parts: list[str] = []
    if traits.default_avatar_share >= 0.5:
        parts.append(
            Phrase(
                N_("{share} keep the default avatar"),
                share=Fmt("pct", traits.default_avatar_share),
            )
        )
    patterns: tuple[LoginPattern, ...] = traits.patterns
    if patterns:
        parts.append(
            Phrase(
                N_("{count} share the login pattern “{pattern}”"),
                count=Fmt("num", patterns[0].count),
                pattern=patterns[0].pattern,
            )
        )
    if traits.renamed:
        parts.append(Phrase(N_("{count} have had another login"), count=Fmt("num", traits.renamed)))
    if traits.silent is not None and traits.silent_share is not None:
        if traits.silent == count:
            parts.append(
                Phrase(N_("none of the {count} ever chatted here"), count=Fmt("num", count))
            )
        elif traits.silent_share >= 0.5:
            parts.append(Phrase(N_("{count} never chatted here"), count=Fmt("num", traits.silent)))
    if not parts:
        return ""
    between = [x for i, p in enumerate(parts) for x in ((p,) if i == 0 else ("; ", p))]
    return joined(" ", *between, ".")


def _paced(sentence: str, weak: bool) -> str:
    return joined(sentence, Phrase(PERSON_PACE)) if weak else sentence


def _about(expected: float) -> str:
    if expected < 1:
        return Phrase(N_("none")) if expected < 0.5 else "1"
    return Fmt("num", round(expected))


def _calm(totals: Totals) -> str:
    if totals.analysed == 0:
        return Phrase(N_("No chatters with a known creation date to analyse."))
    return Phrase(N_("No unusual clusters of account creation dates among these chatters."))


def _rank(level: Level) -> int:
    return (Level.LOW, Level.ELEVATED, Level.HIGH).index(level)
