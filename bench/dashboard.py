"""Dashboard server time: every page and API endpoint for a channel with 1,000 checks and
1,000,000 chat messages, through the real aiohttp server on loopback (client time included,
so the figures are an upper bound). Target: p95 <= 200 ms. The chat analytics pages run on
the channel's clock (Europe/Paris here), with the dashboard's clock just after the last
message; autocomplete runs on a second channel of 100,000 chatters, a fifth of them renamed
(target <= 50 ms). `--quick`: fewer rounds a path.

Both engines: the SQLite file is seeded, then copied into a throwaway PostgreSQL server
(`bench/pg.py`; `botcheck db copy`'s path, the target's trigger building the rollups) and every
path is measured on each. `cold` is a path's first request with nothing kept (the minute's
answers of `storage/memo.py` and the sliding windows of `storage/windows.py` dropped; the
database's page cache stays warm from the paths before): the first visitor after a start.
`minute` is the next request with only the memo dropped: the first visitor in a new minute.
`--engine=sqlite|postgres`: one engine only;
`--seeded=PATH`: start from a copy of a database this bench seeded before (its `reports`
directory beside it) instead of seeding again."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench import pg
from bot.pages.dashboard import DashboardDeps, Limits, Requester, add_dashboard_routes
from storage import Database
from storage.copy import copy_database
from storage.dashboard import Dashboard

CHECKS = 1_000
CHATTERS_PER_CHECK = 300
MESSAGES = 1_000_000
AUDIENCE = 20_000  # distinct chatters behind the messages
HEAVY = 500_000_007  # one chatter with 20,000 of the messages
ROUNDS = 40
QUICK_ROUNDS = 15
CHANNEL = 1
WIDE = 2  # the autocomplete channel
WIDE_CHATTERS = 100_000
OWNER = 42
T0 = datetime(2026, 6, 1, tzinfo=UTC)
END = T0 + timedelta(milliseconds=MESSAGES * 3000, minutes=1)  # the dashboard's "now"
_SYLLABLES = ["ka", "mi", "to", "ra", "ne", "zu", "lo", "shi", "va", "ke", "an", "or", "el", "xi"]


def wide_login(rng: random.Random, n: int) -> str:
    """A login like Twitch's: a few syllables, sometimes digits or an underscore."""
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randrange(2, 5)))
    return f"{word}{'_' if n % 7 == 0 else ''}{n % 1000 if n % 3 else ''}"


def seed_wide(con: sqlite3.Connection, rng: random.Random, t0: int) -> None:
    """100,000 chatters with one message each; every fifth has an earlier name on record."""
    con.execute(
        "INSERT INTO channels (channel_id, login, display_name, joined_at) VALUES (?,?,?,?)",
        (WIDE, "widechan", "WideChan", t0),
    )
    logins = [f"{wide_login(rng, u)}{u}" for u in range(WIDE_CHATTERS)]
    con.executemany(
        "INSERT INTO accounts (user_id, login, created_at) VALUES (?, ?, ?)",
        [(700_000_000 + u, login, t0) for u, login in enumerate(logins)],
    )
    names = [(700_000_000 + u, login, t0, t0) for u, login in enumerate(logins)]
    names += [
        (700_000_000 + u, f"old_{wide_login(rng, u)}{u}", t0 - 86400, t0 - 86400)
        for u in range(0, WIDE_CHATTERS, 5)
    ]
    con.executemany(
        "INSERT INTO account_names (user_id, login, first_seen_at, last_seen_at) "
        "VALUES (?, ?, ?, ?)",
        names,
    )
    con.executemany(
        "INSERT INTO chat_messages (message_id, channel_id, user_id, login, text, text_length, "
        "sent_at) VALUES (?, ?, ?, ?, 'hi', 2, ?)",
        [
            (f"w{u}", WIDE, 700_000_000 + u, login, t0 * 1000 + u * 1000)
            for u, login in enumerate(logins)
        ],
    )


