"""The transport under Helix: httpx's own, whose idle sockets answer "readable?" themselves."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from bot.helix import transport
from bot.helix.transport import helix_transport, readable


def test_readable_tells_data_a_close_and_a_closed_socket() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert not readable(ours)
        theirs.sendall(b"x")
        assert readable(ours)
        ours.recv(1)
        assert not readable(ours)
        theirs.close()
        assert readable(ours)  # the peer left: an idle connection has expired
    assert readable(ours)  # closed here (fileno -1): expired too


async def _closing_server(connections: list[int]) -> asyncio.Server:
    """An HTTP/1.1 server that answers each connection once, says keep-alive, then closes it."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
        await writer.drain()
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def test_a_connection_the_server_closed_is_noticed_and_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[bool] = []

    def counted(sock: transport._Socket) -> bool:
        answer = readable(sock)
        asked.append(answer)
        return answer

    monkeypatch.setattr(transport, "readable", counted)
    connections: list[int] = []
    server = await _closing_server(connections)
    port = server.sockets[0].getsockname()[1]
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    async with server, httpx.AsyncClient(transport=helix_transport(limits)) as client:
        for _ in range(3):
            resp = await client.get(f"http://127.0.0.1:{port}/")
            assert (resp.status_code, resp.text) == (200, "ok")
            await asyncio.sleep(0.05)  # the server's close reaches our idle socket
    assert len(connections) == 3
    assert True in asked  # the pool asked our streams, and they saw the close
