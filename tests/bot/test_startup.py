"""`botcheck run` refuses a half-broken start in one sentence (exit 2), as a real process.

Each case starts `python -m bot run` with a clean environment in a tmp working directory and
breaks one thing: the web port, the data folder, the database file, `.env`, the PostgreSQL
server. The refusal must name the setting, carry no traceback and come before the bot says
it is up. The lock case runs a first bot in this process (against twitchsim) and a second
`botcheck run` on the same SQLite file.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import free_port, running_bot
from bot.settings import load_settings
from bot.twitch import patches
from storage import Database
from tests.simworld import Channel, bot_settings, populate
from twitchsim import TwitchSim

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def base_env(tmp_path: Path) -> dict[str, str]:
    """Settings that get past the Twitch checks; nothing here is ever contacted."""
    return {
        "TWITCH_CLIENT_ID": "x" * 30,
        "TWITCH_CLIENT_SECRET": "y" * 30,
        "TWITCH_BOT_ID": "1234",
        "TWITCH_API_URL": "http://127.0.0.1:9/helix",
        "TWITCH_AUTH_URL": "http://127.0.0.1:9",
        "TWITCH_EVENTSUB_WS_URL": "ws://127.0.0.1:9/ws",
        "BOTCHECK_DB": str(tmp_path / "botcheck.db"),
        "BOTCHECK_DATA_DIR": str(tmp_path / "data"),
        "BOTCHECK_WEB_PORT": str(free_port()),
        "BOTCHECK_EMOTES": "false",  # nothing outside is ever contacted
    }


async def run_bot(cwd: Path, env: dict[str, str], *, timeout: float = 60) -> Outcome:
    """Run `python -m bot run` in `cwd` with only `env` (plus PATH) and wait for it to exit."""
    full = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=cwd,
        env=full,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("botcheck run did not refuse: it kept running") from None
    assert proc.returncode is not None
    return Outcome(proc.returncode, out.decode(), err.decode())


def assert_refused(outcome: Outcome, *words: str) -> str:
    """Exit 2, one sentence on stderr naming `words`, no traceback, never announced."""
    assert outcome.code == 2, outcome
    lines = [x for x in outcome.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert "botcheck is up" not in outcome.stdout
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _port_taken(tmp_path: Path, env: dict[str, str]) -> Callable[[], object]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    env["BOTCHECK_WEB_PORT"] = str(s.getsockname()[1])
    return s.close


def _data_dir_is_a_file(tmp_path: Path, env: dict[str, str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    env["BOTCHECK_DATA_DIR"] = str(blocker / "data")


def _garbage_database(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "botcheck.db").write_bytes(b"this is not a database\n" * 400)


def _newer_schema(tmp_path: Path, env: dict[str, str]) -> None:
    with sqlite3.connect(tmp_path / "botcheck.db") as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("PRAGMA user_version = 999")


def _damaged_index(tmp_path: Path, env: dict[str, str]) -> None:
    """A migrated database whose index pages are overwritten: it opens, quick_check fails."""
    path = tmp_path / "botcheck.db"
    asyncio.run(_migrated(path))
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE filler (x INTEGER, y TEXT)")
        conn.execute("CREATE INDEX filler_y ON filler (y)")
        conn.executemany(
            "INSERT INTO filler VALUES (?, ?)", ((i, f"row {i:06d} " * 8) for i in range(3000))
        )
        conn.commit()
        sql = "SELECT rootpage FROM sqlite_master WHERE name = 'filler_y'"
        root = conn.execute(sql).fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\x0d" + b"\xff" * (page_size - 1))


async def _migrated(path: Path) -> None:
    async with Database(path):
        pass


def _env_file_not_text(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / ".env").write_bytes(b"TWITCH_CLIENT_ID=abc\n\xff\xfe\x00\x01binary\n")


def _twitch_down(tmp_path: Path, env: dict[str, str]) -> None:
    """Nothing else broken: base_env's Twitch URLs point at a closed port."""


