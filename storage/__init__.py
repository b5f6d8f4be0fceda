"""Storage: SQLite (default) or PostgreSQL behind one API, numbered migrations, frozen records."""

from storage.database import SCHEMA_VERSION, Database
from storage.errors import (
    DatabaseClosedError,
    DatabaseUrlError,
    MigrationError,
    SchemaTooNewError,
    StorageError,
    StorageUnavailable,
)
from storage.models import (
    Account,
    AuditEntry,
    Capture,
    CaptureChatter,
    CaptureStatus,
    Channel,
    ChatMessage,
    LookedUp,
    ModAction,
    ModerationEvent,
    NameRecord,
    OAuthToken,
    Presence,
    StreamSession,
    ViewerSample,
)
from storage.stream_events import EventKind, StreamEvent

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
    "DatabaseUrlError",
    "EventKind",
    "LookedUp",
    "MigrationError",
    "ModAction",
    "ModerationEvent",
    "NameRecord",
    "OAuthToken",
    "Presence",
    "SchemaTooNewError",
    "StorageError",
    "StorageUnavailable",
    "StreamEvent",
    "StreamSession",
    "ViewerSample",
]
