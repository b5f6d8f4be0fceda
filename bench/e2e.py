"""What the moderator waits for: `!botcheck` typed in chat -> the answer out, through the bot.

twitchsim runs in a child process with Twitch's limits (800 points a minute per token, buckets
reset to full before every command) and Twitch-like latency (80 ms + up to 10 ms of jitter on
every Helix answer). The bot runs in this process exactly as `botcheck run` starts it
(`bot.app.running_bot`: TwitchIO over EventSub, the command components, the capture, the
analysis, SQLite, the report pages), with the garbage collector tuned as `botcheck run` tunes it
(`bot.app.tune_gc`). The clock is the child's: it stamps the moment it sends the
moderator's chat message over EventSub and the moment the bot's answer (the one with the report
link) arrives as a POST chat/messages, after that request's latency, as it would at Twitch.

The limit is measured in the same run, on the same machine, at the same latency:
- the bare cursor chain: a plain httpx client following Get Chatters' cursor through every page,
  doing nothing else (what no client can beat on this sim);
- the buckets: the time two token buckets need for every request the command made (pages on
  the moderator's token; Get Users and Get Streams on either).
The limit is the larger of the two. Also measured: the capture alone inside the command and the
analysis (`Reports.prepare`), through timing wrappers on the bot's own services; the event
loop's lag while the command runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import multiprocessing
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

import httpx

from bot.app import free_port, running_bot, tune_gc
from bot.checks import Checks
from bot.services import Services
from bot.settings import load_settings
from bot.twitch import patches
from bot.twitch.oauth import BOT_SCOPES
from bot.twitch.tokens import save_token
from storage import Database
from twitchsim import SimConfig, TwitchSim
from twitchsim.scenarios import organic

LATENCY_S = 0.08
JITTER_S = 0.01
POINTS = 800
REFILL_PER_S = POINTS / 60
CHANNEL = "streamer"
MODERATOR = "mod_0"
BOT = "botcheck_bot"


# --- the simulator, in its own process ----------------------------------------------------------


class _StampedList(list[Any]):
    """The channel's sent messages, stamped with this process's clock as they arrive."""

    def __init__(self, arrived: asyncio.Event) -> None:
        super().__init__()
        self.stamps: list[float] = []
        self.arrived = arrived

    def append(self, item: Any) -> None:
        self.stamps.append(time.perf_counter())
        super().append(item)
        self.arrived.set()


def _sim_main(conn: Connection) -> None:
    asyncio.run(_sim_serve(conn))


async def _sim_serve(conn: Connection) -> None:
    config = SimConfig(
        rate_capacity=POINTS, rate_refill_per_s=REFILL_PER_S, latency_s=LATENCY_S, jitter_s=JITTER_S
    )
    async with TwitchSim(config=config) as sim:
        st = sim.state
        channel = st.add_channel(CHANNEL)
        bot = st.add_user(BOT)
        owner = st.add_user("the_owner")
        st.add_user(MODERATOR)
        st.add_moderator(CHANNEL, MODERATOR)
        st.add_moderator(CHANNEL, BOT)
        access, refresh = st.issue_user_token(bot, list(BOT_SCOPES))
        arrived = asyncio.Event()
        sent = _StampedList(arrived)
        st.channel(CHANNEL).sent = sent
        conn.send(
            {
                "env": sim.env(),
                "helix_url": sim.helix_url,
                "client_id": sim.client_id,
                "channel_id": channel.user_id,
                "bot_id": bot.user_id,
                "owner_id": owner.user_id,
                "access": access,
                "refresh": refresh,
            }
        )
        loop = asyncio.get_running_loop()
        while True:
            cmd, *args = await loop.run_in_executor(None, conn.recv)
            if cmd == "load":
                size, seed = args
                n = st.load_chatters(CHANNEL, organic(seed, size).chatters)
                st.join(CHANNEL, MODERATOR)  # as `say` will: the bare chain lists the same
                n = len(st.channel(CHANNEL).chatters)
                st.set_stream(CHANNEL, True, n)
                conn.send(n)
            elif cmd == "reset":
                st.ratelimit.reset()
                conn.send(None)
            elif cmd == "calls":
                conn.send(dict(st.helix_calls))
            elif cmd == "command":
                conn.send(await _command(st, sent, args[0]))
            else:
                conn.send(None)
                return


async def _command(st: Any, sent: _StampedList, timeout_s: float) -> tuple[float, str]:
    """Type `!botcheck` as the moderator; return (seconds to the answer with a link, its text)."""
    seen = len(sent)
    started = time.perf_counter()
    await st.say(CHANNEL, MODERATOR, "!botcheck")
    deadline = started + timeout_s
    while True:
        for i in range(seen, len(sent)):
            if "/r/" in sent[i].text:
                return sent.stamps[i] - started, sent[i].text
        seen = len(sent)
        sent.arrived.clear()
        left = deadline - time.perf_counter()
        if left <= 0:
            return float("nan"), "no answer"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sent.arrived.wait(), left)


class SimProcess:
    """The parent's handle on the simulator process; `acall` keeps the bot's loop running."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_sim_main, args=(child,), daemon=True)
        self.proc.start()
        self.info: dict[str, Any] = self.conn.recv()

    def call(self, *msg: Any) -> Any:
        self.conn.send(msg)
        return self.conn.recv()

    async def acall(self, *msg: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, self.call, *msg)

    def close(self) -> None:
        self.call("stop")
        self.proc.join(10)


