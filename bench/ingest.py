"""Chat ingest: twitchsim pushes channel.chat.message notifications over the EventSub WebSocket
as fast as it can into the running bot (`running_bot`: TwitchIO, the commands, the recorder,
SQLite). Measured end to end: from the first notification sent to the last message committed.

In the same run, bare TwitchIO (a `twitchio.Client` with the same subscription and no handler;
its `dispatch` only counts) receives the same flood: that is the ceiling, since every
notification has to be read and parsed by TwitchIO before we see it. The ratio is what
recording costs. Also: the longest time a message waited between its arrival and its commit,
the event loop's longest stall, and the number lost (sent minus stored).

twitchsim runs in a child process, as Twitch would be elsewhere: its CPU time is not ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import twitchio
from twitchio import eventsub
from twitchio.ext import commands

from bot.app import free_port, running_bot
from bot.settings import load_settings
from bot.twitch import patches
from bot.twitch.oauth import BOT_SCOPES
from bot.twitch.tokens import save_token
from storage import Database
from twitchsim.config import SimConfig
from twitchsim.server import TwitchSim

N = 50_000
CHATTERS = 1_000
GOAL_RATIO = 0.7
GOAL_RATE = 5_000.0
LINES = (
    "hello chat",
    "that was close Kappa",
    "PogChamp PogChamp",
    "what game is this?",
    "gg",
    "LUL that jump",
    "first time here, love the stream <3",
    "catJAM catJAM",  # third-party emotes when they are on (twitchsim's stand-in sets)
    "KEKW that jump",
)


# --- the simulator, in its own process ----------------------------------------------------------


def _sim_main(conn: Connection) -> None:
    asyncio.run(_sim_serve(conn))


async def _sim_serve(conn: Connection) -> None:
    async with TwitchSim(config=SimConfig()) as sim:
        st = sim.state
        channel = st.add_channel("streamer")
        bot = st.add_user("botcheck_bot")
        st.add_moderator(channel.user_id, bot.user_id)
        chatters = [st.add_user(f"viewer{i}") for i in range(CHATTERS)]
        access, refresh = st.issue_user_token(bot.user_id, list(BOT_SCOPES))
        conn.send(
            {
                "helix_url": sim.helix_url,
                "auth_url": sim.auth_url,
                "ws_url": sim.ws_url,
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
                "channel_id": channel.user_id,
                "bot_id": bot.user_id,
                "access": access,
                "refresh": refresh,
                "emote_env": sim.emote_env(),
            }
        )
        loop = asyncio.get_running_loop()
        chan = st.channel(channel.user_id)
        while True:
            cmd, *args = await loop.run_in_executor(None, conn.recv)
            if cmd == "flood":
                (n,) = args
                started = time.perf_counter()
                st.flood(chan.user, n, chatters=chatters, texts=LINES)
                conn.send(time.perf_counter() - started)
            else:
                conn.send(None)
                return


class SimProcess:
    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_sim_main, args=(child,), daemon=True)
        self.proc.start()
        self.info: dict[str, Any] = self.conn.recv()

    def flood(self, n: int) -> None:
        self.conn.send(("flood", n))

    def flooded(self) -> float:
        seconds: float = self.conn.recv()
        return seconds

    def close(self) -> None:
        self.conn.send(("stop",))
        self.conn.recv()
        self.proc.join(10)


# --- measurements -------------------------------------------------------------------------------


@dataclass
class Result:
    n: int
    seconds: float
    stored: int
    max_item_lag_s: float = 0.0
    max_loop_stall_s: float = 0.0
    detected: int = -1  # messages the raid detector was fed (-1: detection not measured)

    @property
    def rate(self) -> float:
        return self.stored / self.seconds if self.seconds else 0.0


class LoopWatch:
    """The event loop's longest stall: how late a 10 ms ticker wakes up."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, time.perf_counter() - t - 0.01)

    def __enter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def _until(predicate: Any, timeout_s: float) -> None:
    """Poll ``predicate`` every 5 ms (what it watches has no event to wait on)."""
    deadline = time.perf_counter() + timeout_s
    for _ in range(int(timeout_s / 0.005) + 1):
        if predicate() or time.perf_counter() > deadline:
            return
        await asyncio.sleep(0.005)


