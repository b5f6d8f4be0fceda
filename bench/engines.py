"""SQLite and PostgreSQL side by side, in the same run (each engine is the other's baseline).

1. Chat ingest through the `Recorder` (the bot's batched history writer, default settings):
   200,000 chat messages put as fast as `put` takes them, stored rate until the last commit,
   the longest wait from put to commit, and the number lost. Goal on PostgreSQL: >= 20,000
   messages/s stored, 0 lost.
2. Every statistics query of `storage/stats.py` on a channel of 1,000,000 messages (5,000
   chatters over 30 days, with emotes, replies and moderation), the median of three runs each.
   Goal: <= 250 ms each on both engines. PostgreSQL gets a `VACUUM ANALYZE` after the load, which
   autovacuum would do on its own within a minute or so of such a load. The load goes through
   the rollup trigger (storage/stats_rollups.py) like any other insert, so it includes that cost.

PostgreSQL: a throwaway durable server (tests/pgserver.py) or BOTCHECK_BENCH_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import pg
from bot.history import Recorder
from storage import ChatMessage, Database, ModAction, ModerationEvent, ViewerSample
from storage.copy import TABLES
from storage.models import ts_ms

INGEST = 200_000
MESSAGES = 1_000_000
CHATTERS = 5_000
DAYS = 30
NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
CHANNEL = 42
GOAL_RATE = 20_000
GOAL_MS = 250
EMOTES = ("Kappa", "PogChamp", "LUL", "KEKW", "monkaS", "Sadge", "catJAM", "OMEGALUL")
_COLUMNS = dict(TABLES)["chat_messages"]


# --- 1. ingest through the recorder -------------------------------------------------------------


def chat(i: int, at: datetime) -> ChatMessage:
    user = 1_000 + i % 1_000
    return ChatMessage(
        message_id=f"ingest-{i}",
        channel_id=CHANNEL,
        user_id=user,
        login=f"user{user}",
        display_name=f"User{user}",
        text="that was close Kappa" if i % 3 else "hello chat",
        sent_at=at + timedelta(milliseconds=i),
        emotes=("Kappa",) if i % 3 else (),
        badges=("subscriber/12",) if i % 5 == 0 else (),
    )


async def ingest(target: Path | str) -> tuple[float, int, float]:
    """Return (stored messages/s, lost, worst put-to-commit lag in s)."""
    messages = [chat(i, NOW) for i in range(INGEST)]
    async with Database(target) as db:
        await db.channels.join(CHANNEL, "chan", "Chan", at=NOW)
        recorder = Recorder(db.history)
        recorder.start()
        start = time.perf_counter()
        for m in messages:
            await recorder.put(m)
        await recorder.flush()
        seconds = time.perf_counter() - start
        lag = recorder.stats().max_lag_s
        await recorder.close()
        stored = await db.history.count_messages(CHANNEL)
    return stored / seconds, INGEST - stored, lag


# --- 2. statistics on a million messages --------------------------------------------------------


def history_rows(rng: random.Random) -> Iterator[list[tuple[object, ...]]]:
    """A month of one channel's chat in batches, in time order; a few chatters say most."""
    start = ts_ms(NOW - timedelta(days=DAYS))
    step = DAYS * 86_400_000 // MESSAGES
    weights = [1 / (rank + 1) for rank in range(CHATTERS)]
    users = rng.choices(range(CHATTERS), weights=weights, k=MESSAGES)
    batch: list[tuple[object, ...]] = []
    for i, u in enumerate(users):
        uid = 5_000_000 + u
        emotes = " ".join(rng.sample(EMOTES, rng.randint(1, 3))) if i % 5 == 0 else ""
        reply = 5_000_000 + users[i - 1] if i % 20 == 0 and i else None
        text = "x" * (5 + (u * 7 + i) % 80)
        batch.append(
            (
                f"msg-{i}",
                CHANNEL,
                uid,
                f"user{u}",
                f"User{u}",
                text,
                len(text),
                "subscriber/3" if u % 4 == 0 else "",
                0,
                emotes,
                f"msg-{i - 1}" if reply else None,
                reply,
                start + i * step + rng.randint(0, step - 1),
                None,
            )
        )
        if len(batch) == 50_000:
            yield batch
            batch = []
    if batch:
        yield batch


async def load(db: Database) -> None:
    rng = random.Random(15)
    await db.channels.join(CHANNEL, "chan", "Chan", at=NOW - timedelta(days=DAYS + 1))
    async with db.transaction() as tx:
        for rows in history_rows(rng):
            await tx.copy_records("chat_messages", _COLUMNS, rows)
    events = [
        ModerationEvent(
            f"ev-{i}",
            CHANNEL,
            rng.choice([ModAction.TIMEOUT, ModAction.BAN, ModAction.DELETE]),
            NOW - timedelta(minutes=7 * i),
            moderator_id=1,
            target_id=5_000_000 + rng.randrange(CHATTERS),
            duration_s=600,
        )
        for i in range(5_000)
    ]
    await db.history.write_batch(events=events)
    session = await db.history.start_session(
        channel_id=CHANNEL,
        stream_id="live",
        started_at=NOW - timedelta(hours=6),
        title="t",
        category="c",
        report_token="bench-session",
    )
    await db.history.add_viewer_samples(
        [ViewerSample(session.session_id, NOW - timedelta(minutes=m), 500 + m) for m in range(360)]
    )
    for i in range(30):
        await db.captures.start(
            channel_id=CHANNEL,
            requested_by_id=1,
            requested_by_login="mod",
            report_token=f"cap-{i}",
            started_at=NOW - timedelta(days=i),
        )
    if db.name == "postgres":
        engine: Any = db.engine  # VACUUM cannot run inside a transaction: straight on the pool
        await engine.pool.execute("VACUUM ANALYZE")


