"""Wiring and lifetimes: open every resource once, hand them to the bot, close them in order."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import twitchio

from bot import memory, metrics, systemd
from bot.bot import CHANNEL_SUBSCRIPTIONS, BotCheckBot
from bot.capture import BOTCHECK_STOPPED, Capturer
from bot.chat import Pacer, safe_text
from bot.checks import Checks
from bot.conduit import ConduitMode
from bot.dashboard import DashboardChecks, dashboard_deps
from bot.defence import Defence
from bot.emotes import ThirdPartyEmotes, add_emote_routes
from bot.followers import FollowerChecks
from bot.helix import Helix
from bot.history.recorder import Recorder
from bot.history.retention import Retention
from bot.knownbots import KnownBotsSource
from bot.pages.captures import Reports
from bot.pages.dashboard import add_dashboard_routes
from bot.pages.health import Backlog, Health, add_health_routes
from bot.pages.links import new_report_token
from bot.pages.routes import add_report_routes, chain_resolvers
from bot.pages.server import ConnectionGuard, client_address, parse_networks
from bot.pages.signals import Signals
from bot.pages.streams import StreamReports
from bot.preflight import (
    SqliteLock,
    StartupError,
    open_database,
    prepare_data_dir,
    probe_web_port,
    tighten_sqlite_files,
    web_answers,
)
from bot.services import Services, utc_now
from bot.settings import Settings, SettingsError
from bot.speaking import speaker_of
from bot.streams.alerts import Alerts
from bot.streams.daily import DailyReporter
from bot.streams.tracker import StreamTracker
from bot.twitch import patches
from bot.twitch.oauth import BotCheckAdapter
from bot.twitch.tokens import TwitchIOTokens
from bot.watch import Watcher, WatchSettings
from reports.knownbots import KnownBotsError, load_known_bots
from reports.risk_llm import LlmConfig
from reports.service_bots import service_bot_logins
from storage import Database
from storage.url import parse as parse_database

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
    clock: Callable[[], datetime] = utc_now,
    poll_interval_s: float = 60.0,
    retention_interval_s: float = 3600.0,
    adjust: Callable[[Services], Services] | None = None,
    watch: WatchSettings | None = None,
) -> AsyncIterator[Running]:
    """Start the whole bot (database, Helix, web, TwitchIO) and stop it cleanly on exit.

    Every resource registers its close on one exit stack right where it opens, so they close
    in the reverse order, also when starting fails halfway. `clock` is every service's clock;
    `adjust` may replace services before the bot gets them (tests make one fail this way).

    Before anything is announced, the web port, the data folder and the database are checked
    (`bot.preflight`): a failure raises StartupError, one sentence naming the setting.
    """
    settings.require_twitch()
    probe_web_port(settings.web_host, settings.web_port)
    memory.limit_arenas()  # before the database's and the workers' threads start (#21)
    patches.install()
    patches.apply(patches.Endpoints(settings.api_url, settings.auth_url, settings.eventsub_ws_url))
    try:
        known = load_known_bots(settings.known_bots_file)
    except KnownBotsError as exc:
        raise SettingsError(f"BOTCHECK_KNOWN_BOTS_FILE: {exc}.") from None
    tokens = TwitchIOTokens()
    ttl = timedelta(days=settings.report_ttl_days)
    async with contextlib.AsyncExitStack() as stack:
        target = parse_database(settings.database)
        if target.path is not None:
            lock = SqliteLock(target.path)
            lock.acquire()  # a second `botcheck run` on this file refuses here
            stack.callback(lock.release)
        # Only the process holding the lock touches files: a refused second run changes nothing.
        prepare_data_dir(settings.data_dir)
        if target.path is not None:
            tighten_sqlite_files(target.path)
        db: Database = await open_database(settings.database, pool_size=settings.db_pool_size)
        stack.push_async_callback(db.close)
        stack.callback(log.info, "botcheck stopped")
        # The bot itself and known service bots are left out of every statistic.
        db.stats.leave_out(
            user_ids=[int(settings.bot_id)] if settings.bot_id else [],
            logins=service_bot_logins(),
        )
        helix = await stack.enter_async_context(
            Helix(base_url=settings.api_url, client_id=settings.client_id or "", tokens=tokens)
        )
        capturer = Capturer(db=db, helix=helix, clock=clock)
        # In conduit mode, other live processes may be running captures: see _conduit_mode.
        interrupted = await capturer.recover() if settings.conduit_shards is None else 0
        if interrupted:
            log.warning(
                "%d capture(s) were cut off by the last shutdown: marked interrupted", interrupted
            )
        known_bots = KnownBotsSource(
            url=settings.known_bots_url,
            directory=settings.data_dir / "known-bots",
            file_logins=known,
        )
        known_bots.load_cached()
        stack.push_async_callback(known_bots.close)
        signals = Signals(
            db=db,
            k=settings.presence_k,
            exclude=[int(settings.bot_id)] if settings.bot_id else [],
        )
        signals.refresh_soon()  # the platform's signup rates, before the first check needs them
        reports = Reports(
            db=db,
            data_dir=settings.data_dir,
            public_url=settings.public_url,
            ttl=ttl,
            known_bot_logins=known_bots.logins,
            clock=clock,
            signals=signals,
        )
        stack.push_async_callback(reports.drain)  # report files still being written
        webhook = settings.discord_webhook_url
        alerts = Alerts(webhook.get_secret_value() if webhook else None, speaker=speaker_of(db))
        stack.push_async_callback(alerts.close)
        joined: dict[int, str] = {}  # channel id -> login: the bot joins, the tracker polls
        recorder = Recorder(db.history)
        recorder.start()
        stack.push_async_callback(_close_recorder, recorder)
        conduit = await _conduit_mode(
            stack, settings, db, helix, joined, clock, join_interval_s, lambda: recorder.pending
        )
        if conduit is not None:
            capturer = await conduit.shared_capturer(db=db, helix=helix, clock=clock)
        # -- third-party emotes (issue 18): counted in messages, images at /emotes/ ----------
        emotes = (
            ThirdPartyEmotes.from_settings(
                settings, conduit.polled if conduit is not None else lambda: list(joined)
            )
            if settings.emotes
            else None
        )
        if emotes is not None:
            emotes.sets.load_cached()
            stack.push_async_callback(emotes.sets.close)
        # -- chat defence (issue 20): fed every chat row the recorder stores ------------------
        defence = Defence(
            db=db,
            helix=helix,
            moderator_id=int(settings.bot_id or 0),
            data_dir=settings.data_dir,
            public_url=settings.public_url,
            page_ttl=ttl,
            clock=clock,
            webhook=alerts,
            llm=LlmConfig.from_env(settings.llm_env()),
            digest_every_s=settings.notice_digest_s,
        )
        recorder.add_listener(defence.on_stored)
        stack.push_async_callback(defence.close)
        streams = StreamTracker(
            db.history,
            helix,
            clock=clock,
            interval_s=poll_interval_s,
            listener=alerts if alerts.enabled else None,
            channels=db.channels,
            joined=conduit.polled if conduit is not None else lambda: list(joined),
            report_token=new_report_token,
        )
        stream_reports = StreamReports(
            db=db, data_dir=settings.data_dir, public_url=settings.public_url, ttl=ttl, clock=clock
        )
        daily = DailyReporter(  # issue 18: one report per channel at its local midnight
            db=db,
            data_dir=settings.data_dir,
            public_url=settings.public_url,
            ttl=ttl,
            clock=clock,
            channels=conduit.polled if conduit is not None else lambda: list(joined),
        )
        stack.push_async_callback(daily.close)
        followers = FollowerChecks(
            db=db,
            helix=helix,
            data_dir=settings.data_dir,
            public_url=settings.public_url,
            ttl=ttl,
            clock=clock,
            cooldown_s=settings.cooldown_s,
        )
        retention = Retention(
            db.history,
            [reports, stream_reports, defence.pages, followers, daily],  # all expire like reports
            chat_days=settings.chat_retention_days,
            clock=clock,
            interval_s=retention_interval_s,
        )
        stack.push_async_callback(retention.close)
        stack.push_async_callback(streams.close)
        checks = Checks(capturer=capturer, reports=reports)
        pacer = Pacer()

        async def send(channel_id: int, text: str) -> None:
            """One message from the bot, not a reply (automatic checks)."""
            await pacer.wait_turn(str(channel_id))
            user = bot.create_partialuser(channel_id)
            await user.send_message(safe_text(text), sender=bot.bot_id)

        watcher = Watcher(
            db=db,
            checks=checks,
            send=send,
            moderator_id=lambda: int(bot.bot_id),
            clock=clock,
            settings=watch,
        )
        streams.on_sample = watcher.sample
        stack.push_async_callback(watcher.close)
        services = Services(
            settings=settings,
            db=db,
            helix=helix,
            capturer=capturer,
            reports=reports,
            stream_reports=stream_reports,
            checks=checks,
            pacer=pacer,
            clock=clock,
            recorder=recorder,
            streams=streams,
            alerts=alerts,
            defence=defence,
            followers=followers,
            watcher=watcher,
            emotes=emotes,
        )
        if adjust is not None:
            services = adjust(services)
        public = settings.public_url
        trusted = parse_networks(settings.trusted_proxies)
        address = client_address(trusted)
        adapter = BotCheckAdapter(
            allowed_user_ids=frozenset(x for x in (settings.bot_id, settings.owner_id) if x),
            public_url=public,
            client_id=settings.client_id or "",
            auth_url=settings.auth_url,
            guard=ConnectionGuard(
                per_address=settings.web_max_connections_per_ip,
                header_timeout_s=settings.web_header_timeout_s,
                trusted=trusted,
            ),
            client_address=address,
            host=settings.web_host,
            port=settings.web_port,
            domain=public if public.startswith("https://") else None,
        )
        add_report_routes(
            adapter,
            chain_resolvers(
                reports.resolve,
                stream_reports.resolve,
                defence.resolve,
                followers.resolve,
                daily.resolve,
            ),
            preparing=reports.preparing,
            written=reports.written,
            client_address=address,
        )

        def twitch_state() -> tuple[bool, str]:
            return _twitch_state(bot, joined)

        def backlog() -> Backlog:
            st = recorder.stats()
            return Backlog(pending=st.pending, dropped=st.dropped, received=st.received)

        health = Health(
            db=db,
            twitch_state=twitch_state,
            backlog=backlog,
            helix_calls=lambda: helix.calls,
            conduit=conduit.status if conduit is not None else None,
        )
        add_health_routes(adapter, health, expose_metrics=settings.metrics)
        if emotes is not None and emotes.images is not None:
            add_emote_routes(adapter, emotes.images, client_address=address)
        dashboard_checks = DashboardChecks(services)
        stack.push_async_callback(dashboard_checks.close)
        the_bot: list[BotCheckBot] = []  # made below; the dashboard's switch reaches it then

        async def stream_events_changed(channel_id: int) -> None:
            if the_bot:
                await the_bot[0].stream_events_changed(channel_id)

        add_dashboard_routes(
            adapter,
            dashboard_deps(
                services,
                dashboard_checks,
                client_address=address,
                stream_events_changed=stream_events_changed,
            ),
        )
        bot = BotCheckBot(
            services=services,
            adapter=adapter,
            joined=joined,
            join_interval_s=join_interval_s,
            conduit=conduit,
        )
        the_bot.append(bot)
        tokens.bind(bot)
        _count_commands(bot)
        _watch_raids(bot, watcher)
        task = asyncio.create_task(
            bot.start(load_tokens=True, save_tokens=False), name="botcheck-bot"
        )
        stack.push_async_callback(_stop_bot, bot, task, capturer)
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            _raise_start_failure(task, settings)  # what stopped it, in one sentence if known
        await web_answers(settings.web_host, settings.web_port)
        retention.start()
        await defence.start()  # after the bot is ready: resumed ban runs report in chat
        known_bots.start()
        if emotes is not None:
            emotes.sets.start()
        # The first poll also settles the sessions a previous run left open.
        streams.start()
        daily.start()
        yield Running(bot=bot, services=services, task=task)


def _raise_start_failure(task: asyncio.Task[None], settings: Settings) -> None:
    """Raise why TwitchIO stopped while starting: StartupError for what an operator can fix."""
    exc = task.exception()
    if exc is None:
        raise StartupError("the bot stopped while starting, without saying why.")
    if isinstance(exc, aiohttp.ClientConnectionError | OSError | TimeoutError):
        raise StartupError(
            f"Twitch cannot be reached at {settings.auth_url} / {settings.api_url} ({exc}): "
            "check the network, or TWITCH_AUTH_URL and TWITCH_API_URL."
        ) from None
    if isinstance(exc, twitchio.HTTPException) and exc.status in (400, 401, 403):
        raise StartupError(
            f"Twitch refused botcheck's app credentials ({exc.status}): check "
            "TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET against your application on "
            "dev.twitch.tv."
        ) from None
    raise exc


def _count_commands(bot: BotCheckBot) -> None:
    """Bump `bot.metrics` on every command run and every command that failed."""

    async def invoked(ctx: Any) -> None:
        metrics.bump("commands", _command_name(ctx))

    async def failed(payload: Any) -> None:
        if getattr(payload.context, "command", None) is not None:
            metrics.bump("command_errors", _command_name(payload.context))

    bot.add_listener(invoked, event="event_command_invoked")
    bot.add_listener(failed, event="event_command_error")


def _watch_raids(bot: BotCheckBot, watcher: Watcher) -> None:
    """A raid into a watched channel starts an automatic check (issue 19)."""

    async def raided(payload: Any) -> None:
        to = payload.to_broadcaster
        watcher.raid(int(to.id), payload.from_broadcaster.name or "", int(payload.viewer_count))

    bot.add_listener(raided, event="event_raid")


def _command_name(ctx: Any) -> str:
    command = getattr(ctx, "command", None)
    return str(getattr(command, "qualified_name", None) or "unknown")


def _twitch_state(bot: BotCheckBot, joined: dict[int, str]) -> tuple[bool, str]:
    """Whether the bot's EventSub connection is up, in words for `/healthz`."""
    if not bot.has_bot_token:
        return False, "waiting for the bot account to authorize (see `botcheck auth`)"
    if not joined:
        return True, "connected; not a moderator in any channel yet"
    sockets = patches.sockets_of(bot, bot.bot_id)
    if any(ws.connected for ws in sockets.values()):
        return True, "connected"
    return False, "EventSub connection down (reconnecting)"


