"""Storage: one SQLite file, numbered migrations, frozen records out."""

from storage.database import (
    SCHEMA_VERSION,
    Database,
    DatabaseClosedError,
    MigrationError,
    SchemaTooNewError,
    StorageError,
)
from storage.models import (
    Account,
    AuditEntry,
    Capture,
    CaptureChatter,
    CaptureStatus,
    Channel,
    NameRecord,
    OAuthToken,
)

__all__ = [
    "SCHEMA_VERSION",
    "Account",
    "AuditEntry",
    "Capture",
    "CaptureChatter",
    "CaptureStatus",
    "Channel",
    "Database",
    "DatabaseClosedError",
    "MigrationError",
    "NameRecord",
    "OAuthToken",
    "SchemaTooNewError",
    "StorageError",
]
