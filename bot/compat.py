"""Where botcheck reaches into TwitchIO 3.3.2's EventSub reader; installed once by `bot.app`.

Two things: malformed frames are skipped instead of killing the reader (`_checked_frame`), and
a client may take a notification before TwitchIO builds its model (`_process_notification`):
the bot records ordinary chat straight from the JSON, which halves its cost per message.
Both reach private names; if TwitchIO renames them, `install` leaves that part out and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from twitchio.eventsub import websockets as _tio_websockets

log = logging.getLogger(__name__)

_read_frame: Callable[[Any], Any] = _tio_websockets._from_json  # type: ignore[attr-defined]
_Process = Callable[[Any, Any], Coroutine[Any, Any, None]]
_process_notification: _Process | None = getattr(
    _tio_websockets.Websocket, "_process_notification", None
)


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


async def _offered_notification(socket: Any, data: Any) -> None:
    """`Websocket._process_notification`, after asking the client whether it takes it.

    A client takes one with a method ``take_notification(data) -> bool`` (True: handled,
    TwitchIO skips it); clients without that method are not asked.
    """
    take: Callable[[Any], bool] | None = getattr(
        getattr(socket, "_client", None), "take_notification", None
    )
    if take is not None and take(data):
        return
    assert _process_notification is not None
    await _process_notification(socket, data)


def install() -> None:
    """Make every TwitchIO EventSub socket (made now or later) skip malformed frames and
    offer notifications to its client first."""
    # TwitchIO looks both up at call time, so sockets made later are covered too.
    if _tio_websockets._from_json is not _checked_frame:  # type: ignore[attr-defined]
        _tio_websockets._from_json = _checked_frame  # type: ignore[attr-defined]
    socket_class: Any = _tio_websockets.Websocket
    if _process_notification is None:
        log.warning("TwitchIO has no Websocket._process_notification: chat takes its slow path")
    elif socket_class._process_notification is not _offered_notification:
        socket_class._process_notification = _offered_notification
