"""The streams page and the engagement / daily-report API (issue 18), against the OpenAPI file."""

from __future__ import annotations

import json
from datetime import timedelta

from storage import ViewerSample
from tests.pages.conftest import T0, Dash, client, logged_in
from tests.pages.test_api import validate


async def _seed_stream(dash: Dash) -> None:
    db, alpha = dash.db, dash.ids["alpha"]
    start = T0 - timedelta(days=2, hours=2)
    s = await db.history.start_session(
        channel_id=alpha,
        stream_id="st-1",
        started_at=start,
        title="evening",
        category="Chess",
        report_token="s1".ljust(32, "s"),
    )
    await db.history.add_viewer_samples(
        [
            ViewerSample(s.session_id, start + timedelta(minutes=10 * i), 40, "Chess")
            for i in range(12)
        ]
    )
    await db.history.end_session(s.session_id, ended_at=start + timedelta(hours=2))
    day = (T0 - timedelta(days=1)).date()
    assert await db.daily_reports.claim(
        alpha, day, timezone="UTC", token="d1".ljust(32, "d"), now=T0
    )
    await db.daily_reports.finish(alpha, day, body=json.dumps({"day": day.isoformat()}), now=T0)


async def test_engagement_and_daily_reports_api_match_the_openapi_file(dash: Dash) -> None:
    await _seed_stream(dash)
    api = f"{dash.url}/api/v1/channels"
    async with await logged_in(dash, "moddy") as http:
        async with http.get(f"{api}/alpha/engagement") as resp:
            assert resp.status == 200
            body = await resp.json()
        validate("/channels/{login}/engagement", 200, body)
        assert [c["category"] for c in body["data"]["categories"]] == ["Chess"]
        assert body["data"]["categories"][0]["avg_viewers"] == 40
        async with http.get(f"{api}/alpha/daily-reports") as resp:
            reports = await resp.json()
        validate("/channels/{login}/daily-reports", 200, reports)
        assert reports["data"][0]["page"].endswith("/r/" + "d1".ljust(32, "d"))
        for path, template in (
            ("/beta/engagement", "/channels/{login}/engagement"),
            ("/beta/daily-reports", "/channels/{login}/daily-reports"),
        ):
            async with http.get(api + path) as resp:
                assert resp.status == 404
                validate(template, 404, await resp.json())
        async with http.get(f"{dash.url}/dashboard/c/alpha/streams") as resp:
            assert resp.status == 200
            html = await resp.text()
        assert "When chat is most engaged" in html and "Chess" in html
        assert "/r/" + "d1".ljust(32, "d") in html
    async with client() as http, http.get(f"{api}/alpha/engagement") as resp:
        assert resp.status == 401
