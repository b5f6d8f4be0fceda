"""The JSON API: the contracts scripts rely on, the OpenAPI file against live answers, tokens."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from jsonschema import Draft202012Validator

from bot.pages.dashboard import Limits
from tests.pages.conftest import Dash, client, csrf_of, logged_in, start_dashboard

SPEC = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())


def validate(path: str, status: int, body: Any) -> None:
    """Check `body` against the OpenAPI answer for GET `path` with `status`."""
    operation = SPEC["paths"][path]["get"]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": SPEC["components"]}).validate(body)


def test_openapi_file_is_valid_json_schema() -> None:
    assert SPEC["openapi"].startswith("3.1")
    for name, schema in SPEC["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema), name


async def test_contracts_and_openapi_against_live_answers(dash: Dash) -> None:
    api = f"{dash.url}/api/v1"
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{api}/channels") as resp:
            assert resp.status == 200
            assert resp.content_type == "application/json"
            body = await resp.json()
        validate("/channels", 200, body)
        assert [c["login"] for c in body["data"]] == ["alpha"]

        async with http.get(f"{api}/channels/alpha") as resp:
            validate("/channels/{login}", 200, await resp.json())

        async with http.get(f"{api}/channels/alpha/checks") as resp:
            checks = await resp.json()
        validate("/channels/{login}/checks", 200, checks)
        assert len(checks["data"]) == 2
        for check in checks["data"]:
            assert {"id", "verdict", "chatters"} <= check.keys()
        newest, older = checks["data"][0]["id"], checks["data"][1]["id"]

        async with http.get(f"{api}/channels/alpha/checks/{newest}") as resp:
            detail = await resp.json()
        validate("/channels/{login}/checks/{id}", 200, detail)
        assert detail["data"]["previous_id"] == older
        assert detail["data"]["report_url"].endswith("/r/" + "a2".ljust(32, "a"))

        async with http.get(f"{api}/channels/alpha/checks/{newest}/comparison") as resp:
            comparison = await resp.json()
        validate("/channels/{login}/checks/{id}/comparison", 200, comparison)
        data = comparison["data"]
        assert data["earlier_id"] == older
        assert data["both"] == 40  # organic viewers 20..59
        assert len(data["new"]) == 20 + 45  # organic 60..79 and the second wave
        assert len(data["gone"]) == 20 + 40
        assert data["waves_known"]

        async with http.get(f"{api}/channels/alpha/chatters/viewer025") as resp:
            chatter = await resp.json()
        validate("/channels/{login}/chatters/{user}", 200, chatter)
        assert chatter["data"]["message_count"] == 3
        assert [m["deleted"] for m in chatter["data"]["messages"]] == [
            False,
            True,
            True,
        ]  # newest first
        assert {a["action"] for a in chatter["data"]["actions"]} == {"timeout", "delete"}

        for path, template in (
            ("/channels/beta", "/channels/{login}"),
            ("/channels/beta/checks", "/channels/{login}/checks"),
            (f"/channels/alpha/checks/{newest + 100}", "/channels/{login}/checks/{id}"),
            ("/channels/alpha/chatters/nobody", "/channels/{login}/chatters/{user}"),
        ):
            async with http.get(api + path) as resp:
                assert resp.status == 404, path
                validate(template, 404, await resp.json())


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/channels", id="channels"),
        pytest.param("/channels/alpha", id="channel"),
        pytest.param("/channels/alpha/checks", id="checks"),
        pytest.param("/channels/alpha/checks/1", id="check"),
        pytest.param("/channels/alpha/checks/2/comparison", id="comparison"),
        pytest.param("/channels/alpha/chatters/viewer025", id="chatter"),
        pytest.param("/no/such/path", id="unknown"),
        pytest.param("", id="root"),
    ],
)
async def test_without_a_session_every_api_path_answers_401(dash: Dash, path: str) -> None:
    async with client() as http, http.get(f"{dash.url}/api/v1{path}") as resp:
        assert resp.status == 401
        assert "error" in await resp.json()


async def test_api_token_created_used_and_revoked(dash: Dash) -> None:
    settings = f"{dash.url}/dashboard/settings"
    async with await logged_in(dash, "moddy") as http:
        csrf = await csrf_of(http, settings)
        async with http.post(f"{settings}/tokens", data={"csrf": csrf, "name": "script"}) as resp:
            html = await resp.text()
        token = re.search(r'<code class="token">([^<]+)</code>', html).group(1)
        stored = await dash.db.api_tokens.of_user(dash.ids["moddy"])
        assert token not in repr(stored)

        async with client(headers={"Authorization": f"Bearer {token}"}) as script:
            async with script.get(f"{dash.url}/api/v1/channels") as resp:
                assert resp.status == 200
                assert [c["login"] for c in (await resp.json())["data"]] == ["alpha"]
            async with script.get(f"{dash.url}/api/v1/channels/beta/checks") as resp:
                assert resp.status == 404

            token_id = stored[0].token_id
            revoke = f"{settings}/tokens/{token_id}/revoke"
            async with http.post(revoke, data={"csrf": csrf}) as resp:
                assert resp.status == 200
            async with script.get(f"{dash.url}/api/v1/channels") as resp:
                assert resp.status == 401


async def test_an_api_token_sees_moderated_channels_without_a_fresh_login(dash: Dash) -> None:
    settings = f"{dash.url}/dashboard/settings"
    async with await logged_in(dash, "moddy") as http:
        csrf = await csrf_of(http, settings)
        async with http.post(f"{settings}/tokens", data={"csrf": csrf, "name": "script"}) as resp:
            token = re.search(r'<code class="token">([^<]+)</code>', await resp.text()).group(1)
    dash.site.access.forget(dash.ids["moddy"])  # what a restart does: no Twitch token in memory
    alpha = f"{dash.url}/api/v1/channels/alpha/checks"
    async with client(headers={"Authorization": f"Bearer {token}"}) as script:
        async with script.get(f"{dash.url}/api/v1/channels") as resp:
            assert [c["login"] for c in (await resp.json())["data"]] == ["alpha"]
        async with script.get(f"{dash.url}/api/v1/channels/beta/checks") as resp:
            assert resp.status == 404
        async with script.get(alpha) as resp:
            assert resp.status == 200
        assert sorted(dash.bot_view.lookups) == [dash.ids["alpha"], dash.ids["beta"]]

        dash.sim.state.remove_moderator("alpha", "moddy")
        async with script.get(alpha) as resp:
            assert resp.status == 200  # asked again only after a few minutes
        dash.clock.advance(dash.site.deps.recheck_s + 1)
        dash.bot_view.away = True  # Twitch away: the last answer stands
        async with script.get(alpha) as resp:
            assert resp.status == 200
        dash.bot_view.away = False  # back: the old answer is replaced at once
        async with script.get(alpha) as resp:
            assert resp.status == 404
        async with script.get(f"{dash.url}/api/v1/channels") as resp:
            assert (await resp.json())["data"] == []


async def test_rate_limits_answer_429_with_retry_after(tmp_path: Path, template: Path) -> None:
    limits = Limits(ip_burst=100, ip_per_second=0.01, user_burst=3, user_per_second=0.01)
    async for dash in start_dashboard(tmp_path, template, limits=limits):
        async with await logged_in(dash, "moddy") as http:
            statuses = []
            for _ in range(5):
                async with http.get(f"{dash.url}/api/v1/channels") as resp:
                    statuses.append(resp.status)
                    if resp.status == 429:
                        assert int(resp.headers["Retry-After"]) >= 1
                        assert "error" in await resp.json()
            assert statuses[0] == 200
            assert statuses[-1] == 429
            async with http.get(f"{dash.url}/dashboard/c/alpha") as resp:  # pages share it
                assert resp.status == 429
                assert "Retry-After" in resp.headers


async def test_per_address_limit_covers_signed_out_requests(tmp_path: Path, template: Path) -> None:
    limits = Limits(ip_burst=3, ip_per_second=0.01)
    async for dash in start_dashboard(tmp_path, template, limits=limits):
        async with client() as http:
            statuses = []
            for _ in range(5):
                async with http.get(f"{dash.url}/api/v1/channels") as resp:
                    statuses.append(resp.status)
            assert statuses == [401, 401, 401, 429, 429]


async def test_per_address_limit_counts_the_address_the_wiring_names(
    tmp_path: Path, template: Path
) -> None:
    """Behind a trusted proxy the wiring names the forwarded address: each one has its own."""
    limits = Limits(ip_burst=2, ip_per_second=0.01)

    def forwarded(request: web.BaseRequest) -> str:
        return request.headers.get("X-Test-Client", request.remote or "?")

    async for dash in start_dashboard(tmp_path, template, limits=limits, address=forwarded):
        async with client() as http:
            statuses = []
            for who in ("a", "a", "a", "b", "b"):
                headers = {"X-Test-Client": who}
                async with http.get(f"{dash.url}/api/v1/channels", headers=headers) as resp:
                    statuses.append(resp.status)
            assert statuses == [401, 401, 429, 401, 401]
