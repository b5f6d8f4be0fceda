"""What the moderator waits for, then the capture alone.

First (`bench/e2e.py`) `!botcheck` typed in chat -> the answer out through the running bot,
beside the limit measured in the same run, for 10,000 and 100,000 chatters, cold and warm.
Then the capture alone: our pipeline against twitchsim with Twitch's limits (800 points a minute per
token, 80 ms latency), for 1,000, 10,000 and 100,000 chatters, cold (no account known) and warm
(all known); against the lower bound for the same work, and against the naive TwitchIO way in the
same run. Also peak RSS and event-loop lag while the 100,000 capture runs.

twitchsim runs in a child process, as Twitch would be elsewhere: its CPU time is not ours, and
our event loop's lag is our own. Rate-limit buckets are reset to full before every run.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import twitchio
from twitchio.exceptions import HTTPException
from twitchio.http import Route

from bench import e2e
from bot.capture import Capturer
from bot.helix import Helix
from bot.helix.ratelimit import RateLimiters
from storage import CaptureStatus, Database
from twitchsim import SimConfig, TwitchSim
from twitchsim.scenarios import organic

SIZES = (1_000, 10_000, 100_000)
E2E_SIZES = (10_000, 100_000)
LATENCY_S = 0.08
POINTS = 800
REFILL_PER_S = POINTS / 60
SCOPES = ("moderator:read:chatters", "user:read:moderated_channels")


# --- the simulator, in its own process ----------------------------------------------------------


def _sim_main(conn: Connection, latency_s: float) -> None:
    asyncio.run(_sim_serve(conn, latency_s))


async def _sim_serve(conn: Connection, latency_s: float) -> None:
    config = SimConfig(rate_capacity=POINTS, rate_refill_per_s=REFILL_PER_S, latency_s=latency_s)
    async with TwitchSim(config=config) as sim:
        st = sim.state
        channel = st.add_channel("streamer")
        bot = st.add_user("botcheck_bot")
        st.add_moderator(channel.user_id, bot.user_id)
        access, refresh = st.issue_user_token(bot.user_id, SCOPES)
        app = st.tokens.issue_app_token(sim.client_id).access_token
        conn.send(
            {
                "helix_url": sim.helix_url,
                "auth_url": sim.auth_url,
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
                "channel_id": channel.user_id,
                "bot_id": bot.user_id,
                "access": access,
                "refresh": refresh,
                "app": app,
            }
        )
        loop = asyncio.get_running_loop()
        while True:
            cmd, *args = await loop.run_in_executor(None, conn.recv)
            if cmd == "load":
                size, seed = args
                conn.send(st.load_chatters(channel.user_id, organic(seed, size).chatters))
            elif cmd == "reset":
                st.ratelimit.reset()
                conn.send(None)
            elif cmd == "calls":
                conn.send(dict(st.helix_calls))
            else:
                conn.send(None)
                return


class SimProcess:
    """The parent's handle on the simulator process."""

    def __init__(self, latency_s: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_sim_main, args=(child, latency_s), daemon=True)
        self.proc.start()
        self.info: dict[str, Any] = self.conn.recv()

    def call(self, *msg: Any) -> Any:
        self.conn.send(msg)
        return self.conn.recv()

    def calls(self) -> dict[str, int]:
        calls: dict[str, int] = self.call("calls")
        return calls

    def close(self) -> None:
        self.call("stop")
        self.proc.join(10)


class StaticTokens:
    """Tokens the simulator minted for us; nothing expires during a benchmark."""

    def __init__(self, app: str, users: dict[str, str]) -> None:
        self._app, self._users = app, users

    async def token(self, user_id: str | None) -> str:
        return self._app if user_id is None else self._users[user_id]

    async def refresh(self, user_id: str | None, stale: str) -> str:
        raise RuntimeError("benchmark tokens do not expire")


# --- measurements -------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    pages: int
    users_calls: int
    streams_calls: int
    status: CaptureStatus
    chatters: int
    throttled: int
    lag_p99_ms: float | None = None
    lag_max_ms: float | None = None