# --- the limit ----------------------------------------------------------------------------------


def bucket_seconds(pages: int, others: int) -> float:
    """Seconds two full buckets need for `pages` (moderator's token) plus `others` (either)."""
    return max(
        0.0,
        (pages - POINTS) / REFILL_PER_S,
        (pages + others - 2 * POINTS) / (2 * REFILL_PER_S),
    )


async def bare_chain(sim: SimProcess) -> tuple[float, int]:
    """Follow Get Chatters' cursor through every page with a bare client; (seconds, pages)."""
    info = sim.info
    url = f"{info['helix_url']}/chat/chatters"
    params: dict[str, Any] = {
        "broadcaster_id": info["channel_id"],
        "moderator_id": info["bot_id"],
        "first": 1000,
    }
    headers = {"Client-Id": info["client_id"], "Authorization": f"Bearer {info['access']}"}
    pages = 0
    async with httpx.AsyncClient(headers=headers, timeout=60) as client:
        await client.get(url, params=params)  # connect and warm up, as the bot has
        await sim.acall("reset")
        started = time.perf_counter()
        cursor: str | None = None
        while True:
            query = params | ({"after": cursor} if cursor else {})
            body = (await client.get(url, params=query)).json()
            pages += 1
            cursor = body.get("pagination", {}).get("cursor")
            if not cursor:
                break
        seconds = time.perf_counter() - started
    await sim.acall("reset")
    return seconds, pages


# --- the bot, timed -----------------------------------------------------------------------------


@dataclass
class Timings:
    """Where the command's time went, from wrappers around the bot's services."""

    capture_s: list[float] = dataclasses.field(default_factory=list)
    prepare_s: list[float] = dataclasses.field(default_factory=list)
    reports: Any = None  # the bot's `Reports`: the warm command waits for the cold's files


class _Timed:
    """Delegate to `inner`, timing one named coroutine method into `into`."""

    def __init__(self, inner: Any, method: str, into: list[float]) -> None:
        self._inner, self._method, self._into = inner, method, into

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await attr(*args, **kwargs)
            finally:
                self._into.append(time.perf_counter() - started)

        return timed


def timed_services(timings: Timings) -> Callable[[Services], Services]:
    def adjust(s: Services) -> Services:
        capturer = cast(Any, _Timed(s.capturer, "capture", timings.capture_s))
        timings.reports = s.reports
        reports = cast(Any, _Timed(s.reports, "prepare", timings.prepare_s))
        return dataclasses.replace(s, checks=Checks(capturer=capturer, reports=reports))

    return adjust


@dataclass
class Command:
    seconds: float
    answer: str
    pages: int
    users_calls: int
    streams_calls: int
    capture_s: float
    prepare_s: float
    lag_p99_ms: float
    lag_max_ms: float
    cpu_s: float  # this process's CPU time (all threads) from the command to the answer

    @property
    def bucket_s(self) -> float:
        return bucket_seconds(self.pages, self.users_calls + self.streams_calls)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else 0.0


async def _lag_sampler(samples: list[float], period_s: float = 0.005) -> None:
    while True:
        t = time.perf_counter()
        await asyncio.sleep(period_s)
        samples.append(time.perf_counter() - t - period_s)


async def command(sim: SimProcess, timings: Timings) -> Command:
    """Reset the buckets, type `!botcheck`, wait for the answer; what it cost."""
    await sim.acall("reset")
    before = await sim.acall("calls")
    lag: list[float] = []
    sampler = asyncio.create_task(_lag_sampler(lag))
    cpu = time.process_time()
    try:
        seconds, answer = await sim.acall("command", 600.0)
    finally:
        cpu = time.process_time() - cpu
        sampler.cancel()
    # the capture's own calls end before the answer; the page's files come after it
    after = await sim.acall("calls")
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return Command(
        seconds=seconds,
        answer=answer,
        pages=delta.get("GET /helix/chat/chatters", 0),
        users_calls=delta.get("GET /helix/users", 0),
        streams_calls=delta.get("GET /helix/streams", 0),
        capture_s=timings.capture_s[-1] if timings.capture_s else float("nan"),
        prepare_s=timings.prepare_s[-1] if timings.prepare_s else float("nan"),
        lag_p99_ms=p99(lag) * 1000,
        lag_max_ms=max(lag, default=0.0) * 1000,
        cpu_s=cpu,
    )