def queries(db: Database) -> dict[str, Callable[[], Awaitable[object]]]:
    s, c = db.stats, CHANNEL
    week = NOW - timedelta(days=7)
    top = 5_000_000  # the busiest chatter (rank 1 of the weights)
    return {
        "activity, all time": lambda: s.activity(c),
        "activity, 7 days": lambda: s.activity(c, since=week, until=NOW),
        "active chatters, 5 min": lambda: s.active_chatters(c, now=NOW),
        "current viewers": lambda: s.current_viewers(c),
        "top chatters, all time": lambda: s.top_chatters(c),
        "top chatters, 7 days": lambda: s.top_chatters(c, since=week, until=NOW),
        "rising chatters, 7 vs 7 days": lambda: s.rising_chatters(c, now=NOW),
        "hours, all time": lambda: s.hours(c),
        "top emotes, 7 days": lambda: s.top_emotes(c, since=week, until=NOW),
        "top emotes, all time": lambda: s.top_emotes(c),
        "writers, 7 days": lambda: s.writers(c, since=week, until=NOW),
        "writers, all time": lambda: s.writers(c),
        "moderation, all time": lambda: s.moderation(c),
        "captures, 30 days": lambda: s.captures(c, since=NOW - timedelta(days=30), until=NOW),
        "series, a day in 5-min slices": lambda: s.series(
            c, since=NOW - timedelta(days=1), until=NOW, bucket=timedelta(minutes=5)
        ),
        "series, 30 days in days": lambda: s.series(
            c, since=NOW - timedelta(days=30), until=NOW, bucket=timedelta(days=1)
        ),
        "user, busiest chatter": lambda: s.user(c, top),
        "user, a quiet chatter": lambda: s.user(c, top + CHATTERS - 1),
        "reply targets, busiest": lambda: s.reply_targets(c, top),
        "find user by login": lambda: s.find_user(c, "user4321"),
    }


async def time_queries(target: Path | str) -> dict[str, float]:
    """Load the channel, then return each query's median time in ms."""
    async with Database(target) as db:
        started = time.perf_counter()
        await load(db)
        print(
            f"  ({db.name}: loaded {MESSAGES:,} messages in {time.perf_counter() - started:.0f} s)"
        )
        out = {}
        for name, run in queries(db).items():
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                await run()
                times.append((time.perf_counter() - t0) * 1000)
            out[name] = statistics.median(times)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, pg.server() as where:
        if where is None:
            print("PostgreSQL: skipped (no server binaries; set BOTCHECK_BENCH_DATABASE_URL)")
            return

        async def both() -> None:
            print(f"Recorder ingest, {INGEST:,} messages put at once (same run)")
            for name, target in (
                ("SQLite", Path(tmp) / "ingest.db"),
                ("PostgreSQL", await pg.fresh_database(where, "ingest")),
            ):
                cpu = pg.server_cpu_s(where) if name == "PostgreSQL" else None
                rate, lost, lag = await ingest(target)
                after = pg.server_cpu_s(where) if name == "PostgreSQL" else None
                spent = "" if cpu is None or after is None else f"   server CPU {after - cpu:.1f} s"
                print(
                    f"  {name:<10} {rate:>10,.0f} msg/s stored   lost {lost}   "
                    f"worst lag {lag * 1000:,.0f} ms{spent}"
                )
            met = rate >= GOAL_RATE and lost == 0
            print(
                f"  goal on PostgreSQL: >= {GOAL_RATE:,} msg/s, 0 lost: "
                f"{'met' if met else 'NOT MET'} ({rate:,.0f} msg/s, {lost} lost)"
            )
            print(f"Statistics on {MESSAGES:,} messages, median of 3, ms (goal <= {GOAL_MS})")
            lite = await time_queries(Path(tmp) / "stats.db")
            post = await time_queries(await pg.fresh_database(where, "stats"))
            print(f"  {'query':<32} {'SQLite':>9} {'PostgreSQL':>11}")
            for name in lite:
                flag = "  <- over" if max(lite[name], post[name]) > GOAL_MS else ""
                print(f"  {name:<32} {lite[name]:>9.1f} {post[name]:>11.1f}{flag}")
            over = [n for n in lite if max(lite[n], post[n]) > GOAL_MS]
            verdict = "met" if not over else "NOT MET: " + ", ".join(over)
            print(f"  goal <= {GOAL_MS} ms each: {verdict}")

        asyncio.run(both())


if __name__ == "__main__":
    main()
