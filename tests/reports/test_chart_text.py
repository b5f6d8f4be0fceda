"""Chart words in the channel's language: titles, axis words and month names (issue 18)."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.dates import date2num

from reports import chart_text
from reports.analysis import analyze
from reports.chart import PHONE, _frame, chart_png
from reports.i18n import Speaker
from reports.stream_chart import _UniqueTimes, stream_chart_png
from storage import Database
from tests.reports.builders import NOW, farm, organic
from tests.reports.test_stream_page import gather

ENGLISH_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def _analysis() -> object:
    return analyze(
        organic(400) + farm(120, datetime(2026, 10, 30, tzinfo=UTC), spread=timedelta(days=2)),
        now=NOW,
        known_bot_logins=frozenset(),
    )


def _words(tr: Speaker) -> list[str]:
    """Every text the check chart drew, in `tr`'s language."""
    chart_png(_analysis(), title="", tr=tr)  # type: ignore[arg-type]
    frame = _frame(PHONE, chart_text.families(tr))
    words = [frame.title.get_text(), *(t.get_text() for t in frame.titles)]
    for ax in frame.axes:
        words += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        words.append(ax.xaxis.get_offset_text().get_text())
    return [w for w in words if w]


def test_the_check_chart_speaks_french() -> None:
    words = _words(Speaker("fr", "Europe/Paris"))
    assert words[0] == "Dates de création des comptes"
    assert "Comptes créés par mois" in words
    assert any(w.endswith(" jours") for w in words)  # the young-account bars
    assert not [w for w in words if ENGLISH_MONTH.search(w)], words
    assert not [w for w in words if re.search(r"\b(days|Accounts|Share|year)\b", w)], words


def test_english_stays_as_it_was() -> None:
    words = _words(Speaker())
    assert words[0] == "Account creation dates" and "Accounts created per month" in words
    assert "Share of accounts younger than…" in words and "30 days" in words


def test_japanese_charts_need_a_japanese_font() -> None:
    # Without one every character would be a box: the chart keeps its English words.
    spoken = chart_text.chart_speaker(Speaker("ja", "Asia/Tokyo"))
    assert spoken.timezone == "Asia/Tokyo"
    assert spoken.language == ("ja" if chart_text.cjk_family() else "en")
    assert chart_text.chart_speaker(Speaker("de")).language == "de"


@pytest.mark.parametrize(
    ("language", "midnight", "weekday"),
    [
        pytest.param("en", "22 Nov", "Sat 12h", id="en"),
        pytest.param("fr", "22 nov.", "sam. 12h", id="fr"),
        pytest.param("de", "22. Nov.", "Sa. 12h", id="de"),
    ],
)
def test_stream_chart_day_ticks_read_the_language(
    language: str, midnight: str, weekday: str
) -> None:
    start = datetime(2026, 11, 21, 12, tzinfo=UTC)
    times = [start, start + timedelta(hours=12), start + timedelta(days=1)]
    labels = _UniqueTimes(UTC, Speaker(language)).format_ticks([date2num(t) for t in times])
    assert labels[1] == midnight and labels[0] == weekday


needs_cjk_font = pytest.mark.skipif(
    chart_text.cjk_family() is None,
    reason="no Japanese font installed (Debian: apt-get install fonts-noto-cjk)",
)


def _glyph_warnings(draw: object) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()  # type: ignore[operator]
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@needs_cjk_font
def test_japanese_charts_draw_every_glyph_with_the_japanese_font() -> None:
    ja = Speaker("ja", "Asia/Tokyo")
    words = _words(ja)
    assert words[0] == "アカウント作成日"
    assert not _glyph_warnings(lambda: chart_png(_analysis(), tr=ja))  # type: ignore[arg-type]
    frame = _frame(PHONE, chart_text.families(ja))
    assert frame.title.get_fontfamily() == ["DejaVu Sans", chart_text.cjk_family()]
    # Other languages never load it: their frame keeps matplotlib's default family.
    _words(Speaker("fr"))
    assert _frame(PHONE).title.get_fontfamily() == ["sans-serif"]


@needs_cjk_font
async def test_a_japanese_stream_chart_draws_every_glyph(db: Database) -> None:
    report = await gather(db)
    ja = Speaker("ja", "Asia/Tokyo")
    assert not _glyph_warnings(lambda: stream_chart_png(report, tr=ja))


def test_without_the_font_matplotlib_would_draw_boxes() -> None:
    # What the families above prevent: Japanese in DejaVu Sans alone warns of missing glyphs.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.5, "アカウント作成日", family="DejaVu Sans")
    assert _glyph_warnings(fig.canvas.draw)
