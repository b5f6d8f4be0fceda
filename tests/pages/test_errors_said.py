"""Every text the dashboard answers with, errors and the running check's progress included, is
said in the reader's language: the channel's on its paths, else the browser's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.capture import CaptureProgress
from bot.pages.dashboard.pages import progress_text
from reports.i18n import ENGLISH, Speaker
from tests.pages.conftest import Dash, client, logged_in
from tests.pages.test_api import validate


@pytest.mark.parametrize(
    ("path", "headers", "english", "said"),
    [
        pytest.param(
            "/api/v1/channels/alpha/checks/999",
            {},
            "No such check in this channel.",
            "Cette vérification n’existe pas dans cette chaîne.",
            id="channel-path-speaks-the-channels-language",
        ),
        pytest.param(
            "/api/v1/channels/alpha/checks?before=x",
            {},
            "No such page.",
            "Cette page n’existe pas.",
            id="bad-page",
        ),
        pytest.param(
            "/api/v1/nowhere",
            {"Accept-Language": "de"},
            "No such API path; see docs/api.md.",
            "Diesen API-Pfad gibt es nicht; siehe docs/api.md.",
            id="no-channel-speaks-the-browsers",
        ),
    ],
)
async def test_api_errors_carry_the_readers_language_beside_the_english(
    dash: Dash, path: str, headers: dict[str, str], english: str, said: str
) -> None:
    await dash.db.channels.set_language(dash.ids["alpha"], "fr")
    async with (
        await logged_in(dash, "moddy") as http,
        http.get(dash.url + path, headers=headers) as resp,
    ):
        assert resp.status == 404
        assert await resp.json() == {"error": english, "error_said": said}


async def test_signed_out_api_answer_speaks_the_browsers_language(dash: Dash) -> None:
    async with (
        client() as http,
        http.get(f"{dash.url}/api/v1/channels", headers={"Accept-Language": "ja"}) as resp,
    ):
        body = await resp.json()
    assert resp.status == 401
    validate("/channels", 401, body)
    assert body["error_said"].startswith("先にサインインしてください")


PROGRESS = CaptureProgress(1, 2, 1200, 3400, 0, 0, 12.4, datetime.now(UTC))


@pytest.mark.parametrize(
    ("progress", "tr", "text"),
    [
        pytest.param(None, ENGLISH, "Starting the check…", id="starting"),
        pytest.param(
            PROGRESS, ENGLISH, "1,200 of 3,400 chatters so far, about 12 s left.", id="en"
        ),
        pytest.param(
            PROGRESS,
            Speaker("de"),
            "Bisher 1.200 von 3.400 Chatter, noch etwa 12 s.",
            id="de",
        ),
        pytest.param(None, Speaker("ja"), "チェックを開始しています…", id="ja-starting"),
    ],
)
def test_the_running_checks_progress_is_said_in_the_channels_language(
    progress: CaptureProgress | None, tr: Speaker, text: str
) -> None:
    assert progress_text(progress, tr) == text
