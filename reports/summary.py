"""The one chat message: the main signal in numbers, the verdict, and the report link."""

from __future__ import annotations

from reports import text
from reports.model import Analysis

MAX_CHARS = 500  # Twitch's limit for one chat message


def summary_text(analysis: Analysis, link: str) -> str:
    """Return at most 500 characters that always end with `link`."""
    tail = f"Verdict: {analysis.verdict.level}. Report: {link}"
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
        return ["No chatters in the list to check."]
    lead: list[str] = []
    waves = sorted(a.waves, key=lambda w: -w.count)
    bursts = sorted(a.bursts, key=lambda b: -b.count)
    if waves:
        w = waves[0]
        lead.append(
            f"{text.num(w.count)} of {text.num(t.analysed)} chatters ({text.pct(w.share)}) "
            f"were created on {text.day_range(w.start, w.end)}"
        )
    elif bursts:
        b = bursts[0]
        lead.append(
            f"{text.num(b.count)} of {text.num(t.analysed)} chatters ({text.pct(b.share)}) "
            f"were created within {text.minutes(b.start, b.end)} of each other on "
            f"{text.day(b.start.date())}"
        )
    if t.analysed:
        if not lead:
            lead.append("no waves of accounts created on the same days")
        lead.append(f"{text.pct(a.young_share(90))} are under 90 days old")
    elif t.service_bots or t.known_bots:
        lead.append(f"all {text.num(t.chatters)} chatters are service or listed bots")
    else:
        lead.append(f"no creation dates known for the {text.num(t.chatters)} chatters")
    first = ", ".join(lead)
    first = first[0].upper() + first[1:]
    sentences = []
    if t.viewer_count is not None:
        sentences.append(
            f"{first}; {text.num(t.chatters)} chatters for {text.num(t.viewer_count)} viewers."
        )
    else:
        sentences.append(f"{first}; {text.num(t.chatters)} chatters, stream offline.")
    if a.window_days is not None and t.analysed:
        sentences.append(
            f"{text.num(a.window_count or 0)} created in the last {text.num(a.window_days)} days."
        )
    more = len(waves) - 1 if waves else len(bursts) - 1
    if more > 0:
        kind = "wave" if waves else "burst"
        sentences.append(f"{more} more {kind}{'s' if more > 1 else ''} in the report.")
    apart = []
    if t.service_bots:
        apart.append(f"{text.num(len(t.service_bots))} service bots")
    if t.known_bots:
        apart.append(f"{text.num(len(t.known_bots))} listed lurker bots")
    if apart and t.analysed:
        sentences.append(f"Not counted: {' and '.join(apart)}.")
    return sentences
