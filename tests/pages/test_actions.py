"""Actions from the pages: each a POST with the session's CSRF token, each in the audit log."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.pages.conftest import Dash, client, csrf_of, logged_in

ALPHA = "/dashboard/c/alpha"


@pytest.mark.parametrize(
    ("path", "form"),
    [
        pytest.param(f"{ALPHA}/check", {}, id="run-check"),
        pytest.param(f"{ALPHA}/checks/1/keep", {"keep": "1"}, id="keep"),
        pytest.param(f"{ALPHA}/sessions", {"check": "1", "name": "x"}, id="session"),
        pytest.param(f"{ALPHA}/forget", {"confirm": "alpha"}, id="forget"),
        pytest.param("/dashboard/settings/tokens", {"name": "x"}, id="api-token"),
        pytest.param(f"{ALPHA}/timezone", {"timezone": "Europe/Paris"}, id="timezone"),
    ],
)
@pytest.mark.parametrize("csrf", [None, "wrong"], ids=["no-token", "wrong-token"])
async def test_post_without_the_right_csrf_token_is_refused(
    dash: Dash, path: str, form: dict[str, str], csrf: str | None
) -> None:
    async with await logged_in(dash, "owner") as http:
        data = dict(form) if csrf is None else {**form, "csrf": csrf}
        async with http.post(dash.url + path, data=data, allow_redirects=False) as resp:
            assert resp.status == 403
    assert dash.checks.started == []
    assert (await dash.db.captures.get(1)).pinned is False
    assert dash.forgotten == []
    assert await dash.db.api_tokens.of_user(dash.ids["owner"]) == []
    assert await dash.db.channels.timezone(dash.ids["alpha"]) == "UTC"


async def test_run_a_check_see_progress_then_the_result(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        csrf = await csrf_of(http, dash.url + ALPHA)
        async with http.post(f"{dash.url}{ALPHA}/check", data={"csrf": csrf}) as resp:
            assert resp.url.path == f"{ALPHA}/running"
            html = await resp.text()
        assert 'http-equiv="refresh"' in html
        assert "chatters so far" in html or "Starting" in html
        for _ in range(50):
            async with http.get(f"{dash.url}{ALPHA}/running?after=2") as resp:
                if resp.url.path != f"{ALPHA}/running":
                    break
            await asyncio.sleep(0.2)
        assert resp.url.path == f"{ALPHA}/checks/4"
        assert dash.checks.started[0][1].login == "moddy"
        audit = await dash.db.audit.recent(channel_id=dash.ids["alpha"])
        assert (audit[0].command, audit[0].user_login, audit[0].outcome) == (
            "dashboard:check",
            "moddy",
            "started",
        )


async def test_running_json_follows_the_check_without_a_reload(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        csrf = await csrf_of(http, dash.url + ALPHA)
        async with http.post(f"{dash.url}{ALPHA}/check", data={"csrf": csrf}) as resp:
            html = await resp.text()
        assert "running.json?after=2" in html and "static/running.js" in html
        states = []
        for _ in range(50):
            async with http.get(f"{dash.url}{ALPHA}/running.json?after=2") as resp:
                assert resp.status == 200
                assert resp.headers["Cache-Control"].startswith("private, no-store")
                states.append(await resp.json())
            if states[-1]["done"]:
                break
            await asyncio.sleep(0.1)
        running = [s for s in states if s["running"]]
        assert running and running[0]["total"] == 60
        assert "chatters so far" in running[-1]["text"]
        assert states[-1] == {
            "running": False,
            "chatters_seen": None,
            "total": None,
            "eta_s": None,
            "text": "Starting the check…",
            "done": f"{ALPHA}/checks/4",
        }
        async with http.get(f"{dash.url}/dashboard/c/beta/running.json") as resp:
            assert resp.status == 404  # not moddy's channel


async def test_running_js_is_served_from_our_origin(dash: Dash) -> None:
    async with client() as http, http.get(f"{dash.url}/dashboard/static/running.js") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/javascript"
        assert "fetch(url" in await resp.text()


async def test_a_second_check_while_one_runs_is_refused_in_words(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        csrf = await csrf_of(http, dash.url + ALPHA)
        async with http.post(f"{dash.url}{ALPHA}/check", data={"csrf": csrf}):
            pass
        async with http.post(f"{dash.url}{ALPHA}/check", data={"csrf": csrf}) as resp:
            assert resp.url.path == ALPHA
            assert "already running" in await resp.text()


async def test_keep_and_release_a_check(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        page = f"{dash.url}{ALPHA}/checks/1"
        csrf = await csrf_of(http, page)
        async with http.post(f"{page}/keep", data={"csrf": csrf, "keep": "1"}) as resp:
            assert "Release" in await resp.text()
        assert (await dash.db.captures.get(1)).pinned
        async with http.post(f"{page}/keep", data={"csrf": csrf, "keep": "0"}) as resp:
            assert "expires" in await resp.text()
        assert not (await dash.db.captures.get(1)).pinned


async def test_group_checks_into_a_kept_session(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        csrf = await csrf_of(http, dash.url + ALPHA)
        form = [("csrf", csrf), ("name", "Raid night"), ("check", "1"), ("check", "2")]
        form += [("check", "3"), ("keep", "1")]  # 3 is beta's: left out
        async with http.post(f"{dash.url}{ALPHA}/sessions", data=form) as resp:
            html = await resp.text()
            assert "/sessions/" in resp.url.path
        assert "Raid night" in html
        (session,) = await dash.site.store.sessions(dash.ids["alpha"])
        assert session.capture_ids == (1, 2)
        assert session.kept
        assert (await dash.db.captures.get(1)).pinned and (await dash.db.captures.get(2)).pinned
        assert not (await dash.db.captures.get(3)).pinned


@pytest.mark.parametrize(
    ("login", "confirm", "forgotten"),
    [
        pytest.param("moddy", "alpha", False, id="a-moderator-may-not"),
        pytest.param("alpha", "alpah", False, id="a-typo-deletes-nothing"),
        pytest.param("alpha", "alpha", True, id="the-broadcaster-confirms"),
    ],
)
async def test_forget_the_channel(dash: Dash, login: str, confirm: str, forgotten: bool) -> None:
    async with await logged_in(dash, login) as http:
        csrf = await csrf_of(http, dash.url + ALPHA)
        async with http.post(f"{dash.url}{ALPHA}/forget", data={"csrf": csrf, "confirm": confirm}):
            pass
    assert dash.forgotten == ([dash.ids["alpha"]] if forgotten else [])


async def test_pages_carry_csp_and_no_store(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        for path in ("/dashboard", ALPHA, f"{ALPHA}/checks/2", f"{ALPHA}/chatters/900000025"):
            async with http.get(dash.url + path) as resp:
                assert resp.status == 200, path
                assert resp.headers["Content-Security-Policy"].startswith("default-src 'self'")
                assert "no-store" in resp.headers["Cache-Control"]
                html = await resp.text()
                assert "style=" not in html
                # Scripts only as files of this origin (analytics.js), never inline.
                assert re.search(r"<script(?![^>]*\bsrc=\"/dashboard/static/)", html) is None


async def test_chatter_page_and_csv(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{dash.url}{ALPHA}/chatters", params={"login": "viewer025"}) as resp:
            assert resp.url.path == f"{ALPHA}/chatters/900000025"
            html = await resp.text()
        assert "buy followers" in html
        assert 'class="deleted"' in html
        assert "timeout" in html
        async with http.get(f"{dash.url}{ALPHA}/chatters/900000025.csv") as resp:
            text = await resp.text()
            assert resp.headers["Content-Disposition"].startswith("attachment")
        assert text.splitlines()[0] == "sent_at,login,text,deleted_at"
        assert len(text.splitlines()) == 4
        async with http.get(f"{dash.url}/dashboard/c/beta/chatters/900000025") as resp:
            assert resp.status == 404


@pytest.mark.parametrize("kind", ["days", "months"])
async def test_check_aggregates_csv(dash: Dash, kind: str) -> None:
    async with (
        await logged_in(dash, "moddy") as http,
        http.get(f"{dash.url}{ALPHA}/checks/1/{kind}.csv") as resp,
    ):
        assert resp.status == 200
        lines = (await resp.text()).splitlines()
    assert lines[0] == f"{kind[:-1]},accounts,share"
    assert len(lines) > 2


async def test_check_page_compares_with_the_previous_check(dash: Dash) -> None:
    async with (
        await logged_in(dash, "moddy") as http,
        http.get(f"{dash.url}{ALPHA}/checks/2") as resp,
    ):
        html = await resp.text()
    assert "Compared with the previous check" in html
    assert "Appeared:" in html and "Vanished:" in html
    assert "mark000" in html  # a login new since check 1
