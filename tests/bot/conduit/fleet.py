"""Several `botcheck run` processes in conduit mode against one twitchsim and one PostgreSQL.

Shared by tests/e2e/test_conduit*.py and bench/scale.py. The test (or benchmark) runs twitchsim
on its own event loop; each bot is a child process with its own web port, process name and log.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bot.app import free_port
from bot.bot import CHANNEL_SUBSCRIPTIONS
from bot.helix.ratelimit import SANE_LIMIT
from bot.twitch.oauth import BOT_SCOPES
from bot.twitch.tokens import save_token
from storage import Database
from twitchsim import SimConfig, TwitchSim

ROOT = Path(__file__).resolve().parents[3]
BOT = "botcheck_bot"
OWNER = "the_owner"
MOD = "the_mod"
VIEWER = "a_viewer"
# Per channel: the channel's own, plus the stream events within a moderator bot's reach (raids
# out, follows; subscriptions only in the owner's channel once the owner granted them).
SUBSCRIPTION_TYPES = len(CHANNEL_SUBSCRIPTIONS) + 2


def fast_config() -> SimConfig:
    """Twitch's rules, with a Helix bucket big enough to join hundreds of channels at once (as
    big as the bot's limiter believes: it ignores a Ratelimit-Limit above that)."""
    return SimConfig(rate_capacity=SANE_LIMIT[1], rate_refill_per_s=100_000.0)


async def wait_until(
    predicate: Callable[[], Any], *, timeout: float = 60.0, what: str = "", step: float = 0.1
) -> float:
    """Wait for `predicate` (sync or async) to be true; return the seconds it took."""
    start = time.monotonic()
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(step)


@dataclass
class BotProc:
    name: str
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _files: list[Any] = field(default_factory=list)

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None
        out = self.log_path.open("ab")
        self._files.append(out)
        self.starts += 1
        out.write(f"\n===== start {self.starts} =====\n".encode())
        out.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=self.log_path.parent,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def since_start(self) -> str:
        """The log of the current run only."""
        return self.log_text().rsplit(f"===== start {self.starts} =====", 1)[-1]

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    async def stop(self) -> int:
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
        if self.running:
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait(timeout=10)
        for f in self._files:
            f.close()


