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
    require_readable,
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


MAY_3 = datetime(2021, 5, 3, 10, 22, 11, tzinfo=UTC)

# Files other tools export: (file name, content, what the first row's created_at must read as).
OTHER_TOOLS = [
    pytest.param(
        "helix-users.json",
        '{"data": [{"id": "41", "login": "alice", "display_name": "Alice",'
        ' "created_at": "2021-05-03T10:22:11Z"}, {"id": "42", "login": "bob",'
        ' "created_at": "2021-05-03T10:22:11Z"}]}',
        MAY_3,
        id="helix-get-users-json",
    ),
    pytest.param(
        "chatters.json",
        '[{"user_id": "41", "user_login": "alice", "user_name": "Alice",'
        ' "created_at": "2021-05-03 10:22:11"}, {"user_id": "42", "user_login": "bob",'
        ' "user_name": "Bob", "created_at": "2021-05-03 10:22:11"}]',
        MAY_3,
        id="get-chatters-json-space-date-no-zone",
    ),
    pytest.param(
        "export.json",
        '[{"userId": 41, "name": "alice", "createdAt": 1620037331000},'
        ' {"userId": 42, "name": "bob", "createdAt": 1620037331000}]',
        MAY_3,
        id="camel-case-epoch-ms-numbers",
    ),
    pytest.param(
        "export.csv",
        "id,login,created\n41,alice,1620037331\n42,bob,1620037331\n",
        MAY_3,
        id="csv-id-created-epoch-seconds",
    ),
    pytest.param(
        "export.csv",
        "User ID,User Login,Created At\n41,Alice,2021-05-03 12:22:11+02:00\n"
        "42,bob,2021-05-03 10:22:11\n",
        MAY_3,
        id="csv-spaced-headers-offset-zone",
    ),
    pytest.param(
        "export.csv",
        "userId,name,createdAt\n41,alice,1620037331000\n42,bob,May 3 2021 10:22:11 AM\n",
        MAY_3,
        id="csv-camel-case-ms-and-words",
    ),
    pytest.param(
        "export.csv",
        "user_id,login,created_at\n41,alice,2021-05-03T10:22:11.123456789Z\n"
        "42,bob,2021-05-03T10:22:11Z\n",
        MAY_3.replace(microsecond=123456),
        id="csv-nanoseconds",
    ),
]


@pytest.mark.parametrize(("name", "content", "first_created"), OTHER_TOOLS)
def test_other_tools_exports_are_read(
    tmp_path: Path, name: str, content: str, first_created: datetime
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = read_chatter_list(path)
    require_readable(result)
    assert result.errors == (), result.errors
    assert [(a.user_id, a.login) for a in result.accounts] == [(41, "alice"), (42, "bob")]
    assert result.accounts[0].created_at == first_created


# Files that must not give an analysis: (file name, content, what the error says).
REFUSED = [
    pytest.param(
        "analysis.json",
        json.dumps(analyze(organic(20), now=NOW).to_dict()),
        "give the chatters.csv beside it",
        id="our-own-analysis-json",
    ),
    pytest.param(
        "ids.json",
        '[{"uid": 1, "login": "a", "created_at": "2021-05-03"},'
        ' {"uid": 2, "login": "b", "created_at": "2021-05-03"}]',
        "none of the 2 rows could be read",
        id="json-no-row-readable",
    ),
    pytest.param(
        "half.csv",
        "user_id,login,created_at\n1,a,2021-05-03\n2,b,soon\n3,c,later\n",
        "only 1 of 3 rows could be read",
        id="csv-fewer-than-half",
    ),
    pytest.param(
        "dates.csv",
        "user_id,login,created_at\n1,a,yesterday\n",
        "none of the 1 rows",
        id="csv-unreadable-date",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_lists_that_would_mislead_are_refused(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ChatterListError, match=message):
        require_readable(read_chatter_list(path))


def test_half_readable_is_enough() -> None:
    result = parse_csv("user_id,login,created_at\n1,a,2021-05-03\n2,b,soon\n")
    require_readable(result)  # one of two: analysed, with the bad row reported
    assert result.error_count == 1
