"""Small pieces of the first-contact work: setting-name typos, `.env` that is not text, dated
and JSON logs, the metrics counters, sd_notify, data-folder modes."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import stat
from pathlib import Path

import pytest

from bot import metrics, systemd
from bot.logs import configure_logging
from bot.preflight import StartupError, make_private, prepare_data_dir
from bot.settings import SettingsError, check_unknown_settings, load_settings, read_env_file

SECRET = "k3j4h5g6f7d8s9a0q1w2e3r4t5y6u7"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        pytest.param(
            {"BOTCHECK_COOLDOWN": "5"},
            "BOTCHECK_COOLDOWN (did you mean BOTCHECK_COOLDOWN_S?)",
            id="typo",
        ),
        pytest.param(
            {"TWITCH_CLIENTID": "x"},
            "TWITCH_CLIENTID (did you mean TWITCH_CLIENT_ID?)",
            id="twitch",
        ),
        pytest.param({"BOTCHECK_ZZZZZZZZ": "1"}, "BOTCHECK_ZZZZZZZZ;", id="no-guess"),
        pytest.param({"BOTCHECK_TEST_POSTGRES": "off", "PATH": "/bin"}, None, id="tool-names"),
        pytest.param({"BOTCHECK_COOLDOWN_S": "5", "botcheck_db": "x.db"}, None, id="all-known"),
    ],
)
def test_unknown_setting_names_are_named_once(names: dict[str, str], expected: str | None) -> None:
    warning = check_unknown_settings(names, env_file=None)
    if expected is None:
        assert warning is None
    else:
        assert warning is not None and expected in warning


def test_unknown_names_in_dotenv_count_too(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("BOTCHECK_WEBPORT=4000\nTWITCH_CLIENT_ID=abc\n")
    warning = check_unknown_settings({"BOTCHECK_DATADIR": "x"}, env_file=env_file)
    assert warning is not None
    assert warning.startswith("ignoring 2 unknown setting(s): BOTCHECK_DATADIR (did you mean")
    assert "BOTCHECK_WEBPORT (did you mean BOTCHECK_WEB_PORT?)" in warning


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xff\xfe\x00garbage", id="binary"),
        pytest.param(b"TWITCH_CLIENT_ID=a\x00b\n", id="nul"),
        pytest.param("TWITCH_CLIENT_ID=é\n".encode("latin-1"), id="latin-1"),
    ],
)
def test_env_file_that_is_not_text_is_one_sentence(tmp_path: Path, content: bytes) -> None:
    env_file = tmp_path / ".env"
    env_file.write_bytes(content)
    with pytest.raises(SettingsError, match=r"\.env is not a UTF-8 text file"):
        read_env_file(env_file)
    with pytest.raises(SettingsError):
        load_settings(env_file=env_file)


def test_log_lines_carry_the_date() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    logging.getLogger("bot.x").info("hello")
    logging.getLogger().handlers.clear()
    line = stream.getvalue()
    assert line[:4].isdigit() and line[4] == "-" and line[7] == "-" and line[13] == ":"


def test_json_logs_are_structured_and_redacted() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream, log_format="json")
    logging.getLogger("bot.x").warning("token: %s", SECRET)
    try:
        raise RuntimeError(f"failed with access_token={SECRET}")
    except RuntimeError:
        logging.getLogger("bot.y").exception("boom")
    logging.getLogger().handlers.clear()
    first, second = (json.loads(x) for x in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["logger"] == "bot.x"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "boom" and "RuntimeError" in second["exception"]
    assert SECRET not in stream.getvalue()


def test_metrics_refuse_unknown_names_and_count() -> None:
    metrics.reset()
    metrics.bump("commands", "top")
    metrics.bump("commands", "top")
    metrics.bump("helix_429")
    assert metrics.value("commands", "top") == 2
    assert metrics.value("helix_429") == 1
    with pytest.raises(KeyError):
        metrics.bump("commandz", "top")
    with pytest.raises(KeyError):
        metrics.bump("commands")  # the command label is missing
    metrics.reset()


def test_sd_notify_sends_a_datagram(tmp_path: Path) -> None:
    path = tmp_path / "n.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        assert systemd.notify("READY=1", {"NOTIFY_SOCKET": str(path)})
        assert server.recv(100) == b"READY=1"
    assert not systemd.notify("READY=1", {})
    assert not systemd.notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})


def test_data_folder_is_made_private(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "data"
    (data / "r").mkdir(parents=True)
    (data / "r" / "f.csv").write_text("x")
    os.chmod(data / "r" / "f.csv", 0o644)
    os.chmod(data, 0o755)
    caplog.set_level("INFO")
    prepare_data_dir(data)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "r" / "f.csv").stat().st_mode) == 0o600
    assert "made 2 folder(s) 0700 and 1 file(s) 0600" in caplog.text
    assert make_private(data).files == 0  # nothing left to tighten
    assert not any(p.name.startswith(".botcheck-write-probe") for p in data.iterdir())


def test_data_folder_under_a_file_refuses(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(StartupError, match="BOTCHECK_DATA_DIR"):
        prepare_data_dir(tmp_path / "f" / "data")


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("botcheck 0.")
