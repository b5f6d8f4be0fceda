"""Login with Twitch, who sees what, and the session's guards."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from bot.pages.dashboard.security import load_session_key
from bot.pages.dashboard.site import COOKIE
from tests.pages.conftest import Dash, client, cookie_of, logged_in


async def test_moderator_sees_their_channel_and_not_another(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{dash.url}/dashboard") as resp:
            html = await resp.text()
        assert 'href="/dashboard/c/alpha"' in html
        assert "/dashboard/c/beta" not in html
        beta_check = (await dash.db.captures.latest(dash.ids["beta"])).capture_id
        for path in (
            "/dashboard/c/beta",
            f"/dashboard/c/beta/checks/{beta_check}",
            f"/dashboard/c/alpha/checks/{beta_check}",  # beta's check under alpha's name
            "/dashboard/c/beta/running.json",
            "/dashboard/c/beta/timezone",
            "/dashboard/c/nobody",
            "/dashboard/no/such/page",
        ):
            async with http.get(dash.url + path) as resp:
                assert resp.status == 404, path


@pytest.mark.parametrize(
    ("login", "sees_beta"),
    [
        pytest.param("owner", True, id="the-owner-sees-all"),
        pytest.param("beta", True, id="a-broadcaster-sees-their-own"),
        pytest.param("stranger", False, id="a-stranger-sees-none"),
    ],
)
async def test_who_sees_beta(dash: Dash, login: str, sees_beta: bool) -> None:
    async with await logged_in(dash, login) as http, http.get(f"{dash.url}/dashboard/c/beta") as r:
        assert (r.status == 200) is sees_beta


async def test_logout_refuses_the_old_cookie(dash: Dash) -> None:
    http = await logged_in(dash, "moddy")
    async with http:
        cookie = cookie_of(http, dash)
        async with http.post(f"{dash.url}/logout", allow_redirects=False) as resp:
            assert resp.status == 303
        async with http.get(f"{dash.url}/api/v1/channels") as resp:
            assert resp.status == 401
    async with client(cookies={COOKIE: cookie}) as replay:  # a copy of the cookie from before
        async with replay.get(f"{dash.url}/api/v1/channels") as resp:
            assert resp.status == 401
        async with replay.get(f"{dash.url}/dashboard/c/alpha", allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.headers["Location"].startswith("/login?next=")


async def test_login_with_another_browsers_state_is_refused(dash: Dash) -> None:
    dash.login_as("moddy")
    async with client() as victim, client() as attacker:
        async with attacker.get(f"{dash.url}/login", allow_redirects=False) as resp:
            to_twitch = resp.headers["Location"]
        async with attacker.get(to_twitch, allow_redirects=False) as resp:
            callback = resp.headers["Location"]  # carries the attacker's state and code
        async with victim.get(f"{dash.url}/login", allow_redirects=False):
            pass  # the victim has a login of their own under way
        async with victim.get(callback) as resp:
            assert resp.status == 400
        async with victim.get(f"{dash.url}/api/v1/channels") as resp:
            assert resp.status == 401


@pytest.mark.parametrize(
    ("next_", "lands"),
    [
        pytest.param("https://evil.example/x", "/dashboard", id="absolute"),
        pytest.param("//evil.example/x", "/dashboard", id="scheme-relative"),
        pytest.param("/\\evil.example", "/dashboard", id="backslash"),
        pytest.param("/dashboard/c/alpha", "/dashboard/c/alpha", id="on-site"),
    ],
)
async def test_next_off_site_is_ignored(dash: Dash, next_: str, lands: str) -> None:
    dash.login_as("moddy")
    async with client() as http, http.get(f"{dash.url}/login", params={"next": next_}) as resp:
        assert resp.status == 200
        assert str(resp.url).startswith(dash.url)
        assert resp.url.path == lands


async def test_session_cookie_is_replaced_at_login(dash: Dash) -> None:
    dash.login_as("moddy")
    async with client() as http:
        async with http.get(f"{dash.url}/login", allow_redirects=False) as resp:
            before = cookie_of(http, dash)
            to_twitch = resp.headers["Location"]
        async with http.get(to_twitch) as resp:
            assert resp.url.path == "/dashboard"
        after = cookie_of(http, dash)
        assert after != before
    # The pre-login cookie signs nobody in.
    async with (
        client(cookies={COOKIE: before}) as fixed,
        fixed.get(f"{dash.url}/api/v1/channels") as resp,
    ):
        assert resp.status == 401


async def test_cookie_flags(dash: Dash) -> None:
    dash.login_as("moddy")
    async with client() as http, http.get(f"{dash.url}/login", allow_redirects=False) as resp:
        header = resp.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # the public URL here is http://


async def test_an_unmodded_user_loses_access_after_the_recheck(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        dash.sim.state.remove_moderator("alpha", "moddy")
        async with http.get(f"{dash.url}/dashboard/c/alpha") as resp:
            assert resp.status == 200  # Twitch is asked again only after a few minutes
        dash.clock.advance(dash.site.deps.recheck_s + 1)
        async with http.get(f"{dash.url}/dashboard/c/alpha") as resp:
            assert resp.status == 404


async def test_a_revoked_twitch_token_signs_out(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        for token in dash.sim.state.tokens.tokens_of(dash.ids["moddy"]):
            dash.sim.state.revoke_token(token.access_token)
        dash.clock.advance(dash.site.deps.recheck_s + 1)
        async with http.get(f"{dash.url}/api/v1/channels") as resp:
            assert resp.status == 401
        async with http.get(f"{dash.url}/dashboard/c/alpha", allow_redirects=False) as resp:
            assert resp.status == 302


async def test_no_token_or_key_in_the_log_at_debug(
    dash: Dash, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{dash.url}/dashboard/c/alpha") as resp:
            assert resp.status == 200
        cookie = cookie_of(http, dash)
    secrets_ = [t.access_token for t in dash.sim.state.tokens.tokens_of(dash.ids["moddy"])]
    secrets_ += [cookie, dash.sim.client_secret]
    secrets_.append((dash.data_dir / "session.key").read_text().strip())
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "dashboard login: moddy" in text
    for secret in secrets_:
        assert secret not in text


async def test_session_key_is_made_once_and_private(dash: Dash) -> None:
    key = dash.data_dir / "session.key"
    assert key.stat().st_mode & 0o777 == 0o600


async def test_login_start_redirects_to_twitch_with_state_and_one_scope(dash: Dash) -> None:
    async with client() as http, http.get(f"{dash.url}/login", allow_redirects=False) as resp:
        location = urlparse(resp.headers["Location"])
    query = parse_qs(location.query)
    assert query["scope"] == ["user:read:moderated_channels"]
    assert len(query["state"][0]) >= 32
    assert query["redirect_uri"] == [f"{dash.url}/login/callback"]


def test_processes_starting_together_all_read_the_one_whole_key(tmp_path: Path) -> None:
    """Two bot processes of one data folder start at once: neither may read a half-made key."""
    path = tmp_path / "data" / "dashboard-session.key"
    for _ in range(20):
        path.unlink(missing_ok=True)
        start = threading.Barrier(6)
        with ThreadPoolExecutor(6) as pool:
            tokens = list(pool.map(_load_together, [start] * 6, [path] * 6))
        one = load_session_key(path)
        assert all(one.decrypt(t) == b"x" for t in tokens)  # every process got the same key
        assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no leftovers
        assert path.stat().st_mode & 0o777 == 0o600


def _load_together(start: threading.Barrier, path: Path) -> bytes:
    start.wait()
    return load_session_key(path).encrypt(b"x")
