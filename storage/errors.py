"""The storage layer's exceptions, the same on SQLite and PostgreSQL.

Exceptions::

    StorageError                the storage layer failed; the message is for people
    ├── SchemaTooNewError       the database was written by a newer botcheck
    ├── MigrationError          a migration failed and was rolled back
    ├── DatabaseClosedError     used before open() or after close()
    ├── DatabaseUrlError        BOTCHECK_DATABASE_URL names no engine botcheck knows
    └── StorageUnavailable      the server cannot be reached (down, restarting, wrong password);
                                the same call may succeed later: callers that hold data retry

Every message names the database with its password masked (`storage.url.mask`).
"""

from __future__ import annotations


class StorageError(Exception):
    """The storage layer failed; the message is meant for people."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer botcheck."""


class MigrationError(StorageError):
    """A migration failed; nothing of it was applied."""


class DatabaseClosedError(StorageError):
    """The database is not open."""


class DatabaseUrlError(StorageError, ValueError):
    """The database URL is malformed or names an engine botcheck does not support."""


class StorageUnavailable(StorageError):
    """The database server cannot be reached now; retrying later may work."""
