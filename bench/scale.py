"""Conduit mode at scale: thousands of channels over several `botcheck run` processes.

twitchsim runs here; the bots are child processes sharing one PostgreSQL database and one
conduit. Chat is offered at a fixed total rate; the benchmark reports per-process memory,
messages stored per second, `!botcheck` answer latency (p50/p99) in small channels, and the
time the survivors take to re-bind a SIGKILLed process's shards.

Knobs (environment): BOTCHECK_BENCH_SCALE_CHANNELS (5000), _PROCESSES (3), _SHARDS (16),
_RATE (total chat lines a second, 200), _SECONDS (chat time, 30), _COMMANDS (60).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench import pg
from tests.bot.conduit.fleet import MOD, VIEWER, Fleet, fleet, wait_until


def _knob(name: str, default: int) -> int:
    return int(os.environ.get(f"BOTCHECK_BENCH_SCALE_{name}", default))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def offer_chat(f: Fleet, rate: int, seconds: int) -> list[str]:
    """Say `rate` lines a second in random channels for `seconds`; their message ids."""
    rng = random.Random(7)
    ids: list[str] = []
    start = time.monotonic()
    n = 0
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(elapsed * rate)
        while n < due:
            ids.append(await f.world.say(rng.choice(f.channels), VIEWER, f"line {n}"))
            n += 1
        await asyncio.sleep(0.01)
    return ids


async def command_latencies(f: Fleet, count: int) -> list[float]:
    """!botcheck in `count` small channels, one after another; seconds to each answer."""
    out: list[float] = []
    for channel in f.channels[:count]:
        before = len(f.world.sent_messages(channel))
        await f.world.say(channel, MOD, "!botcheck")
        out.append(
            await wait_until(
                lambda c=channel, b=before: len(f.world.sent_messages(c)) > b,  # type: ignore[misc]
                timeout=60,
                what="an answer",
                step=0.005,
            )
        )
    return out


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


async def run(where: pg.PgServer | str, tmp: Path) -> None:
    channels, processes = _knob("CHANNELS", 5000), _knob("PROCESSES", 3)
    shards, rate, seconds = _knob("SHARDS", 16), _knob("RATE", 200), _knob("SECONDS", 30)
    url = await pg.fresh_database(where, "scale")
    print(f"{channels} channels, {processes} processes, {shards} shards, {rate} lines/s")
    async with fleet(url, tmp, processes=processes, shards=shards, channels=channels) as f:
        started = time.monotonic()
        for p in f.procs.values():
            p.start()
        await f.ready(shards, timeout=3600)
        print(f"  joined and bound in {time.monotonic() - started:.0f} s")

        before = len(await f.stored())
        t0 = time.monotonic()
        ids = await offer_chat(f, rate, seconds)
        want = set(ids)
        await wait_until(lambda: _all_in(f, want), timeout=300, what="every line stored", step=0.5)
        took = time.monotonic() - t0
        stored = len(await f.stored()) - before
        print(f"  chat: {len(ids)} lines offered in {seconds} s, {stored} stored")
        print(f"  stored/s over the run: {stored / took:.0f} (offered {rate}/s)")
        for p in f.procs.values():
            assert p.proc is not None
            print(f"  {p.name}: RSS {rss_mb(p.proc.pid):.0f} MB")

        lat = await command_latencies(f, _knob("COMMANDS", 60))
        print(
            f"  !botcheck answer: p50 {statistics.median(lat) * 1000:.0f} ms, "
            f"p99 {_pct(lat, 0.99) * 1000:.0f} ms over {len(lat)} small channels"
        )

        victim = f.procs["bot2"]
        lost = set((await f.held())["bot2"])
        victim.kill()
        killed = time.monotonic()
        await wait_until(lambda: not (lost & f.enabled_shards()), timeout=30, step=0.02)
        seen = time.monotonic() - killed
        await wait_until(lambda: f.enabled_shards() == set(range(shards)), timeout=120, step=0.02)
        print(
            f"  SIGKILL of bot2 ({len(lost)} shards): sockets seen closed after {seen:.2f} s, "
            f"every shard bound again after {time.monotonic() - killed:.2f} s"
        )
        for p in f.procs.values():
            if p.running:
                await p.stop()


async def _all_in(f: Fleet, want: set[str]) -> bool:
    return want <= (await f.stored()).keys()


def main() -> None:
    with pg.server() as where:
        if where is None:
            print("no PostgreSQL: bench/scale.py needs PostgreSQL binaries; skipped")
            return
        with tempfile.TemporaryDirectory(prefix="botcheck-scale-") as tmp:
            asyncio.run(run(where, Path(tmp)))


if __name__ == "__main__":
    main()
