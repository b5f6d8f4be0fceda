from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from reports.analysis import analyze
from reports.model import Analysis, Level, Totals, Traits, Verdict, Wave
from reports.summary import MAX_CHARS, summary_text
from tests.reports.builders import NOW, account, farm, organic

LINK = "https://botcheck.example.org/r/Zx9_k2LqP0aBcDeFgHiJkLmNoPqRsTuV"


def check(text: str, link: str = LINK) -> None:
    assert len(text) <= MAX_CHARS
    assert text.endswith(link)


def test_farm_summary_reads_like_the_example() -> None:
    members = farm(312, datetime(2026, 11, 2, tzinfo=UTC), spread=timedelta(days=2))
    a = analyze(organic(972) + members, now=NOW, viewer_count=1_310)
    text = summary_text(a, LINK)
    check(text)
    # The wave holds the 312 farm accounts plus those days' ordinary signups.
    assert re.match(r"31\d of 1,284 chatters \(24%\) were created on 2–3 Nov 2026, ", text)
    assert "1,284 chatters for 1,310 viewers" in text
    assert "Verdict: high." in text
    assert "bot" not in text.split("Verdict")[0].lower()


def test_zero_chatters() -> None:
    text = summary_text(analyze([], now=NOW), LINK)
    check(text)
    assert "No chatters" in text
    assert "Verdict: low." in text


def test_all_service_bots() -> None:
    accounts = [account("nightbot", NOW - timedelta(days=4000)), account("moobot", None)]
    text = summary_text(analyze(accounts, now=NOW, viewer_count=3), LINK)
    check(text)
    assert "all 2 chatters are service or listed bots" in text.lower()


def test_offline_stream() -> None:
    text = summary_text(analyze(organic(300), now=NOW), LINK)
    check(text)
    assert "stream offline" in text
    assert "Verdict: low." in text


def _huge(n_waves: int) -> Analysis:
    base = analyze(organic(50), now=NOW)
    wave = Wave(
        start=date(2019, 12, 30),
        end=date(2020, 1, 2),
        count=123_456_789,
        expected=12.0,
        share=0.4,
        p_value=0.0,
        sample_logins=("x" * 25,) * 5,
        traits=Traits((), 0.0, 1.0, 1.0),
    )
    totals = Totals(
        chatters=987_654_321_000,
        analysed=987_654_321_000,
        unknown=0,
        service_bots=tuple(f"bot{i}" for i in range(40)),
        known_bots=tuple(f"lurk{i}" for i in range(4000)),
        viewer_count=123_456_789_012,
        renamed=0,
    )
    return dataclasses.replace(
        base,
        totals=totals,
        waves=(wave,) * n_waves,
        verdict=Verdict(Level.HIGH, ("x" * 600,)),
    )


@pytest.mark.parametrize("n_waves", [1, 50])
def test_huge_numbers_still_fit(n_waves: int) -> None:
    text = summary_text(_huge(n_waves), LINK)
    check(text)
    assert "123,456,789 of 987,654,321,000 chatters" in text
    assert "30 Dec 2019 – 2 Jan 2020" in text


@pytest.mark.parametrize("length", [100, 400, 480])
def test_long_links_still_end_the_message(length: int) -> None:
    link = "https://x.example/r/" + "a" * (length - 20)
    text = summary_text(_huge(3), link)
    check(text, link)


def test_window_is_mentioned() -> None:
    a = analyze(organic(500), now=NOW, window=timedelta(days=30))
    text = summary_text(a, LINK)
    check(text)
    assert f"{a.window_count} created in the last 30 days." in text
