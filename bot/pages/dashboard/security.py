"""The dashboard's guards: the session key, CSRF tokens, safe redirects, headers, rate limits."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import tempfile
from pathlib import Path

from aiohttp import web
from cryptography import fernet

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "private, no-store, max-age=0",
    "X-Robots-Tag": "noindex, nofollow",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def load_session_key(path: Path) -> fernet.Fernet:
    """Return the session cookie's key, made once (0600) when the file does not exist."""
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = fernet.Fernet.generate_key()
        # Written whole under another name, then linked into place: a process starting at the
        # same moment finds no file or the whole key, never an empty one (CI caught two bot
        # processes of one data folder doing just that).
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(key + b"\n")
            os.link(tmp, path)
        except FileExistsError:  # another process made it first: use theirs
            key = path.read_bytes().strip()
        else:
            log.info("made a new dashboard session key at %s", path)
        finally:
            os.unlink(tmp)
    try:
        return fernet.Fernet(key)
    except ValueError:
        raise ValueError(
            f"{path} does not hold a session key (44 URL-safe base64 characters); "
            "delete it to have a new one made"
        ) from None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def same_secret(given: object, expected: object) -> bool:
    """Compare two secrets in constant time; anything missing or not text is unequal."""
    if not isinstance(given, str) or not isinstance(expected, str) or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def safe_next(value: str | None, default: str) -> str:
    """Return `value` when it is a path on this site, else `default` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(c in value for c in "\\\r\n\t") or "://" in value:
        return default
    return value


def with_headers(response: web.StreamResponse) -> web.StreamResponse:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
