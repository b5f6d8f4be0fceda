"""The chat analytics pages in a real browser: a live chat page takes in a new message without
a reload, the search box completes earlier names, and screenshots at 390 and 1280 px."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storage import ChatMessage
from tests.pages import test_browser as browser
from tests.pages.analytics_seed import ALPHA, ANN, seed_chat
from tests.pages.conftest import Dash

pytestmark = browser.pytestmark  # skipped without Playwright or Chromium
page = browser.page  # the browser tab fixture
shoot = browser.shoot


async def sign_in(dash: Dash, page: Any) -> None:
    dash.login_as("moddy")
    await page.goto(f"{dash.url}/dashboard")
    await page.click("text=Log in with Twitch")
    await page.wait_for_url(f"{dash.url}/dashboard")


async def test_live_chat_page_refreshes_without_reload(dash: Dash, page: Any) -> None:
    await seed_chat(dash.db)
    now = datetime.now(UTC)
    await dash.db.history.start_session(
        channel_id=ALPHA,
        stream_id="live1",
        started_at=now - timedelta(hours=1),
        title="Live now",
        category="Games",
        report_token="l" * 32,
    )
    await sign_in(dash, page)
    await page.goto(f"{dash.url}/dashboard/c/alpha/chat?poll=1")
    field = page.locator("[data-field=messages_24h]")
    assert await field.text_content() == "15"
    assert await page.locator("[data-field=active_5m]").text_content() == "0"
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    await dash.db.history.write_batch(
        messages=[
            ChatMessage(
                message_id="live-new",
                channel_id=ALPHA,
                user_id=ANN,
                login="ann",
                display_name="ann",
                text="a new message",
                sent_at=datetime.now(UTC),
            )
        ]
    )
    await page.wait_for_selector("[data-field=messages_24h]:text-is('16')", timeout=20_000)
    assert await page.locator("[data-field=active_5m]").text_content() == "1"
    assert loads == []  # the figures changed in place
    await shoot(page, "a1-chat")


async def test_search_completes_earlier_names_and_pages_render(dash: Dash, page: Any) -> None:
    await seed_chat(dash.db)
    await sign_in(dash, page)
    url = dash.url
    await page.goto(f"{url}/dashboard/c/alpha")
    await page.locator("#chatter-login").press_sequentially("annie", delay=30)
    option = page.locator("#chatter-login-names option[value=ann]")
    await option.wait_for(state="attached", timeout=10_000)
    assert await option.get_attribute("label") == "ann (was annie_old)"
    await page.fill("#chatter-login", "annie_old")
    await page.click("form[role=search] button")
    await page.wait_for_url(f"{url}/dashboard/c/alpha/chatters/{ANN}")
    assert await page.locator("text=In figures").count() == 1
    await page.locator(".chart .pt").nth(0).focus()
    await shoot(page, "a2-chatter")

    await page.goto(f"{url}/dashboard/c/alpha/leaderboards")
    assert "ann" in await page.inner_text(".board")
    await shoot(page, "a3-leaderboards")

    await page.goto(f"{url}/dashboard/c/alpha/compare?a=ann&b=ben")
    assert "100%" in await page.inner_text("main")
    await shoot(page, "a4-compare")
