"""A running dashboard against twitchsim: real sockets, a real SQLite file, real report files.

Channels: alpha (moderated by moddy, two checks, a chatter with messages and a timeout) and
beta (one check; moddy does not moderate it). `owner` is the bot's owner.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import yarl
from aiohttp import web

from bot.pages.dashboard import (
    CheckRefused,
    DashboardDeps,
    Limits,
    ModeratorsUnknown,
    Requester,
)
from bot.pages.dashboard.site import Site
from bot.pages.routes import add_report_routes
from storage import Database
from tests.pages import seed
from twitchsim import TwitchSim

T0 = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


class Clock:
    """Real time moved by `advance` (moderator re-checks, expiry dates)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class FakeProgress:
    chatters_seen: int
    total: int | None
    eta_s: float | None


@dataclass
class Checks:
    """Runs checks as the bot would (capture, report files, verdict), a little slowly."""

    db: Database
    data_dir: Path
    delay_s: float = 1.5
    running: dict[int, FakeProgress] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    started: list[tuple[int, Requester]] = field(default_factory=list)

    async def start(self, channel_id: int, who: Requester) -> None:
        if channel_id in self.running:
            raise CheckRefused("A check is already running in this channel.")
        self.started.append((channel_id, who))
        self.running[channel_id] = FakeProgress(0, 60, self.delay_s)
        self.tasks.append(asyncio.create_task(self._run(channel_id, who)))

    async def _run(self, channel_id: int, who: Requester) -> None:
        try:
            await asyncio.sleep(self.delay_s / 2)
            self.running[channel_id] = FakeProgress(30, 60, self.delay_s / 2)
            await asyncio.sleep(self.delay_s / 2)
            n = len(self.started)
            chatters = seed.accounts(
                seed.BASE_ID + 5000 + n * 100,
                60,
                created=T0 - timedelta(days=900),
                spread_days=800,
                prefix=f"run{n}_",
            )
            await seed.make_check(
                self.db,
                self.data_dir,
                channel_id=channel_id,
                chatters=chatters,
                at=datetime.now(UTC),
                token=f"run{n:02d}".ljust(32, "r"),
                requested_by=who.login,
            )
        finally:
            self.running.pop(channel_id, None)

    def progress(self, channel_id: int) -> FakeProgress | None:
        return self.running.get(channel_id)


@dataclass
class BotView:
    """A channel's moderators as the bot sees them (bot.dashboard asks Helix with its token)."""

    sim: TwitchSim
    away: bool = False  # Twitch does not answer
    lookups: list[int] = field(default_factory=list)

    async def __call__(self, channel_id: int) -> frozenset[int]:
        self.lookups.append(channel_id)
        if self.away:
            raise ModeratorsUnknown("Twitch is away")
        return frozenset(self.sim.state.channels[channel_id].moderators)


@dataclass
class Dash:
    url: str
    sim: TwitchSim
    db: Database
    site: Site
    ids: dict[str, int]
    checks: Checks
    clock: Clock
    data_dir: Path
    forgotten: list[int]
    bot_view: BotView
    events_changed: list[int] = field(default_factory=list)

    def login_as(self, login: str | None) -> None:
        self.sim.state.authorize_as(login)


def client(**kw: object) -> aiohttp.ClientSession:
    """A browser-like client: keeps cookies even for 127.0.0.1."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), **kw)  # type: ignore[arg-type]


async def seed_world(db: Database, data_dir: Path, ids: dict[str, int]) -> None:
    for name in ("alpha", "beta"):
        await db.channels.join(ids[name], name, name.capitalize(), at=T0 - timedelta(days=30))
    organic = seed.accounts(
        seed.BASE_ID, 80, created=T0 - timedelta(days=2000), spread_days=1900, prefix="viewer"
    )
    wave1 = seed.accounts(
        seed.BASE_ID + 1000, 40, created=T0 - timedelta(days=200), spread_days=0.2, prefix="lena"
    )
    wave2 = seed.accounts(
        seed.BASE_ID + 2000, 45, created=T0 - timedelta(days=20), spread_days=0.2, prefix="mark"
    )
    alpha = ids["alpha"]
    await seed.make_check(
        db,
        data_dir,
        channel_id=alpha,
        chatters=organic[:60] + wave1,
        at=T0 - timedelta(days=2),
        token="a1".ljust(32, "a"),
    )
    await seed.make_check(
        db,
        data_dir,
        channel_id=alpha,
        chatters=organic[20:] + wave2,
        at=T0 - timedelta(days=1),
        token="a2".ljust(32, "a"),
        viewers=150,
    )
    await seed.make_check(
        db,
        data_dir,
        channel_id=ids["beta"],
        chatters=organic[:30],
        at=T0 - timedelta(days=1),
        token="b1".ljust(32, "b"),
    )
    chatty = organic[25]
    sent = await seed.chat(
        db,
        alpha,
        chatty,
        ["hello chat", "buy followers at example", "gg"],
        at=T0 - timedelta(hours=30),
    )
    await seed.timeout(  # after the first two messages: the timeout removes those
        db, alpha, chatty, at=T0 - timedelta(hours=30, seconds=-1.5), message_id=sent[1].message_id
    )
    await db.audit.record(
        at=T0 - timedelta(days=1),
        channel_id=alpha,
        user_id=ids["moddy"],
        user_login="moddy",
        command="botcheck",
        args="",
        outcome="complete",
        detail="capture 2",
    )


IDS = {"alpha": 1001, "beta": 1002, "moddy": 2001, "owner": 2002}


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seed one database and its report files once; each test gets a copy."""
    root = tmp_path_factory.mktemp("dashboard-template")

    async def build() -> None:
        async with Database(root / "botcheck.db") as db:
            await seed_world(db, root / "data", IDS)

    asyncio.run(build())
    return root


