"""Fixes for TwitchIO 3.3.2 behaviour that would lose chat; installed once by `bot.app`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twitchio.eventsub import websockets as _tio_websockets

_read_frame: Callable[[Any], Any] = _tio_websockets._from_json  # type: ignore[attr-defined]


def _checked_frame(raw: Any) -> Any:
    """Read an EventSub frame, refusing the shapes TwitchIO's reader would die on.

    TwitchIO 3.3.2 reads ``metadata.message_type`` (and the welcome's and reconnect's session)
    outside its try: one malformed frame would kill the socket's reader until the keepalive
    watchdog reconnects 15-25 s later, and the chat in between would be lost. A ValueError
    here takes TwitchIO's own path for unreadable frames instead: logged, skipped.
    """
    data = _read_frame(raw)
    meta = data.get("metadata") if isinstance(data, dict) else None
    kind = meta.get("message_type") if isinstance(meta, dict) else None
    payload = data.get("payload") if isinstance(data, dict) else None
    if not isinstance(kind, str) or not isinstance(payload, dict):
        raise ValueError("not an EventSub message")
    session = payload.get("session")
    if kind == "session_welcome" and not (
        isinstance(session, dict) and isinstance(session.get("id"), str)
    ):
        raise ValueError("a session_welcome without a session id")
    if kind == "session_reconnect" and not (
        isinstance(session, dict) and isinstance(session.get("reconnect_url"), str)
    ):
        raise ValueError("a session_reconnect without a reconnect_url")
    if kind == "revocation" and not isinstance(payload.get("subscription"), dict):
        raise ValueError("a revocation without its subscription")
    return data


def install() -> None:
    """Make every TwitchIO EventSub socket (made now or later) skip malformed frames."""
    # TwitchIO looks `_from_json` up at call time, so sockets made later are covered too.
    if _tio_websockets._from_json is not _checked_frame:  # type: ignore[attr-defined]
        _tio_websockets._from_json = _checked_frame  # type: ignore[attr-defined]
