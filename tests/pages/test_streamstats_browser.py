"""The streams page, a daily report and a stream report's analytics in Chromium at phone and
desktop widths: nothing refused by the CSP, nothing wider than the screen (issue 18)."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.streams.daily import DailyReporter
from reports.daily_page import DailyLinks, write_daily_report
from storage import ChatMessage, ViewerSample
from tests.pages.conftest import T0, Dash
from tests.pages.test_browser import page, pytestmark, shoot  # noqa: F401 (fixture, marks)

_ids = itertools.count()


async def _seed(dash: Dash) -> None:
    db, alpha = dash.db, dash.ids["alpha"]
    await db.channels.set_timezone(alpha, "Europe/Paris")
    for d in range(1, 4):
        start = T0 - timedelta(days=d, hours=1)
        s = await db.history.start_session(
            channel_id=alpha,
            stream_id=f"br-{d}",
            started_at=start,
            title="evening",
            category="Chess",
            report_token=f"br{d}".ljust(32, "b"),
        )
        await db.history.add_viewer_samples(
            [
                ViewerSample(
                    s.session_id,
                    start + timedelta(minutes=5 * i),
                    40 + i,
                    "Chess" if i < 18 else "Art",
                )
                for i in range(36)
            ]
        )
        await db.history.end_session(s.session_id, ended_at=start + timedelta(hours=3))
        await db.history.write_batch(
            messages=[
                ChatMessage(
                    message_id=f"br-{next(_ids)}",
                    channel_id=alpha,
                    user_id=9000 + (i * 7) % (25 + d),
                    login=f"fan{(i * 7) % (25 + d)}",
                    display_name="",
                    text="gg",
                    sent_at=start + timedelta(minutes=(i * 37) % 180, seconds=i % 60),
                )
                for i in range(120 if d > 1 else 60)
            ]
        )


async def test_streams_page_and_daily_report_in_chromium(
    dash: Dash,
    page: Any,  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    await _seed(dash)
    daily = DailyReporter(
        db=dash.db,
        data_dir=tmp_path,
        public_url=dash.url,
        ttl=timedelta(days=30),
        clock=dash.clock,
        channels=lambda: [dash.ids["alpha"]],
        catch_up_days=3,
    )
    written = await daily.run_once()
    assert written
    # Sign in the browser as moddy (the same way the tour does).
    dash.login_as("moddy")
    await page.goto(f"{dash.url}/dashboard")
    await page.click("text=Log in with Twitch")
    await page.wait_for_url(f"{dash.url}/dashboard")
    await page.goto(f"{dash.url}/dashboard/c/alpha/streams")
    assert await page.locator("#categories").count() == 1
    assert await page.locator("#daily-reports li").count() == len(written)
    await shoot(page, "streams")
    await _no_overflow(page)

    rows = await dash.db.daily_reports.recent(dash.ids["alpha"])
    row = max(rows, key=lambda r: json.loads(r.body)["messages"])  # a day with a stream
    out = tmp_path / "shot-daily"
    write_daily_report(json.loads(row.body), out, links=DailyLinks())
    await page.goto((out / "index.html").as_uri())
    await shoot(page, "daily-report")
    await _no_overflow(page)


async def _no_overflow(tab: Any) -> None:
    for width in (390, 1280):
        await tab.set_viewport_size({"width": width, "height": 800})
        wide = await tab.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{wide} px wide at {width}"


pytestmark = [*pytestmark, pytest.mark.timeout(240)]