async def start_dashboard(
    tmp_path: Path,
    template: Path,
    *,
    limits: Limits | None = None,
    address: Callable[[web.BaseRequest], str] | None = None,
) -> AsyncIterator[Dash]:
    shutil.copytree(template / "data", tmp_path / "data")
    shutil.copy(template / "botcheck.db", tmp_path / "botcheck.db")
    data_dir = tmp_path / "data"
    clock = Clock()
    async with TwitchSim() as sim, Database(tmp_path / "botcheck.db") as db:
        ids = seed.sim_users(sim)
        assert ids == IDS
        checks = Checks(db, data_dir)
        forgotten: list[int] = []
        events_changed: list[int] = []

        async def stream_events_changed(channel_id: int) -> None:
            events_changed.append(channel_id)

        async def resolve(token: str) -> Path | None:
            capture = await db.captures.by_token(token)
            directory = data_dir / "reports" / token
            return directory if capture is not None and directory.is_dir() else None

        bot_view = BotView(sim)

        async def forget(channel_id: int) -> None:
            forgotten.append(channel_id)
            await db.channels.delete(channel_id)

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        deps = DashboardDeps(
            db=db,
            public_url=url,
            client_id=sim.client_id,
            client_secret=sim.client_secret,
            auth_url=sim.auth_url,
            api_url=sim.helix_url,
            session_key_path=data_dir / "session.key",
            start_check=checks.start,
            check_progress=checks.progress,
            resolve_report=resolve,
            forget_channel=forget,
            channel_moderators=bot_view,
            stream_events_changed=stream_events_changed,
            stream_event_kinds=frozenset({"subs", "raids", "follows"}),
            owner_id=ids["owner"],
            clock=clock,
            limits=limits or Limits(),
            client_address=address,
        )
        app = web.Application()
        from bot.pages.dashboard import add_dashboard_routes

        site = add_dashboard_routes(app, deps)
        add_report_routes(app, resolve)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            yield Dash(
                url,
                sim,
                db,
                site,
                ids,
                checks,
                clock,
                data_dir,
                forgotten,
                bot_view,
                events_changed,
            )
        finally:
            for task in checks.tasks:
                task.cancel()
            await asyncio.gather(*checks.tasks, return_exceptions=True)
            await runner.cleanup()


@pytest.fixture
async def dash(tmp_path: Path, template: Path) -> AsyncIterator[Dash]:
    async for d in start_dashboard(tmp_path, template):
        yield d


def cookie_of(http: aiohttp.ClientSession, dash: Dash) -> str:
    from bot.pages.dashboard.site import COOKIE

    return http.cookie_jar.filter_cookies(yarl.URL(dash.url))[COOKIE].value


async def logged_in(dash: Dash, login: str) -> aiohttp.ClientSession:
    """Return a client that went through the whole login with Twitch as `login`."""
    dash.login_as(login)
    http = client()
    async with http.get(f"{dash.url}/login") as resp:
        assert resp.status == 200, await resp.text()
        assert resp.url.path == "/dashboard"
    return http


async def csrf_of(http: aiohttp.ClientSession, url: str) -> str:
    """Return the CSRF token of the first form on the page at `url`."""
    import re

    async with http.get(url) as resp:
        html = await resp.text()
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)
