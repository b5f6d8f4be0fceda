"""`/healthz` for service managers and load balancers; `/metrics` for Prometheus (optional).

`/healthz` answers 200 when the database answers, the bot's Twitch connection is up and the
recorder's backlog is below its warning mark, else 503; the JSON body says which part failed.
`/metrics` (only with BOTCHECK_METRICS=true) is prometheus-client's text format: the counters
of `bot.metrics` plus figures read at scrape time (Helix calls, recorder backlog, drops).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from aiohttp import web

from bot import metrics

log = logging.getLogger(__name__)

DB_TIMEOUT_S = 2.0
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class Pingable(Protocol):
    async def fetchval(self, sql: str, *args: object) -> Any: ...


@dataclass(frozen=True, slots=True)
class Backlog:
    """What the recorder holds and has dropped."""

    pending: int
    dropped: int
    received: int


@dataclass(frozen=True, slots=True)
class HealthReport:
    ok: bool
    database: str  # "ok" or what went wrong
    twitch: str  # "connected", or why not
    recorder_pending: int
    recorder_dropped: int

    def to_dict(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "failing", **asdict(self)}


class Health:
    """The figures behind `/healthz` and `/metrics`, read when asked."""

    def __init__(
        self,
        *,
        db: Pingable,
        twitch_state: Callable[[], tuple[bool, str]],
        backlog: Callable[[], Backlog],
        helix_calls: Callable[[], int],
        backlog_warn: int = 10_000,
    ) -> None:
        self._db = db
        self._twitch_state = twitch_state
        self._backlog = backlog
        self._helix_calls = helix_calls
        self.backlog_warn = backlog_warn

    async def database_state(self) -> str:
        try:
            async with asyncio.timeout(DB_TIMEOUT_S):
                await self._db.fetchval("SELECT 1")
        except TimeoutError:
            return f"no answer within {DB_TIMEOUT_S:g} s"
        except Exception as exc:  # any failure is an answer here, not a crash
            return f"{type(exc).__name__}: {str(exc)[:200]}"
        return "ok"

    async def check(self) -> HealthReport:
        database = await self.database_state()
        twitch_ok, twitch = self._twitch_state()
        backlog = self._backlog()
        ok = database == "ok" and twitch_ok and backlog.pending < self.backlog_warn
        return HealthReport(ok, database, twitch, backlog.pending, backlog.dropped)

    def collect(self) -> Iterator[Any]:
        """Yield prometheus-client metric families (called by the registry at each scrape)."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        families: dict[str, Any] = {}
        for name, (help_text, labels) in metrics.COUNTERS.items():
            families[name] = CounterMetricFamily(f"botcheck_{name}", help_text, labels=labels)
        for sample in metrics.snapshot():
            if sample.labels:
                families[sample.name].add_metric(list(sample.labels), sample.value)
        for name, (_, labels) in metrics.COUNTERS.items():
            if not labels:  # a plain counter is shown from zero on
                families[name].add_metric([], metrics.value(name))
        yield from families.values()
        yield CounterMetricFamily(
            "botcheck_helix_calls", "Helix requests sent, retries included", self._helix_calls()
        )
        backlog = self._backlog()
        yield GaugeMetricFamily(
            "botcheck_recorder_backlog", "Chat history items waiting to be written", backlog.pending
        )
        yield CounterMetricFamily(
            "botcheck_recorder_dropped",
            "Chat history items dropped past the recorder's bound",
            backlog.dropped,
        )


def add_health_routes(app: web.Application, health: Health, *, expose_metrics: bool) -> None:
    """Serve `/healthz`, and `/metrics` when `expose_metrics`."""

    async def healthz(request: web.Request) -> web.Response:
        report = await health.check()
        return web.json_response(
            report.to_dict(), status=200 if report.ok else 503, headers=_HEADERS
        )

    app.router.add_get("/healthz", healthz)
    if not expose_metrics:
        return
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(health)  # type: ignore[arg-type]

    async def scrape(request: web.Request) -> web.Response:
        body = generate_latest(registry)
        resp = web.Response(body=body, headers=_HEADERS)
        resp.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return resp

    app.router.add_get("/metrics", scrape)
