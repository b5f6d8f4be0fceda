"""The dashboard in a real browser: Playwright driving Debian's Chromium against twitchsim.

Screenshots at 390 px (a phone) and 1280 px land in test-output/dashboard/ for review.
Skipped, with the reason, where Playwright or Chromium is missing (.ci/run installs both).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.pages.conftest import Dash

CHROMIUM = os.environ.get("BOTCHECK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parents[2] / "test-output" / "dashboard"

try:
    from playwright.async_api import Page, async_playwright
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = None

pytestmark = [
    pytest.mark.skipif(async_playwright is None, reason="the playwright package is not installed"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
    pytest.mark.timeout(180),
]


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    assert async_playwright is not None
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        tab = await context.new_page()
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if "Refused" in m.text else None)
        try:
            yield tab
        finally:
            await browser.close()
        # The CSP refuses nothing the pages ask for (no inline style, script or other origin).
        assert errors == []


async def shoot(page: Page, name: str) -> None:
    """Save the page at phone and desktop widths."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1280, 800)):
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 800})


async def test_a_moderators_tour(dash: Dash, page: Page) -> None:
    url = dash.url
    await page.goto(f"{url}/dashboard")
    await shoot(page, "0-signed-out")

    dash.login_as("moddy")
    await page.click("text=Log in with Twitch")
    await page.wait_for_url(f"{url}/dashboard")
    assert await page.locator("a[href='/dashboard/c/alpha']").count() == 1
    assert await page.locator("a[href='/dashboard/c/beta']").count() == 0
    await shoot(page, "1-channels")

    response = await page.goto(f"{url}/dashboard/c/beta")
    assert response is not None and response.status == 404

    await page.goto(f"{url}/dashboard/c/alpha")
    point = page.locator(".chart .pt").first
    await point.focus()  # what a tap does
    assert await point.locator(".tip").is_visible()
    assert "chatters" in (await point.get_attribute("aria-label") or "")
    await shoot(page, "2-channel")

    await page.click("text=Run a check now")
    await page.wait_for_url(f"{url}/dashboard/c/alpha/running*")
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    # The bar moves while the page stays: running.js polls running.json, no reload.
    await page.wait_for_selector("#progress-text:has-text('30 of 60')", timeout=30_000)
    assert await page.locator("#progress-bar").text_content() == "30"
    assert loads == []
    await page.wait_for_url(f"{url}/dashboard/c/alpha/checks/4", timeout=30_000)
    assert "Check #4" in await page.inner_text("h1")

    await page.goto(f"{url}/dashboard/c/alpha/checks/2")
    await page.get_by_role("heading", name="Compared with the previous check").wait_for()
    await shoot(page, "3-check")

    await page.goto(f"{url}/dashboard/c/alpha")
    await page.fill("#chatter-login", "viewer025")
    await page.click("form[role=search] button")
    await page.wait_for_url(f"{url}/dashboard/c/alpha/chatters/900000025")
    assert await page.locator(".messages li.deleted").count() == 2
    await shoot(page, "4-chatter")

    await page.goto(f"{url}/dashboard/c/alpha")
    await page.check("#pick-1")
    await page.check("#pick-2")
    await page.fill("#session-name", "Raid night")
    await page.click("text=Create session")
    await page.wait_for_url(f"{url}/dashboard/c/alpha/sessions/*")
    assert await page.locator(".tag.kept").count() >= 1
    assert (await dash.db.captures.get(1)).pinned
    await shoot(page, "5-session")

    await page.emulate_media(color_scheme="dark")
    await page.goto(f"{url}/dashboard/c/alpha/checks/2")
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(19, 19, 22)"  # the dark palette
    await shoot(page, "6-check-dark")
    await page.emulate_media(color_scheme="light")

    await page.click("text=Log out")
    await page.wait_for_url(f"{url}/dashboard")
    dash.login_as(None)  # Twitch would ask again: nobody approves now
    response = await page.goto(f"{url}/api/v1/channels")
    assert response is not None and response.status == 401
    response = await page.goto(f"{url}/dashboard/c/alpha")
    assert response is not None and response.status >= 400
