"""The newcomer list: the page, its poll and the API path, checked against docs/openapi.json."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import Account, ChatMessage, Database
from storage.defence import DefenceSettings, DefenceStore
from tests.pages.conftest import Dash, client, logged_in
from tests.pages.test_api import validate

ALPHA = 1001


async def newcomer(
    db: Database, uid: int, login: str, *, age_days: float, text: str, ago_s: float = 60.0
) -> None:
    """An account of `age_days` writes its first message in alpha `ago_s` seconds ago."""
    now = datetime.now(UTC)
    account = Account(user_id=uid, login=login, created_at=now - timedelta(days=age_days))
    await db.accounts.upsert_many([account], seen_at=now)
    sent = now - timedelta(seconds=ago_s)
    await db.history.write_batch(
        messages=[ChatMessage(f"n-{uid}-{ago_s}", ALPHA, uid, login, login, text, sent)]
    )


async def test_api_page_and_poll(dash: Dash) -> None:
    await newcomer(dash.db, 9001, "brand_new", age_days=1.5, text="<b>hi</b> first time here")
    await newcomer(dash.db, 9002, "old_timer", age_days=800, text="hello")
    await newcomer(dash.db, 9003, "fortnight", age_days=14, text="yo", ago_s=30)
    api = f"{dash.url}/api/v1/channels/alpha/newcomers"
    async with await logged_in(dash, "moddy") as http:
        async with http.get(api) as resp:
            assert resp.status == 200
            body = await resp.json()
        validate("/channels/{login}/newcomers", 200, body)
        data = body["data"]
        assert (data["days"], data["hours"], data["digest_in_chat"]) == (7, 24, False)
        assert [n["login"] for n in data["newcomers"]] == ["brand_new"]
        first = data["newcomers"][0]
        assert first["first_message"] == "<b>hi</b> first time here"
        assert first["account_age_days"] == 1.5 and first["user_id"] == "9001"

        # The channel's notice figure is the default; a query overrides it.
        await DefenceStore(dash.db).save_settings(
            DefenceSettings(ALPHA, notice_days=30), at=datetime.now(UTC)
        )
        async with http.get(api) as resp:
            data = (await resp.json())["data"]
        assert data["digest_in_chat"] and data["days"] == 30
        assert [n["login"] for n in data["newcomers"]] == ["fortnight", "brand_new"]
        async with http.get(f"{api}?days=2") as resp:
            assert [n["login"] for n in (await resp.json())["data"]["newcomers"]] == ["brand_new"]

        for query in ("days=0", "hours=500", "days=x"):
            async with http.get(f"{api}?{query}") as resp:
                assert resp.status == 400, query
                validate("/channels/{login}/newcomers", 400, await resp.json())
        async with http.get(f"{dash.url}/api/v1/channels/beta/newcomers") as resp:
            assert resp.status == 404
            validate("/channels/{login}/newcomers", 404, await resp.json())

        async with http.get(f"{dash.url}/dashboard/c/alpha") as resp:
            assert 'href="/dashboard/c/alpha/newcomers"' in await resp.text()
        async with http.get(f"{dash.url}/dashboard/c/alpha/newcomers") as resp:
            assert resp.status == 200
            html = await resp.text()
            csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "brand_new" in html and "&lt;b&gt;hi&lt;/b&gt;" in html  # escaped
        assert '<script src="/dashboard/static/newcomers.js" defer></script>' in html
        assert "<script>" not in html
        async with http.get(f"{dash.url}/dashboard/c/alpha/newcomers.json?days=30") as resp:
            assert resp.headers["Cache-Control"] == "no-store"
            assert len((await resp.json())["data"]["newcomers"]) == 2
        async with http.get(f"{dash.url}/dashboard/static/newcomers.js") as resp:
            assert resp.status == 200 and "text/javascript" in resp.headers["Content-Type"]
        async with http.get(f"{dash.url}/dashboard/c/beta/newcomers") as resp:
            assert resp.status == 404


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/channels/alpha/newcomers", id="api"),
        pytest.param("/dashboard/c/alpha/newcomers.json", id="poll"),
    ],
)
async def test_signed_out_gets_401(dash: Dash, path: str) -> None:
    async with client() as http, http.get(dash.url + path) as resp:
        assert resp.status == 401
        validate("/channels/{login}/newcomers", 401, await resp.json())


async def test_a_bad_number_is_refused_in_the_channels_language(dash: Dash) -> None:
    await dash.db.channels.set_language(ALPHA, "fr")
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{dash.url}/dashboard/c/alpha/newcomers?days=0") as resp:
            assert resp.status == 400
            html = await resp.text()
        assert "Indiquez un nombre entier de 1 à 365." in html
        assert "Give a whole number" not in html
        async with http.get(f"{dash.url}/api/v1/channels/alpha/newcomers?hours=500") as resp:
            body = await resp.json()
        validate("/channels/{login}/newcomers", 400, body)
        # The API's English stays for scripts; the channel's language comes beside it.
        assert body == {
            "error": "Give a whole number from 1 to 168.",
            "error_said": "Indiquez un nombre entier de 1 à 168.",
        }
