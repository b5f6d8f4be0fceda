"""A PostgreSQL database for a benchmark: BOTCHECK_BENCH_DATABASE_URL's server, or a
throwaway server started from the machine's binaries (tests/pgserver.py), durable settings."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator

import asyncpg

from tests.pgserver import PgServer, find_binaries

_names = itertools.count(1)


@contextlib.contextmanager
def server() -> Iterator[PgServer | str | None]:
    """Yield a started PgServer, an admin URL from the environment, or None (no PostgreSQL)."""
    if url := os.environ.get("BOTCHECK_BENCH_DATABASE_URL"):
        yield url
        return
    bindir = find_binaries()
    if bindir is None:
        yield None
        return
    pg = PgServer(bindir, durable=True)
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()


async def fresh_database(where: PgServer | str, prefix: str = "bench") -> str:
    """Create an empty database and return its URL."""
    admin = where.url("postgres") if isinstance(where, PgServer) else where
    name = f"{prefix}_{os.getpid()}_{next(_names)}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    base, _, _ = admin.rpartition("/")
    return f"{base}/{name}"