def lower_bound(pages: int, users_calls: int, streams_calls: int) -> tuple[float, float]:
    """Return (two-bucket bound, app-bucket-only bound) in seconds for the same requests.

    Pages need the moderator's bucket; Get Users and Get Streams may use either bucket (two
    buckets), or only the app bucket (the way the issue counts it). Buckets start full.
    """
    chain = pages * LATENCY_S
    both = max(
        0.0,
        (pages - POINTS) / REFILL_PER_S,
        (pages + users_calls + streams_calls - 2 * POINTS) / (2 * REFILL_PER_S),
    )
    app_only = max(
        0.0, (pages - POINTS) / REFILL_PER_S, (users_calls + streams_calls - POINTS) / REFILL_PER_S
    )
    return max(chain, both), max(chain, app_only)


@contextmanager
def loop_lag(samples: list[float], period_s: float = 0.005) -> Iterator[None]:
    """Sample how late the event loop wakes a sleeper while the body runs."""

    async def sampler() -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(period_s)
            samples.append(time.perf_counter() - t - period_s)

    task = asyncio.get_running_loop().create_task(sampler())
    try:
        yield
    finally:
        task.cancel()


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else 0.0


async def ours(sim: SimProcess, db: Database, token: str, *, measure_lag: bool) -> Run:
    info = sim.info
    tokens = StaticTokens(info["app"], {str(info["bot_id"]): info["access"]})
    limiters = RateLimiters(capacity=POINTS)
    sim.call("reset")
    before = sim.calls()
    async with Helix(
        base_url=info["helix_url"], client_id=info["client_id"], tokens=tokens, limiters=limiters
    ) as helix:
        capturer = Capturer(db=db, helix=helix)
        lag: list[float] = []
        started = time.perf_counter()
        if measure_lag:
            with loop_lag(lag):
                result = await _capture(capturer, info, token)
        else:
            result = await _capture(capturer, info, token)
        seconds = time.perf_counter() - started
    after = sim.calls()
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return Run(
        seconds=seconds,
        pages=delta.get("GET /helix/chat/chatters", 0),
        users_calls=delta.get("GET /helix/users", 0),
        streams_calls=delta.get("GET /helix/streams", 0),
        status=result.capture.status,
        chatters=result.capture.chatter_count,
        throttled=sum(b.throttled_count for b in limiters.buckets().values()),
        lag_p99_ms=p99(lag) * 1000 if lag else None,
        lag_max_ms=max(lag) * 1000 if lag else None,
    )


async def _capture(capturer: Capturer, info: dict[str, Any], token: str) -> Any:
    return await capturer.capture(
        channel_id=info["channel_id"],
        moderator_id=info["bot_id"],
        requested_by_id=None,
        requested_by_login="bench",
        report_token=token,
    )


async def naive(sim: SimProcess) -> Run:
    """What a TwitchIO user would write: fetch_chatters, then fetch_users 100 at a time."""
    info = sim.info
    sim.call("reset")
    before = sim.calls()
    saved = Route.BASE, Route.ID_BASE
    Route.BASE, Route.ID_BASE = info["helix_url"] + "/", info["auth_url"] + "/"
    throttled = 0
    # TwitchIO warns on every Client that starlette is missing; not news here.
    logging.getLogger("twitchio.client").setLevel(logging.ERROR)
    client = twitchio.Client(client_id=info["client_id"], client_secret=info["client_secret"])
    try:
        await client.login(load_tokens=False, save_tokens=False)
        await client.add_token(info["access"], info["refresh"])
        started = time.perf_counter()
        user = client.create_partialuser(info["channel_id"])
        chatters = await user.fetch_chatters(moderator=info["bot_id"], first=1000)
        ids: list[str | int] = [u.id async for u in chatters.users]
        found = 0
        for i in range(0, len(ids), 100):
            while True:
                try:
                    found += len(await client.fetch_users(ids=ids[i : i + 100]))
                    break
                except HTTPException as exc:
                    if exc.status != 429:
                        raise
                    # TwitchIO hides Ratelimit-Reset; an empty bucket is full again in a minute.
                    throttled += 1
                    await asyncio.sleep(POINTS / REFILL_PER_S)
        seconds = time.perf_counter() - started
    finally:
        await client.close()
        Route.BASE, Route.ID_BASE = saved
    after = sim.calls()
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return Run(
        seconds=seconds,
        pages=delta.get("GET /helix/chat/chatters", 0),
        users_calls=delta.get("GET /helix/users", 0),
        streams_calls=0,
        status=CaptureStatus.COMPLETE,
        chatters=found,
        throttled=throttled,
    )


