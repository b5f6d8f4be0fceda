"""The HTML report page: mobile-first, one file, no external assets.

The chart is embedded as a data URI, so the page's content security policy (`PAGE_CSP`) allows
only that image scheme and the page's own inline stylesheet (by its hash), and nothing else.
Download links are relative, given by `ReportLinks`: `chart.png` beside a local file, or
`<token>.png` beside `/r/<token>` when served.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from string import Template

from reports import text
from reports.html_page import csp_for, png_data_uri, template
from reports.model import Analysis, Burst, LoginPattern, Traits, Wave

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


def _template() -> str:
    return template("page.html")


def page_csp() -> str:
    """Return the Content-Security-Policy that lets the page render and nothing more."""
    return csp_for("page.html")


def page_html(
    analysis: Analysis, *, title: str, chart_png: bytes, links: ReportLinks | None = None
) -> str:
    """Return the report page as one HTML document."""
    links = links or ReportLinks()
    t = analysis.totals
    e = html.escape
    window_note = (
        f" · window: accounts created in the last {text.num(analysis.window_days)} days "
        f"({text.num(analysis.window_count or 0)})"
        if analysis.window_days is not None
        else ""
    )
    values = {
        "title": e(title),
        "generated": e(text.clock(analysis.generated_at)),
        "chatters": e(text.num(t.chatters)),
        "window_note": e(window_note),
        "level": e(str(analysis.verdict.level)),
        "reasons": "".join(f"<li>{e(r)}</li>" for r in analysis.verdict.reasons),
        "figures": _figures(analysis),
        "signals": _signals(analysis),
        "chart_src": png_data_uri(chart_png),
        "chart_alt": e(_chart_alt(analysis)),
        "top_days": _top_days(analysis),
        "csv_href": e(links.csv),
        "json_href": e(links.json),
        "png_href": e(links.png),
    }
    return Template(_template()).substitute(values)


def _figure(label: str, value: str, ident: str) -> str:
    e = html.escape
    return f'<div id="fig-{ident}"><dt>{e(label)}</dt><dd>{e(value)}</dd></div>'


def _figures(a: Analysis) -> str:
    t = a.totals
    viewers = text.num(t.viewer_count) if t.viewer_count is not None else "offline"
    median = f"{a.median_age_days / 365.25:.1f} y" if a.median_age_days is not None else "–"
    young = text.pct(a.young_share(90)) if t.analysed else "–"
    flagged = f"{text.num(a.flagged)} ({text.pct(a.flagged_share)})" if t.analysed else "–"
    apart = len(t.service_bots) + len(t.known_bots) + t.unknown
    bots = f"{len(t.service_bots)} / {len(t.known_bots)}"
    return "".join(
        (
            _figure("Chatters", text.num(t.chatters), "chatters"),
            _figure("Viewers", viewers, "viewers"),
            _figure("In waves or bursts", flagged, "flagged"),
            _figure("Under 90 days old", young, "young"),
            _figure("Median account age", median, "median"),
            _figure("Analysed", text.num(t.analysed), "analysed"),
            _figure("Service / listed bots", bots, "bots"),
            _figure("Set apart in all", text.num(apart), "apart"),
        )
    )


def _patterns(patterns: tuple[LoginPattern, ...]) -> str:
    return ", ".join(f"{p.pattern} ({text.num(p.count)})" for p in patterns[:3]) or "–"


def _signals(a: Analysis) -> str:
    e = html.escape
    out = []
    if a.waves:
        rows = "".join(
            _wave_row(w) for w in sorted(a.waves, key=lambda w: -w.count)[:MAX_TABLE_ROWS]
        )
        out.append(
            '<h2>Waves</h2><table id="waves"><thead><tr><th>Created</th><th>Accounts</th>'
            f"<th>Expected</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    if a.bursts:
        rows = "".join(
            _burst_row(b) for b in sorted(a.bursts, key=lambda b: -b.count)[:MAX_TABLE_ROWS]
        )
        out.append(
            '<h2>Bursts</h2><table id="bursts"><thead><tr><th>Created (UTC)</th>'
            f"<th>Accounts</th><th>Span</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    if a.renames:
        shown = a.renames[:MAX_TABLE_ROWS]
        items = "".join(f"<li>{e(r.login)} was {e(', '.join(r.earlier))}</li>" for r in shown)
        more = len(a.renames) - len(shown)
        tail = f"<li>and {text.num(more)} more (see the CSV)</li>" if more > 0 else ""
        out.append(f'<h2>Renamed accounts</h2><ul id="renames">{items}{tail}</ul>')
    return "\n".join(out)


def _traits_line(traits: Traits, logins: tuple[str, ...]) -> str:
    e = html.escape
    return (
        f'<div class="logins">default avatar {e(text.pct(traits.default_avatar_share))} · '
        f"no description {e(text.pct(traits.empty_description_share))} · patterns: "
        f"{e(_patterns(traits.patterns))} · e.g. {e(', '.join(logins))}</div>"
    )


def _wave_row(w: Wave) -> str:
    e = html.escape
    return (
        f"<tr><td>{e(text.day_range(w.start, w.end))}"
        f"{_traits_line(w.traits, w.sample_logins)}</td>"
        f'<td class="n">{e(text.num(w.count))} ({e(text.pct(w.share))})</td>'
        f'<td class="n">{e(text.num(round(w.expected)))}</td></tr>'
    )


def _burst_row(b: Burst) -> str:
    e = html.escape
    return (
        f"<tr><td>{e(text.clock(b.start))}"
        f"{_traits_line(b.traits, b.sample_logins)}</td>"
        f'<td class="n">{e(text.num(b.count))} ({e(text.pct(b.share))})</td>'
        f'<td class="n">{e(text.minutes(b.start, b.end))}</td></tr>'
    )


def _top_days(a: Analysis) -> str:
    e = html.escape
    if not a.top_days:
        return "<p>No creation dates to show.</p>"
    rows = "".join(
        f'<tr><td>{e(text.day(d.day))}</td><td class="n">{e(text.num(d.count))}</td>'
        f'<td class="n">{e(text.pct(d.share))}</td></tr>'
        for d in a.top_days
    )
    return (
        '<table id="top-days"><thead><tr><th>Day</th><th>Accounts</th><th>Share</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _chart_alt(a: Analysis) -> str:
    if a.waves:
        w = max(a.waves, key=lambda w: w.count)
        return (
            f"Chart of account creation dates; the largest wave, {w.count} accounts, "
            f"is on {text.day_range(w.start, w.end)}."
        )
    return "Chart of account creation dates per day and per month, and the young-account share."
