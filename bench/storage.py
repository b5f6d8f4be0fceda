"""Storage throughput: 100,000 account upserts and capture rows through `Database`, against
plain `sqlite3.executemany` of the same rows, schema and statements in the same run: the ratio is
what our layer (aiosqlite's thread, dataclasses, timestamps) costs over bare SQLite.

On PostgreSQL (a throwaway durable server, or BOTCHECK_BENCH_DATABASE_URL) the same rows go
through `Database("postgresql://…")` against raw asyncpg COPY of the same rows into the same
empty tables (the floor: no conflict handling at all) in the same run."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bench import pg
from storage import Account, Database
from storage.accounts import _ACCOUNT_NAMES, _UPSERT_LOOKED_UP, _UPSERT_NAME
from storage.database import migrations
from storage.migrations import migrations as engine_migrations

N = 100_000
GOAL_RATIO = 0.5  # ours against raw COPY, both paths together
GOAL_ROWS_S = 100_000  # PostgreSQL, both paths together
NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


def make_accounts(n: int, login_prefix: str = "user") -> list[Account]:
    base = datetime(2015, 1, 1, tzinfo=UTC)
    return [
        Account(
            user_id=100_000_000 + i,
            login=f"{login_prefix}{i}",
            display_name=f"{login_prefix.title()}{i}",
            created_at=base + timedelta(minutes=37 * i),
            profile_image_url="https://static-cdn.jtvnw.net/user-default-pictures-uv/x-300x300.png",
            looked_up_at=NOW,
        )
        for i in range(n)
    ]


async def ours(
    path: Path | str, accounts: list[Account], cpu: Callable[[], float | None] = lambda: None
) -> tuple[tuple[float, float, float], tuple[float | None, ...]]:
    """Return the seconds of (upsert, capture rows, renamed re-upsert) and the `cpu` readings
    around them (the PostgreSQL server's CPU seconds; None on SQLite)."""
    async with Database(path) as db:
        await db.channels.join(1, "chan", "Chan", at=NOW)
        cap = await db.captures.start(
            channel_id=1,
            requested_by_id=2,
            requested_by_login="mod",
            report_token="bench",
            started_at=NOW,
        )
        c0, t0 = cpu(), time.perf_counter()
        await db.accounts.upsert_many(accounts, seen_at=NOW)
        c1, t1 = cpu(), time.perf_counter()
        await db.captures.add_chatters(cap.capture_id, [(a.user_id, a.login) for a in accounts])
        c2, t2 = cpu(), time.perf_counter()
        # A second capture of the same audience with every login changed: all updates + renames.
        renamed = make_accounts(len(accounts), "renamed")
        await db.accounts.upsert_many(renamed, seen_at=NOW + timedelta(days=1))
        c3, t3 = cpu(), time.perf_counter()
    return (t1 - t0, t2 - t1, t3 - t2), (c0, c1, c2, c3)


def plain(path: Path, accounts: list[Account]) -> tuple[float, float]:
    """The floor: the same rows, schema and statements through bare sqlite3.executemany."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    for _, _, sql in migrations():
        con.executescript(sql)
    con.execute("INSERT INTO channels VALUES (1, 'chan', 'Chan', 0, NULL)")
    con.execute("INSERT INTO captures (channel_id, started_at, report_token) VALUES (1, 0, 'b')")
    now = int(NOW.timestamp())
    t0 = time.perf_counter()
    rows = [
        (
            a.user_id,
            a.login,
            a.display_name,
            int(a.created_at.timestamp()) if a.created_at else None,
            "",
            "",
            a.profile_image_url,
            "",
            now,
            now,
            now,
        )
        for a in accounts
    ]
    con.execute("BEGIN")
    con.executemany(_UPSERT_LOOKED_UP, rows)
    con.executemany(
        _UPSERT_NAME, [(a.user_id, a.login, a.display_name, now, now) for a in accounts]
    )
    con.execute("COMMIT")
    t1 = time.perf_counter()
    con.execute("BEGIN")
    con.executemany(
        "INSERT OR IGNORE INTO capture_chatters VALUES (?, ?, ?)",
        [(1, a.user_id, a.login) for a in accounts],
    )
    con.execute("COMMIT")
    t2 = time.perf_counter()
    con.close()
    return t1 - t0, t2 - t1


# The columns ours writes, in its order: raw COPY gets the same rows.
_ACCOUNT_COLS = list(_ACCOUNT_NAMES)


async def raw_copy(
    url: str, accounts: list[Account], cpu: Callable[[], float | None] = lambda: None
) -> tuple[tuple[float, float, float], tuple[float | None, ...]]:
    """The PostgreSQL floor: asyncpg COPY of the same rows into the same, empty tables; then
    the same rows into temporary tables without indexes, keys or triggers (the issue's own
    ~0.8 s measurement). Return the seconds of (accounts, capture rows, temporary tables) and
    the `cpu` readings around the first two."""
    conn = await asyncpg.connect(url)
    try:
        for _, _, sql in engine_migrations("postgres"):
            await conn.execute(sql)
        await conn.execute("INSERT INTO channels VALUES (1, 'chan', 'Chan', 0, NULL)")
        cap = await conn.fetchval(
            "INSERT INTO captures (channel_id, started_at, report_token) VALUES (1, 0, 'b') "
            "RETURNING capture_id"
        )
        now = int(NOW.timestamp())
        c0, t0 = cpu(), time.perf_counter()
        rows = [
            (
                a.user_id,
                a.login,
                a.display_name,
                int(a.created_at.timestamp()) if a.created_at else None,
                "",
                "",
                a.profile_image_url,
                "",
                now,
                now,
                now,
            )
            for a in accounts
        ]
        names = [(a.user_id, a.login, a.display_name, now, now) for a in accounts]
        async with conn.transaction():
            await conn.copy_records_to_table("accounts", records=rows, columns=_ACCOUNT_COLS)
            await conn.copy_records_to_table("account_names", records=names)
        c1, t1 = cpu(), time.perf_counter()
        chatters = [(cap, a.user_id, a.login) for a in accounts]
        async with conn.transaction():
            await conn.copy_records_to_table("capture_chatters", records=chatters)
        c2, t2 = cpu(), time.perf_counter()
        for table in ("accounts", "account_names", "capture_chatters"):
            await conn.execute(f"CREATE TEMP TABLE tmp_{table} (LIKE {table})")
        t3 = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table("tmp_accounts", records=rows, columns=_ACCOUNT_COLS)
            await conn.copy_records_to_table("tmp_account_names", records=names)
            await conn.copy_records_to_table("tmp_capture_chatters", records=chatters)
        t4 = time.perf_counter()
    finally:
        await conn.close()
    return (t1 - t0, t2 - t1, t4 - t3), (c0, c1, c2)


def _spent(readings: tuple[float | None, ...], i: int) -> str:
    a, b = readings[i], readings[i + 1]
    return "" if a is None or b is None else f"{b - a:>6.2f}"


async def postgres(where: pg.PgServer | str, accounts: list[Account]) -> None:
    cpu = lambda: pg.server_cpu_s(where)  # noqa: E731
    (r_acc, r_cap, r_tmp), r_cpu = await raw_copy(await pg.fresh_database(where), accounts, cpu)
    (o_acc, o_cap, o_ren), o_cpu = await ours(await pg.fresh_database(where), accounts, cpu)
    rate = lambda rows, seconds: rows / seconds  # noqa: E731
    print(
        f"PostgreSQL: {N:,} accounts (with name history) and {N:,} capture rows, same run;"
        " rows/s (higher is better); server CPU s (a loaded machine stretches wall time more)"
    )
    print(f"  {'':<20} {'ours':>10} {'raw COPY':>10} {'ratio':>6} {'CPU ours':>9} {'raw':>6}")
    for i, (label, o, r) in enumerate(
        (("accounts upsert", o_acc, r_acc), ("capture chatters", o_cap, r_cap))
    ):
        print(
            f"  {label:<20} {rate(N, o):>10,.0f} {rate(N, r):>10,.0f} {r / o:>6.2f}"
            f" {_spent(o_cpu, i):>9} {_spent(r_cpu, i):>6}"
        )
    both_o, both_r = o_acc + o_cap, r_acc + r_cap
    both = rate(2 * N, both_o)
    print(f"  {'both':<20} {both:>10,.0f} {rate(2 * N, both_r):>10,.0f} {both_r / both_o:>6.2f}")
    print(f"  accounts re-upsert, every login renamed: ours {rate(N, o_ren):>10,.0f}")
    print(
        f"  the same rows COPYed into temporary tables without indexes or keys: {r_tmp:.2f} s"
        " (the issue's ~0.8 s)"
    )
    ratio_ok, rate_ok = both_r / both_o >= GOAL_RATIO, both >= GOAL_ROWS_S
    print(
        f"  goal ratio >= {GOAL_RATIO}: {'met' if ratio_ok else 'NOT MET'} ({both_r / both_o:.2f});"
        f" goal >= {GOAL_ROWS_S:,} rows/s: {'met' if rate_ok else 'NOT MET'} ({both:,.0f})"
    )


def main() -> None:
    accounts = make_accounts(N)
    with tempfile.TemporaryDirectory() as tmp:
        p_acc, p_cap = plain(Path(tmp) / "plain.db", accounts)
        (o_acc, o_cap, o_ren), _ = asyncio.run(ours(Path(tmp) / "ours.db", accounts))
    rate = lambda seconds: N / seconds  # noqa: E731
    print(f"SQLite: {N:,} rows, same run; rows/s (higher is better)")
    print(
        f"  accounts upsert   ours {rate(o_acc):>10,.0f}   plain sqlite3 {rate(p_acc):>10,.0f}"
        f"   ratio {p_acc / o_acc:.2f}"
    )
    print(
        f"  capture chatters  ours {rate(o_cap):>10,.0f}   plain sqlite3 {rate(p_cap):>10,.0f}"
        f"   ratio {p_cap / o_cap:.2f}"
    )
    print(f"  accounts re-upsert, every login renamed: ours {rate(o_ren):>10,.0f}")
    print("  goal: ratio >= 0.5")
    with pg.server() as where:
        if where is None:
            print("PostgreSQL: skipped (no server binaries; set BOTCHECK_BENCH_DATABASE_URL)")
        else:
            asyncio.run(postgres(where, accounts))


if __name__ == "__main__":
    main()
