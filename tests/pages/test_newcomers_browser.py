"""The newcomer list in a real browser: a young first-time chatter appears without a reload,
under the dashboard's strict CSP (Playwright driving Debian's Chromium, as test_browser.py)."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Dash
from tests.pages.test_browser import page, pytestmark  # noqa: F401  (the browser and its skips)
from tests.pages.test_newcomers import newcomer


async def test_a_new_young_chatter_appears_without_reload(dash: Dash, page: Any) -> None:  # noqa: F811
    await newcomer(dash.db, 9101, "early_bird", age_days=3, text="hello from earlier")
    dash.login_as("moddy")
    await page.goto(f"{dash.url}/login")
    await page.wait_for_url(f"{dash.url}/dashboard")
    await page.goto(f"{dash.url}/dashboard/c/alpha")
    await page.click("a[href='/dashboard/c/alpha/newcomers']")
    await page.wait_for_url(f"{dash.url}/dashboard/c/alpha/newcomers")
    rows = page.locator("#newcomers-rows tr")
    assert await rows.count() == 1
    await page.evaluate("window.sameDocument = true")

    await newcomer(dash.db, 9102, "just_arrived", age_days=0.5, text="is this the raid", ago_s=1)
    await page.locator("#newcomers-rows tr[data-user='9102']").wait_for(timeout=20_000)
    assert await page.evaluate("window.sameDocument === true")  # no reload happened
    first = page.locator("#newcomers-rows tr").first
    assert "just_arrived" in await first.inner_text()
    assert "is this the raid" in await first.inner_text()
    link = first.locator("a")
    assert await link.get_attribute("href") == "/dashboard/c/alpha/chatters/9102"
    assert "2 listed" in await page.locator("#newcomers-status").inner_text()