async def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def with_bot(sim: SimProcess, tmp: Path, body: Callable[[Timings], Awaitable[Any]]) -> Any:
    """Start the bot on a fresh database, run `body` once it has joined, stop it."""
    info = sim.info
    port = free_port()
    env = {
        **info["env"],
        "TWITCH_BOT_ID": str(info["bot_id"]),
        "TWITCH_OWNER_ID": str(info["owner_id"]),
        "BOTCHECK_DB": str(tmp / "botcheck.db"),
        "BOTCHECK_DATA_DIR": str(tmp / "data"),
        "BOTCHECK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BOTCHECK_WEB_PORT": str(port),
        "BOTCHECK_COOLDOWN_S": "0",
    }
    settings = load_settings(env)
    async with Database(settings.database) as db:
        await save_token(
            db,
            user_id=str(info["bot_id"]),
            login=BOT,
            access_token=info["access"],
            refresh_token=info["refresh"],
            scopes=list(BOT_SCOPES),
            expires_in=4 * 3600,
        )
    timings = Timings()
    previous = patches.current()
    try:
        async with running_bot(settings, join_interval_s=3600, adjust=timed_services(timings)) as r:
            await wait_until(
                lambda: len(r.bot.joined) == 1 and r.bot.settled, 30, "the bot to join"
            )
            thresholds = tune_gc()  # as `botcheck run` does once the bot runs
            try:
                return await body(timings)
            finally:
                gc.set_threshold(*thresholds)
                gc.unfreeze()
    finally:
        patches.apply(previous)


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


@dataclass
class SizeResult:
    size: int
    chain_s: float
    chain_pages: int
    cold: Command
    warm: Command

    def limit(self, run: Command) -> float:
        return max(self.chain_s, run.bucket_s)


async def run_sizes(
    sizes: tuple[int, ...], tmp: Path, rss: Callable[[], float]
) -> list[SizeResult]:
    """For each size: the bare chain, then a fresh bot answering `!botcheck` cold, then warm."""
    sim = SimProcess()
    results = []
    try:
        print(
            f"end to end: twitchsim in a child process, {POINTS} points/min per token, "
            f"{LATENCY_S * 1000:.0f}-{(LATENCY_S + JITTER_S) * 1000:.0f} ms latency; "
            "buckets reset before every command; load average " + load_average()
        )
        for size in sizes:
            loaded = await sim.acall("load", size, size)
            chain_s, chain_pages = await bare_chain(sim)

            async def both(timings: Timings) -> tuple[Command, Command]:
                cold = await command(sim, timings)
                # The report files are written after the answer: the warm command is a
                # second check, not one typed while the first one's files are still written.
                if timings.reports is not None:
                    await timings.reports.drain()
                await asyncio.sleep(1.0)
                warm = await command(sim, timings)
                await asyncio.sleep(1.0)
                return cold, warm

            where = tmp / f"e2e-{size}"
            where.mkdir(parents=True, exist_ok=True)
            cold, warm = await with_bot(sim, where, both)
            result = SizeResult(size, chain_s, chain_pages, cold, warm)
            results.append(result)
            _print(result, loaded, rss())
    finally:
        sim.close()
    return results


def _print(r: SizeResult, loaded: int, rss_mb: float) -> None:
    print(
        f"\n{r.size:,} chatters ({loaded:,} loaded), load average {load_average()}: bare cursor "
        f"chain {r.chain_pages} pages in {r.chain_s:.2f} s ({r.chain_s / r.chain_pages * 1000:.1f}"
        " ms a page)"
    )
    for name, c in (("cold", r.cold), ("warm", r.warm)):
        limit = r.limit(c)
        print(
            f"  {name}: !botcheck -> answer {c.seconds:6.2f} s, limit {limit:.2f} s "
            f"(chain {r.chain_s:.2f}, buckets {c.bucket_s:.2f}) -> {c.seconds / limit:.2f}x;  "
            f"{c.pages} pages + {c.users_calls} Get Users + {c.streams_calls} Get Streams"
        )
        print(
            f"        capture inside {c.capture_s:.2f} s ({c.capture_s / limit:.2f}x), "
            f"analysis + verdict row {c.prepare_s * 1000:.0f} ms, the rest "
            f"{(c.seconds - c.capture_s - c.prepare_s) * 1000:.0f} ms (EventSub in, command, "
            f"reply out); loop lag p99 {c.lag_p99_ms:.1f} ms (max {c.lag_max_ms:.0f}); "
            f"bot CPU {c.cpu_s:.2f} s; peak RSS so far {rss_mb:.0f} MB"
        )
    print(f"  answer: {r.cold.answer[:160]}")
