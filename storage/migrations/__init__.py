"""Numbered SQL migrations, one folder per engine: ``sqlite/0001_*.sql``, ``postgres/0001_*.sql``.

Each engine counts its own versions (SQLite in ``PRAGMA user_version``, PostgreSQL in the
``schema_version`` table); the two schemas hold the same tables and columns, so
`botcheck db copy` moves rows between them column for column.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationNumberingError(ValueError):
    """The packaged migrations are not numbered 0001, 0002, ... without gaps."""


@cache
def migrations(engine: str = "sqlite") -> tuple[tuple[int, str, str], ...]:
    """Return the engine's packaged migrations as (version, name, sql), in order."""
    found = []
    for entry in (resources.files(__name__) / engine).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationNumberingError(
            f"{engine} migrations must be numbered 0001, 0002, ... without gaps: {versions}"
        )
    return tuple(found)


def latest(engine: str = "sqlite") -> int:
    """Return the newest schema version this botcheck knows for the engine."""
    return len(migrations(engine))
