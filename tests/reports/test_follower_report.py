"""The follower report's chat message and page: verdict first, one message, the link kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reports.follower_report import follower_csv, follower_page, follower_summary
from reports.followers import Follower, analyze_followers
from storage.models import Account
from twitchsim.follows import AttackSpec, follower_list

LINK = "https://botcheck.example/r/" + "x" * 32


def _analysed(attack: bool) -> tuple[object, list[Follower]]:
    attacks = [AttackSpec(size=120)] if attack else []
    sc = follower_list(3, 300, attacks=attacks, spikes=False, days=30)
    followers = [
        Follower(
            Account(
                f.user.user_id, f.user.login, f.user.display_name, created_at=f.user.created_at
            ),
            f.followed_at,
        )
        for f in sc.follows
    ]
    return analyze_followers(followers, now=sc.now), followers


@pytest.mark.parametrize(
    ("attack", "lead"),
    [
        pytest.param(True, "Likely follow-bots: ", id="attack"),
        pytest.param(False, "Nothing unusual: ", id="organic"),
    ],
)
def test_summary_page_and_csv(attack: bool, lead: str) -> None:
    analysis, followers = _analysed(attack)
    text = follower_summary(analysis, LINK)  # type: ignore[arg-type]
    assert text.startswith(lead) and text.endswith(LINK) and len(text) <= 500
    page = follower_page(analysis, title="Followers of chan")  # type: ignore[arg-type]
    assert "Followers of chan" in page and "followers.csv" in page
    rows = follower_csv(analysis, followers).splitlines()  # type: ignore[arg-type]
    assert rows[0].startswith("user_id,login") and len(rows) == len(followers) + 1
    assert any("follow_bot" in r for r in rows[1:]) is attack


def test_empty_list_says_nothing_to_check() -> None:
    empty = analyze_followers([], now=datetime(2026, 11, 21, tzinfo=UTC))
    assert follower_summary(empty, LINK).startswith("Nothing to check")
