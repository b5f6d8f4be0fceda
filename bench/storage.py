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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bench import pg
from storage import Account, Database
from storage.accounts import _UPSERT_LOOKED_UP, _UPSERT_NAME
from storage.database import migrations
from storage.migrations import migrations as engine_migrations

N = 100_000
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


async def ours(path: Path | str, accounts: list[Account]) -> tuple[float, float, float]:
    async with Database(path) as db:
        await db.channels.join(1, "chan", "Chan", at=NOW)
        cap = await db.captures.start(
            channel_id=1,
            requested_by_id=2,
            requested_by_login="mod",
            report_token="bench",
            started_at=NOW,
        )
        t0 = time.perf_counter()
        await db.accounts.upsert_many(accounts, seen_at=NOW)
        t1 = time.perf_counter()
        await db.captures.add_chatters(cap.capture_id, [(a.user_id, a.login) for a in accounts])
        t2 = time.perf_counter()
        # A second capture of the same audience with every login changed: all updates + renames.
        renamed = make_accounts(len(accounts), "renamed")
        await db.accounts.upsert_many(renamed, seen_at=NOW + timedelta(days=1))
        t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


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


async def raw_copy(url: str, accounts: list[Account]) -> tuple[float, float]:
    """The PostgreSQL floor: asyncpg COPY of the same rows into the same, empty tables."""
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
        async with conn.transaction():
            await conn.copy_records_to_table(
                "accounts",
                records=rows,
                columns=[
                    "user_id",
                    "login",
                    "display_name",
                    "created_at",
                    "type",
                    "broadcaster_type",
                    "profile_image_url",
                    "description",
                    "looked_up_at",
                    "first_seen_at",
                    "last_seen_at",
                ],
            )
            await conn.copy_records_to_table(
                "account_names",
                records=[(a.user_id, a.login, a.display_name, now, now) for a in accounts],
            )
        t1 = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table(
                "capture_chatters", records=[(cap, a.user_id, a.login) for a in accounts]
            )
        t2 = time.perf_counter()
    finally:
        await conn.close()
    return t1 - t0, t2 - t1


async def postgres(where: pg.PgServer | str, accounts: list[Account]) -> None:
    r_acc, r_cap = await raw_copy(await pg.fresh_database(where), accounts)
    o_acc, o_cap, o_ren = await ours(await pg.fresh_database(where), accounts)
    rate = lambda seconds: N / seconds  # noqa: E731
    print(f"PostgreSQL: {N:,} rows, same run; rows/s (higher is better)")
    print(
        f"  accounts upsert   ours {rate(o_acc):>10,.0f}   raw COPY {rate(r_acc):>10,.0f}"
        f"   ratio {r_acc / o_acc:.2f}"
    )
    print(
        f"  capture chatters  ours {rate(o_cap):>10,.0f}   raw COPY {rate(r_cap):>10,.0f}"
        f"   ratio {r_cap / o_cap:.2f}"
    )
    print(f"  accounts re-upsert, every login renamed: ours {rate(o_ren):>10,.0f}")
    print("  goal: ratio >= 0.5 and >= 100,000 rows/s")


def main() -> None:
    accounts = make_accounts(N)
    with tempfile.TemporaryDirectory() as tmp:
        p_acc, p_cap = plain(Path(tmp) / "plain.db", accounts)
        o_acc, o_cap, o_ren = asyncio.run(ours(Path(tmp) / "ours.db", accounts))
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
