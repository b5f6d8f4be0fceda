"""Why a check stopped short, on the dashboard's check page and in the API, in the channel's
language; rows written before reasons were kept as phrases still show their English."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from bot.capture.model import LIST_REPEATED, NOT_A_MODERATOR, reason_said
from reports.i18n import Fmt, Phrase
from storage import CaptureStatus
from tests.pages.conftest import T0, Dash, logged_in

ALPHA = "/dashboard/c/alpha"


async def _stopped(dash: Dash, reason: str, said: str, token: str) -> int:
    """A partial check of alpha whose row holds `reason` (and `said`, its phrase or "")."""
    capture = await dash.db.captures.start(
        channel_id=dash.ids["alpha"],
        requested_by_id=None,
        requested_by_login="moddy",
        report_token=token.ljust(32, "z"),
        started_at=T0 - timedelta(hours=1),
    )
    await dash.db.captures.add_chatters(capture.capture_id, [(1, "someone")])
    await dash.db.captures.finish(
        capture.capture_id,
        status=CaptureStatus.PARTIAL,
        finished_at=T0 - timedelta(minutes=59),
        reason=reason,
        reason_said=said,
        chatter_total=3000,
    )
    return capture.capture_id


@pytest.mark.parametrize(
    ("make", "french", "code"),
    [
        pytest.param(
            lambda: Phrase(LIST_REPEATED, pages=Fmt("num", 12)),
            "la liste des chatteurs de Twitch s’est répétée après 12 pages",
            "chatter_list_repeated",
            id="phrase",
        ),
        pytest.param(
            lambda: NOT_A_MODERATOR,
            "le bot n’est plus modérateur",
            "not_moderator",
            id="legacy-known-english",
        ),
        pytest.param(
            lambda: "Twitch's chatter list repeated itself after 7 pages",
            "Twitch's chatter list repeated itself after 7 pages",
            None,
            id="legacy-english-as-is",
        ),
    ],
)
async def test_the_check_page_and_the_api_say_the_stop_reason_in_the_channels_language(
    dash: Dash, make: object, french: str, code: str | None
) -> None:
    reason = make()  # type: ignore[operator]
    capture_id = await _stopped(dash, reason, reason_said(reason), "stop")
    await dash.db.channels.set_language(dash.ids["alpha"], "fr")
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{dash.url}{ALPHA}/checks/{capture_id}") as resp:
            page = html.unescape(await resp.text())
        assert f"({french})" in page
        async with http.get(f"{dash.url}/api/v1/channels/alpha/checks/{capture_id}") as resp:
            data = (await resp.json())["data"]
        async with http.get(f"{dash.url}/api/v1/channels/alpha/checks") as resp:
            listed = next(c for c in (await resp.json())["data"] if c["id"] == capture_id)
    assert data["status_reason"] == str(reason)  # the English stays for scripts and logs
    assert data["status_reason_said"] == listed["status_reason_said"] == french
    assert data["status_reason_code"] == listed["status_reason_code"] == code


async def test_a_complete_check_has_no_stop_reason(dash: Dash) -> None:
    async with (
        await logged_in(dash, "moddy") as http,
        http.get(f"{dash.url}/api/v1/channels/alpha/checks/1") as resp,
    ):
        data = (await resp.json())["data"]
    assert (data["status_reason"], data["status_reason_code"], data["status_reason_said"]) == (
        "",
        None,
        "",
    )