def seed(path: Path, reports: Path) -> None:
    rng = random.Random(7)
    con = sqlite3.connect(path)
    t0 = int(T0.timestamp())
    with con:
        con.execute(
            "INSERT INTO channels (channel_id, login, display_name, joined_at) VALUES (?,?,?,?)",
            (CHANNEL, "bigchan", "BigChan", t0),
        )
        con.executemany(
            "INSERT INTO accounts (user_id, login, created_at) VALUES (?, ?, ?)",
            [(500_000_000 + u, f"c{u}", t0 - rng.randrange(86400 * 3000)) for u in range(AUDIENCE)],
        )
        for i in range(CHECKS):
            at = t0 + i * 3600
            token = f"tok{i:05d}".ljust(32, "t")
            cur = con.execute(
                "INSERT INTO captures (channel_id, requested_by_login, started_at, finished_at, "
                "status, chatter_count, chatter_total, viewer_count, report_token, verdict) "
                "VALUES (?, 'mod', ?, ?, 'complete', ?, ?, ?, ?, ?)",
                (
                    CHANNEL,
                    at,
                    at + 5,
                    CHATTERS_PER_CHECK,
                    CHATTERS_PER_CHECK,
                    rng.randrange(200, 900),
                    token,
                    rng.choice(["low", "elevated", "high"]),
                ),
            )
            cid = cur.lastrowid
            users = rng.sample(range(AUDIENCE), CHATTERS_PER_CHECK)
            con.executemany(
                "INSERT INTO capture_chatters (capture_id, user_id, login) VALUES (?, ?, ?)",
                [(cid, 500_000_000 + u, f"c{u}") for u in users],
            )
            con.execute(
                "INSERT INTO check_metrics (capture_id, analysed, flagged) VALUES (?, ?, ?)",
                (cid, CHATTERS_PER_CHECK, rng.randrange(0, 60)),
            )
            con.execute(
                "INSERT INTO audit_log (at, channel_id, user_login, command, outcome) "
                "VALUES (?, ?, 'mod', 'botcheck', 'complete')",
                (at, CHANNEL),
            )
        ms0 = t0 * 1000
        batch = []
        for n in range(MESSAGES):
            uid = HEAVY if n % 50 == 0 else 500_000_000 + rng.randrange(AUDIENCE)
            batch.append(
                (
                    f"m{n}",
                    CHANNEL,
                    uid,
                    f"c{uid - 500_000_000}",
                    f"message number {n}",
                    17 + n % 40,
                    ms0 + n * 3000,
                    "Kappa" if n % 7 == 0 else ("LUL PogChamp" if n % 11 == 0 else ""),
                )
            )
            if len(batch) == 50_000:
                con.executemany(
                    "INSERT INTO chat_messages (message_id, channel_id, user_id, login, text, "
                    "text_length, sent_at, emotes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                batch.clear()
        seed_wide(con, rng, t0)
    con.close()
    for i in (CHECKS - 2, CHECKS - 1):  # the two newest checks keep their report files
        d = reports / f"tok{i:05d}".ljust(32, "t")
        d.mkdir(parents=True)
        day = f"2026-01-0{i % 9 + 1}"
        waves = [{"start": day, "end": day, "count": 40}]
        days = [{"day": f"2020-01-{d_:02d}", "count": 3, "share": 0.01} for d_ in range(1, 29)]
        (d / "analysis.json").write_text(
            json.dumps(
                {
                    "totals": {"analysed": 300},
                    "flagged": 40,
                    "waves": waves,
                    "days": days,
                    "months": [{"month": "2020-01", "count": 84, "share": 0.28}],
                    "verdict": {"level": "high", "reasons": ["a wave"]},
                }
            )
        )


def _option(name: str) -> str | None:
    """The value of `name=VALUE` on the command line, if any."""
    for arg in sys.argv[1:]:
        if arg.startswith(f"{name}="):
            return arg.partition("=")[2]
    return None


async def prepare(tmp: Path) -> Path:
    """The seeded SQLite file in `tmp` (a copy of `--seeded`, or seeded now)."""
    seeded = _option("--seeded")
    if seeded:
        shutil.copy(seeded, tmp / "b.db")
        shutil.copytree(Path(seeded).parent / "reports", tmp / "reports")
        async with Database(tmp / "b.db"):
            pass  # brought to this tree's schema
        return tmp / "b.db"
    async with Database(tmp / "b.db"):
        pass  # migrate
    started = time.perf_counter()
    seed(tmp / "b.db", tmp / "reports")
    print(
        f"seeded {CHECKS:,} checks and {MESSAGES:,} messages "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return tmp / "b.db"


async def to_postgres(path: Path, where: pg.PgServer | str) -> str:
    """Copy the seeded SQLite database into a new PostgreSQL database; return its URL."""
    url = await pg.fresh_database(where, "dash")
    started = time.perf_counter()
    async with Database(path) as source, Database(url) as target:
        await copy_database(source, target)
        engine: Any = target.engine  # VACUUM cannot run inside a transaction: straight on the pool
        await engine.pool.execute("VACUUM ANALYZE")
    print(f"copied into PostgreSQL in {time.perf_counter() - started:.0f} s")
    return url


async def measure() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="botcheck-bench-dash-"))
    path = await prepare(tmp)
    engines = _option("--engine") or "both"
    results: dict[str, dict[str, tuple[float, float, float, float]]] = {}
    with pg.server() as where:
        url = None
        if engines in {"both", "postgres"}:
            if where is None:
                print("PostgreSQL: no server binaries found, skipped")
            else:
                url = await to_postgres(path, where)  # before the SQLite run adds its rows
        if engines in {"both", "sqlite"}:
            results["SQLite"] = await measure_on(path, tmp)
        if url is not None:
            results["PostgreSQL"] = await measure_on(url, tmp)
    report(results)


