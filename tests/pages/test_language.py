"""A channel's language on the dashboard: set by its moderators, spoken by its pages, in the API."""

from __future__ import annotations

from tests.pages.conftest import Dash, csrf_of, logged_in

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
