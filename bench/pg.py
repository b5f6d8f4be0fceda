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


def server_cpu_s(where: PgServer | str) -> float | None:
    """CPU seconds the throwaway server's processes have used so far (None for a URL's server).

    Read from /proc: the postmaster, its live children, and the children it has reaped. A
    loaded machine stretches wall times far more than CPU times, so this shows what the server's
    work costs when other processes share the cores.
    """
    if not isinstance(where, PgServer):
        return None
    try:
        postmaster = int((where.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        if pid == postmaster:
            ticks += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        elif ppid == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")
