"""Honest clusters stay low; farms of the same size made at a machine's pace do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reports.analysis import analyze
from reports.model import Level
from storage.models import Account
from tests.reports.builders import NOW, account, farm, organic, user_id_at

EVENING = datetime(2022, 4, 18, 17, 0, tzinfo=UTC)
LOGINS = [
    "emmaplays",
    "kingliam",
    "noahh",
    "olivia_rose",
    "ava2011",
    "mialovescats",
    "lucasgg",
    "leothelion",
    "ellabella",
    "zoe_xo",
    "finnster",
    "nora4life",
    "theo_builds",
    "ivyleaf",
    "owenpwns",
    "rubyred",
    "samthesam",
    "jackfrost22",
    "lily_pad",
    "tomtom",
]


def classmates(n: int) -> list[Account]:
    """A class signing up over two evenings, each child at their own moment, own login."""
    out = []
    for i in range(n):
        when = EVENING + timedelta(days=i % 2, minutes=17 * i + 3 * (i % 5))
        login = LOGINS[i]
        out.append(account(login, when, user_id=user_id_at(when) + 1, default_avatar=i % 4 != 0))
    return out


def test_a_class_is_listed_but_leaves_the_verdict_low() -> None:
    a = analyze(organic(400) + classmates(20), now=NOW)
    assert a.waves, "the cluster is still found and listed"
    assert a.verdict.level is Level.LOW
    assert "as friends or a class signing up together would be" in a.verdict.reasons[0]


@pytest.mark.parametrize(
    ("spread", "level"),
    [
        pytest.param(timedelta(minutes=5), Level.HIGH, id="twenty-in-five-minutes"),
        pytest.param(timedelta(days=2), Level.HIGH, id="patterned-over-two-days"),
    ],
)
def test_a_farm_of_the_same_size_is_not_taken_for_a_class(spread: timedelta, level: Level) -> None:
    members = farm(25, EVENING, spread=spread)
    a = analyze(organic(400) + members, now=NOW)
    assert a.verdict.level is level
    assert "person's pace" not in a.verdict.reasons[0]