# -- conduit mode (issue #16) ------------------------------------------------------------------


async def _conduit_mode(  # noqa: PLR0917 (the resources running_bot opened, in its order)
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    db: Database,
    helix: Helix,
    joined: dict[int, str],
    clock: Callable[[], datetime],
    join_interval_s: float,
    backlog: Callable[[], int],
) -> ConduitMode | None:
    """Open conduit mode when BOTCHECK_CONDUIT_SHARDS is set (None: the WebSocket transport).

    It closes after the bot (its shard sockets belong to the bot's client) and before the
    database: registered here, it runs after `_stop_bot` on the way out.
    """
    if settings.conduit_shards is None:
        return None
    assert settings.database_url is not None and settings.bot_id is not None  # settings checked
    mode = ConduitMode(
        url=settings.database_url.get_secret_value(),
        process=settings.process_name,
        shard_count=settings.conduit_shards,
        db=db,
        helix=helix,
        bot_id=settings.bot_id,
        factories=CHANNEL_SUBSCRIPTIONS,
        owner_id=settings.owner_id,
        event_kinds=settings.stream_event_kinds,
        joined=joined,
        clock=clock,
        join_interval_s=join_interval_s,
        backlog=backlog,
    )
    stack.push_async_callback(mode.close)
    await mode.open()
    return mode


