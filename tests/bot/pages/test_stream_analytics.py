"""A stream report carries the stream's analytics: in its JSON and on its page (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

from storage import Database
from tests.bot.pages.test_streams import Clock, streams_for
from tests.storage.test_stream_stats import at, history  # noqa: F401 (the fixture)


async def test_the_stream_report_shows_returning_retention_and_categories(
    history: tuple[Database, object, object],  # noqa: F811
    tmp_path: Path,
) -> None:
    db, _, s2 = history
    reports = streams_for(db, tmp_path, Clock(at(21, 0)))
    directory = await reports.render(s2)  # type: ignore[arg-type]
    analytics = json.loads((directory / "stream.json").read_text())["analytics"]
    assert analytics["returning"] == {
        "chatters": 4,
        "returning": 2,
        "share": 0.5,
        "earlier_streams": 1,
    }
    assert analytics["retention"]["median_span_min"] == 23.5
    assert [(g["category"], g["messages"]) for g in analytics["segments"]] == [
        ("Chess", 4),
        ("Art", 3),
    ]
    assert sum(p["messages"] for p in analytics["chat_per_viewer"]) == 7
    page = (directory / "index.html").read_text()
    assert "Returning chatters" in page and "50%" in page
    assert "Still chatting after" in page and "Art" in page
