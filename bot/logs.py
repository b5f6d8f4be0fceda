"""Logging set-up for the entry point, and the filter that keeps tokens out of every line."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Access and refresh tokens, client secrets and codes, in the shapes they take in URLs, JSON,
# headers and reprs. Twitch tokens are 30 lowercase alphanumerics; be generous.
_SECRET_PATTERNS = (
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|code|token|authorization)"
        r"[\"']?\s*[:=]\s*[\"']?(?:Bearer\s+|OAuth\s+)?)([A-Za-z0-9_\-.~+/]{8,})"
    ),
    re.compile(r"(?i)((?:Bearer|OAuth)\s+)([A-Za-z0-9_\-.~+/]{8,})"),
    re.compile(r"(?i)(oauth:)([a-z0-9]{8,})"),
)


def redact(text: str) -> str:
    """Replace anything shaped like a secret with asterisks."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1********", text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite each record's message so no token reaches a handler, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name == "twitchio.client" and "StarletteAdapter" in message:
            return False  # TwitchIO nags about an optional adapter we do not use
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, exception.

    Runs after RedactingFilter, so the message and exception text are already redacted.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    level: str = "INFO", *, stream: object = None, log_format: str = "text"
) -> None:
    """Send log lines to stderr (or `stream`) with dated timestamps, tokens redacted.

    `log_format` "json" writes one JSON object a line (BOTCHECK_LOG_FORMAT=json).
    """
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT, DATE_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # TwitchIO and aiohttp are chatty at DEBUG and INFO; keep their warnings. aiosqlite logs
    # every statement with its parameters at DEBUG: OAuth tokens included, where no pattern
    # can tell them from other values, so it never goes below WARNING either.
    for noisy in ("twitchio", "aiohttp.access", "httpx", "httpcore", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
