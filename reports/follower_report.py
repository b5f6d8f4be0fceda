"""The follower report: page (templates/followers.html), CSV, JSON and the one chat message.

Pure like the other writers: a `FollowerAnalysis` and its follows in, text out. The page uses
the report pages' base template and stylesheet, so `reports.page.page_csp` covers it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

from reports import text
from reports.followers import Follower, FollowerAnalysis
from reports.html_page import render
from reports.i18n import ENGLISH, N_, Speaker, said
from reports.model import Level
from reports.page import Figure
from reports.summary import LEVEL_WORDS

MAX_CHARS = 500  # one chat message
MAX_TABLE_ROWS = 12
LEADS = {
    Level.HIGH: N_("Likely follow-bots"),
    Level.ELEVATED: N_("Worth a look"),
    Level.LOW: N_("Nothing unusual"),
}
CSV_COLUMNS = (
    "user_id",
    "login",
    "display_name",
    "created_at",
    "followed_at",
    "minutes_to_follow",
    "flags",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class FollowerLinks:
    """Where the page's downloads live, relative to the page."""

    csv: str = "followers.csv"
    json: str = "analysis.json"

    @classmethod
    def for_token(cls, token: str) -> FollowerLinks:
        return cls(csv=f"{token}.csv", json=f"{token}.json")


def follower_summary(a: FollowerAnalysis, link: str, tr: Speaker = ENGLISH) -> str:
    """Return the chat message (at most 500 characters), the verdict in words first."""
    tail = tr.say("Report: {link}", link=link)
    if a.follows == 0:
        first = tr.say("Nothing to check: the channel has no follows in that window.")
    else:
        reason = _lower_first(said(a.verdict.reasons[0], tr))
        first = tr.say("{lead}: {finding}", lead=tr.say(LEADS[a.verdict.level]), finding=reason)
    sentences = [first]
    if a.follows and a.first_follow is not None:
        sentences.append(
            tr.say(
                "{count} latest follows checked, since {when}.",
                count=tr.num(a.follows),
                when=tr.when(a.first_follow),
            )
        )
    budget = MAX_CHARS - len(tail) - 1
    out: list[str] = []
    for sentence in sentences:
        need = len(sentence) + (1 if out else 0)
        if need <= budget:
            out.append(sentence)
            budget -= need
        elif not out and budget > 20:
            out.append(sentence[: budget - 1].rstrip() + "…")
            budget = 0
    return " ".join([*out, tail])


def follower_page(
    a: FollowerAnalysis,
    *,
    title: str,
    links: FollowerLinks | None = None,
    partial: str = "",
    speaker: Speaker = ENGLISH,
) -> str:
    """Return the follower report page as one HTML document, in the speaker's language (the
    verdict's reasons too; their times in the speaker's timezone, labelled)."""
    tr = speaker
    bursts = sorted(a.bursts, key=lambda b: (-b.bots, -b.count))[:MAX_TABLE_ROWS]
    return render(
        "followers.html",
        speaker=tr,
        title=title,
        generated=tr.when(a.generated_at),
        follows=tr.num(a.follows),
        partial=partial,
        level=str(a.verdict.level),
        level_word=tr.say(LEVEL_WORDS[a.verdict.level]),
        lead=tr.say(LEADS[a.verdict.level]),
        reasons=[said(r, tr) for r in a.verdict.reasons],
        figures=_figures(a, tr),
        bursts=[
            (
                f"{text.clock(b.start)} ({text.minutes(b.start, b.end)})",
                ", ".join(b.sample_logins),
                tr.num(b.count),
                tr.num(round(b.expected)),
                tr.num(b.bots),
                tr.num(b.quick),
            )
            for b in bursts
        ],
        creation_reasons=[said(r, tr) for r in a.creation.verdict.reasons],
        links=links or FollowerLinks(),
    )


def _figures(a: FollowerAnalysis, tr: Speaker) -> list[Figure]:
    span = (
        f"{text.clock(a.first_follow)} – {text.clock(a.last_follow)}"
        if a.first_follow and a.last_follow
        else "–"
    )
    return [
        Figure("follows", tr.say("Follows checked"), tr.num(a.follows)),
        Figure("span", tr.say("Followed between"), span),
        Figure("bursts", tr.say("Follow bursts"), tr.num(len(a.bursts))),
        Figure("bots", tr.say("Likely follow-bots"), tr.num(a.bots)),
        Figure("quick", tr.say("Followed within 30 min of creation"), tr.num(a.quick)),
    ]


def follower_csv(a: FollowerAnalysis, followers: Sequence[Follower]) -> str:
    """Return one row per follow, newest first, with its follow and creation flags."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in sorted(followers, key=lambda f: f.followed_at, reverse=True):
        acc = f.account
        created = acc.created_at
        minutes = f"{(f.followed_at - created).total_seconds() / 60:.1f}" if created else ""
        flags = sorted(a.flags_for(acc.user_id)) + sorted(
            x for x in a.creation.flag_text(acc.user_id).split(";") if x
        )
        writer.writerow(
            (
                acc.user_id,
                _cell(acc.login),
                _cell(acc.display_name),
                created.isoformat().replace("+00:00", "Z") if created else "",
                f.followed_at.isoformat().replace("+00:00", "Z"),
                minutes,
                ";".join(flags),
            )
        )
    return buf.getvalue()


def follower_json(a: FollowerAnalysis) -> str:
    """Return the analysis as pretty JSON."""
    return json.dumps(a.to_dict(), indent=1, ensure_ascii=False) + "\n"


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:] if sentence[:1].isalpha() else sentence
