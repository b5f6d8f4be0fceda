"""The chart: its shapes keep text readable, and a reused figure draws what a fresh one does."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from reports.analysis import analyze
from reports.chart import DESKTOP, PHONE, Shape, chart_png
from reports.model import Analysis
from tests.reports.builders import NOW, farm, organic


def _fresh(a: Analysis, shape: Shape) -> bytes:
    """Render in a new thread: a figure of its own, made from nothing."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(chart_png, a, title="t", shape=shape).result()


@pytest.mark.parametrize("shape", [PHONE, DESKTOP], ids=lambda s: s.name)
def test_text_is_at_least_12_css_px_where_the_page_shows_it(shape: Shape) -> None:
    assert shape.min_text_px >= 12


@pytest.mark.parametrize("shape", [PHONE, DESKTOP], ids=lambda s: s.name)
def test_a_reused_figure_draws_what_a_fresh_one_does(shape: Shape) -> None:
    waves = analyze(
        organic(800) + farm(200, datetime(2026, 6, 1, tzinfo=UTC), spread=timedelta(hours=2)),
        now=NOW,
    )
    empty = analyze([], now=NOW)
    windowed = analyze(organic(300), now=NOW, window=timedelta(days=30))
    first = chart_png(waves, title="t", shape=shape)
    for other in (empty, windowed):  # leave other data, empty panels and fixed ticks behind
        chart_png(other, title="other", shape=shape)
    assert chart_png(waves, title="t", shape=shape) == first
    assert _fresh(waves, shape) == first
    assert chart_png(empty, title="t", shape=shape) == _fresh(empty, shape)
