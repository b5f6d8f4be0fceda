from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reports.analysis import analyze
from reports.chatterlist import (
    UNKNOWN_AVATAR,
    ChatterListError,
    parse_csv,
    parse_json,
    read_chatter_list,
)
from reports.export import csv_text
from tests.reports.builders import NOW, farm, organic

GOOD_CSV = """user_id,login,created_at,display_name
1001,alice,2020-05-01T10:00:00Z,Alice
1002,bob,2021-01-02T03:04:05+00:00,
"""


def test_csv_good_rows() -> None:
    result = parse_csv(GOOD_CSV)
    assert result.errors == ()
    alice, bob = result.accounts
    assert alice.user_id == 1001
    assert alice.created_at == datetime(2020, 5, 1, 10, tzinfo=UTC)
    assert alice.display_name == "Alice"
    assert bob.display_name == "bob"
    # No avatar column: avatars are unknown, not "default".
    assert alice.profile_image_url == UNKNOWN_AVATAR
    assert not alice.default_avatar


def test_csv_bad_rows_are_skipped_with_their_line_numbers() -> None:
    text = (
        "User_ID, Login ,created_at\n"  # header names are forgiving
        "1,alice,2020-05-01T10:00:00Z\n"
        "abc,bob,2020-05-01T10:00:00Z\n"  # line 3
        '3,"carol\nsmith",2020-05-01\n'  # line 4, a quoted newline: spans two lines
        "4,dave,yesterday\n"  # line 6
        "\n"
        "5,erin\n"  # line 8
        "1,alice2,2020-05-01T10:00:00Z\n"  # line 9: duplicate id
        "6,frank,\n"  # empty created_at: unknown, not an error
        "7,grace,1999-01-01\n"  # line 11: before Twitch
    )
    result = parse_csv(text)
    assert [a.login for a in result.accounts] == ["alice", "frank"]
    assert result.accounts[1].created_at is None
    lines = [(e.line, e.message.split(" ")[0]) for e in result.errors]
    assert [line for line, _ in lines] == [3, 4, 6, 8, 9, 11]
    assert "already appeared on line 2" in str(result.errors[4])
    assert result.error_count == 6
    assert result.rows == 8


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("id,name\n1,x\n", id="no-required-columns"),
        pytest.param("user_id,login\n1,x\n", id="no-created-at"),
    ],
)
def test_csv_that_cannot_be_a_chatter_list(text: str) -> None:
    with pytest.raises(ChatterListError):
        parse_csv(text)


def test_json_array_with_line_numbers() -> None:
    text = json.dumps(
        [
            {"user_id": 1, "login": "alice", "created_at": "2020-05-01T10:00:00Z"},
            {
                "user_id": "2",
                "login": "bob",
                "created_at": "2021-05-01T10:00:00Z",
                "profile_image_url": "https://x/user-default-pictures-uv/a.png",
            },
            {"user_id": True, "login": "carol", "created_at": "2021-05-01"},
            "not an object",
            {"user_id": 5, "login": "has space", "created_at": "2021-05-01"},
        ],
        indent=2,
    )
    result = parse_json(text)
    assert [a.login for a in result.accounts] == ["alice", "bob"]
    assert result.accounts[1].default_avatar
    lines = text.splitlines()
    carol = next(i + 1 for i, line in enumerate(lines) if '"carol"' in line) - 2  # its {
    string = next(i + 1 for i, line in enumerate(lines) if "not an object" in line)
    spaced = next(i + 1 for i, line in enumerate(lines) if '"has space"' in line) - 2
    assert [e.line for e in result.errors] == [carol, string, spaced]
    assert "number" in result.errors[0].message


def test_json_helix_shape() -> None:
    text = '{"data": [{"user_id": "9", "login": "x_y", "created_at": "2016-01-01T00:00:00Z"}]}'
    result = parse_json(text)
    assert [a.user_id for a in result.accounts] == [9]
    with pytest.raises(ChatterListError):
        parse_json('{"items": []}')
    with pytest.raises(ChatterListError, match="not valid JSON"):
        parse_json("[{")


def test_our_csv_reads_back_with_the_same_verdict(tmp_path: Path) -> None:
    accounts = organic(800) + farm(120, datetime(2026, 2, 1, tzinfo=UTC), spread=timedelta(hours=1))
    first = analyze(accounts, now=NOW)
    path = tmp_path / "chatters.csv"
    path.write_text(csv_text(first, accounts), encoding="utf-8")
    back = read_chatter_list(path)
    assert back.errors == ()
    again = analyze(back.accounts, now=NOW)
    assert again.verdict.level == first.verdict.level
    assert again.flagged == first.flagged
    # The flags column carried the avatars across.
    assert again.waves[0].traits.default_avatar_share == first.waves[0].traits.default_avatar_share


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ChatterListError, match="cannot read"):
        read_chatter_list(tmp_path / "missing.csv")
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ChatterListError, match="not UTF-8"):
        read_chatter_list(binary)
