"""EventSub over WebSocket: sessions, subscriptions, notifications, keepalives, reconnects.

A session is what a subscription is bound to; a connection is the socket currently carrying it.
On ``session_reconnect`` the session moves to the connection opened on ``reconnect_url`` (same
session id, subscriptions kept, as on Twitch); notifications go to the old connection until the
new one has its welcome, so none is lost. Every connection has a writer task fed by a queue, so
publishing is synchronous and ordered.

Close codes follow Twitch: 4001 client sent inbound traffic, 4003 connection unused (nothing
subscribed, and no conduit shard bound, in time), 4004 reconnect grace time expired, 4007
invalid reconnect. Subscriptions on the conduit transport are handed to ``router`` (the
`conduits.ConduitHub`), which picks the shard; ``on_session_end`` tells it the session's end
and why (the shard status Twitch would show).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from twitchsim.payloads import rfc3339
from twitchsim.sessions import Conn, Registry, Session, Subscription, new_session_id

log = logging.getLogger(__name__)

__all__ = ["EventHub", "Session", "Subscription"]

JSON = dict[str, Any]


class EventHub(Registry):
    """Sessions and subscriptions; `publish` fans an event out to every matching subscription."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.ws_url = "ws://127.0.0.1/ws"
        self.keepalive_default_s = 10
        self.subscribe_timeout_s: float | None = None  # None: the session's keepalive
        self.reconnect_grace_s = 30.0
        self.sessions: dict[str, Session] = {}
        Registry.__init__(self)
        self._tasks: set[asyncio.Task[None]] = set()
        self.delivered = 0
        # The conduit side (`conduits.ConduitHub`) plugs in here: delivery of conduit
        # subscriptions (sub, text, event message id) and the end of a session (with the reason).
        self.router: Callable[[Subscription, str, str | None], bool] | None = None
        self.on_session_end: Callable[[Session, str], None] | None = None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    # --- messages -------------------------------------------------------------------------------

    def _meta(self, message_type: str, sub: Subscription | None = None) -> JSON:
        meta: JSON = {
            "message_id": str(uuid.uuid4()),
            "message_type": message_type,
            "message_timestamp": rfc3339(self.now()),
        }
        if sub is not None:
            meta["subscription_type"] = sub.type
            meta["subscription_version"] = sub.version
        return meta

    def _welcome(self, session: Session) -> str:
        return json.dumps(
            {
                "metadata": self._meta("session_welcome"),
                "payload": {
                    "session": {
                        "id": session.id,
                        "status": "connected",
                        "connected_at": rfc3339(session.connected_at),
                        "keepalive_timeout_seconds": session.keepalive_s,
                        "reconnect_url": None,
                        "recovery_url": None,
                    }
                },
            }
        )

    def publish(
        self,
        sub_type: str,
        broadcaster_id: int,
        event: JSON,
        *,
        condition_key: str | None = None,
    ) -> int:
        """Queue a notification for every enabled subscription to ``sub_type`` on the channel.

        With ``condition_key``, only subscriptions whose condition names the channel under that
        key (channel.raid has ``from_broadcaster_user_id`` and ``to_broadcaster_user_id``).
        """
        count = 0
        for sub in self.of_channel(sub_type, broadcaster_id):
            if sub.status != "enabled":
                continue
            if condition_key is not None and sub.condition.get(condition_key) != str(
                broadcaster_id
            ):
                continue
            if self.notify(sub, event):
                count += 1
        return count

    def notify(self, sub: Subscription, event: JSON) -> bool:
        """Send one notification of ``event`` for ``sub``; return whether it went out."""
        text = json.dumps(
            {
                "metadata": self._meta("notification", sub),
                "payload": {"subscription": sub.to_json(), "event": event},
            }
        )
        message_id = event.get("message_id")
        sent = self._deliver(sub, text, message_id if isinstance(message_id, str) else None)
        self.delivered += sent
        return sent

    def _deliver(self, sub: Subscription, text: str, message_id: str | None) -> bool:
        if sub.conduit_id is not None:
            return self.router is not None and self.router(sub, text, message_id)
        session = self.sessions.get(sub.session_id)
        return session is not None and self._send(session, text)

    def flood(self, sub_type: str, broadcaster_id: int, events: list[JSON], n: int) -> list[str]:
        """Publish ``n`` notifications at once, cycling through ``events`` (benchmarks).

        Each gets a fresh ``message_id`` in the event and in the metadata. The JSON is built
        once per event and subscription and only the ids change, so the sim can outpace any
        client; every notification carries the same ``message_timestamp``. Returns the event
        message ids in order.
        """
        ids = [str(uuid.uuid4()) for _ in range(n)]
        for sub in self.of_channel(sub_type, broadcaster_id):
            if sub.status != "enabled":
                continue
            if sub.conduit_id is None and sub.session_id not in self.sessions:
                continue
            meta = self._meta("notification", sub) | {"message_id": "@@EID@@"}
            envelope = {"metadata": meta, "payload": {"subscription": sub.to_json()}}
            bodies = [
                json.dumps(envelope | {"payload": envelope["payload"] | {"event": e}})
                for e in ({**ev, "message_id": "@@MID@@"} for ev in events)
            ]
            for i, mid in enumerate(ids):
                text = bodies[i % len(bodies)].replace("@@MID@@", mid, 1)
                if self._deliver(sub, text.replace("@@EID@@", str(uuid.uuid4()), 1), mid):
                    self.delivered += 1
        return ids

    def send(self, session: Session, text: str) -> bool:
        """Queue ``text`` on the session's connection (held during a reconnect)."""
        return self._send(session, text)

    def _send(self, session: Session, text: str) -> bool:
        # Between session_reconnect and the new connection's welcome, messages wait: a client
        # busy reconnecting (TwitchIO is) no longer reads the old connection.
        if session.reconnect_token is not None:
            session.held.append(text)
            return True
        if session.conn is None:
            return False
        session.conn.queue.put_nowait(text)
        return True

    def revoke(self, where: Callable[[Subscription], bool], *, status: str) -> int:
        """Revoke matching subscriptions with a ``revocation`` message; return how many."""
        hit = [s for s in self.subs.values() if where(s)]
        for sub in hit:
            sub.status = status
            message = {
                "metadata": self._meta("revocation", sub),
                "payload": {"subscription": sub.to_json()},
            }
            self._deliver(sub, json.dumps(message), None)
            self._remove(sub)
        return len(hit)

    # --- subscriptions (the Helix side calls these) ---------------------------------------------

    def session(self, session_id: str) -> Session | None:
        session = self.sessions.get(session_id)
        return session if session is not None and session.conn is not None else None

    # --- the WebSocket endpoint -----------------------------------------------------------------

    async def handle_ws(self, request: web.Request) -> web.StreamResponse:
        """GET /ws: open a session (or take one over with ?reconnect=...)."""
        token = request.query.get("reconnect")
        session: Session | None = None
        if token is not None:
            session = next((s for s in self.sessions.values() if s.reconnect_token == token), None)
        keepalive = self._keepalive(request.query.get("keepalive_timeout_seconds"))
        if keepalive is None:
            raise web.HTTPBadRequest(text="keepalive_timeout_seconds must be an integer")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = Conn(ws, request)
        if token is not None and session is None:
            await ws.close(code=4007, message=b"invalid reconnect")
            return ws
        if session is None:
            session = Session(new_session_id(), keepalive, self.now())
            self.sessions[session.id] = session
            fresh = True
        else:
            session.reconnect_token = None
            if session.conn is not None:
                session.old_conns.append(session.conn)
            fresh = False
        await ws.send_str(self._welcome(session))
        # From here on the session's notifications travel on this connection.
        session.conn = conn
        for text in session.held:
            conn.queue.put_nowait(text)
        session.held.clear()
        writer = asyncio.create_task(self._writer(conn, session))
        unused = asyncio.create_task(self._unused_check(session, conn)) if fresh else None
        try:
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    conn.reason = "websocket_received_inbound_traffic"
                    await ws.close(code=4001, message=b"client sent inbound traffic")
                    break
        finally:
            conn.queue.put_nowait(None)
            for task in (writer, unused):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            self._closed(session, conn)
        return ws

    def _keepalive(self, raw: str | None) -> int | None:
        if raw is None:
            return self.keepalive_default_s
        try:
            value = int(raw)
        except ValueError:
            return None
        return max(10, min(600, value))  # Twitch clamps numeric values to 10-600

    async def _writer(self, conn: Conn, session: Session) -> None:
        while True:
            try:
                text = await asyncio.wait_for(conn.queue.get(), timeout=session.keepalive_s * 0.8)
            except TimeoutError:
                text = json.dumps({"metadata": self._meta("session_keepalive"), "payload": {}})
            if text is None or conn.ws.closed:
                return
            try:
                await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def _unused_check(self, session: Session, conn: Conn) -> None:
        timeout = self.subscribe_timeout_s
        await asyncio.sleep(session.keepalive_s if timeout is None else timeout)
        # A shard binding (Update Conduit Shards) is a use too: Twitch's 10 s to bind.
        unused = not session.subs and session.shard is None
        if unused and session.conn is conn and not conn.ws.closed:
            log.debug("session %s unused: closing 4003", session.id)
            await conn.ws.close(code=4003, message=b"connection unused")

    def _closed(self, session: Session, conn: Conn) -> None:
        if conn in session.old_conns:
            session.old_conns.remove(conn)
            return
        if session.conn is not conn:
            return
        if session.reconnect_token is not None:
            # The client left the old connection before taking up the reconnect: the session
            # waits for it until the grace time ends.
            session.conn = None
            return
        # The session ends with its connection; its subscriptions go with it.
        self._end(session, conn.reason)

    # --- faults ---------------------------------------------------------------------------------

    async def drop_all(self) -> int:
        """Cut every connection without a close frame (as a network failure would)."""
        conns = [c for s in self.sessions.values() for c in [s.conn, *s.old_conns] if c]
        for conn in conns:
            conn.reason = "websocket_network_error"
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        return len(conns)

    async def reconnect_all(self) -> int:
        """Send session_reconnect on every live session."""
        count = 0
        for session in list(self.sessions.values()):
            conn = session.conn
            if conn is None or conn.ws.closed:
                continue
            session.reconnect_token = secrets.token_urlsafe(16)
            url = f"{self.ws_url}?reconnect={session.reconnect_token}"
            conn.queue.put_nowait(
                json.dumps(
                    {
                        "metadata": self._meta("session_reconnect"),
                        "payload": {
                            "session": {
                                "id": session.id,
                                "status": "reconnecting",
                                "keepalive_timeout_seconds": None,
                                "reconnect_url": url,
                                "recovery_url": None,
                                "connected_at": rfc3339(session.connected_at),
                            }
                        },
                    }
                )
            )
            task = asyncio.create_task(self._grace(session, session.reconnect_token))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            count += 1
        return count

    async def _grace(self, session: Session, token: str) -> None:
        await asyncio.sleep(self.reconnect_grace_s)
        if session.reconnect_token != token:
            return  # taken up
        session.reconnect_token = None
        session.held.clear()
        conn = session.conn
        if conn is not None and not conn.ws.closed:
            conn.reason = "websocket_failed_to_reconnect"
            await conn.ws.close(code=4004, message=b"reconnect grace time expired")
        elif conn is None:
            self._end(session, "websocket_failed_to_reconnect")

    def _end(self, session: Session, reason: str) -> None:
        for sub in list(session.subs.values()):
            sub.status = reason
            self._remove(sub)
        self.sessions.pop(session.id, None)
        if self.on_session_end is not None:
            self.on_session_end(session, reason)

    async def close(self) -> None:
        """Close every connection (server shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        for session in list(self.sessions.values()):
            for conn in [session.conn, *session.old_conns]:
                if conn is not None and not conn.ws.closed:
                    conn.reason = "websocket_internal_error"
                    with contextlib.suppress(Exception):
                        await conn.ws.close(code=1001, message=b"server shutting down")
