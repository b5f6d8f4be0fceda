"""Chart words in the channel's language: titles, axis words and month names (issue 18)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.dates import date2num

from reports import chart_text
from reports.analysis import analyze
from reports.chart import PHONE, _frame, chart_png
from reports.i18n import Speaker
from reports.stream_chart import _UniqueTimes
from tests.reports.builders import NOW, farm, organic

ENGLISH_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def _words(tr: Speaker) -> list[str]:
    """Every text the check chart drew, in `tr`'s language."""
    analysis = analyze(
        organic(400) + farm(120, datetime(2026, 10, 30, tzinfo=UTC), spread=timedelta(days=2)),
        now=NOW,
        known_bot_logins=frozenset(),
    )
    chart_png(analysis, title="", tr=tr)
    frame = _frame(PHONE)
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
