"""A channel's language on the dashboard: set by its moderators, spoken by its pages, in the API."""

from __future__ import annotations

import pytest

from bot.pages.dashboard.site import accepted_language
from tests.pages.conftest import Dash, client, csrf_of, logged_in

ALPHA = "/dashboard/c/alpha"


async def test_a_moderator_sets_japanese_and_the_channels_pages_speak_it(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{dash.url}{ALPHA}/timezone") as resp:
            html = await resp.text()
        assert '<html lang="en">' in html and "Timezone and language of" in html
        assert '<option value="ja">日本語</option>' in html

        csrf = await csrf_of(http, f"{dash.url}{ALPHA}/timezone")
        async with http.post(
            f"{dash.url}{ALPHA}/language", data={"csrf": csrf, "language": "ja"}
        ) as resp:
            assert resp.url.path == ALPHA
            html = await resp.text()
        assert '<html lang="ja">' in html
        assert "タイムゾーンと言語" in html and ">チャンネル</a>" in html
        assert "<strong>日本語</strong>" in html  # the language's name, escaped into markup
        assert "チェックの推移" in html and "今すぐチェックを実行" in html  # the channel page
        async with http.get(f"{dash.url}{ALPHA}/checks/2") as resp:
            assert "チェック #2" in await resp.text()

        async with http.get(f"{dash.url}{ALPHA}/timezone") as resp:
            html = await resp.text()
        assert "alpha のタイムゾーンと言語" in html or "のタイムゾーンと言語" in html
        assert '<option value="ja" selected>日本語</option>' in html
        async with http.get(f"{dash.url}/api/v1/channels") as resp:
            (alpha,) = (await resp.json())["data"]
        assert alpha["language"] == "ja"
        async with http.get(f"{dash.url}/dashboard") as resp:
            assert '<html lang="en">' in await resp.text()  # pages of no one channel

    audit = await dash.db.audit.recent(channel_id=dash.ids["alpha"])
    assert (audit[0].command, audit[0].args, audit[0].outcome) == (
        "dashboard:language",
        "ja",
        "ok",
    )


async def test_an_unknown_language_is_refused_and_a_stranger_cannot_set_one(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        csrf = await csrf_of(http, dash.url + ALPHA)
        async with http.post(
            f"{dash.url}{ALPHA}/language", data={"csrf": csrf, "language": "klingon"}
        ) as resp:
            assert resp.url.path == f"{ALPHA}/timezone"
            assert "is not a language botcheck speaks" in await resp.text()
        async with http.post(
            f"{dash.url}/dashboard/c/beta/language", data={"csrf": csrf, "language": "fr"}
        ) as resp:
            assert resp.status == 404  # not moddy's channel
        async with http.post(f"{dash.url}{ALPHA}/language", data={"language": "fr"}) as resp:
            assert resp.status == 403  # no CSRF token
    assert await dash.db.channels.language(dash.ids["alpha"]) == "en"
    assert await dash.db.channels.language(dash.ids["beta"]) == "en"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        pytest.param("", "en", id="none"),
        pytest.param("fr-CH, fr;q=0.9, en;q=0.8", "fr", id="region-first"),
        pytest.param("zh-TW, ja;q=0.5, de;q=0.7", "de", id="best-weight-spoken"),
        pytest.param("ko, zh", "en", id="none-spoken"),
        pytest.param("pt-BR;q=0, es;q=0.1", "es", id="refused-by-zero"),
        pytest.param("de;q=abc, ja", "ja", id="bad-weight-skipped"),
    ],
)
def test_accept_language_picks_a_language_botcheck_speaks(header: str, code: str) -> None:
    assert accepted_language(header) == code


async def test_pages_of_no_channel_speak_the_browsers_language(dash: Dash) -> None:
    anonymous = client(headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"})
    async with anonymous, anonymous.get(f"{dash.url}/dashboard") as resp:
        html = await resp.text()
    assert '<html lang="ja">' in html and "Twitchでログイン" in html
    async with await logged_in(dash, "moddy") as http:
        headers = {"Accept-Language": "de-DE"}
        async with http.get(f"{dash.url}/dashboard", headers=headers) as resp:
            html = await resp.text()
        assert '<html lang="de">' in html and "Ihre Kanäle" in html
        async with http.get(f"{dash.url}/dashboard/settings", headers=headers) as resp:
            assert "Token erstellen" in await resp.text()
        # A channel's page keeps the channel's language (English until set).
        async with http.get(f"{dash.url}{ALPHA}/leaderboards", headers=headers) as resp:
            html = await resp.text()
        assert '<html lang="en">' in html and "Top chatters" in html


async def test_a_moderator_switches_stream_events_on_the_dashboard(dash: Dash) -> None:
    """The dashboard's switch does what `!botcheck events on|off` does, subscriptions first."""
    alpha = dash.ids["alpha"]
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{dash.url}{ALPHA}/timezone") as resp:
            html = await resp.text()
        assert "Stream events are on here" in html and "Turn stream events off" in html
        csrf = await csrf_of(http, f"{dash.url}{ALPHA}/timezone")
        url = f"{dash.url}{ALPHA}/events"
        async with http.post(
            f"{dash.url}{ALPHA}/events", data={"csrf": csrf, "events": "off"}
        ) as resp:
            assert resp.url.path == f"{ALPHA}/timezone"
            html = await resp.text()
        assert "Stream events are off here" in html and "Turn stream events on" in html
        assert not await dash.db.stream_events.enabled(alpha)
        assert dash.events_changed == [alpha]
        async with http.post(
            f"{dash.url}{ALPHA}/events", data={"csrf": csrf, "events": "maybe"}
        ) as resp:
            assert "That is neither on nor off." in await resp.text()
        async with http.post(url, data={"events": "on"}) as resp:
            assert resp.status == 403  # no CSRF token
        async with http.post(
            f"{dash.url}/dashboard/c/beta/events", data={"csrf": csrf, "events": "off"}
        ) as resp:
            assert resp.status == 404  # not moddy's channel
        async with http.post(
            f"{dash.url}{ALPHA}/events", data={"csrf": csrf, "events": "on"}
        ) as resp:
            assert "Stream events are on here" in await resp.text()
    assert await dash.db.stream_events.enabled(alpha)
    assert await dash.db.stream_events.enabled(dash.ids["beta"])
    assert dash.events_changed == [alpha, alpha]
    outcomes = [
        (a.command, a.args, a.outcome) for a in await dash.db.audit.recent(channel_id=alpha)
    ]
    assert outcomes[:3] == [
        ("dashboard:events", "on", "ok"),
        ("dashboard:events", "maybe", "bad-argument"),
        ("dashboard:events", "off", "ok"),
    ]
