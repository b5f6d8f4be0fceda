"""Channel timezones: names checked, times shown in the zone and labelled, DST edges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reports import zones


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param("Europe/Paris", "Europe/Paris", id="canonical"),
        pytest.param("  europe/PARIS ", "Europe/Paris", id="any-case"),
        pytest.param("utc", "UTC", id="utc"),
        pytest.param("Z", "UTC", id="zulu"),
        pytest.param("Pacific/Auckland", "Pacific/Auckland", id="utc+13-in-summer"),
    ],
)
def test_parse_zone_accepts_iana_names(text: str, name: str) -> None:
    assert zones.parse_zone(text) == name


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Paris", id="city-only"),
        pytest.param("+02:00", id="offset"),
        pytest.param("../../etc/passwd", id="path"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_zone_refuses_the_rest(text: str) -> None:
    with pytest.raises(ValueError, match="not a timezone name"):
        zones.parse_zone(text)


@pytest.mark.parametrize(
    ("at", "name", "shown"),
    [
        # Europe/Paris springs forward at 01:00 UTC on 2026-03-29: 02:00 CET becomes 03:00 CEST.
        pytest.param(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Europe/Paris",
                     "2026-03-29 01:59 CET", id="paris-before-dst"),
        pytest.param(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Europe/Paris",
                     "2026-03-29 03:00 CEST", id="paris-after-dst"),
        # ...and falls back at 01:00 UTC on 2026-10-25: 02:30 happens twice, labelled apart.
        pytest.param(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Europe/Paris",
                     "2026-10-25 02:30 CEST", id="paris-first-0230"),
        pytest.param(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Europe/Paris",
                     "2026-10-25 02:30 CET", id="paris-second-0230"),
        # A channel in UTC+13 is already on the next day.
        pytest.param(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "Pacific/Tongatapu",
                     "2026-12-02 01:00 UTC+13", id="utc+13-next-day"),
        pytest.param(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "Asia/Kolkata",
                     "2026-12-01 17:30 IST", id="half-hour-offset"),
        pytest.param(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "UTC",
                     "2026-12-01 12:00 UTC", id="utc"),
    ],
)  # fmt: skip
def test_when_shows_the_local_time_with_its_label(at: datetime, name: str, shown: str) -> None:
    assert zones.when(at, zones.zone(name)) == shown


def test_day_and_description_follow_the_zone() -> None:
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert zones.day(at, zones.zone("Pacific/Tongatapu")) == "2026-12-02"
    assert zones.describe("Asia/Kolkata", now=at) == "Asia/Kolkata (UTC+05:30 now)"
    assert zones.describe("America/Sao_Paulo", now=at) == "America/Sao_Paulo (UTC-03 now)"
    assert zones.describe("UTC", now=at) == "UTC"
    assert "Europe/Paris" in zones.names() and "UTC" in zones.names()
