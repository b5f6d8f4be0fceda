"""Start-up checks run before the bot announces anything: each failure is one sentence.

`botcheck run` must not come up half-broken: the web port is probed, the data folder is made
private (0700 folders, 0600 files) and written to, the SQLite file is locked for the process's
life (a second `botcheck run` on it refuses), opened and quick-checked. Every refusal is a
`StartupError` naming the setting and what to do; the entry point prints it and exits 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import logging
import os
import socket
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bot.settings import SettingsError
from storage import Database, SchemaTooNewError, StorageError, StorageUnavailable
from storage.url import mask

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class StartupError(SettingsError):
    """botcheck cannot start as configured; the message says which setting and what to do."""


def probe_web_port(host: str, port: int) -> None:
    """Refuse when `host:port` cannot be bound (taken, or not an address of this machine)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            # The same option aiohttp sets: a port left in TIME_WAIT is free, a listener is not.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            why = "is already in use by another program"
        elif exc.errno == errno.EACCES:
            why = "needs privileges this user does not have"
        else:
            why = f"cannot be used ({exc.strerror or exc})"
        raise StartupError(
            f"the web port {host}:{port} {why}: stop that program or set BOTCHECK_WEB_PORT "
            "(and BOTCHECK_WEB_HOST) to a free one."
        ) from None


async def web_answers(host: str, port: int, *, within_s: float = 5.0) -> None:
    """Refuse when nothing accepts connections on the web port once the bot has started."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(target, port), 2.0)
        except (OSError, TimeoutError) as exc:
            if asyncio.get_running_loop().time() >= deadline:
                raise StartupError(
                    f"the web server did not start on {host}:{port} ({exc}): check "
                    "BOTCHECK_WEB_HOST and BOTCHECK_WEB_PORT."
                ) from None
            await asyncio.sleep(0.1)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return


@dataclass(frozen=True, slots=True)
class Tightened:
    """How many entries `make_private` had to change."""

    dirs: int
    files: int


def make_private(path: Path) -> Tightened:
    """Give `path` and everything under it owner-only modes (0700 folders, 0600 files)."""
    dirs = files = 0
    for entry in [path, *path.rglob("*")]:
        try:
            st = entry.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            continue
        want = PRIVATE_DIR if stat.S_ISDIR(st.st_mode) else PRIVATE_FILE
        if stat.S_IMODE(st.st_mode) != want:
            os.chmod(entry, want)
            if stat.S_ISDIR(st.st_mode):
                dirs += 1
            else:
                files += 1
    return Tightened(dirs, files)


def prepare_data_dir(path: Path) -> None:
    """Create the data folder, make it private, and prove it takes writes."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        tightened = make_private(path)
        probe = path / f".botcheck-write-probe-{os.getpid()}"
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, PRIVATE_FILE)
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError as exc:
        raise StartupError(
            f"the data folder {path} (BOTCHECK_DATA_DIR) cannot be written "
            f"({exc.strerror or exc}): give this user write access to it or point "
            "BOTCHECK_DATA_DIR at another folder."
        ) from None
    if tightened.dirs or tightened.files:
        log.warning(
            "data folder %s: made %d folder(s) 0700 and %d file(s) 0600 "
            "(report links are folder names: other local users must not list them)",
            path,
            tightened.dirs,
            tightened.files,
        )
    else:
        log.info("data folder %s is private (0700) and writable", path)


class SqliteLock:
    """An exclusive lock beside the SQLite file, held for the process's life."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path = db_path.with_name(db_path.name + ".lock")
        self._file: IO[bytes] | None = None

    def acquire(self) -> None:
        """Take the lock or refuse: another `botcheck run` holds it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
        except OSError as exc:
            raise StartupError(
                f"cannot create the lock file {self.path} beside BOTCHECK_DB "
                f"({exc.strerror or exc}): give this user write access to that folder."
            ) from None
        file = os.fdopen(fd, "r+b")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = file.read(32).decode("ascii", "replace").strip() or "another process"
            file.close()
            raise StartupError(
                f"another botcheck (pid {holder}) is already running on {self.db_path} "
                "(BOTCHECK_DB): stop it first, or to run several bots use "
                "PostgreSQL (BOTCHECK_DATABASE_URL) in conduit mode."
            ) from None
        file.seek(0)
        file.truncate()
        file.write(str(os.getpid()).encode())
        file.flush()
        self._file = file

    def release(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()


def tighten_sqlite_files(db_path: Path) -> None:
    """Make the SQLite file and its -wal/-shm companions 0600 (tokens are written into it)."""
    changed = []
    for p in (db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))):
        try:
            mode = stat.S_IMODE(p.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode != PRIVATE_FILE:
            os.chmod(p, PRIVATE_FILE)
            changed.append(f"{p.name} {mode:o}->600")
    if changed:
        log.warning("database %s was readable by others: %s", db_path, ", ".join(changed))


async def open_database(database: Path | str, *, pool_size: int) -> Database:
    """Open (and migrate) the database, or refuse in one sentence naming the setting."""
    db = Database(database, pool_size=pool_size)
    where = db.describe()
    sqlite = db.name == "sqlite"
    setting = "BOTCHECK_DB" if sqlite else "BOTCHECK_DATABASE_URL"
    try:
        await db.open()
    except SchemaTooNewError as exc:
        raise StartupError(f"{exc}.") from None
    except StorageUnavailable as exc:
        raise StartupError(
            f"{mask(str(exc))}: check that the server runs and that the URL's host, user and "
            "password are right (BOTCHECK_DATABASE_URL)."
        ) from None
    except (sqlite3.DatabaseError, StorageError) as exc:
        if sqlite:
            raise StartupError(_damaged(db.path, str(exc))) from None
        raise StartupError(f"{where} ({setting}) cannot be opened: {mask(str(exc))}.") from None
    except OSError as exc:
        await db.close()
        raise StartupError(
            f"{where} ({setting}) cannot be opened ({exc.strerror or exc}): check the path and "
            "its permissions."
        ) from None
    if sqlite:
        try:
            verdict = str(await db.fetchval("PRAGMA quick_check"))
        except sqlite3.DatabaseError as exc:
            verdict = str(exc)
        if verdict != "ok":
            await db.close()
            raise StartupError(_damaged(db.path, verdict.splitlines()[0]))
    return db


def _damaged(path: Path, detail: str) -> str:
    return (
        f"the database {path} (BOTCHECK_DB) is damaged or not a SQLite file ({detail}): "
        "restore it from a backup, or move it away and botcheck starts a new one."
    )