class CountingClient(twitchio.Client):
    """Bare TwitchIO: every notification is read and parsed; dispatch only counts."""

    count = 0

    def dispatch(self, event: str, payload: Any | None = None) -> None:
        if event == "message":
            self.count += 1
            return
        super().dispatch(event, payload)


class CountingBot(commands.Bot):
    """TwitchIO's commands.Bot with no handler of ours: it still looks for commands."""

    count = 0

    def dispatch(self, event: str, payload: Any | None = None) -> None:
        if event == "message":
            self.count += 1
        super().dispatch(event, payload)


async def bare(sim: SimProcess, n: int, kind: type[CountingClient | CountingBot]) -> Result:
    info = sim.info
    patches.apply(patches.Endpoints(info["helix_url"], info["auth_url"], info["ws_url"]))
    options: dict[str, Any] = {"prefix": "!"} if kind is CountingBot else {}
    client = kind(
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        bot_id=str(info["bot_id"]),
        **options,
    )
    runner = asyncio.create_task(client.start(load_tokens=False, save_tokens=False))
    try:
        await client.wait_until_ready()
        await client.add_token(info["access"], info["refresh"])
        await client.subscribe_websocket(
            eventsub.ChatMessageSubscription(
                broadcaster_user_id=str(info["channel_id"]), user_id=str(info["bot_id"])
            ),
            token_for=str(info["bot_id"]),
        )
        await asyncio.sleep(0.2)
        idle = len(asyncio.all_tasks())
        start = time.perf_counter()
        sim.flood(n)
        await _until(lambda: client.count >= n, timeout_s=120)
        # Done when the handlers TwitchIO started (commands.Bot's) have finished too.
        await _until(lambda: len(asyncio.all_tasks()) <= idle, timeout_s=60)
        seconds = time.perf_counter() - start
        await asyncio.get_running_loop().run_in_executor(None, sim.flooded)
        return Result(n, seconds, client.count)
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runner


async def ours(sim: SimProcess, n: int, tmp: Path, *, emotes: bool = False) -> Result:
    """The running bot; with its chat defence on (every stored row fed to the raid detector),
    as `running_bot` always runs it: the time ends when the detector has been fed everything.
    `emotes`: third-party emotes on (twitchsim's stand-in sets), counted in every message."""
    info = sim.info
    port = free_port()
    settings = load_settings(
        {
            "TWITCH_CLIENT_ID": info["client_id"],
            "TWITCH_CLIENT_SECRET": info["client_secret"],
            "TWITCH_BOT_ID": str(info["bot_id"]),
            "TWITCH_API_URL": info["helix_url"],
            "TWITCH_AUTH_URL": info["auth_url"],
            "TWITCH_EVENTSUB_WS_URL": info["ws_url"],
            "BOTCHECK_DB": str(tmp / "ingest.db"),
            "BOTCHECK_DATA_DIR": str(tmp / "data"),
            "BOTCHECK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "BOTCHECK_WEB_PORT": str(port),
            "BOTCHECK_LOG_LEVEL": "WARNING",
            **(info["emote_env"] if emotes else {}),
        },
        env_file=None,
    )
    async with Database(settings.db_path) as db:
        await save_token(
            db,
            user_id=str(info["bot_id"]),
            login="botcheck_bot",
            access_token=info["access"],
            refresh_token=info["refresh"],
            scopes=list(BOT_SCOPES),
            expires_in=4 * 3600,
        )
    channel_id = int(info["channel_id"])
    async with running_bot(settings, join_interval_s=0.5) as running:
        await _until(lambda: channel_id in running.bot.joined, timeout_s=30)
        recorder = running.services.recorder
        defence = running.services.defence
        assert recorder is not None and defence is not None
        if emotes:
            sets = running.services.emotes
            assert sets is not None
            await _until(lambda: bool(sets.sets.find(channel_id, "catJAM")), timeout_s=30)
        await asyncio.sleep(0.2)
        with LoopWatch() as watch:
            start = time.perf_counter()
            sim.flood(n)
            await _until(lambda: recorder.stats().received >= n, timeout_s=120)
            await recorder.flush()
            await _until(lambda: defence.hub.fed >= n, timeout_s=120)
            await defence.hub.settled()
            seconds = time.perf_counter() - start
        detected = defence.hub.fed
        await asyncio.get_running_loop().run_in_executor(None, sim.flooded)
        lag = recorder.stats().max_lag_s
    async with Database(settings.db_path) as db:
        # Only the flood counts: the bot's own lines (a raid alert, when the flood trips the
        # detector) come back over EventSub and are recorded too.
        stored = int(
            await db.fetchval(
                "SELECT count(*) FROM chat_messages WHERE channel_id = $1 AND user_id != $2",
                channel_id,
                int(info["bot_id"]),
            )
        )
    return Result(n, seconds, stored, lag, watch.worst, detected)