def report(results: dict[str, dict[str, tuple[float, float, float, float]]]) -> None:
    """Print every path's figures side by side, one column group an engine."""
    names = list(results)
    head = "".join(f" {n[:10]:>10} p50 {'p95':>7} {'minute':>7} {'cold':>7}" for n in names)
    print(f"\n{'path':58}{head}")
    paths = list(next(iter(results.values()))) if results else []
    for path in paths:
        row = "".join(
            f" {results[n][path][0]:14.1f} {results[n][path][1]:7.1f} "
            f"{results[n][path][2]:7.1f} {results[n][path][3]:7.1f}"
            for n in names
        )
        print(f"{path:58}{row}")
    for n in names:
        worst = max(v[1] for v in results[n].values())
        minute = max(v[2] for v in results[n].values())
        cold = max(v[3] for v in results[n].values())
        print(
            f"{n}: worst p95 {worst:.1f} ms, worst first request in a minute {minute:.1f} ms, "
            f"worst cold (nothing kept) {cold:.1f} ms (target 200)"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


async def measure_on(target: Path | str, tmp: Path) -> dict[str, tuple[float, float, float, float]]:
    """Serve the dashboard from `target` and time every path: p50, p95, minute and cold ms."""
    async with Database(target) as db:
        store = Dashboard(db)
        token = "bc_bench"
        await db.api_tokens.add(token=token, user_id=OWNER, user_login="owner", name="b", at=T0)
        await db.channels.set_timezone(CHANNEL, "Europe/Paris")
        sid = await store.create_session(
            channel_id=CHANNEL,
            name="s",
            capture_ids=list(range(1, 21)),
            created_by_id=OWNER,
            created_by_login="owner",
            at=T0,
        )

        async def resolve(tok: str) -> Path | None:
            d = tmp / "reports" / tok
            return d if d.is_dir() else None

        async def start(channel_id: int, who: Requester) -> None:
            return None

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        deps = DashboardDeps(
            db=db,
            public_url=url,
            client_id="x",
            client_secret="y",
            auth_url="http://127.0.0.1:9",
            api_url="http://127.0.0.1:9/helix",
            session_key_path=tmp / "key",
            start_check=start,
            check_progress=lambda c: None,
            resolve_report=resolve,
            owner_id=OWNER,
            limits=Limits(ip_burst=10**6, user_burst=10**6),
            clock=lambda: END,
        )
        app = web.Application()
        add_dashboard_routes(app, deps)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        c = "/dashboard/c/bigchan"
        a = "/api/v1/channels/bigchan"
        new, old = CHECKS, CHECKS - 1
        paths = [
            "/dashboard",
            c,
            f"{c}?before=500",
            f"{c}/checks/{new}",
            f"{c}/checks/{new}/compare?with={old}",
            f"{c}/checks/{new}/days.csv",
            f"{c}/chatters/{HEAVY}",
            f"{c}/chatters/{500_000_123}",
            f"{c}/sessions/{sid}",
            "/dashboard/settings",
            "/api/v1/channels",
            a,
            f"{a}/checks",
            f"{a}/checks?before=500",
            f"{a}/checks/{new}",
            f"{a}/checks/{new}/comparison",
            f"{a}/chatters/{HEAVY}",
            f"{a}/chatters/c123",
            # chat analytics (issue 18)
            f"{c}/leaderboards?period=24h",
            f"{c}/leaderboards?period=7d",
            f"{c}/leaderboards?period=30d",
            f"{c}/leaderboards?period=all",
            f"{c}/chat",
            f"{c}/compare?a=c123&b=c456",
            f"{a}/leaderboards?period=7d",
            f"{a}/chat",
            f"{a}/chat/now",
            f"{a}/chatters/{HEAVY}/stats",
            f"{a}/chatters/c123/stats",
            f"{a}/compare?a=c123&b=c{HEAVY - 500_000_000}",
        ]
        w = "/api/v1/channels/widechan/search?q="
        searches = [f"{w}k", f"{w}ka", f"{w}shi", f"{w}zuxi", f"{w}old_", f"{w}old_ka", f"{w}qq"]
        print(f"{db.describe()}")
        print(f"{'path':58} {'p50 ms':>7} {'p95 ms':>7} {'max':>7} {'minute':>7} {'cold':>7}")
        rounds = QUICK_ROUNDS if "--quick" in sys.argv else ROUNDS
        out: dict[str, tuple[float, float, float, float]] = {}
        try:
            async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:

                async def get(path: str) -> float:
                    t = time.perf_counter()
                    async with http.get(url + path) as resp:
                        await resp.read()
                        assert resp.status == 200, (path, resp.status)
                    return (time.perf_counter() - t) * 1000

                for path in paths + searches:
                    db.chatters.memo.clear()  # nothing kept: the first visitor after a start
                    db.stats.windows.clear()
                    cold = await get(path)
                    db.chatters.memo.clear()  # the first visitor in a new minute
                    minute = await get(path)
                    times = sorted([await get(path) for _ in range(rounds)])
                    p95 = times[int(len(times) * 0.95) - 1]
                    out[path] = (statistics.median(times), p95, minute, cold)
                    print(
                        f"{path:58} {statistics.median(times):7.1f} {p95:7.1f} {times[-1]:7.1f} "
                        f"{minute:7.1f} {cold:7.1f}",
                        flush=True,
                    )
        finally:
            await runner.cleanup()
        return out


def main() -> None:
    asyncio.run(measure())


if __name__ == "__main__":
    main()
