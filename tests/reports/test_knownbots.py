"""Known-bot lists: every shape published in the wild is read, any other shape is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.knownbots import KnownBotsError, load_known_bots, parse_known_bots

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "known-bots"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("commanderroot\n# a comment\n\nAnotherTTVViewer  # x\n", 2, id="lines"),
        pytest.param('["commanderroot", "anotherttvviewer"]', 2, id="json-array"),
        pytest.param('{"commanderroot": 71092938, "anotherttvviewer": "74223424"}', 2, id="object"),
        pytest.param(
            '{"bots": [["commanderroot", 3512, 1732752000], ["anotherttvviewer", 2950, 1]],'
            ' "_total": 2}',
            2,
            id="twitchinsights",
        ),
        pytest.param("\ufeffcommanderroot\nanotherttvviewer\n", 2, id="lines-with-bom"),
    ],
)
def test_every_published_shape_is_read(tmp_path: Path, text: str, expected: int) -> None:
    path = tmp_path / "bots.list"
    path.write_text(text, encoding="utf-8")
    logins = load_known_bots(path)
    assert len(logins) == expected
    assert logins == {"commanderroot", "anotherttvviewer"}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param('{"bots": "commanderroot"}', '"bots"', id="bots-not-rows"),
        pytest.param('{"commanderroot": {"channels": 3}}', "not user ids", id="object-of-objects"),
        pytest.param('{"commanderroot": true}', "not user ids", id="object-of-bools"),
        pytest.param("[1, 2, 3]", "not of strings", id="array-of-numbers"),
        pytest.param('"commanderroot"', "not a Twitch login", id="json-string"),
        pytest.param('{"commanderroot": 1,', "does not parse", id="broken-json"),
        pytest.param("login,user_id\ncommanderroot,71092938\n", "not a Twitch login", id="csv"),
        pytest.param("<html><body>Not found</body></html>\n", "not a Twitch login", id="html"),
    ],
)
def test_any_other_shape_is_refused_in_one_sentence(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "bots.list"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnownBotsError) as info:
        load_known_bots(path)
    message = str(info.value)
    assert str(path) in message and why in message
    assert "expected one login a line" in message
    assert message.count(". ") == 0 and message.endswith(".")


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnownBotsError, match="Cannot read"):
        load_known_bots(tmp_path / "nope.txt")


def test_no_file_is_an_empty_list() -> None:
    assert load_known_bots(None) == frozenset()


def test_parse_names_the_source_it_was_given() -> None:
    with pytest.raises(KnownBotsError, match=r"https://example\.invalid/bots\.json"):
        parse_known_bots("{}", source="https://example.invalid/bots.json")


@pytest.mark.parametrize(
    ("name", "at_least"),
    [
        pytest.param("arrowgent-lurkers.txt", 1000, id="arrowgent-lines"),
        pytest.param("t-affeldt-friendly.txt", 40, id="t-affeldt-lines"),
        pytest.param("mreliasen-list-2021-08-28.json", 200, id="mreliasen-array"),
        pytest.param("mreliasen-whitelist.json", 30, id="mreliasen-whitelist"),
    ],
)
def test_public_lists_when_present(name: str, at_least: int) -> None:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    assert len(load_known_bots(path)) >= at_least


@pytest.mark.parametrize(
    "shape",
    [pytest.param("object", id="as-object"), pytest.param("twitchinsights", id="as-insights")],
)
def test_a_public_list_rewritten_in_another_shape_reads_the_same(
    tmp_path: Path, shape: str
) -> None:
    source = SHARED / "mreliasen-list-2021-08-28.json"
    if not source.exists():
        pytest.skip(f"{source} is not here")
    logins = json.loads(source.read_text(encoding="utf-8"))
    if shape == "object":
        data: object = {login: 100_000 + i for i, login in enumerate(logins)}
    else:
        data = {"bots": [[login, 50 + i, 1_700_000_000] for i, login in enumerate(logins)]}
    path = tmp_path / "rewritten.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_known_bots(path) == load_known_bots(source)
