from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_point_at_real_twitch() -> None:
    s = load_settings({})
    assert s.api_url == "https://api.twitch.tv/helix"
    assert s.auth_url == "https://id.twitch.tv"
    assert s.eventsub_ws_url == "wss://eventsub.wss.twitch.tv/ws"
    assert s.cooldown_s == 60


@pytest.mark.parametrize(
    ("env", "named"),
    [
        pytest.param({"BOTCHECK_WEB_PORT": "http"}, "BOTCHECK_WEB_PORT", id="port-not-a-number"),
        pytest.param({"BOTCHECK_WEB_PORT": "70000"}, "BOTCHECK_WEB_PORT", id="port-too-big"),
        pytest.param({"BOTCHECK_COOLDOWN_S": "-1"}, "BOTCHECK_COOLDOWN_S", id="negative-cooldown"),
        pytest.param({"TWITCH_API_URL": "api.twitch.tv"}, "TWITCH_API_URL", id="url-no-scheme"),
        pytest.param({"TWITCH_EVENTSUB_WS_URL": "http://x"}, "TWITCH_EVENTSUB_WS_URL", id="ws"),
        pytest.param({"TWITCH_BOT_ID": "botcheck"}, "TWITCH_BOT_ID", id="bot-id-not-numeric"),
        pytest.param({"BOTCHECK_LOG_LEVEL": "chatty"}, "BOTCHECK_LOG_LEVEL", id="log-level"),
    ],
)
def test_a_malformed_value_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    message = str(err.value)
    assert message.startswith(named)
    assert "\n" not in message and ".env" in message


def test_missing_twitch_credentials_are_named() -> None:
    with pytest.raises(SettingsError, match="TWITCH_CLIENT_ID is not set"):
        load_settings({}).require_twitch()


def test_secrets_never_show_in_repr_or_errors() -> None:
    s = load_settings({"TWITCH_CLIENT_SECRET": "supersecretvalue123"})
    assert "supersecretvalue123" not in repr(s) and "supersecretvalue123" not in str(s)


def test_reads_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("BOTCHECK_WEB_PORT=5000\nTWITCH_BOT_ID=\nBOTCHECK_KNOWN_BOTS_FILE=\n")
    monkeypatch.delenv("BOTCHECK_WEB_PORT", raising=False)
    s = load_settings(env_file=env_file)
    assert s.web_port == 5000 and s.bot_id is None and s.known_bots_file is None