@dataclass
class Fleet:
    sim: TwitchSim
    url: str
    procs: dict[str, BotProc]
    channels: list[int]  # channel ids
    extra_subscriptions: int = 0  # beyond SUBSCRIPTION_TYPES a channel (the owner's subs)

    @property
    def world(self) -> Any:
        return self.sim.state

    def conduit(self) -> Any:
        conduits = list(self.world.conduits.conduits.values())
        return conduits[0] if conduits else None

    def enabled_shards(self) -> set[int]:
        conduit = self.conduit()
        if conduit is None:
            return set()
        return {int(s.id) for s in conduit.shards if s.status == "enabled"}

    def conduit_subscriptions(self) -> int:
        return sum(1 for s in self.world.hub.subs.values() if s.conduit_id)

    def subscription_posts(self) -> int:
        return int(self.world.helix_calls["POST /helix/eventsub/subscriptions"])

    async def held(self) -> dict[str, list[int]]:
        """Each process's bound shards from its heartbeat row."""
        conn = await asyncpg.connect(self.url)
        try:
            rows = await conn.fetch("SELECT name, shards FROM conduit_processes")
        finally:
            await conn.close()
        return {r["name"]: list(r["shards"]) for r in rows}

    async def stored(self) -> dict[str, int]:
        """message_id -> how many rows hold it."""
        conn = await asyncpg.connect(self.url)
        try:
            rows = await conn.fetch(
                "SELECT message_id, count(*) AS n FROM chat_messages GROUP BY message_id"
            )
        finally:
            await conn.close()
        return {r["message_id"]: int(r["n"]) for r in rows}

    async def balanced(self, shard_count: int) -> bool:
        """Every shard enabled, every subscription made, every running process holding its
        fair share (from fresh heartbeats: a process that started again has written its own)."""
        running = [p for p in self.procs.values() if p.running]
        for p in self.procs.values():
            if p.proc is not None and p.proc.poll() not in (None, 0, -9):  # died by itself
                raise AssertionError(f"{p.name} exited:\n{p.log_text()[-3000:]}")
        if len(self.enabled_shards()) != shard_count:
            return False
        wanted = len(self.channels) * SUBSCRIPTION_TYPES + self.extra_subscriptions
        if self.conduit_subscriptions() != wanted:
            return False
        if not all("bound shard(s)" in p.since_start() for p in running):
            return False
        held = await self.held()
        share = -(-shard_count // len(running))
        counts = [len(held.get(p.name, [])) for p in running]
        return sum(counts) == shard_count and max(counts) <= share and min(counts) > 0

    async def ready(self, shard_count: int, *, timeout: float = 120.0) -> None:
        """Wait until `balanced`."""
        await wait_until(
            lambda: self.balanced(shard_count),
            timeout=timeout,
            what="the fleet to hold every shard",
            step=0.25,
        )


async def build_world(sim: TwitchSim, count: int, url: str) -> list[int]:
    """Add the bot, its owner, a moderator and a viewer, and `count` channels modded by both."""
    world = sim.state
    bot = world.add_user(BOT)
    world.add_user(OWNER)
    world.add_user(MOD)
    world.add_user(VIEWER)
    ids = []
    for i in range(count):
        chan = world.add_channel(f"chan_{i:05d}")
        world.add_moderator(chan, bot)
        world.add_moderator(chan, MOD)
        ids.append(int(chan.user_id))
    access, refresh = world.issue_user_token(bot, list(BOT_SCOPES))
    async with Database(url) as db:
        await save_token(
            db,
            user_id=str(bot.user_id),
            login=BOT,
            access_token=access,
            refresh_token=refresh,
            scopes=list(BOT_SCOPES),
            expires_in=4 * 3600,
        )
    return ids


@asynccontextmanager
async def fleet(
    url: str,
    tmp_path: Path,
    *,
    processes: int,
    shards: int,
    channels: int,
    config: SimConfig | None = None,
    log_level: str = "INFO",
) -> AsyncIterator[Fleet]:
    """twitchsim with `channels` channels, and `processes` bot processes ready to start."""
    async with TwitchSim(config=config or fast_config()) as sim:
        ids = await build_world(sim, channels, url)
        world = sim.state
        procs: dict[str, BotProc] = {}
        for n in range(processes):
            name = f"bot{n + 1}"
            port = free_port()
            home = tmp_path / name
            home.mkdir(parents=True, exist_ok=True)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": os.environ.get("HOME", str(tmp_path)),
                "PYTHONPATH": str(ROOT),
                **sim.env(),
                "TWITCH_BOT_ID": str(world.user(BOT).user_id),
                "TWITCH_OWNER_ID": str(world.user(OWNER).user_id),
                "BOTCHECK_DATA_DIR": str(tmp_path / "data"),
                "BOTCHECK_PUBLIC_URL": f"http://127.0.0.1:{port}",
                "BOTCHECK_WEB_PORT": str(port),
                "BOTCHECK_DATABASE_URL": url,
                "BOTCHECK_DB_POOL_SIZE": "4",
                "BOTCHECK_CONDUIT_SHARDS": str(shards),
                "BOTCHECK_PROCESS_NAME": name,
                "BOTCHECK_EMOTES": "false",  # never 7TV & co. from a test
                "BOTCHECK_COOLDOWN_S": "0",
                "BOTCHECK_LOG_LEVEL": log_level,
            }
            procs[name] = BotProc(name=name, env=env, log_path=home / "bot.log")
        f = Fleet(sim=sim, url=url, procs=procs, channels=ids)
        try:
            yield f
        finally:
            for p in procs.values():
                p.close()
