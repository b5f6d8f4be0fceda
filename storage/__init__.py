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
    ChatMessage,
    ModAction,
    ModerationEvent,
    NameRecord,
    OAuthToken,
    Presence,
    StreamSession,
    ViewerSample,
)

__all__ = [
    "SCHEMA_VERSION",
    "Account",
    "AuditEntry",
    "Capture",
    "CaptureChatter",
    "CaptureStatus",
    "Channel",
    "ChatMessage",
    "Database",
    "DatabaseClosedError",
    "MigrationError",
    "ModAction",
    "ModerationEvent",
    "NameRecord",
    "OAuthToken",
    "Presence",
    "SchemaTooNewError",
    "StorageError",
    "StreamSession",
    "ViewerSample",
]
