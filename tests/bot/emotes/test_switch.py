"""BOTCHECK_EMOTES: on for `botcheck run` (environment, .env), off for settings from a mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("dotenv", "emotes"),
    [
        pytest.param("", True, id="default-on"),
        pytest.param("BOTCHECK_EMOTES=false\n", False, id="switched-off"),
    ],
)
def test_run_reads_the_switch_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dotenv: str, emotes: bool
) -> None:
    monkeypatch.delenv("BOTCHECK_EMOTES", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(dotenv)
    s = load_settings(env_file=env_file)
    assert s.emotes is emotes
    assert s.seventv_api_url == "https://7tv.io/v3"


@pytest.mark.parametrize(
    ("given", "emotes"),
    [
        pytest.param({}, False, id="mapping-default-off"),
        pytest.param({"BOTCHECK_EMOTES": "true"}, True, id="mapping-on"),
        pytest.param({"botcheck_emotes": "1"}, True, id="mapping-lowercase"),
    ],
)
def test_a_mapping_starts_with_emotes_off(given: dict[str, str], emotes: bool) -> None:
    assert load_settings(given).emotes is emotes


def test_an_api_base_must_be_http() -> None:
    with pytest.raises(SettingsError, match="BOTCHECK_7TV_API_URL"):
        load_settings({"BOTCHECK_7TV_API_URL": "ftp://7tv.io"})
