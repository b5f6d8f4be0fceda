"""Conduit mode for one process: find or make the conduit, then keep shards and channels.

`ConduitMode.open` (before the bot starts) connects the claims, finds the app's conduit or
creates it under the conduit lock, and sizes it to BOTCHECK_CONDUIT_SHARDS. `run(client)`
(from the bot's setup hook) keeps this process's shards (`ShardKeeper`) and, in the process
holding the join lock, the channels (`ConduitChannels`). `status` is the read-only view that
/healthz shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.conduit.captures import SharedCapturer
from bot.conduit.channels import ConduitChannels, Factory
from bot.conduit.keeper import ShardKeeper
from bot.helix.client import Helix
from bot.helix.conduits import ConduitInfo, Conduits
from bot.settings import SettingsError
from storage import Database
from storage.conduit import Claims

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConduitStatus:
    """What /healthz shows of conduit mode (a snapshot; read-only)."""

    process: str
    conduit_id: str
    shard_count: int
    shards: tuple[int, ...]  # held and bound to a live socket here
    processes: int  # live processes sharing the conduit
    leading: bool  # this process runs the join loop
    channels: int  # channels joined (all of them: the conduit is shared)


async def find_or_create(conduits: Conduits, claims: Claims, shard_count: int) -> ConduitInfo:
    """The app's conduit sized to `shard_count`, made by the first process that asks."""
    await claims.lock_conduit()
    try:
        found = await conduits.all()
        if len(found) > 1:
            log.warning(
                "the app has %d conduits; using %s (delete the others with the Twitch CLI)",
                len(found),
                found[0].id,
            )
        if not found:
            conduit = await conduits.create(shard_count)
            log.info("created conduit %s with %d shards", conduit.id, shard_count)
            return conduit
        conduit = found[0]
        if conduit.shard_count != shard_count:
            log.info(
                "conduit %s: %d shards -> %d (BOTCHECK_CONDUIT_SHARDS)",
                conduit.id,
                conduit.shard_count,
                shard_count,
            )
            conduit = await conduits.resize(conduit.id, shard_count)
        return conduit
    finally:
        await claims.unlock_conduit()


class ConduitMode:
    """Everything conduit mode adds to one process."""

    def __init__(
        self,
        *,
        url: str,
        process: str,
        shard_count: int,
        db: Database,
        helix: Helix,
        bot_id: str,
        factories: Sequence[Factory],
        joined: dict[int, str],
        clock: Callable[[], datetime],
        join_interval_s: float,
        interval_s: float = 2.0,
        backlog: Callable[[], int] = lambda: 0,
        owner_id: str | None = None,
        event_kinds: Collection[str] = (),
    ) -> None:
        self.process = process
        self.owner_id = owner_id
        self.event_kinds = event_kinds  # BOTCHECK_STREAM_EVENTS
        self.shard_count = shard_count
        self.db = db
        self.helix = helix
        self.bot_id = bot_id
        self.factories = factories
        self.joined = joined
        self.clock = clock
        self.join_interval_s = join_interval_s
        self.interval_s = interval_s
        self.backlog = backlog
        self.claims = Claims(url, process)
        self.conduits = Conduits(helix)
        self.conduit: ConduitInfo | None = None
        self.keeper: ShardKeeper | None = None
        self.channels: ConduitChannels | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._capturer: SharedCapturer | None = None

    async def open(self) -> None:
        """Connect the claims (PostgreSQL faults show here, before the bot starts).

        Raise SettingsError when a live process already goes by this process's name.
        """
        if not await self.claims.connect():
            await self.claims.close()
            raise SettingsError(
                f"BOTCHECK_PROCESS_NAME {self.process!r} is taken by another running process: "
                "give each process its own name (or leave it unset: host name and pid)."
            )

    async def shared_capturer(self, **kw: Any) -> SharedCapturer:
        """A Capturer for this process that keeps one capture per channel across processes;
        the captures that dead processes left running are marked interrupted."""
        self._capturer = capturer = SharedCapturer(claims=self.claims, **kw)
        interrupted = await capturer.recover()
        if interrupted:
            log.warning("%d capture(s) were cut off by a stopped process", interrupted)
        return capturer

    def polled(self) -> list[int]:
        """The channels whose streams this process polls: all in the leader, none elsewhere."""
        return list(self.joined) if self.leading else []

    @property
    def leading(self) -> bool:
        return self.channels is not None and self.channels.leading

    @property
    def synced(self) -> asyncio.Event | None:
        return self.channels.synced if self.channels is not None else None

    def status(self) -> ConduitStatus:
        view = self.keeper.view() if self.keeper is not None else None
        return ConduitStatus(
            process=self.process,
            conduit_id=self.conduit.id if self.conduit else "",
            shard_count=self.shard_count,
            shards=view.shards if view else (),
            processes=view.processes if view else 0,
            leading=self.leading,
            channels=len(self.joined),
        )

    def start(self, client: Any) -> None:
        """Start keeping shards and channels for this TwitchIO client (its setup hook: the
        app token is there by then)."""
        self._tasks = [asyncio.create_task(self._run(client), name="botcheck-conduit")]

    async def _run(self, client: Any) -> None:
        self.conduit = conduit = await find_or_create(self.conduits, self.claims, self.shard_count)
        log.info(
            "conduit mode: process %s on conduit %s (%d shards)",
            self.process,
            conduit.id,
            conduit.shard_count,
        )
        self.channels = ConduitChannels(
            db=self.db,
            helix=self.helix,
            conduits=self.conduits,
            claims=self.claims,
            conduit_id=conduit.id,
            shard_count=conduit.shard_count,
            bot_id=self.bot_id,
            factories=self.factories,
            joined=self.joined,
            clock=self.clock,
            join_interval_s=self.join_interval_s,
            # The leader also closes the captures that processes which died since left running.
            after_sync=self._capturer.recover if self._capturer is not None else None,
            owner_id=self.owner_id,
            event_kinds=self.event_kinds,
        )
        self.keeper = ShardKeeper(
            client=client,
            conduits=self.conduits,
            claims=self.claims,
            conduit_id=conduit.id,
            shard_count=conduit.shard_count,
            interval_s=self.interval_s,
            backlog=self.backlog,
            channels=lambda: len(self.joined),
            leading=lambda: self.leading,
        )
        await asyncio.gather(self.keeper.run(), self.channels.run())

    def socket_closed(self, socket: Any) -> None:
        if self.keeper is not None:
            self.keeper.socket_closed(socket)

    def resync(self) -> None:
        if self.channels is not None:
            self.channels.resync()

    async def refresh(self, channel_id: int, login: str) -> None:
        """Make or delete one channel's stream-event subscriptions now (its switch changed, or
        the owner granted more): in this process, whichever leads."""
        if self.channels is not None:
            await self.channels.refresh(channel_id, login)

    async def close(self) -> None:
        """Stop the loops, close the shard sockets, end the claims (the locks go with it)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.keeper is not None:
            await self.keeper.close()
        with contextlib.suppress(Exception):
            await self.claims.close()
