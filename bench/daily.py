"""The daily report of a busy channel: 1,000,000 chat messages over ten days (100,000 on the
reported day) from 20,000 chatters, a six-hour stream a day with a viewer sample a minute and a
category change halfway. Times `gather_day` (every query and the observations) and the writing
of its page, CSV and JSON, on SQLite. Target: < 2 s."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.streams.daily import gather_day
from reports.daily_page import DailyLinks, write_daily_report
from storage import Database

MESSAGES = 1_000_000
DAYS = 10
AUDIENCE = 20_000
CHANNEL = 1
T0 = datetime(2026, 6, 1, tzinfo=UTC)
ZONE = "Europe/Paris"
ROUNDS = 5


def seed(path: Path) -> None:
    rng = random.Random(18)
    con = sqlite3.connect(path)
    t0 = int(T0.timestamp() * 1000)
    day_ms = 86_400_000
    with con:
        con.execute(
            "INSERT INTO channels (channel_id, login, display_name, joined_at) VALUES (?,?,?,?)",
            (CHANNEL, "bigchan", "BigChan", t0 // 1000 - 86_400 * 30),
        )
        for d in range(DAYS):
            start = t0 + d * day_ms + 17 * 3_600_000  # 19:00 in Paris
            cur = con.execute(
                "INSERT INTO stream_sessions (channel_id, stream_id, started_at, ended_at, "
                "title, category, report_token) VALUES (?, ?, ?, ?, 'evening', 'Art', ?)",
                (CHANNEL, f"s{d}", start, start + 6 * 3_600_000, f"st{d:04d}".ljust(32, "s")),
            )
            con.executemany(
                "INSERT INTO viewer_samples (session_id, at, viewers, category) VALUES (?,?,?,?)",
                [
                    (
                        cur.lastrowid,
                        start + m * 60_000,
                        900 + rng.randrange(300),
                        "Chess" if m < 180 else "Art",
                    )
                    for m in range(360)
                ],
            )
        rows = []
        for i in range(MESSAGES):
            d = i * DAYS // MESSAGES
            # Three quarters during the stream, the rest spread over the day.
            if rng.random() < 0.75:
                at = t0 + d * day_ms + 17 * 3_600_000 + rng.randrange(6 * 3_600_000)
            else:
                at = t0 + d * day_ms + rng.randrange(day_ms)
            user = 1_000 + int(rng.paretovariate(1.2) * 10) % AUDIENCE
            rows.append((f"m{i}", CHANNEL, user, f"c{user}", "hello there", 11, at))
            if len(rows) == 50_000:
                con.executemany(
                    "INSERT INTO chat_messages (message_id, channel_id, user_id, login, text, "
                    "text_length, sent_at) VALUES (?,?,?,?,?,?,?)",
                    rows,
                )
                rows.clear()
    con.close()


async def run(path: Path, out: Path) -> list[float]:
    async with Database(path) as db:
        await db.channels.set_timezone(CHANNEL, ZONE)
        day = date(2026, 6, DAYS)  # the last seeded day (UTC dates are Paris dates at 19:00)
        now = T0 + timedelta(days=DAYS + 1)
        times = []
        body: dict[str, object] = {}
        for _ in range(ROUNDS):
            started = time.perf_counter()
            body = await gather_day(db, CHANNEL, day, ZONE, now)
            await asyncio.to_thread(
                write_daily_report, json.loads(json.dumps(body)), out, links=DailyLinks()
            )
            times.append(time.perf_counter() - started)
        print(f"day {day}: {body['messages']:,} messages, {body['chatters']:,} chatters")
        for line in body["insights"]:  # type: ignore[attr-defined]
            print("  ·", line)
        # The streams page / engagement endpoint's queries (no HTTP): 30 days of peak times
        # and the categories of the streams in them.
        page = []
        for _ in range(20):
            started = time.perf_counter()
            await db.stream_stats.peak_times(CHANNEL, zone=ZONE, now=now)
            await db.stream_stats.categories(CHANNEL, since=now - timedelta(days=30), until=now)
            page.append((time.perf_counter() - started) * 1000)
        page.sort()
        print(
            f"engagement queries (peak times + categories), 20 rounds: median "
            f"{statistics.median(page):.0f} ms, p95 {page[18]:.0f} ms (target 200 ms)"
        )
        return times


async def _migrate(path: Path) -> None:
    async with Database(path):
        pass


def main() -> None:
    keep = os.environ.get("BOTCHECK_BENCH_DAILY_DB")  # reuse a seeded database (seeding is slow)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(keep) if keep else Path(tmp) / "daily.db"
        if not path.exists():
            asyncio.run(_migrate(path))
            started = time.perf_counter()
            seed(path)
            print(f"seeded {MESSAGES:,} messages in {time.perf_counter() - started:.0f} s")
        times = asyncio.run(run(path, Path(tmp) / "out"))
    print(
        f"daily report (gather + write), {ROUNDS} rounds: median {statistics.median(times):.2f} s, "
        f"worst {max(times):.2f} s (target < 2 s)"
    )
