"""Session-wide fixtures: the database under test on both engines.

`db` (and `db_target`) run each test that uses them twice: on a SQLite file in tmp_path and
on a fresh database of the session's own PostgreSQL server (`pg_server`). Without PostgreSQL
binaries on the machine (or with BOTCHECK_TEST_POSTGRES=off) the PostgreSQL cases skip, saying
why; `make test` needs no server.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage import Database
from tests.pgserver import PgServer, find_binaries

ENGINES = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres")]
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server, started on first use and stopped at the end."""
    if os.environ.get("BOTCHECK_TEST_POSTGRES", "").lower() in ("0", "off", "no"):
        pytest.skip("BOTCHECK_TEST_POSTGRES is off: the PostgreSQL cases do not run")
    bindir = find_binaries()
    if bindir is None:
        if os.environ.get("BOTCHECK_REQUIRE_POSTGRES"):
            pytest.fail("BOTCHECK_REQUIRE_POSTGRES is set but no PostgreSQL binaries were found")
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl) found in /usr/lib/postgresql/*/bin, "
            "on PATH or in BOTCHECK_TEST_PG_BIN; install Debian's postgresql package to run "
            "the PostgreSQL cases"
        )
    server = PgServer(bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def create_database(server: PgServer) -> str:
    """Create an empty database on the server and return its URL."""
    import asyncpg

    name = f"t{next(_names)}"
    conn = await asyncpg.connect(server.url("postgres"))
    try:
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    finally:
        await conn.close()
    return server.url(name)


@pytest.fixture
async def pg_url(pg_server: PgServer) -> str:
    """The URL of a new, empty PostgreSQL database for this test."""
    return await create_database(pg_server)


@pytest.fixture
def engine() -> str:
    """The engine of a running bot's database (`make_env`): SQLite unless a suite overrides
    this fixture with `params=ENGINES` (tests/e2e does)."""
    return "sqlite"


async def database_target(
    request: pytest.FixtureRequest, engine: str, tmp_path: Path
) -> Path | str:
    """A SQLite file in tmp_path, or a new database on the session's PostgreSQL server."""
    if engine == "sqlite":
        return tmp_path / "botcheck.db"
    server: PgServer = request.getfixturevalue("pg_server")
    return await create_database(server)


@pytest.fixture(params=ENGINES)
async def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where this test's database lives: a SQLite file, or a new PostgreSQL database."""
    return await database_target(request, request.param, tmp_path)


@pytest.fixture
async def db(db_target: Path | str) -> AsyncIterator[Database]:
    async with Database(db_target) as database:
        yield database
