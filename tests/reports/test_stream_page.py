"""The stream report page: its figures, its safety, and how it renders in Chromium on a phone."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.pages.streams import StreamReports
from reports.i18n import Speaker
from reports.stream_chart import stream_chart_png
from reports.stream_export import csv_text
from reports.stream_model import StreamReport, bucket_for
from reports.stream_page import StreamLinks, stream_page_csp, stream_page_html
from storage import Database, ModAction, ModerationEvent
from storage.stream_events import EventKind, StreamEvent
from tests.storage.test_stats import NOW, STREAM_END, at, load_history

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = (390, 2600)


async def gather(
    db: Database, title: str = "Speedruns", events: tuple[ModerationEvent, ...] = ()
) -> StreamReport:
    session = await load_history(db, title=title)
    await db.history.write_batch(events=events)
    streams = StreamReports(
        db=db,
        data_dir=Path("/nonexistent"),
        public_url="http://x",
        ttl=timedelta(days=30),
        clock=lambda: NOW,
    )
    return await streams.gather(session)


def figure(html: str, ident: str) -> str:
    m = re.search(rf'<div id="fig-{ident}"><dt>[^<]*</dt><dd>([^<]*)</dd>', html)
    assert m, ident
    return m.group(1)


async def test_the_page_shows_the_key_figures(db: Database) -> None:
    report = await gather(db)
    page = stream_page_html(report, chart_png=b"png", links=StreamLinks.for_token("t" * 32))
    assert figure(page, "messages") == "10"
    assert figure(page, "chatters") == "4"
    assert figure(page, "peak") == "150"
    assert figure(page, "avg") == "123"
    assert figure(page, "ratio") == "3%"
    assert figure(page, "moderation") == "3"
    assert figure(page, "captures") == "1"
    assert "1 h 30 min" in page and "Ended" in page
    assert 'href="tttttttttttttttttttttttttttttttt.csv"' in page
    assert 'http-equiv="refresh"' not in page  # only a live stream's page reloads itself
    # Nothing outside the page: no scripts, no remote URLs.
    assert "<script" not in page and "http://" not in page and "https://" not in page


async def test_user_text_is_escaped(db: Database) -> None:
    ban = ModerationEvent(
        "x1",
        42,
        ModAction.BAN,
        at(21, 18, 50),
        moderator_login="mod",
        target_login="eve",
        reason="<script>alert(1)</script>",
    )
    report = await gather(db, title="<img src=x onerror=alert(1)>", events=(ban,))
    page = stream_page_html(report, chart_png=b"png", links=StreamLinks())
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


async def test_the_csp_allows_exactly_the_inline_style(db: Database) -> None:
    page = stream_page_html(await gather(db), chart_png=b"png", links=StreamLinks())
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in stream_page_csp()
    assert "script-src 'sha256-" in stream_page_csp()  # the live script, by hash


async def test_csv_cells_cannot_become_formulas(db: Database) -> None:
    timeout = ModerationEvent(
        "x2", 42, ModAction.TIMEOUT, at(21, 18, 51), target_login="eve", reason="=HYPERLINK(1)"
    )
    text = csv_text(await gather(db, events=(timeout,)))
    assert "'=HYPERLINK(1)" in text


@pytest.mark.parametrize(
    ("span", "minutes"),
    [
        pytest.param(timedelta(minutes=45), 1, id="short"),
        pytest.param(timedelta(hours=3), 2, id="evening"),
        pytest.param(timedelta(hours=30), 15, id="marathon"),
    ],
)
def test_bucket_width_keeps_the_chart_readable(span: timedelta, minutes: int) -> None:
    assert bucket_for(span) == timedelta(minutes=minutes)


async def test_the_chart_is_a_phone_sized_png(db: Database) -> None:
    png = stream_chart_png(await gather(db))
    with Image.open(io.BytesIO(png)) as im:
        width, height = im.size
    assert 600 <= width <= 900 and height > 400


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
async def test_chromium_renders_the_page_at_phone_width(db: Database, tmp_path: Path) -> None:
    session = await load_history(db)
    streams = StreamReports(
        db=db,
        data_dir=tmp_path / "data",
        public_url="http://x",
        ttl=timedelta(days=30),
        clock=lambda: STREAM_END + timedelta(minutes=5),
    )
    directory = await streams.resolve(session.report_token)
    assert directory is not None
    page = directory / "index.html"
    shot = tmp_path / "page.png"
    common = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--window-size={PHONE[0]},{PHONE[1]}",
    ]
    subprocess.run(
        [
            *common,
            f"--user-data-dir={tmp_path / 'chrome-a'}",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    dom = subprocess.run(
        [*common, f"--user-data-dir={tmp_path / 'chrome-b'}", "--dump-dom", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=90,
        text=True,
    ).stdout
    assert figure(dom, "messages") == "10" and figure(dom, "peak") == "150"
    assert "alice" in dom and "Moderation" in dom
    with Image.open(shot) as im:
        assert im.size == PHONE
        colours = im.convert("RGB").resize((39, 260)).getcolors(maxcolors=100_000)
    assert colours is not None and len(colours) > 50  # text, figures and the chart, not blank


@pytest.mark.parametrize(
    "span",
    [
        pytest.param(timedelta(minutes=2), id="two-minutes"),
        pytest.param(timedelta(minutes=7), id="seven-minutes"),
        pytest.param(timedelta(minutes=45), id="short"),
        pytest.param(timedelta(hours=3, minutes=10), id="evening"),
        pytest.param(timedelta(hours=30), id="marathon"),
        pytest.param(timedelta(hours=47), id="two-days"),
        pytest.param(timedelta(hours=70), id="three-days"),
    ],
)
def test_time_ticks_never_repeat_a_label(span: timedelta) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from reports.stream_chart import MAX_TICKS, _time_ticks, _x

    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    start = NOW.replace(second=17)
    ax.set_xlim(_x(start), _x(start + span))
    _time_ticks(ax, span.total_seconds() / 60)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(labels) >= 2, labels
    assert len(labels) <= MAX_TICKS + 1, labels
    assert len(set(labels)) == len(labels), labels


@pytest.mark.parametrize(
    ("language", "words"),
    [
        pytest.param(
            "fr", ("Chatteurs les plus actifs", "Pic de spectateurs", "Terminé le"), id="fr"
        ),
        pytest.param("ja", ("チャット上位", "最大視聴者数", "に終了"), id="ja"),
    ],
)
async def test_the_stream_page_is_written_in_the_channels_language(
    db: Database, language: str, words: tuple[str, ...]
) -> None:
    page = stream_page_html(
        await gather(db),
        chart_png=b"png",
        links=StreamLinks(),
        speaker=Speaker(language, "Europe/Paris"),
    )
    assert f'<html lang="{language}">' in page
    for word in words:
        assert word in page
    assert "Top chatters" not in page and "No moderation actions" not in page
    assert figure(page, "messages") == "10"  # the figures and their ids are the same


@pytest.mark.parametrize(
    ("zone", "clock", "label"),
    [
        pytest.param("Europe/Paris", "21:30", "CET", id="paris"),
        pytest.param("UTC", "20:30", "UTC", id="utc"),
    ],
)
async def test_the_stream_page_shows_times_in_the_channels_timezone(
    db: Database, zone: str, clock: str, label: str
) -> None:
    raid = StreamEvent(
        "r1", 42, EventKind.RAID_IN, datetime(2026, 11, 21, 20, 30, tzinfo=UTC), None, "big"
    )
    report = replace(await gather(db), stream_events=(raid,))
    page = stream_page_html(
        report, chart_png=b"png", links=StreamLinks(), speaker=Speaker("en", zone)
    )
    row = re.search(
        r'<table id="stream-events"><thead><tr><th>([^<]*)</th>.*?<td class="t">([^<]*)<',
        page,
        re.S,
    )
    assert row is not None and row.groups() == (label, clock)
    assert f"raid from big (0) at {clock} {label}" in page  # the chart's alt text
    assert f"times in {zone}" in page and "keep every time in UTC" in page
    if zone != "UTC":
        assert "<th>UTC</th>" not in page and not re.search(r"\d\d:\d\d(:\d\d)? UTC", page)


def test_time_ticks_read_the_channels_clock() -> None:
    from zoneinfo import ZoneInfo

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from reports.stream_chart import _time_ticks, _x

    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    start = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)  # 21:00 in Paris
    ax.set_xlim(_x(start), _x(start + timedelta(hours=2)))
    _time_ticks(ax, 120, ZoneInfo("Europe/Paris"))
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels[0] == "21:00" and labels[-1] == "23:00", labels
