from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from reports.analysis import analyze
from reports.model import Analysis, Level, Totals, Traits, Verdict, Wave
from reports.summary import LEADS, MAX_CHARS, NOTHING_TO_CHECK, summary_text
from tests.reports.builders import NOW, account, farm, organic

LINK = "https://botcheck.example.org/r/Zx9_k2LqP0aBcDeFgHiJkLmNoPqRsTuV"


PUZZLES = ("percentile", " of 0 ", "Set apart in all", "Verdict:", "high", "elevated")


def check(text: str, link: str = LINK) -> None:
    assert len(text) <= MAX_CHARS
    assert text.endswith(link)
    if len(link) < 400:  # else only the link fits
        assert text.startswith((*LEADS.values(), NOTHING_TO_CHECK)), text
    for puzzle in PUZZLES:
        assert puzzle not in text, text


def test_farm_summary_reads_like_the_example() -> None:
    members = farm(312, datetime(2026, 11, 2, tzinfo=UTC), spread=timedelta(days=2))
    a = analyze(organic(972) + members, now=NOW, viewer_count=1_310)
    text = summary_text(a, LINK)
    check(text)
    # The wave holds the 312 farm accounts plus those days' ordinary signups.
    assert re.match(
        r"Likely viewbot waves: 31\d of 1,284 chatters \(24%\) have accounts created on "
        r"2–3 Nov 2026, when (none|about \d+) would be normal\. ",
        text,
    )
    assert "The stream shows 1,310 viewers." in text
    assert len(re.findall(r"\d chatters", text)) == 1  # one chatter count


def test_zero_chatters() -> None:
    text = summary_text(analyze([], now=NOW), LINK)
    check(text)
    assert text.startswith("Nothing to check: no chatters")


def test_all_service_bots() -> None:
    accounts = [account("nightbot", NOW - timedelta(days=4000)), account("moobot", None)]
    text = summary_text(analyze(accounts, now=NOW, viewer_count=3), LINK)
    check(text)
    assert text.startswith("Nothing to check: all 2 chatters are service or listed bots.")


def test_offline_stream() -> None:
    text = summary_text(analyze(organic(300), now=NOW), LINK)
    check(text)
    assert text.startswith("Nothing unusual: no waves of accounts created on the same days")
    assert "The stream is offline." in text


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
    assert "Likely viewbot waves: 123,456,789 of 987,654,321,000 chatters" in text
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
    assert f"{a.window_count} were created in the last 30 days." in text


# (analysis maker, what the reply must start with, phrases it must hold)
WORDINGS = [
    pytest.param(
        lambda: analyze(
            organic(600) + farm(80, datetime(2026, 3, 1, tzinfo=UTC), spread=timedelta(minutes=9)),
            now=NOW,
            viewer_count=700,
        ),
        "Likely viewbot waves: ",
        ("of 680 chatters", "The stream shows 700 viewers."),
        id="high-wave",
    ),
    pytest.param(
        lambda: analyze(organic(400), now=NOW, viewer_count=397),
        "Nothing unusual: no waves",
        ("among 400 chatters", "397 viewers"),
        id="low",
    ),
    pytest.param(
        lambda: analyze(organic(400), now=NOW, viewer_count=100),
        "Worth a look: 400 accounts are in chat for 100 viewers.",
        (),
        id="elevated-more-chatters-than-viewers",
    ),
    pytest.param(
        lambda: analyze(
            [
                *organic(300),
                account("nightbot", NOW - timedelta(days=4000)),
                account("x", None, user_id=7),
            ],
            now=NOW,
            viewer_count=400,
        ),
        "Nothing unusual: ",
        ("among 300 chatters", "Not counted above: 1 service bot, 1 with no known creation date."),
        id="set-apart-named",
    ),
    pytest.param(
        lambda: analyze([account("a", None, user_id=5), account("b", None, user_id=6)], now=NOW),
        "Nothing to check: no account creation dates are known for the 2 chatters.",
        (),
        id="no-dates",
    ),
]


@pytest.mark.parametrize(("make", "lead", "phrases"), WORDINGS)
def test_reply_leads_with_the_verdict_in_words(
    make: object, lead: str, phrases: tuple[str, ...]
) -> None:
    assert callable(make)
    text = summary_text(make(), LINK)
    check(text)
    assert text.startswith(lead), text
    for phrase in phrases:
        assert phrase in text, text
