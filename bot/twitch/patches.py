"""The ONLY module that names TwitchIO 3.3.2's private attributes; installed once by `bot.app`.

It holds every place where botcheck adapts TwitchIO: the EventSub reader (below), the
endpoints (`Endpoints`, `apply`), the stream.offline model TwitchIO cannot parse
(`StreamOffline`), TwitchIO's command-prefix rule (`may_be_command`), and small named accessors
for the private state the bot and the token source read (listeners, sockets, app token).

The EventSub reader: malformed frames are skipped instead of killing the reader
(`_checked_frame`), and a client may take a notification before TwitchIO builds its model
(`_process_notification`): the bot records ordinary chat straight from the JSON, which halves
its cost per message.
Both reach private names; if TwitchIO renames them, `install` leaves that part out and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import twitchio
import twitchio.eventsub.websockets as tio_websockets
import twitchio.http as tio_http
from twitchio.eventsub import websockets as _tio_websockets
from twitchio.eventsub.websockets import Websocket

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


# -- endpoints -------------------------------------------------------------------------------------
#
# Point TwitchIO at the Twitch endpoints in the settings (real Twitch or twitchsim).
#
# TwitchIO 3 has no setting for its endpoints: `Route.BASE`, `Route.ID_BASE` and the EventSub
# `WSS` are module-level values read at call time. This is the one place that sets them.


@dataclass(frozen=True, slots=True)
class Endpoints:
    api_url: str  # Helix base, no trailing slash: https://api.twitch.tv/helix
    auth_url: str  # OAuth base: https://id.twitch.tv
    eventsub_ws_url: str  # wss://eventsub.wss.twitch.tv/ws


def current() -> Endpoints:
    """Return the endpoints TwitchIO uses right now."""
    return Endpoints(
        api_url=tio_http.Route.BASE.rstrip("/"),
        auth_url=tio_http.Route.ID_BASE.rstrip("/"),
        eventsub_ws_url=tio_websockets.WSS,
    )


def apply(endpoints: Endpoints) -> Endpoints:
    """Make TwitchIO use these endpoints; return the previous ones (tests restore them)."""
    previous = current()
    tio_http.Route.BASE = endpoints.api_url.rstrip("/") + "/"
    tio_http.Route.ID_BASE = endpoints.auth_url.rstrip("/") + "/"
    tio_websockets.WSS = endpoints.eventsub_ws_url
    if endpoints != previous:
        log.debug("TwitchIO endpoints: %s, %s, %s", *_fields(endpoints))
    return previous


def _fields(e: Endpoints) -> tuple[str, str, str]:
    return e.api_url, e.auth_url, e.eventsub_ws_url


# -- the stream.offline model ----------------------------------------------------------------------


class StreamOffline(twitchio.StreamOffline):
    """stream.offline as Twitch sends it.

    TwitchIO 3.3.2's StreamOffline reads ``payload["id"]``, which stream.offline does not carry,
    so every offline notification fails to parse and is never dispatched. Registering this class
    for the type (TwitchIO's model registry is keyed by ``subscription_type``) parses it.
    """

    subscription_type = "stream.offline"

    def __init__(self, payload: Any, *, http: Any) -> None:
        self.broadcaster = twitchio.PartialUser(
            payload["broadcaster_user_id"],
            payload.get("broadcaster_user_login"),
            payload.get("broadcaster_user_name"),
            http=http,
        )
        self.id = str(payload.get("id") or "")


# -- commands --------------------------------------------------------------------------------------

PREFIX = "!"


def may_be_command(text: str, reply_to: str | None) -> bool:
    """Whether TwitchIO would look for a command in this chat message.

    A reply starts with Twitch's mention of the parent ("@Name "), which TwitchIO strips before
    it looks for the prefix (`Context._prepare`): "@Anna !botcheck" in a reply is a command.
    `reply_to` is the parent's display name (TwitchIO's mention: its login without one, "..."
    without either), None when the message is not a reply.
    """
    if reply_to is not None:
        text = text.removeprefix(f"@{reply_to or '...'} ")
    return text.startswith(PREFIX)


# -- accessors for TwitchIO's private state --------------------------------------------------------


def others_hear_messages(client: Any, own: Any) -> bool:
    """Whether anything but `own` listens for (or waits on) chat messages on this client."""
    listeners = client._listeners.get("event_message", set())
    return bool(client._wait_fors.get("event_message")) or any(
        listener != own for listener in listeners
    )


def sockets_of(client: Any, user_id: str) -> dict[str, Websocket]:
    """The EventSub sockets TwitchIO keeps for this user's token (by session id)."""
    sockets: dict[str, Websocket] = client._websockets.get(user_id, {})
    return sockets


async def open_socket(client: Any, user_id: str) -> str:
    """Open one more EventSub socket for this user's token, as TwitchIO does; its session id."""
    socket = Websocket(client=client, token_for=user_id, http=client._http)
    await socket.connect(fail_once=True)
    assert socket.session_id is not None
    client._websockets.setdefault(user_id, {})[socket.session_id] = socket
    return socket.session_id


def forget_subscription(client: Any, user_id: str, subscription_id: str) -> None:
    """Drop a revoked subscription from every socket's own list."""
    for socket in sockets_of(client, user_id).values():
        socket._subscriptions.pop(subscription_id, None)


def app_token(client: twitchio.Client) -> str | None:
    """The app token TwitchIO holds (None before it logged in)."""
    token: str | None = client.http._app_token
    return token


def set_app_token(client: twitchio.Client, token: str) -> None:
    """Hand TwitchIO a fresh app token."""
    client.http._app_token = token


async def refresh_user_token(client: twitchio.Client, user_id: str, refresh: str) -> None:
    """Refresh a user token on TwitchIO's own path (it stores it, dispatches token_refreshed)."""
    await client.http._refresh_token(user_id, refresh)


# -- conduit shard sockets (bot.conduit) -----------------------------------------------------------
#
# A shard socket is TwitchIO's own `Websocket` made with a `shard_id` and the client's HTTP
# client (app token): it delivers notifications to the client like any socket, never reconnects
# itself (it closes and dispatches `websocket_closed`), and on `session_reconnect` moves to a new
# `Websocket` that TwitchIO files under `client._websockets[None][session_id]`.


async def open_shard_socket(client: Any, shard: int) -> Websocket:
    """Open an EventSub socket for conduit shard `shard`; return it after its welcome."""
    socket = Websocket(client=client, http=client._http, shard_id=str(shard))
    await socket.connect(fail_once=True)
    return socket


def shard_of(socket: Any) -> int | None:
    """The conduit shard a socket was opened for (None for an ordinary socket)."""
    shard = getattr(socket, "_shard_id", None)
    return int(shard) if isinstance(shard, str) and shard.isdigit() else None


def socket_is_live(socket: Websocket) -> bool:
    """The socket is open and has had its welcome, and nobody is closing it."""
    return socket.connected and not socket._closed and not socket._closing


def moved_socket(client: Any, session_id: str) -> Websocket | None:
    """The live socket a `session_reconnect` moved this session to, if TwitchIO made one."""
    socket: Websocket | None = client._websockets.get(None, {}).get(session_id)
    return socket if socket is not None and socket_is_live(socket) else None


def forget_moved_socket(client: Any, session_id: str) -> None:
    """Drop TwitchIO's reference to a moved shard socket (once it is ours or closed)."""
    client._websockets.get(None, {}).pop(session_id, None)


async def close_shard_socket(socket: Websocket) -> None:
    """Close a shard socket without asking anyone to re-associate its shard."""
    await socket.close(reassociate=False)
