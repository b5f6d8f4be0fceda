"""The web server's guard: connection caps, trusted proxies, accept errors said once."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest

from bot.pages.server import ConnectionGuard, client_address, parse_networks, quiet_accept_errors

PROXY = parse_networks("10.0.0.1, 192.168.0.0/16")


def request(remote: str, forwarded: str | None = None) -> SimpleNamespace:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return SimpleNamespace(remote=remote, headers=headers)


@pytest.mark.parametrize(
    ("remote", "forwarded", "who"),
    [
        pytest.param("203.0.113.9", None, "203.0.113.9", id="direct"),
        pytest.param("203.0.113.9", "1.2.3.4", "203.0.113.9", id="untrusted-peer-cannot-choose"),
        pytest.param("10.0.0.1", "1.2.3.4", "1.2.3.4", id="behind-our-proxy"),
        pytest.param("10.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4", id="rightmost-untrusted-hop"),
        pytest.param("10.0.0.1", "1.2.3.4, 192.168.1.7", "1.2.3.4", id="two-proxies"),
        pytest.param("10.0.0.1", "garbage", "10.0.0.1", id="garbage-is-the-proxy"),
        pytest.param("10.0.0.1", None, "10.0.0.1", id="proxy-without-header"),
    ],
)
def test_x_forwarded_for_is_believed_only_from_trusted_proxies(
    remote: str, forwarded: str | None, who: str
) -> None:
    assert client_address(PROXY)(request(remote, forwarded)) == who


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(())(request("10.0.0.1", "1.2.3.4")) == "10.0.0.1"


def test_the_per_address_cap_spares_trusted_proxies_and_the_total_holds() -> None:
    guard = ConnectionGuard(per_address=2, total=5, trusted=PROXY)
    assert [guard.admit("1.2.3.4") for _ in range(3)] == [True, True, False]
    assert all(guard.admit("10.0.0.1") for _ in range(3))  # a proxy carries many visitors
    assert not guard.admit("5.6.7.8")  # 5 open in all
    guard.release("1.2.3.4")
    assert guard.admit("5.6.7.8")
    assert guard.refused == 2


async def test_accept_errors_are_said_once_per_window(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    try:
        handler = quiet_accept_errors(loop, window_s=60)
        assert quiet_accept_errors(loop) is handler  # installed once
        with caplog.at_level(logging.ERROR, "bot.pages.server"):
            for _ in range(50):
                loop.call_exception_handler(
                    {
                        "message": "socket.accept() out of system resource",
                        "exception": OSError(24, "Too many open files"),
                    }
                )
        assert handler.count == 50
        assert len([r for r in caplog.records if "cannot accept" in r.getMessage()]) == 1
    finally:
        loop.set_exception_handler(previous)
