"""Shared pieces of the resilience suite: the e2e `make_env` (twitchsim + the bot in this
process), a bot in its own process (`botcheck run`, for SIGKILL and for reading its real log
output), and small helpers.

Every test here talks to twitchsim over real sockets and to a real database: a SQLite file, or
(where a module overrides the `engine` fixture, as test_restarts does) PostgreSQL too.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import free_port
from tests.bot import conftest as bot_fixtures
from tests.conftest import database_target
from tests.e2e import conftest as e2e
from tests.e2e.conftest import wait_for
from tests.simworld import BOT, OWNER, VIEWER, Channel, authorize_bot, bot_settings, populate
from twitchsim import SimConfig, TwitchSim

make_env = e2e.make_env  # twitchsim + the running bot in this process
make_world = bot_fixtures.make_world  # twitchsim + our Helix client, no bot

__all__ = [
    "BOT",
    "OWNER",
    "ROOT",
    "VIEWER",
    "BotProcess",
    "Channel",
    "assert_inert",
    "channel_id",
    "integrity",
    "make_env",
    "make_world",
    "wait_for",
    "wait_for_async",
]

ROOT = Path(__file__).resolve().parents[2]


def assert_inert(messages: Sequence[str]) -> None:
    """Every bot message fits one chat message and can run no chat command."""
    for m in messages:
        assert len(m) <= 500, m
        assert m.strip() == m and m, repr(m)
        assert not m.startswith(("/", ".", "\\", "!")), m


def channel_id(world: Any, login: str) -> int:
    return int(world.user(login).user_id)


def integrity(db_path: Path | str) -> str:
    """`PRAGMA integrity_check` on the file, read-only, as a separate connection.

    PostgreSQL keeps its own integrity (WAL replay after a crash): 'ok' for a URL."""
    if isinstance(db_path, str):
        return "ok"
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


async def wait_for_async(
    predicate: Callable[[], Any], *, timeout: float = 30.0, what: str = ""
) -> None:
    """Like `wait_for`, for an async predicate."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@dataclass
class BotProcess:
    """`python -m bot run` in its own process, pointed at a twitchsim run by the test."""

    sim: TwitchSim
    env: dict[str, str]
    db_path: Path  # the SQLite file (absent when `database` is a PostgreSQL URL)
    database: Path | str  # what the bot opens
    log_path: Path
    channels: list[str]
    moderators: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log_files: list[Any] = field(default_factory=list)

    @property
    def world(self) -> Any:
        return self.sim.state

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> None:
        """Start (or restart) the bot; its stdout and stderr are appended to `log_path`."""
        assert self.proc is None or self.proc.poll() is not None
        out = self.log_path.open("ab")
        self._log_files.append(out)
        self.starts += 1
        out.write(f"\n===== start {self.starts} =====\n".encode())
        out.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=self.log_path.parent,  # no stray .env from the repository
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def since_start(self) -> str:
        """The log of the current run only."""
        return self.log_text().rsplit(f"===== start {self.starts} =====", 1)[-1]

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until this run has joined every channel."""
        expected = f"moderating {len(self.channels)} channel(s)"

        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"the bot exited early:\n{self.since_start()[-3000:]}")
            return expected in self.since_start()

        await wait_for(ready, timeout=timeout, what="the bot process to join its channels")
        # Subscriptions land before the "moderating" line; give the socket a moment to settle.
        await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    async def stop(self) -> int:
        """SIGTERM and wait, with this event loop running (twitchsim lives on it)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 30
            while self.proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return int(self.proc.returncode)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for f in self._log_files:
            f.close()


@pytest.fixture
def bot_process(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> Callable[..., Any]:
    """Start twitchsim here and the bot in a child process: `async with bot_process(...) as p`."""

    @asynccontextmanager
    async def make(
        channels: Sequence[Channel] = (Channel("chan_a"),),
        *,
        config: SimConfig | None = None,
        extra: dict[str, str] | None = None,
    ) -> AsyncIterator[BotProcess]:
        async with TwitchSim(config=config or SimConfig()) as sim:
            cast = populate(sim, channels)
            port = free_port()
            db_path = tmp_path / "botcheck.db"
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": os.environ.get("HOME", str(tmp_path)),
                "PYTHONPATH": str(ROOT),
                **bot_settings(sim, cast, tmp_path, port),
                "BOTCHECK_COOLDOWN_S": "0",
                "BOTCHECK_LOG_LEVEL": "DEBUG",
            } | (extra or {})
            database = await database_target(request, engine, tmp_path)
            if isinstance(database, str):
                env["BOTCHECK_DATABASE_URL"] = database
            await authorize_bot(sim, cast, database)
            process = BotProcess(
                sim=sim,
                env=env,
                db_path=db_path,
                database=database,
                log_path=tmp_path / "bot.log",
                channels=[c.login for c in channels],
                moderators=cast.moderators,
            )
            try:
                yield process
            finally:
                process.close()

    return make