async def hub_cost(n: int = N, tmp: Path | None = None) -> tuple[float, float]:
    """The raid detector hub alone, on this process's CPU clock (so the machine's other load
    counts less): feed `n` stored rows like the flood's (1,000 first-time chatters, the same 7
    lines) in batches of 5,000, as the recorder hands them over. Returns (CPU µs a message,
    CPU µs a message of the bare twitchio.Client's ingest measured elsewhere = 40-50)."""
    from datetime import UTC, datetime, timedelta

    from bot.defence.ages import AccountAges
    from bot.defence.hub import DefenceHub
    from storage import ChatMessage
    from storage.defence import DefenceStore

    with tempfile.TemporaryDirectory() as d:
        async with Database(Path(tmp or d) / "hub.db") as db:
            await db.channels.join(1, "chan", "Chan", at=datetime.now(UTC))
            start_at = datetime.now(UTC)
            rows = [
                ChatMessage(
                    f"m{i}",
                    1,
                    1_000 + i % CHATTERS,
                    f"viewer{i % CHATTERS}",
                    "",
                    LINES[(i % CHATTERS) % len(LINES)],
                    start_at + timedelta(milliseconds=i // 10),
                )
                for i in range(n)
            ]
            await db.history.write_batch(messages=rows)

            async def on_raid(*_: object) -> None:
                return None

            ages = AccountAges(db.accounts, helix=None, clock=lambda: start_at)  # type: ignore[arg-type]
            hub = DefenceHub(
                store=DefenceStore(db), ages=ages, on_raid=on_raid, on_active=lambda *_: None
            )
            cpu = time.process_time()
            for i in range(0, n, 5_000):
                await hub.feed(rows[i : i + 5_000])
            used = time.process_time() - cpu
            await hub.close()
    return used / n * 1e6, hub.fed


def convert_cost(n: int = 200_000, names: int = 600) -> tuple[float, float, int]:
    """Converting a raw notification for storage, on this process's CPU clock: µs a message
    without and with third-party emotes (a channel with `names` emote names plus the globals;
    the flood's lines). Returns (without, with, third-party emotes found)."""
    from datetime import UTC, datetime

    from bot.emotes import EmoteSets, providers
    from bot.history.convert import chat_notification
    from twitchsim import payloads
    from twitchsim.emotes import EmoteStandins
    from twitchsim.users import SimUser

    at = datetime.now(UTC)
    chan, who = SimUser(1, "chan", "Chan", at), SimUser(2, "viewer", "Viewer", at)
    notes = [
        {
            "metadata": {"message_id": f"e{i}", "message_timestamp": at.isoformat()},
            "payload": {
                "event": payloads.chat_message(
                    chan, who, f"m{i}", text, [], reply=None, mentionable={}
                )
            },
        }
        for i, text in enumerate(LINES)
    ]
    stand = EmoteStandins()
    stand.set_channel("7tv", 1, ["catJAM", *(f"emote{i}" for i in range(names))])
    base = "http://127.0.0.1:9"
    sets = EmoteSets(
        providers=providers(seventv=(base, base), bttv=(base, base), ffz=(base, base)),
        directory=Path(tempfile.gettempdir()),
        channels=lambda: (),
    )
    for p in ("7tv", "bttv", "ffz"):
        sets.put(p, None, tuple(stand.globals[p]))
        sets.put(p, 1, tuple(stand.channel(p, 1) or ()))
    found = 0
    timings = []
    for find in (None, sets.find):
        cpu = time.process_time()
        for i in range(n):
            msg = chat_notification(notes[i % len(notes)], at, find)
            found += len(msg.emotes) if find is not None else 0
        timings.append((time.process_time() - cpu) / n * 1e6)
    return timings[0], timings[1], found


async def run(n: int = N) -> tuple[Result, Result, Result, Result]:
    previous = patches.current()
    sim = SimProcess()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            client = await bare(sim, n, CountingClient)
            bot = await bare(sim, n, CountingBot)
            (Path(tmp) / "off").mkdir()
            (Path(tmp) / "on").mkdir()
            mine = await ours(sim, n, Path(tmp) / "off")
            with_emotes = await ours(sim, n, Path(tmp) / "on", emotes=True)
    finally:
        sim.close()
        patches.apply(previous)
    return client, bot, mine, with_emotes


def main() -> None:
    client, bot, mine, with_emotes = asyncio.run(run())
    lost = mine.n - mine.stored
    print(f"{mine.n:,} chat notifications pushed at once, {CHATTERS:,} chatters, one channel")
    print(f"  bare twitchio.Client, no handler:       {client.rate:10,.0f} msg/s")
    print(f"  bare commands.Bot, no handler of ours:  {bot.rate:10,.0f} msg/s")
    print(f"  botcheck, stored and detected:          {mine.rate:10,.0f} msg/s")
    print(f"  raid detector fed: {mine.detected:,} of {mine.n:,}")
    for name, base in (("twitchio.Client", client), ("commands.Bot", bot)):
        ratio = mine.rate / base.rate if base.rate else 0.0
        verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
        print(f"  ratio to bare {name}: {ratio:.2f} (goal >= {GOAL_RATIO}: {verdict})")
    print(f"  worst lag, arrival to commit: {mine.max_item_lag_s * 1000:,.0f} ms")
    print(f"  worst event-loop stall:       {mine.max_loop_stall_s * 1000:,.0f} ms")
    print(f"  lost: {lost} (the bare runs received {client.stored:,} and {bot.stored:,})")
    print(
        f"  botcheck with third-party emotes on:    {with_emotes.rate:10,.0f} msg/s "
        f"({with_emotes.rate / mine.rate if mine.rate else 0:.2f} of off; "
        f"lost {with_emotes.n - with_emotes.stored})"
    )
    off_us, on_us, found = convert_cost()
    print(
        f"  converting a message for storage: {off_us:.2f} µs CPU, {on_us:.2f} µs with "
        f"third-party emotes ({found:,} found)"
    )
    per_message, fed = asyncio.run(hub_cost())
    print(f"  the detector hub alone: {per_message:.1f} µs CPU a message ({fed:,.0f} fed)")
    rate_ok = "met" if mine.rate >= GOAL_RATE else "NOT met"
    print(
        f"  goal >= {GOAL_RATE:,.0f} msg/s: {rate_ok}; goal 0 lost: "
        f"{'met' if lost == 0 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
