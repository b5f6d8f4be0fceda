"""Database URLs: which engine a setting selects, and how to show it without its password."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from storage.errors import DatabaseUrlError

POSTGRES_SCHEMES = ("postgresql", "postgres")
SQLITE_SCHEME = "sqlite"
ACCEPTED = "postgresql://user:password@host:port/dbname, postgres://..., sqlite:///path/to/file.db"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True, slots=True)
class Target:
    """Where a database lives: a SQLite file or a PostgreSQL URL (kept secret by `repr`)."""

    engine: str  # "sqlite" or "postgres"
    path: Path | None = None
    url: str | None = None

    def __repr__(self) -> str:
        return f"Target({self.describe()})"

    def describe(self) -> str:
        """Return the location for people: the file, or the URL with its password masked."""
        if self.path is not None:
            return str(self.path)
        return mask(self.url or "")


def mask(url: str) -> str:
    """Return `url` with any password replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^@/]*@", "//***@", url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def parse(value: Path | str) -> Target:
    """Return the target a path or URL names; refuse other schemes with the accepted list."""
    if isinstance(value, Path):
        return Target("sqlite", path=value)
    match = _SCHEME.match(value)
    if match is None:
        return Target("sqlite", path=Path(value))
    scheme = match.group(1).lower()
    if scheme in POSTGRES_SCHEMES:
        if not urlsplit(value).path.strip("/"):
            raise DatabaseUrlError(f"{mask(value)} names no database; add /dbname")
        return Target("postgres", url=value)
    if scheme == SQLITE_SCHEME:
        path = value[len("sqlite://") :]
        if not path.startswith("/") or path == "/":
            raise DatabaseUrlError(f"{mask(value)}: write sqlite:///relative.db or sqlite:////abs")
        return Target("sqlite", path=Path(path[1:]))
    raise DatabaseUrlError(
        f"{mask(value)} uses the scheme {scheme!r}, which botcheck does not support; "
        f"accepted: {ACCEPTED}"
    )
