# ruff: noqa: ASYNC109 -- the timeouts are httpcore's interface, passed on as they come
"""The HTTP transport under the layers: httpx's own, over sockets that answer one question fast.

Before every request and after every answer, httpcore's pool asks each idle keep-alive
connection whether its socket is readable (an idle socket that is readable is one the server
closed). Through anyio, each of those questions builds a dict of the socket's attributes and
asks the kernel for the peer's address: with a capture's eleven connections, about 8% of the
event loop's time in a cold 100,000-chatter check (issue 21). The streams here keep their socket
and ask the kernel only the question itself; everything else is anyio's, as it was.
"""

from __future__ import annotations

import select
import ssl
from collections.abc import Iterable
from typing import Any, Protocol

import httpcore
import httpx


class _Socket(Protocol):
    def fileno(self) -> int: ...


def readable(sock: _Socket) -> bool:
    """Whether `sock` has something to read, or is closed (for an idle one: the server left)."""
    fd = sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """anyio's stream, with `is_readable` answered from the socket it keeps."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        # A `socket.socket`, or asyncio's `TransportSocket` around one: both tell their fileno.
        sock = inner.get_extra_info("socket")
        self._sock: _Socket | None = sock if callable(getattr(sock, "fileno", None)) else None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._sock is not None:
            return readable(self._sock)
        return self._inner.get_extra_info(info)


class QuickBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, handing out `_Stream`s."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(
            await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def helix_transport(limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """httpx's transport with `limits`, its pool on `QuickBackend`.

    httpx takes no network backend, so the pool it made is replaced by an equal one that has
    ours. An httpx whose transport keeps no such pool gets its own transport, unchanged.
    """
    context = httpx.create_ssl_context()
    transport = httpx.AsyncHTTPTransport(verify=context, limits=limits)
    if not isinstance(getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        return transport
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=QuickBackend(),
    )
    return transport
