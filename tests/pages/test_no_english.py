"""Every dashboard page kind, in French and in Japanese, shows no English UI word: a channel's
pages in its language, pages of no channel and error pages in the browser's (issue 18)."""

from __future__ import annotations

import re

import pytest

from reports import zones
from tests.pages.conftest import Dash, client, logged_in
from tests.pages.seed import BASE_ID
from tests.reports.test_no_english import COMMON, JAPANESE_ONLY
from tests.reports.visible import english_left, visible_text

ALPHA = "/dashboard/c/alpha"
CHATTY = BASE_ID + 25  # the seeded chatter with messages and a timeout
CHANNEL_PAGES = (
    "",
    "/timezone",
    "/checks/2",
    "/checks/2/compare?with=1",
    f"/chatters/{CHATTY}",
    "/leaderboards",
    "/chat",
    "/compare?a=viewer_25&b=viewer_26",
    "/streams",
    "/newcomers",
    "/chatters?login=nobody_here",  # the "no such chatter" error page
    "/checks/999",  # not found
)
OWN_PAGES = ("/dashboard", "/dashboard/settings", "/dashboard/no-such-page")
WORDS = {"fr": COMMON, "ja": COMMON + JAPANESE_ONLY}
# Proper names: channels, seeded logins and chat, zone and language names.
NAMES = (
    "Alpha",
    "alpha",
    "beta",
    "moddy",
    "botcheck",
    "Twitch",
    "hello chat",
    "buy followers at example",
    "English",
    "API",
    "CSV",
    "JSON",
    "spam",
)  # fmt: skip  (the seeded timeout's reason, in the moderator's words)
_LOGINS = re.compile(r"\b(viewer|lena|mark|nobody)_?\w*")


def left(html: str, language: str) -> list[str]:
    text = _LOGINS.sub(" ", visible_text(html))
    return english_left(text, WORDS[language], NAMES + zones.names())


@pytest.mark.parametrize("language", ["fr", "ja"])
async def test_every_dashboard_page_speaks_the_language(dash: Dash, language: str) -> None:
    await dash.db.channels.set_language(dash.ids["alpha"], language)
    await dash.db.channels.set_timezone(dash.ids["alpha"], "Asia/Tokyo")
    found: dict[str, list[str]] = {}
    async with await logged_in(dash, "moddy") as http:
        http.headers["Accept-Language"] = f"{language},en;q=0.5"
        for page in [ALPHA + p for p in CHANNEL_PAGES] + list(OWN_PAGES):
            async with http.get(dash.url + page) as resp:
                html = await resp.text()
            assert f'<html lang="{language}">' in html, page
            if words := left(html, language):
                found[page] = words
    anonymous = client(headers={"Accept-Language": language})
    async with anonymous, anonymous.get(f"{dash.url}/dashboard") as resp:
        if words := left(await resp.text(), language):
            found["signed out"] = words
    assert not found, f"{language}: English left: {found}"


@pytest.mark.parametrize("language", ["fr", "ja"])
async def test_report_link_errors_speak_the_browsers_language(dash: Dash, language: str) -> None:
    http = client(headers={"Accept-Language": language})
    async with http, http.get(f"{dash.url}/r/{'z' * 32}") as resp:
        assert resp.status == 404
        text = await resp.text()
    assert not english_left(text, WORDS[language]), text
    async with client() as http, http.get(f"{dash.url}/r/{'z' * 32}") as resp:
        assert await resp.text() == "No report here: the link is wrong or the report has expired.\n"
