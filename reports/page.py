"""The HTML report page: mobile-first, one file, no external assets (templates/page.html).

The verdict comes first, in words and compact, then the figures, then the chart: a phone render
and a wide one (`reports.chart.PHONE`/`DESKTOP`), both embedded as data URIs, so the page's
content security policy (`page_csp`) allows only that image scheme and the page's own inline
stylesheet (by its hash), and nothing else. Download links are relative, given by
`ReportLinks`: `chart.png` beside a local file, or `<token>.png` beside `/r/<token>` when served.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports import zones
from reports.chart import DESKTOP, PHONE
from reports.html_page import csp, png_data_uri, render
from reports.i18n import ENGLISH, Speaker, said
from reports.model import Analysis, Burst, LoginPattern, Traits, Wave
from reports.summary import LEADS, LEVEL_WORDS

MAX_TABLE_ROWS = 12


@dataclass(frozen=True, slots=True)
class ReportLinks:
    """Where the page's downloads live, relative to the page itself."""

    png: str = "chart.png"
    csv: str = "chatters.csv"
    json: str = "analysis.json"

    @classmethod
    def for_token(cls, token: str) -> ReportLinks:
        """Links for a page served at `/r/<token>` (downloads at `/r/<token>.png` etc.)."""
        return cls(png=f"{token}.png", csv=f"{token}.csv", json=f"{token}.json")


@dataclass(frozen=True, slots=True)
class Figure:
    ident: str
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class _Row:
    when: str
    traits: str
    count: str
    third: str


def page_csp() -> str:
    """Return the Content-Security-Policy that lets the page render and nothing more."""
    return csp()


def page_html(
    analysis: Analysis,
    *,
    title: str,
    chart_png: bytes,
    links: ReportLinks | None = None,
    chart_wide_png: bytes | None = None,
    speaker: Speaker = ENGLISH,
) -> str:
    """Return the report page as one HTML document, in the speaker's language and timezone."""
    tr = speaker
    t = analysis.totals
    window_note = (
        tr.say(
            " · window: accounts created in the last {days} days ({count})",
            days=tr.num(analysis.window_days),
            count=tr.num(analysis.window_count or 0),
        )
        if analysis.window_days is not None
        else ""
    )
    waves = sorted(analysis.waves, key=lambda w: -w.count)[:MAX_TABLE_ROWS]
    bursts = sorted(analysis.bursts, key=lambda b: -b.count)[:MAX_TABLE_ROWS]
    return render(
        "page.html",
        speaker=tr,
        title=title,
        generated=tr.when(analysis.generated_at),
        chatters=tr.num(t.chatters),
        window_note=window_note,
        level=str(analysis.verdict.level),
        level_word=tr.say(LEVEL_WORDS[analysis.verdict.level]),
        lead=tr.say(LEADS[analysis.verdict.level]),
        reasons=[said(r, tr) for r in analysis.verdict.reasons],
        figures=_figures(analysis, tr),
        chart_src=png_data_uri(chart_png),
        chart_wide_src=png_data_uri(chart_wide_png) if chart_wide_png else None,
        text_px=_natural_text_px(PHONE.font, PHONE.dpi),
        wide_text_px=_natural_text_px(DESKTOP.font, DESKTOP.dpi),
        chart_alt=_chart_alt(analysis, tr),
        waves=[_wave_row(w, tr) for w in waves],
        bursts=[_burst_row(b, tr) for b in bursts],
        renames=_renames(analysis, tr),
        stem_runs=[
            (r.stem, tr.day_range(r.start, r.end), tr.num(r.count), tr.num(round(r.expected)))
            for r in analysis.stem_runs[:MAX_TABLE_ROWS]
        ],
        multi_channel=list(analysis.totals.multi_channel[: MAX_TABLE_ROWS * 4]),
        top_days=[(tr.day(d.day), tr.num(d.count), tr.pct(d.share)) for d in analysis.top_days],
        links=links or ReportLinks(),
        zone=zones.abbreviation(analysis.generated_at, zones.zone(tr.timezone)),
    )


def _natural_text_px(font_pt: float, dpi: int) -> str:
    """The chart's smallest letters in image pixels (a test scales it to the shown width)."""
    return f"{font_pt * dpi / 72:.1f}"


