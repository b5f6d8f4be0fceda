from __future__ import annotations

import subprocess
import sys

import pytest

from bot.__main__ import main


def test_help_lists_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("run", "demo", "analyze", "sim", "auth"):
        assert f"    {command} " in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
