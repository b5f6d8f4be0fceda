from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import Database


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


def test_purge_deletes_one_channel_and_keeps_the_rest(tmp_path: Path) -> None:
    db_path = tmp_path / "b.db"

    async def seed() -> None:
        now = datetime.now(UTC)
        async with Database(db_path) as db:
            for cid, login in ((1, "keep_me"), (2, "wipe_me")):
                await db.channels.join(cid, login, login, at=now)
                await db.captures.start(
                    channel_id=cid,
                    requested_by_id=None,
                    requested_by_login="",
                    report_token=f"{login:_<32}",
                    started_at=now,
                )

    async def left() -> list[str]:
        async with Database(db_path) as db:
            return [c.login for c in await db.channels.active()]

    asyncio.run(seed())
    env = {**os.environ, "BOTCHECK_DB": str(db_path), "BOTCHECK_DATA_DIR": str(tmp_path / "d")}
    run = [sys.executable, "-m", "bot", "purge", "--channel"]
    refused = subprocess.run(
        [*run, "wipe_me"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        cwd=tmp_path,
    )
    assert refused.returncode == 2 and "--yes" in refused.stdout
    done = subprocess.run(
        [*run, "wipe_me", "--yes"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "deleted 1 captures" in done.stdout
    assert asyncio.run(left()) == ["keep_me"]
    bad = subprocess.run(
        [*run, "not a login", "--yes"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "not a Twitch login" in bad.stderr