async def page_round_trip(sim: SimProcess, samples: int = 15) -> float:
    """Return the median time of one bare Get Chatters page on this sim and machine.

    It is what a page really costs here (the sim's own overhead on top of the latency), so
    pages x this is the floor no client can beat. It also warms the sim's page cache.
    """
    info = sim.info
    url = f"{info['helix_url']}/chat/chatters"
    params = {"broadcaster_id": info["channel_id"], "moderator_id": info["bot_id"], "first": 1000}
    headers = {"Client-Id": info["client_id"], "Authorization": f"Bearer {info['access']}"}
    times = []
    async with httpx.AsyncClient(headers=headers) as client:
        for _ in range(samples):
            started = time.perf_counter()
            resp = await client.get(url, params=params)
            resp.json()
            times.append(time.perf_counter() - started)
    sim.call("reset")
    return statistics.median(times)


async def gc_tuned_cold(sim: SimProcess, tmp: Path) -> Run:
    """Run a cold capture with the collector tuned as the bot's entry point could tune it.

    A capture creates some 300,000 objects that live until it ends; with the default
    thresholds every full collection walks all of them, stalling the loop for 50-150 ms.
    """
    gc.freeze()  # everything from start-up: never collected anyway
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        async with Database(tmp / "bench-gc.db") as db:
            info = sim.info
            await db.channels.join(info["channel_id"], "streamer", "Streamer", at=datetime.now(UTC))
            return await ours(sim, db, "cold-gc", measure_lag=True)
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run_all(tmp: Path, *, quick: bool = False) -> None:
    sizes = (10_000,) if quick else SIZES
    ends = await e2e.run_sizes((10_000,) if quick else E2E_SIZES, tmp, rss_mb)
    rss_e2e = rss_mb()
    print(f"\npeak RSS through the end-to-end runs: {rss_e2e:.0f} MB\n")
    sim = SimProcess(LATENCY_S)
    try:
        info = sim.info
        print(
            f"twitchsim in a child process: {POINTS} points/min per token, "
            f"{LATENCY_S * 1000:.0f} ms latency; buckets reset before every run"
        )
        print(f"peak RSS before any capture: {rss_mb():.0f} MB")
        results: dict[int, tuple[Run, Run, Run]] = {}
        rtts: dict[int, float] = {}
        peak_after_100k = 0.0
        for size in sizes:
            loaded = sim.call("load", size, size)
            rtt = await page_round_trip(sim)
            async with Database(tmp / f"bench-{size}.db") as db:
                now = datetime.now(UTC)
                await db.channels.join(info["channel_id"], "streamer", "Streamer", at=now)
                big = size >= 100_000
                cold = await ours(sim, db, f"cold{size}", measure_lag=big)
                warm = await ours(sim, db, f"warm{size}", measure_lag=big)
                if big:
                    peak_after_100k = rss_mb()
            slow = await naive(sim)
            results[size] = (cold, warm, slow)
            rtts[size] = rtt
            _print_size(size, loaded, rtt, cold, warm, slow)
        if quick:
            _print_goals(ends[-1], results[10_000][2], rss_e2e)
            return
        tuned = await gc_tuned_cold(sim, tmp)
        print(
            f"\n{SIZES[-1]:,} cold again, the process's GC tuned (gc.freeze() after start-up, "
            f"gc.set_threshold(50_000, 20, 100)): {tuned.seconds:.2f} s, loop lag p99 "
            f"{tuned.lag_p99_ms or 0:.1f} ms (max {tuned.lag_max_ms or 0:.0f})"
        )
        print(f"\npeak RSS (our process, through the 100,000 captures): {peak_after_100k:.0f} MB")
        cold, warm, slow = results[SIZES[-1]]
        bound, _ = lower_bound(cold.pages, cold.users_calls, cold.streams_calls)
        print("goals at 100,000 chatters:")
        floor = cold.pages * rtts[SIZES[-1]]
        print(f"  cold / lower bound    {cold.seconds / bound:5.2f}   goal <= 1.15")
        print(
            f"  cold / measured floor {cold.seconds / floor:5.2f}   (pages x bare page round trip)"
        )
        print(f"  naive / cold          {slow.seconds / cold.seconds:5.1f}   (capture only)")
        print(f"  warm Get Users calls  {warm.users_calls:5d}   goal 0 (chatter pages only)")
        print(f"  peak RSS MB           {peak_after_100k:5.0f}   goal < 300")
        print(f"  loop lag p99 ms       {cold.lag_p99_ms or 0:5.1f}   goal < 50 (cold capture)")
        _print_goals(ends[-1], slow, rss_e2e)
    finally:
        sim.close()


