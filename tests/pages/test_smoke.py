from __future__ import annotations

from tests.pages.conftest import Dash, logged_in


async def test_login_lists_moderated_channel_only(dash: Dash) -> None:
    http = await logged_in(dash, "moddy")
    async with http:
        async with http.get(f"{dash.url}/dashboard") as resp:
            html = await resp.text()
        assert "alpha" in html.lower()
        assert "/dashboard/c/beta" not in html
        for path in (
            "/dashboard/c/alpha",
            "/dashboard/c/alpha/checks/2",
            "/dashboard/c/alpha/checks/2/compare?with=1",
            "/dashboard/c/alpha/timezone",
        ):
            async with http.get(dash.url + path) as resp:
                assert resp.status == 200, (path, await resp.text())