def _postgres_down(tmp_path: Path, env: dict[str, str]) -> None:
    env["BOTCHECK_DATABASE_URL"] = f"postgresql://botcheck:hunter2pw@127.0.0.1:{free_port()}/bc"


@pytest.mark.parametrize(
    ("breaks", "words"),
    [
        pytest.param(_port_taken, ("BOTCHECK_WEB_PORT", "already in use"), id="port-taken"),
        pytest.param(_data_dir_is_a_file, ("BOTCHECK_DATA_DIR",), id="data-dir-unwritable"),
        pytest.param(_garbage_database, ("BOTCHECK_DB", "damaged"), id="not-a-database"),
        pytest.param(_newer_schema, ("BOTCHECK_DB", "upgrade botcheck"), id="newer-schema"),
        pytest.param(_env_file_not_text, (".env", "UTF-8 text"), id="env-file-binary"),
        pytest.param(_twitch_down, ("TWITCH_AUTH_URL", "cannot be reached"), id="twitch-down"),
        pytest.param(_postgres_down, ("BOTCHECK_DATABASE_URL", "***"), id="postgres-unreachable"),
    ],
)
async def test_refuses_in_one_sentence(
    tmp_path: Path, breaks: Callable[[Path, dict[str, str]], object], words: tuple[str, ...]
) -> None:
    env = base_env(tmp_path)
    undo = breaks(tmp_path, env)
    try:
        outcome = await run_bot(tmp_path, env)
    finally:
        if callable(undo):
            undo()
    line = assert_refused(outcome, *words)
    assert "hunter2pw" not in outcome.stderr + outcome.stdout
    assert line.startswith("botcheck: ")


async def test_quick_check_failure_refuses(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    await asyncio.to_thread(_damaged_index, tmp_path, env)
    assert_refused(await run_bot(tmp_path, env), "BOTCHECK_DB", "damaged")


async def test_wrong_postgres_password_refuses(tmp_path: Path, pg_server: object) -> None:
    from tests.conftest import create_database

    url = await create_database(pg_server)  # type: ignore[arg-type]
    user_part, rest = url.split("//", 1)[1].split("@", 1)
    user = user_part.split(":", 1)[0]
    env = base_env(tmp_path)
    env["BOTCHECK_DATABASE_URL"] = f"postgresql://{user}:wrongpassword9@{rest}"
    outcome = await run_bot(tmp_path, env)
    if outcome.code == 0:
        pytest.skip("the test server trusts every password (no password authentication)")
    assert_refused(outcome, "BOTCHECK_DATABASE_URL")
    assert "wrongpassword9" not in outcome.stderr + outcome.stdout


async def test_second_run_on_one_sqlite_file_refuses_and_modes_are_tightened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    (data / "old-report").mkdir(parents=True)
    os.chmod(data, 0o755)
    os.chmod(data / "old-report", 0o755)
    (data / "old-report" / "index.html").write_text("x")
    os.chmod(data / "old-report" / "index.html", 0o644)
    db_file = tmp_path / "botcheck.db"
    await _migrated(db_file)
    os.chmod(db_file, 0o644)
    previous = patches.current()
    caplog.set_level("INFO")
    try:
        async with TwitchSim() as sim:
            cast = populate(sim, [Channel("chan_a")])
            settings = load_settings(bot_settings(sim, cast, tmp_path, free_port()))
            async with running_bot(settings, join_interval_s=0.5):
                for path, want in (
                    (data, 0o700),
                    (data / "old-report", 0o700),
                    (data / "old-report" / "index.html", 0o600),
                    (db_file, 0o600),
                ):
                    assert stat.S_IMODE(path.stat().st_mode) == want, path
                assert "made 2 folder(s) 0700 and 1 file(s) 0600" in caplog.text
                assert "readable by others" in caplog.text
                env = base_env(tmp_path)  # same BOTCHECK_DB, its own port and data folder
                env["BOTCHECK_DATA_DIR"] = str(tmp_path / "data2")
                outcome = await run_bot(tmp_path, env)
    finally:
        patches.apply(previous)
    line = assert_refused(outcome, "already running", "BOTCHECK_DB", "PostgreSQL")
    assert str(os.getpid()) in line