async def _stop_bot(bot: BotCheckBot, task: asyncio.Task[None], capturer: Capturer) -> None:
    """Stop the captures the bot started (they end interrupted), then the bot itself."""
    await capturer.cancel_all(BOTCHECK_STOPPED)
    await bot.close()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    for _ in range(3):  # let the listeners TwitchIO already started hand over
        await asyncio.sleep(0)


async def _close_recorder(recorder: Recorder) -> None:
    """Write every message received before the database closes."""
    await recorder.close()
    stats = recorder.stats()
    log.info("history: %d item(s) recorded, %d dropped", stats.received, stats.dropped)


def tune_gc() -> tuple[int, int, int]:
    """Tune the garbage collector for a running bot; return the thresholds it had.

    Start-up objects live as long as the process: keep them out of every collection, and
    collect young objects less often, so a big capture's allocations stall the event loop less
    (worst loop stall 94-122 ms -> 40-70 ms in bench/capture.py). `bench/e2e.py` tunes its
    bot the same way, once it has started.
    """
    old = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    return old


async def run_forever(settings: Settings) -> int:
    """`botcheck run`: serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    # Everything the bot writes (reports, the database, its lock) is for its own user only:
    # report folder names are the report links.
    os.umask(0o077)
    async with running_bot(settings) as running:
        tune_gc()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Installed after the web adapter started: aiohttp's runner sets its own.
            loop.add_signal_handler(sig, stop.set)
        systemd.notify("READY=1")  # Type=notify units count as started from here
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({stopper, running.task}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        log.info("stopping: finishing writes and closing connections")
        systemd.notify("STOPPING=1")
    return 0
