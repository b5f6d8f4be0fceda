"""The web server's own defences: read timeouts, connection caps, quiet accept errors.

aiohttp closes idle keep-alive connections but waits for ever on a connection that never
finishes its request: 300 such connections once used up the process's file descriptors and the
bot went deaf and mute. `ConnectionGuard` sits between the listening socket and aiohttp's
protocol (`guard_server`) and

- closes a connection whose request head is not complete `header_timeout_s` after it opened
  (or after it sent its last request), and one whose body stalls for `body_timeout_s`;
- refuses more than `per_address` open connections from one address (trusted proxies are
  exempt: every visitor comes through them) and more than `total` in all;
- logs what it refused in counts, once per `log_window_s`.

`quiet_accept_errors` makes asyncio's "socket.accept() out of system resource" (EMFILE, logged
with a traceback every second while it lasts) one line per window, with a count.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_HEAD_END = b"\r\n\r\n"


def parse_networks(text: str | Iterable[str]) -> tuple[Network, ...]:
    """Addresses or networks, comma- or space-separated ("10.0.0.1, 192.168.0.0/16")."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item)


def in_networks(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(trusted: tuple[Network, ...]) -> Callable[[Any], str]:
    """Who a request is from: the peer, or behind trusted proxies the X-Forwarded-For client.

    X-Forwarded-For is read from the right (the entry our own proxy added) and the first
    address that is not a trusted proxy is the client; from an untrusted peer it is ignored,
    so nobody can choose their own rate-limit bucket.
    """

    def address(request: Any) -> str:
        peer = request.remote or "?"
        if not trusted or not in_networks(peer, trusted):
            return str(peer)
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        for hop in reversed(hops):
            if not hop:
                continue
            if not in_networks(hop, trusted):
                try:
                    return str(ipaddress.ip_address(hop))
                except ValueError:
                    return str(peer)  # garbage: the proxy's own bucket
        return str(peer)

    return address


@dataclass(slots=True)
class ConnectionGuard:
    """Limits and counters shared by every connection of one server."""

    per_address: int = 32
    total: int = 1024
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    trusted: tuple[Network, ...] = ()
    log_window_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    open_by_address: Counter[str] = field(default_factory=Counter)
    refused: int = 0  # connections refused over a cap, in all
    timed_out: int = 0  # connections closed for a request that never finished
    _unlogged: Counter[str] = field(default_factory=Counter)
    _logged_at: float = float("-inf")

    @property
    def open(self) -> int:
        return sum(self.open_by_address.values())

    def admit(self, address: str) -> bool:
        """Count a new connection from `address`; False when it is over a cap."""
        over_address = self.open_by_address[address] >= self.per_address and not in_networks(
            address, self.trusted
        )
        if over_address or self.open >= self.total:
            self.refused += 1
            self._note("refused over the per-address cap" if over_address else "refused: full")
            return False
        self.open_by_address[address] += 1
        return True

    def release(self, address: str) -> None:
        self.open_by_address[address] -= 1
        if self.open_by_address[address] <= 0:
            del self.open_by_address[address]

    def expired(self) -> None:
        self.timed_out += 1
        self._note("closed: request not finished in time")

    def _note(self, what: str) -> None:
        """Count, and log the counts at most once per window (an attack must not flood the log)."""
        self._unlogged[what] += 1
        now = self.clock()
        if now - self._logged_at < self.log_window_s:
            return
        self._logged_at = now
        counts = ", ".join(f"{n} {what}" for what, n in self._unlogged.items())
        self._unlogged.clear()
        log.warning("web connections: %s (%d open)", counts, self.open)


class _GuardedProtocol(asyncio.Protocol):
    """aiohttp's protocol behind the guard's caps and read timeouts."""

    def __init__(self, inner: Any, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._transport: asyncio.Transport | None = None
        self._address: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tail = b""
        self._in_body = False  # the head arrived: what follows is a body (or the next request)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self._guard.admit(address):
            transport.abort()
            return
        self._transport = transport
        self._address = address
        self._arm(self._guard.header_timeout_s)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._transport is None:
            return
        seen = self._tail + data
        if _HEAD_END in seen:
            # A head is complete: the handler runs without a clock; what comes later (a body, a
            # pipelined or keep-alive request) gets one again.
            self._disarm()
            self._in_body = not seen.endswith(_HEAD_END)
            self._tail = b""
        else:
            if self._timer is None:
                self._arm(
                    self._guard.body_timeout_s if self._in_body else self._guard.header_timeout_s
                )
            self._tail = seen[-3:]
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self._transport is None:
            return None
        result: bool | None = self._inner.eof_received()
        return result

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._transport is None:
            return
        self._transport = None
        if self._address is not None:
            self._guard.release(self._address)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def _arm(self, delay: float) -> None:
        self._disarm()
        self._timer = asyncio.get_running_loop().call_later(delay, self._expire)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        if self._transport is not None:
            self._guard.expired()
            self._transport.close()

    def __getattr__(self, name: str) -> Any:  # anything else aiohttp asks of its protocol
        return getattr(self._inner, name)


class _GuardedServer:
    """aiohttp's `Server` (the protocol factory), handing out guarded protocols."""

    def __init__(self, server: Any, guard: ConnectionGuard) -> None:
        self._server = server
        self.guard = guard

    def __call__(self) -> asyncio.Protocol:
        return _GuardedProtocol(self._server(), self.guard)

    def __getattr__(self, name: str) -> Any:  # shutdown, pre_shutdown, connections, ...
        return getattr(self._server, name)


def guard_server(server: Any, guard: ConnectionGuard) -> Any:
    """Wrap the protocol factory an aiohttp `Application._make_handler` returns."""
    return _GuardedServer(server, guard)


class _AcceptErrors:
    """Count accept errors; log one line per window instead of a traceback a second."""

    def __init__(self, previous: Any, window_s: float) -> None:
        self.previous = previous
        self.window_s = window_s
        self.count = 0
        self._logged_at = float("-inf")

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if str(context.get("message", "")).startswith("socket.accept() out of system resource"):
            self.count += 1
            now = time.monotonic()
            if now - self._logged_at >= self.window_s:
                self._logged_at = now
                exc = context.get("exception")
                log.error(
                    "web: cannot accept connections (%s); %d time(s) so far, said once per %.0f s",
                    exc,
                    self.count,
                    self.window_s,
                )
            return
        if self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)


def quiet_accept_errors(loop: asyncio.AbstractEventLoop, window_s: float = 60.0) -> _AcceptErrors:
    """Install the accept-error filter on `loop` (once); return it (its `count` for tests)."""
    current = loop.get_exception_handler()
    if isinstance(current, _AcceptErrors):
        return current
    handler = _AcceptErrors(current, window_s)
    loop.set_exception_handler(handler)
    return handler
