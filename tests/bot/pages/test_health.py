"""`/healthz` says which part is failing (503), over a real loopback socket; `/metrics` only
when turned on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.app import free_port
from bot.pages.health import Backlog, Health, add_health_routes


class FakeDb:
    def __init__(self, fail: BaseException | None = None, hang: bool = False) -> None:
        self.fail, self.hang = fail, hang

    async def fetchval(self, sql: str, *args: object) -> Any:
        if self.hang:
            await asyncio.sleep(30)
        if self.fail is not None:
            raise self.fail
        return 1


@asynccontextmanager
async def serve(health: Health, *, metrics: bool) -> AsyncIterator[str]:
    app = web.Application()
    add_health_routes(app, health, expose_metrics=metrics)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def health(db: FakeDb, twitch: tuple[bool, str] = (True, "connected"), pending: int = 0) -> Health:
    return Health(
        db=db,
        twitch_state=lambda: twitch,
        backlog=lambda: Backlog(pending=pending, dropped=3, received=10),
        helix_calls=lambda: 7,
        backlog_warn=100,
    )


@pytest.mark.parametrize(
    ("make", "field", "expected"),
    [
        pytest.param(lambda: health(FakeDb()), "status", "ok", id="all-well"),
        pytest.param(
            lambda: health(FakeDb(fail=OSError("disk I/O error"))),
            "database",
            "OSError: disk I/O error",
            id="database-fails",
        ),
        pytest.param(
            lambda: health(FakeDb(), twitch=(False, "EventSub connection down (reconnecting)")),
            "twitch",
            "EventSub connection down (reconnecting)",
            id="twitch-down",
        ),
        pytest.param(lambda: health(FakeDb(), pending=500), "recorder_pending", 500, id="backlog"),
    ],
)
async def test_healthz_names_what_fails(
    make: Callable[[], Health], field: str, expected: object
) -> None:
    async with serve(make(), metrics=False) as base, httpx.AsyncClient() as http:
        r = await http.get(f"{base}/healthz")
        body = r.json()
        assert body[field] == expected
        assert r.status_code == (200 if body["status"] == "ok" else 503)
        assert r.headers["Cache-Control"] == "no-store"
        assert (await http.get(f"{base}/metrics")).status_code == 404  # not turned on


async def test_a_hanging_database_is_a_failed_check_not_a_hung_probe() -> None:
    async with (
        serve(health(FakeDb(hang=True)), metrics=False) as base,
        httpx.AsyncClient(timeout=10) as http,
    ):
        r = await http.get(f"{base}/healthz")
    assert r.status_code == 503 and r.json()["database"].startswith("no answer within")


async def test_metrics_expose_counters_and_scrape_time_figures() -> None:
    from bot import metrics

    metrics.reset()
    metrics.bump("commands", "whois")
    try:
        async with (
            serve(health(FakeDb(), pending=4), metrics=True) as base,
            httpx.AsyncClient() as http,
        ):
            r = await http.get(f"{base}/metrics")
    finally:
        metrics.reset()
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    text = r.text
    assert 'botcheck_commands_total{command="whois"} 1.0' in text
    assert "botcheck_helix_calls_total 7.0" in text
    assert "botcheck_recorder_backlog 4.0" in text
    assert "botcheck_recorder_dropped_total 3.0" in text
    assert "botcheck_helix_429_total 0.0" in text