def _print_goals(end: e2e.SizeResult, slow: Run, rss_e2e: float) -> None:
    cold, warm = end.cold, end.warm
    print(f"\ngoals end to end at {end.size:,} chatters (load average {e2e.load_average()}):")
    print(f"  cold answer / limit   {cold.seconds / end.limit(cold):5.2f}   goal <= 1.15")
    print(f"  warm answer / limit   {warm.seconds / end.limit(warm):5.2f}   goal <= 1.05")
    print(f"  naive / cold answer   {slow.seconds / cold.seconds:5.1f}   goal >= 10")
    lag = max(cold.lag_p99_ms, warm.lag_p99_ms)
    print(f"  loop lag p99 ms       {lag:5.1f}   goal < 50")
    print(f"  peak RSS MB           {rss_e2e:5.0f}   goal < 300 (through the end-to-end runs)")


def _print_size(size: int, loaded: int, rtt: float, cold: Run, warm: Run, slow: Run) -> None:
    print(
        f"\n{size:,} chatters ({loaded:,} loaded); a bare Get Chatters page takes "
        f"{rtt * 1000:.1f} ms here ({LATENCY_S * 1000:.0f} ms of it latency)"
    )
    for name, run in (("cold", cold), ("warm", warm)):
        bound, app_only = lower_bound(run.pages, run.users_calls, run.streams_calls)
        lag = ""
        if run.lag_p99_ms is not None:
            lag = f"  loop lag p99 {run.lag_p99_ms:.1f} ms (max {run.lag_max_ms:.0f})"
        print(
            f"  ours {name}: {run.seconds:6.2f} s  {run.status.value}, {run.chatters:,} chatters, "
            f"{run.pages} pages + {run.users_calls} Get Users + {run.streams_calls} Get Streams, "
            f"{run.throttled} x 429{lag}"
        )
        floor = run.pages * rtt
        print(
            f"    lower bound {bound:6.2f} s (two buckets; app bucket only: {app_only:.2f} s)  "
            f"ratio {run.seconds / bound:.2f};  measured floor {floor:.2f} s, "
            f"ratio {run.seconds / floor:.2f}"
        )
    print(
        f"  naive TwitchIO: {slow.seconds:6.2f} s  {slow.chatters:,} accounts, {slow.pages} pages "
        f"+ {slow.users_calls} Get Users, {slow.throttled} x 429  "
        f"-> ours cold is {slow.seconds / cold.seconds:.1f}x faster"
    )


def main(quick: bool | None = None) -> None:
    """Run it all; `--quick` (or BOTCHECK_BENCH_QUICK=1) runs 10,000 chatters only."""
    if quick is None:
        quick = "--quick" in sys.argv[1:] or os.environ.get("BOTCHECK_BENCH_QUICK") == "1"
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run_all(Path(tmp), quick=quick))


if __name__ == "__main__":
    main()
