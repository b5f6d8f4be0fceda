"""A throwaway PostgreSQL server for the test session, from the machine's PostgreSQL binaries.

`find_binaries` looks in BOTCHECK_TEST_PG_BIN, then /usr/lib/postgresql/<newest>/bin, then PATH.
`PgServer` runs initdb in a temporary directory (password authentication over TCP, so the
wrong-password and masking cases are real), starts postgres on a free loopback port with its
unix socket in that directory, and stops it at the end. As root the server runs as the
`postgres` user (PostgreSQL refuses to run as root), through runuser.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PASSWORD = "s3cret-test-pw"  # a throwaway server on loopback; tests look for it in output
USER = "botcheck"


def find_binaries() -> Path | None:
    """Return the directory holding initdb and pg_ctl, or None."""
    candidates: list[Path] = []
    if env := os.environ.get("BOTCHECK_TEST_PG_BIN"):
        candidates.append(Path(env))
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(versions)
    if found := shutil.which("initdb"):
        candidates.append(Path(found).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One server: `start()`, `url(dbname)`, `stop()`."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable
        self.tmp = Path(tempfile.mkdtemp(prefix="botcheck-pg-"))
        self.data = self.tmp / "data"
        self.port = free_port()
        self._runas: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root and there is no postgres user") from exc
            os.chown(self.tmp, owner.pw_uid, owner.pw_gid)
            self._runas = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._runas, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        pwfile = self.tmp / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self._runas:
            owner = pwd.getpwnam("postgres")
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Tests: no fsync at all. Benchmarks (durable): fsync on, commits acknowledged before
        # their WAL flush, which is the promise of SQLite's WAL with synchronous=NORMAL.
        safety = "" if self.durable else "-c fsync=off -c full_page_writes=off "
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.tmp} -c synchronous_commit=off {safety}"
            "-c max_connections=200 -c shared_buffers=128MB"
        )
        self._options = options
        self.resume()

    def resume(self) -> None:
        """Start the (initialised) server again after `halt`."""
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",  # without a log file the server would hold our output pipes open
            str(self.tmp / "log"),
            "-o",
            self._options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def halt(self) -> None:
        """Stop the server, keeping its data (`resume` starts it again)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        # The data is thrown away next: no shutdown checkpoint to wait for (a busy machine made
        # a "fast" stop outlast the last test's timeout).
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def restart(self) -> None:
        """Restart the server in place (same port and data), as an operator would."""
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",  # without a log file the server would hold our output pipes open
            str(self.tmp / "log"),
            "-m",
            "fast",
            "-w",
            "restart",
        )

    def url(self, dbname: str = "postgres", *, password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{dbname}"