def _figures(a: Analysis, tr: Speaker) -> list[Figure]:
    t = a.totals
    viewers = tr.num(t.viewer_count) if t.viewer_count is not None else tr.say("offline")
    median = (
        tr.say("{years} years", years=tr.num(round(a.median_age_days / 365.25, 1)))
        if a.median_age_days is not None
        else "–"
    )
    if tr.english and a.median_age_days is not None:
        median = f"{a.median_age_days / 365.25:.1f} years"  # the house format: "3.0 years"
    young = tr.pct(a.young_share(90)) if t.analysed else "–"
    flagged = f"{tr.num(a.flagged)} ({tr.pct(a.flagged_share)})" if t.analysed else "–"
    apart = len(t.service_bots) + len(t.known_bots) + t.unknown
    return [
        Figure("chatters", tr.say("Chatters"), tr.num(t.chatters)),
        Figure("viewers", tr.say("Viewers"), viewers),
        Figure("flagged", tr.say("In waves or bursts"), flagged),
        Figure("young", tr.say("Under 90 days old"), young),
        Figure("median", tr.say("Median account age"), median),
        Figure("apart", tr.say("Bots and unknown dates, not counted"), tr.num(apart)),
        *_presence_figures(a, tr),
    ]


def _presence_figures(a: Analysis, tr: Speaker) -> list[Figure]:
    """Cross-channel presence and whether chat was recorded (issue 19)."""
    t = a.totals
    out = []
    if t.multi_channel:
        label = tr.say("Seen in several channels at once")
        out.append(Figure("multi", label, tr.num(len(t.multi_channel))))
    recorded = tr.say("yes") if t.chat_recorded else tr.say("no")
    out.append(Figure("chat", tr.say("Chat recorded here"), recorded))
    return out


def _patterns(patterns: tuple[LoginPattern, ...], tr: Speaker) -> str:
    return ", ".join(f"{p.pattern} ({tr.num(p.count)})" for p in patterns[:3]) or "–"


def _traits_line(traits: Traits, logins: tuple[str, ...], tr: Speaker) -> str:
    return tr.say(
        "default avatar {avatar} · no description {description} · patterns: {patterns}{more}"
        " · e.g. {logins}",
        avatar=tr.pct(traits.default_avatar_share),
        description=tr.pct(traits.empty_description_share),
        patterns=_patterns(traits.patterns, tr),
        more=_more_traits(traits, tr),
        logins=", ".join(logins),
    )


def _more_traits(traits: Traits, tr: Speaker) -> str:
    """Renames and silent accounts (issue 19), where known."""
    out = ""
    if traits.renamed:
        out += tr.say(" · renamed {count}", count=tr.num(traits.renamed))
    if traits.silent is not None and traits.silent_share is not None:
        if traits.silent_share >= 1.0:
            out += tr.say(" · none ever chatted here")
        else:
            out += tr.say(" · never chatted here {share}", share=tr.pct(traits.silent_share))
    return out


def _wave_row(w: Wave, tr: Speaker) -> _Row:
    return _Row(
        tr.day_range(w.start, w.end),
        _traits_line(w.traits, w.sample_logins, tr),
        f"{tr.num(w.count)} ({tr.pct(w.share)})",
        tr.num(round(w.expected)),
    )


def _burst_row(b: Burst, tr: Speaker) -> _Row:
    stragglers = (
        tr.nsay(" · {n} straggler made near it", " · {n} stragglers made near it", b.remnants)
        if b.remnants
        else ""
    )
    return _Row(
        tr.when(b.start),
        _traits_line(b.traits, b.sample_logins, tr) + stragglers,
        f"{tr.num(b.count)} ({tr.pct(b.share)})",
        tr.span(b.start, b.end),
    )


def _renames(a: Analysis, tr: Speaker) -> list[str]:
    shown = a.renames[:MAX_TABLE_ROWS]
    out = [
        tr.say("{login} was {earlier}", login=r.login, earlier=", ".join(r.earlier)) for r in shown
    ]
    more = len(a.renames) - len(shown)
    if more > 0:
        out.append(tr.say("and {count} more (see the CSV)", count=tr.num(more)))
    return out


def _chart_alt(a: Analysis, tr: Speaker) -> str:
    if a.waves:
        w = max(a.waves, key=lambda w: w.count)
        return tr.say(
            "Chart of account creation dates; the largest wave, {count} accounts, is on {days}.",
            count=tr.num(w.count),
            days=tr.day_range(w.start, w.end),
        )
    return tr.say(
        "Chart of account creation dates per day and per month, and the young-account share."
    )
