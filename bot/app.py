"""Wiring and lifetimes: open every resource once, hand them to the bot, close them in order."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from bot import compat, endpoints
from bot.alerts import Alerts
from bot.capture import Capturer
from bot.chat import Pacer
from bot.helix import Helix
from bot.history import Recorder
from bot.oauth import BotCheckAdapter
from bot.pages.dashboard import add_dashboard_routes
from bot.pages.dashboard.wiring import DashboardChecks, dashboard_deps
from bot.reporting import Reports
from bot.retention import Retention
from bot.services import Services, utc_now
from bot.settings import Settings, SettingsError
from bot.stream_reports import StreamReports
from bot.tokens import TwitchIOTokens
from bot.twitch import BotCheckBot
from bot.viewers import StreamTracker
from bot.web import add_report_routes, chain_resolvers
from reports.knownbots import KnownBotsError, load_known_bots
from storage import Database

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free right now (TwitchIO's adapter cannot bind port 0)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Running:
    bot: BotCheckBot
    services: Services
    task: asyncio.Task[None]


@asynccontextmanager
async def running_bot(
    settings: Settings,
    *,
    join_interval_s: float = 300.0,
    clock: Callable[..., object] = utc_now,
    poll_interval_s: float = 60.0,
    retention_interval_s: float = 3600.0,
) -> AsyncIterator[Running]:
    """Start the whole bot (database, Helix, web, TwitchIO) and stop it cleanly on exit."""
    settings.require_twitch()
    compat.install()
    endpoints.apply(
        endpoints.Endpoints(settings.api_url, settings.auth_url, settings.eventsub_ws_url)
    )
    try:
        known = load_known_bots(settings.known_bots_file)
    except KnownBotsError as exc:
        raise SettingsError(f"BOTCHECK_KNOWN_BOTS_FILE: {exc}.") from None
    tokens = TwitchIOTokens()
    async with (
        Database(settings.db_path) as db,
        Helix(
            base_url=settings.api_url, client_id=settings.client_id or "", tokens=tokens
        ) as helix,
    ):
        capturer = Capturer(db=db, helix=helix, clock=utc_now)
        interrupted = await capturer.recover()
        if interrupted:
            log.warning(
                "%d capture(s) were cut off by the last shutdown: marked interrupted", interrupted
            )
        reports = Reports(
            db=db,
            data_dir=settings.data_dir,
            public_url=settings.public_url,
            ttl=timedelta(days=settings.report_ttl_days),
            known_bot_logins=known,
            clock=utc_now,
        )
        webhook = settings.discord_webhook_url
        alerts = Alerts(webhook.get_secret_value() if webhook else None)
        recorder = Recorder(db.history)
        recorder.start()
        streams = StreamTracker(
            db.history,
            helix,
            clock=utc_now,
            interval_s=poll_interval_s,
            listener=alerts if alerts.enabled else None,
            channels=db.channels,
        )
        stream_reports = StreamReports(
            db=db,
            data_dir=settings.data_dir,
            public_url=settings.public_url,
            ttl=timedelta(days=settings.report_ttl_days),
            clock=utc_now,
        )
        retention = Retention(
            db.history,
            [reports, stream_reports],
            chat_days=settings.chat_retention_days,
            clock=utc_now,
            interval_s=retention_interval_s,
        )
        services = Services(
            settings=settings,
            db=db,
            helix=helix,
            capturer=capturer,
            reports=reports,
            stream_reports=stream_reports,
            pacer=Pacer(),
            clock=utc_now,
            recorder=recorder,
            streams=streams,
            alerts=alerts,
        )
        public = settings.public_url
        adapter = BotCheckAdapter(
            allowed_user_ids=frozenset(x for x in (settings.bot_id, settings.owner_id) if x),
            host=settings.web_host,
            port=settings.web_port,
            domain=public if public.startswith("https://") else None,
        )
        add_report_routes(adapter, chain_resolvers(reports.resolve, stream_reports.resolve))
        dashboard_checks = DashboardChecks(services)
        add_dashboard_routes(adapter, dashboard_deps(services, dashboard_checks, stream_reports))
        bot = BotCheckBot(services=services, adapter=adapter, join_interval_s=join_interval_s)
        tokens.bind(bot)
        task = asyncio.create_task(
            bot.start(load_tokens=True, save_tokens=False), name="botcheck-bot"
        )
        try:
            ready = asyncio.create_task(bot.wait_until_ready())
            done, _ = await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                ready.cancel()
                task.result()  # raise what stopped it
            retention.start()
            # The first poll also settles the sessions a previous run left open.
            streams.start(lambda: list(bot.joined))
            yield Running(bot=bot, services=services, task=task)
        finally:
            await dashboard_checks.close()
            await capturer.cancel_all("botcheck was stopped while this check ran")
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            for _ in range(3):  # let the listeners TwitchIO already started hand over
                await asyncio.sleep(0)
            await streams.close()
            await retention.close()
            await recorder.close()  # every message received is written before the DB closes
            stats = recorder.stats()
            log.info("history: %d item(s) recorded, %d dropped", stats.received, stats.dropped)
            await alerts.close()
            log.info("botcheck stopped")


async def run_forever(settings: Settings) -> int:
    """`botcheck run`: serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    async with running_bot(settings) as running:
        # Start-up objects live as long as the process: keep them out of every collection, and
        # collect young objects less often, so a big capture's allocations stall the event loop
        # less (worst loop stall 94-122 ms -> 40-70 ms in bench/capture.py).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Installed after the web adapter started: aiohttp's runner sets its own.
            loop.add_signal_handler(sig, stop.set)
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({stopper, running.task}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        log.info("stopping: finishing writes and closing connections")
    return 0
