"""The chat analytics pages and API: known answers, the OpenAPI file, access and rate limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.pages.dashboard import Limits
from tests.pages.analytics_seed import ALPHA, ANN, seed_chat
from tests.pages.conftest import Dash, client, logged_in, start_dashboard
from tests.pages.test_api import validate

API = "/api/v1/channels/alpha"


async def get(
    http: aiohttp.ClientSession, url: str, template: str | None = None, status: int = 200
) -> Any:
    async with http.get(url) as resp:
        assert resp.status == status, (url, await resp.text())
        body = await resp.json()
    if template is not None:
        validate(template, status, body)
    return body["data"] if status == 200 else body


async def test_analytics_api_answers_and_matches_openapi(dash: Dash) -> None:
    await seed_chat(dash.db)
    api = dash.url + API
    async with await logged_in(dash, "moddy") as http:
        boards = await get(http, f"{api}/leaderboards", "/channels/{login}/leaderboards")
        assert [(c["login"], c["messages"]) for c in boards["top"]] == [
            ("ann", 9),
            ("ben", 6),
            ("viewer025", 3),
        ]
        assert [r["login"] for r in boards["rising"]] == ["ann", "ben", "viewer025"]
        leaders = {(h["login"], h["messages"]) for h in boards["hour_leaders"]}
        assert ("ann", 6) in leaders  # viewer025 leads an hour too unless ann chatted in it
        assert {login for login, _ in leaders} <= {"ann", "viewer025"}
        for period in ("24h", "30d", "all"):
            other = await get(
                http, f"{api}/leaderboards?period={period}", "/channels/{login}/leaderboards"
            )
            assert other["period"] == period
        day = await get(http, f"{api}/leaderboards?period=24h")
        assert [c["login"] for c in day["top"]] == ["ann", "ben"]

        chat = await get(http, f"{api}/chat", "/channels/{login}/chat")
        assert chat["messages_24h"] == 15 and chat["chatters_24h"] == 2
        assert len(chat["last_24h"]) == 24 and sum(b["messages"] for b in chat["last_24h"]) == 15
        assert sum(h["messages"] for h in chat["by_hour"]) == 18
        assert chat["emotes_7d"] == [
            {"name": "Kappa", "count": 8, "provider": None, "image": None},
            {"name": "catJAM", "count": 2, "provider": "7tv", "image": "/emotes/7tv/60ae4bb5ab"},
        ]
        now = await get(http, f"{api}/chat/now", "/channels/{login}/chat/now")
        assert now["live"] is False and now["messages_24h"] == 15

        ann = await get(
            http, f"{api}/chatters/ann/stats", "/channels/{login}/chatters/{user}/stats"
        )
        assert (ann["messages"], ann["rank"], ann["chatters"], ann["percentile"]) == (
            9,
            1,
            3,
            100.0,
        )
        assert ann["rivals"][0]["login"] == "ben" and ann["rivals"][0]["similarity"] == 1.0
        assert sum(ann["hours"]) == 9 and max(ann["hours"]) == 6
        assert ann["peak"]["messages"] == 6
        assert ann["ranks"]["all_time"] == 1 and ann["ranks"]["week"] == 1
        by_id = await get(http, f"{api}/chatters/{ANN}/stats")
        assert by_id["login"] == "ann"
        earlier = await get(http, f"{api}/chatters/annie_old/stats")
        assert earlier["user_id"] == str(ANN)

        found = await get(http, f"{api}/search?q=annie", "/channels/{login}/search")
        assert found == [
            {"user_id": str(ANN), "login": "ann", "earlier_name": "annie_old", "messages": 9}
        ]
        assert [m["login"] for m in await get(http, f"{api}/search?q=VIEW")] == ["viewer025"]
        assert await get(http, f"{api}/search?q=zz") == []

        pair = await get(http, f"{api}/compare?a=ann&b=ben", "/channels/{login}/compare")
        assert pair["similarity"] == 1.0 and pair["b"]["login"] == "ben"

        for path, template, status in (
            ("/compare?a=ann", "/channels/{login}/compare", 400),
            ("/search?q=a&limit=x", "/channels/{login}/search", 400),
            ("/chatters/nobody/stats", "/channels/{login}/chatters/{user}/stats", 404),
        ):
            await get(http, api + path, template, status)
        await get(http, f"{dash.url}/api/v1/channels/beta/chat", "/channels/{login}/chat", 404)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/leaderboards", id="leaderboards"),
        pytest.param("/chat", id="chat"),
        pytest.param("/chat/now", id="chat-now"),
        pytest.param("/chatters/ann/stats", id="chatter-stats"),
        pytest.param("/search?q=a", id="search"),
        pytest.param("/compare?a=ann&b=ben", id="compare"),
    ],
)
async def test_analytics_api_needs_a_session(dash: Dash, path: str) -> None:
    async with client() as http, http.get(dash.url + API + path) as resp:
        assert resp.status == 401


async def test_analytics_api_is_rate_limited(tmp_path: Path, template: Path) -> None:
    limits = Limits(ip_burst=100, ip_per_second=0.01, user_burst=3, user_per_second=0.01)
    async for dash in start_dashboard(tmp_path, template, limits=limits):
        async with await logged_in(dash, "moddy") as http:
            statuses = []
            for _ in range(4):
                async with http.get(f"{dash.url}{API}/search?q=v") as resp:
                    statuses.append(resp.status)
                    if resp.status == 429:
                        assert int(resp.headers["Retry-After"]) >= 1
            assert statuses[0] == 200 and statuses[-1] == 429


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(
            "/leaderboards", ["Top chatters", "Hour leaders", ">ann<", "Writers"], id="leaderboards"
        ),
        pytest.param("/leaderboards?period=all", ["all time"], id="leaderboards-all"),
        pytest.param(
            "/chat", ["active in the last 5 minutes", "<svg", "Top emotes", "Kappa"], id="chat"
        ),
        pytest.param(
            f"/chatters/{ANN}", ["In figures", "Rivals", ">ben<", "100%", "Peak hour"], id="chatter"
        ),
        pytest.param("/compare?a=ann&b=ben", ["100%", "Favourite hour", "<svg"], id="compare"),
        pytest.param(
            "/compare?a=ann&b=nobody", ["No chat recorded here from nobody"], id="compare-unknown"
        ),
        pytest.param("/compare", ["First chatter"], id="compare-empty"),
        pytest.param(
            "/chatters?login=annie_old", ["In figures", "annie_old"], id="find-by-earlier-name"
        ),
    ],
)
async def test_analytics_pages(dash: Dash, path: str, expected: list[str]) -> None:
    await seed_chat(dash.db)
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{dash.url}/dashboard/c/alpha{path}") as resp:
            assert resp.status == 200
            html = await resp.text()
        for text in expected:
            assert text in html, text
        assert "<script>" not in html  # the CSP allows no inline script
        async with http.get(f"{dash.url}/dashboard/c/beta{path}") as resp:
            assert resp.status == 404


@pytest.mark.parametrize(
    ("path", "expected", "english"),
    [
        pytest.param(
            "/leaderboards",
            [
                "ランキング",
                "チャット上位",
                "時間帯別トップ",
                "長文の書き手",
                ">ann<",
                "時刻は Asia/Tokyo",
            ],
            ["Top chatters", "Hour leaders", "Writers"],
            id="leaderboards",
        ),
        pytest.param(
            "/chat",
            ["直近5分間のアクティブ", "直近24時間", "よく使われたエモート", "Kappa", "Asia/Tokyo"],
            ["active in the last 5 minutes", "Top emotes", "By hour of the day"],
            id="chat",
        ),
    ],
)
async def test_analytics_pages_speak_the_channels_language(
    dash: Dash, path: str, expected: list[str], english: list[str]
) -> None:
    await seed_chat(dash.db)
    await dash.db.channels.set_language(ALPHA, "ja")
    await dash.db.channels.set_timezone(ALPHA, "Asia/Tokyo")
    http = await logged_in(dash, "moddy")
    async with http, http.get(f"{dash.url}/dashboard/c/alpha{path}") as resp:
        assert resp.status == 200
        html = await resp.text()
    assert '<html lang="ja">' in html
    for text in expected:
        assert text in html, text
    for text in english:
        assert text not in html, text
