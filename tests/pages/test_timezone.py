"""A channel's timezone: set by its moderators on the dashboard, used for every time shown."""

from __future__ import annotations

from tests.pages.conftest import Dash, csrf_of, logged_in

ALPHA = "/dashboard/c/alpha"


async def test_a_moderator_sets_the_timezone_and_the_pages_follow_it(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{dash.url}{ALPHA}/checks/2") as resp:
            html = await resp.text()
        assert "2026-11-29 20:00 UTC" in html and "times in UTC" in html

        csrf = await csrf_of(http, f"{dash.url}{ALPHA}/timezone")
        form = {"csrf": csrf, "timezone": " europe/paris"}
        async with http.post(f"{dash.url}{ALPHA}/timezone", data=form) as resp:
            assert resp.url.path == ALPHA
            html = await resp.text()
        assert "now in Europe/Paris" in html
        assert "times in Europe/Paris (UTC+01 now)" in html
        assert "2026-11-29 21:00 CET" in html  # the chart and the table of checks

        async with http.get(f"{dash.url}{ALPHA}/checks/2") as resp:
            assert "2026-11-29 21:00 CET" in await resp.text()
        async with http.get(f"{dash.url}{ALPHA}/timezone") as resp:
            html = await resp.text()
        assert 'value="Europe/Paris"' in html
        assert '<option value="Pacific/Auckland">' in html
        async with http.get(f"{dash.url}/api/v1/channels") as resp:
            (alpha,) = (await resp.json())["data"]
        assert alpha["timezone"] == "Europe/Paris"
        assert alpha["last_check"]["started_at"].endswith("Z")  # the API stays in UTC
        async with http.get(f"{dash.url}/dashboard") as resp:
            assert "times in UTC" in await resp.text()  # pages of no one channel

    audit = await dash.db.audit.recent(channel_id=dash.ids["alpha"])
    assert (audit[0].command, audit[0].args, audit[0].outcome) == (
        "dashboard:timezone",
        "Europe/Paris",
        "ok",
    )
    assert await dash.db.channels.timezone(dash.ids["alpha"]) == "Europe/Paris"


async def test_an_unknown_timezone_is_refused_in_words(dash: Dash) -> None:
    async with await logged_in(dash, "moddy") as http:
        csrf = await csrf_of(http, dash.url + ALPHA)
        form = {"csrf": csrf, "timezone": "Mars/Olympus_Mons"}
        async with http.post(f"{dash.url}{ALPHA}/timezone", data=form) as resp:
            assert resp.url.path == f"{ALPHA}/timezone"
            assert "is not a timezone name" in await resp.text()
        beta = {"csrf": csrf, "timezone": "Asia/Tokyo"}
        async with http.post(f"{dash.url}/dashboard/c/beta/timezone", data=beta) as resp:
            assert resp.status == 404  # not moddy's channel
        async with http.get(f"{dash.url}/dashboard/c/beta/timezone") as resp:
            assert resp.status == 404
    assert await dash.db.channels.timezone(dash.ids["alpha"]) == "UTC"
    assert await dash.db.channels.timezone(dash.ids["beta"]) == "UTC"
