"""The channel chart: every value readable without script, nothing unescaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from bot.pages.dashboard.chart import checks_chart
from storage.dashboard import CheckPoint

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def point(i: int, **kw: object) -> CheckPoint:
    base: dict[str, object] = {
        "capture_id": i,
        "started_at": T0 + timedelta(days=i),
        "chatters": 100 + i,
        "viewers": 150,
        "verdict": "low",
        "analysed": 90,
        "flagged": 9,
    }
    base.update(kw)
    return CheckPoint(**base)  # type: ignore[arg-type]


def test_no_points_no_chart() -> None:
    assert checks_chart([]) == ""


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        pytest.param(
            [point(1)], "101 chatters · 150 viewers · 10% flagged · verdict low", id="one"
        ),
        pytest.param(
            [point(1, viewers=None, analysed=None, flagged=None, verdict=None)],
            "101 chatters · offline · flagged n/a · verdict n/a",
            id="offline-and-unknown",
        ),
    ],
)
def test_each_point_carries_its_values(points: list[CheckPoint], expected: str) -> None:
    svg = ET.fromstring(str(checks_chart(points)))
    (pt,) = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "pt"]
    assert pt.get("tabindex") == "0"  # focusable: a tap shows the label
    assert expected in (pt.get("aria-label") or "")
    assert expected in (pt.findtext(f"{SVG}title") or "")
    texts = [t.text for t in pt.iter(f"{SVG}text")]
    assert expected in texts


def test_many_points_and_a_verdict_class() -> None:
    points = [point(i, verdict="high" if i == 5 else "low") for i in range(30)]
    svg = ET.fromstring(str(checks_chart(points)))
    dots = [c for c in svg.iter(f"{SVG}circle")]
    assert len(dots) == 30
    assert sum("verdict-high" in (c.get("class") or "") for c in dots) == 1
    assert "style=" not in str(checks_chart(points))  # colours come from the stylesheet (CSP)
