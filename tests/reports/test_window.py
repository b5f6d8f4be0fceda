from __future__ import annotations

from datetime import timedelta

import pytest

from reports.window import parse_window


@pytest.mark.parametrize(
    ("text", "days"),
    [
        pytest.param("30d", 30, id="days"),
        pytest.param("8w", 56, id="weeks"),
        pytest.param(" 14 ", 14, id="bare-number-is-days"),
        pytest.param("2 weeks", 14, id="words"),
        pytest.param("1D", 1, id="upper-case"),
        pytest.param("3650d", 3650, id="ten-years"),
    ],
)
def test_good_windows(text: str, days: int) -> None:
    assert parse_window(text) == timedelta(days=days)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "could not read", id="empty"),
        pytest.param("soon", "could not read", id="word"),
        pytest.param("-3d", "could not read", id="negative"),
        pytest.param("3m", "could not read", id="months-unsupported"),
        pytest.param("0d", "at least one day", id="zero"),
        pytest.param("9999w", "at most", id="too-long"),
        pytest.param("1.5w", "could not read", id="fraction"),
    ],
)
def test_bad_windows_say_why_in_a_sentence(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        parse_window(text)
    assert str(info.value).endswith(".")
