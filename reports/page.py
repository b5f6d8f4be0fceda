"""The HTML report page: mobile-first, one file, no external assets (templates/page.html).

The verdict comes first, in words and compact, then the figures, then the chart: a phone render
and a wide one (`reports.chart.PHONE`/`DESKTOP`), both embedded as data URIs, so the page's
content security policy (`page_csp`) allows only that image scheme and the page's own inline
stylesheet (by its hash), and nothing else. Download links are relative, given by
`ReportLinks`: `chart.png` beside a local file, or `<token>.png` beside `/r/<token>` when served.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports import text
from reports.chart import DESKTOP, PHONE
from reports.html_page import csp, png_data_uri, render
from reports.model import Analysis, Burst, LoginPattern, Traits, Wave
from reports.summary import LEADS

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
) -> str:
    """Return the report page as one HTML document."""
    t = analysis.totals
    window_note = (
        f" · window: accounts created in the last {text.num(analysis.window_days)} days "
        f"({text.num(analysis.window_count or 0)})"
        if analysis.window_days is not None
        else ""
    )
    waves = sorted(analysis.waves, key=lambda w: -w.count)[:MAX_TABLE_ROWS]
    bursts = sorted(analysis.bursts, key=lambda b: -b.count)[:MAX_TABLE_ROWS]
    return render(
        "page.html",
        title=title,
        generated=text.clock(analysis.generated_at),
        chatters=text.num(t.chatters),
        window_note=window_note,
        level=str(analysis.verdict.level),
        lead=LEADS[analysis.verdict.level],
        reasons=analysis.verdict.reasons,
        figures=_figures(analysis),
        chart_src=png_data_uri(chart_png),
        chart_wide_src=png_data_uri(chart_wide_png) if chart_wide_png else None,
        text_px=_natural_text_px(PHONE.font, PHONE.dpi),
        wide_text_px=_natural_text_px(DESKTOP.font, DESKTOP.dpi),
        chart_alt=_chart_alt(analysis),
        waves=[_wave_row(w) for w in waves],
        bursts=[_burst_row(b) for b in bursts],
        renames=_renames(analysis),
        stem_runs=[
            (r.stem, text.day_range(r.start, r.end), text.num(r.count), text.num(round(r.expected)))
            for r in analysis.stem_runs[:MAX_TABLE_ROWS]
        ],
        multi_channel=list(analysis.totals.multi_channel[: MAX_TABLE_ROWS * 4]),
        top_days=[
            (text.day(d.day), text.num(d.count), text.pct(d.share)) for d in analysis.top_days
        ],
        links=links or ReportLinks(),
    )


def _natural_text_px(font_pt: float, dpi: int) -> str:
    """The chart's smallest letters in image pixels (a test scales it to the shown width)."""
    return f"{font_pt * dpi / 72:.1f}"


def _figures(a: Analysis) -> list[Figure]:
    t = a.totals
    viewers = text.num(t.viewer_count) if t.viewer_count is not None else "offline"
    median = f"{a.median_age_days / 365.25:.1f} years" if a.median_age_days is not None else "–"
    young = text.pct(a.young_share(90)) if t.analysed else "–"
    flagged = f"{text.num(a.flagged)} ({text.pct(a.flagged_share)})" if t.analysed else "–"
    apart = len(t.service_bots) + len(t.known_bots) + t.unknown
    return [
        Figure("chatters", "Chatters", text.num(t.chatters)),
        Figure("viewers", "Viewers", viewers),
        Figure("flagged", "In waves or bursts", flagged),
        Figure("young", "Under 90 days old", young),
        Figure("median", "Median account age", median),
        Figure("apart", "Bots and unknown dates, not counted", text.num(apart)),
        *_presence_figures(a),
    ]


def _presence_figures(a: Analysis) -> list[Figure]:
    """Cross-channel presence and whether chat was recorded (issue 19)."""
    t = a.totals
    out = []
    if t.multi_channel:
        out.append(
            Figure("multi", "Seen in several channels at once", text.num(len(t.multi_channel)))
        )
    out.append(Figure("chat", "Chat recorded here", "yes" if t.chat_recorded else "no"))
    return out


def _patterns(patterns: tuple[LoginPattern, ...]) -> str:
    return ", ".join(f"{p.pattern} ({text.num(p.count)})" for p in patterns[:3]) or "–"


def _traits_line(traits: Traits, logins: tuple[str, ...]) -> str:
    return (
        f"default avatar {text.pct(traits.default_avatar_share)} · "
        f"no description {text.pct(traits.empty_description_share)} · patterns: "
        f"{_patterns(traits.patterns)}{_more_traits(traits)} · e.g. {', '.join(logins)}"
    )


def _more_traits(traits: Traits) -> str:
    """Renames and silent accounts (issue 19), where known."""
    out = ""
    if traits.renamed:
        out += f" · renamed {text.num(traits.renamed)}"
    if traits.silent is not None and traits.silent_share is not None:
        if traits.silent_share >= 1.0:
            out += " · none ever chatted here"
        else:
            out += f" · never chatted here {text.pct(traits.silent_share)}"
    return out


def _wave_row(w: Wave) -> _Row:
    return _Row(
        text.day_range(w.start, w.end),
        _traits_line(w.traits, w.sample_logins),
        f"{text.num(w.count)} ({text.pct(w.share)})",
        text.num(round(w.expected)),
    )


def _burst_row(b: Burst) -> _Row:
    stragglers = f" · {text.num(b.remnants)} stragglers made near it" if b.remnants else ""
    return _Row(
        text.clock(b.start),
        _traits_line(b.traits, b.sample_logins) + stragglers,
        f"{text.num(b.count)} ({text.pct(b.share)})",
        text.minutes(b.start, b.end),
    )


def _renames(a: Analysis) -> list[str]:
    shown = a.renames[:MAX_TABLE_ROWS]
    out = [f"{r.login} was {', '.join(r.earlier)}" for r in shown]
    more = len(a.renames) - len(shown)
    if more > 0:
        out.append(f"and {text.num(more)} more (see the CSV)")
    return out


def _chart_alt(a: Analysis) -> str:
    if a.waves:
        w = max(a.waves, key=lambda w: w.count)
        return (
            f"Chart of account creation dates; the largest wave, {w.count} accounts, "
            f"is on {text.day_range(w.start, w.end)}."
        )
    return "Chart of account creation dates per day and per month, and the young-account share."
