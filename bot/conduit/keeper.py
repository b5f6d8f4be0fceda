"""The shards of the conduit this process holds: claim, open, bind, re-bind, give up.

Every `interval_s` (and at once when a shard socket closes) the keeper:

1. counts the live processes (their process locks) and computes its fair share,
   ceil(shards / processes);
2. above its share, gives up the surplus: it releases the claim at once but keeps the socket
   open until another process has bound the shard (or `handover_s` passed), so the
   notifications in between still arrive here and nothing is dropped during a rebalance;
3. below it, claims free shards (advisory locks: a dead process's shards are free the moment
   its connection ends);
4. makes sure each held shard has a live socket bound to it: a socket that a `session_reconnect`
   moved is adopted (same session, binding kept), a dead one is replaced, and every shard that
   needs it is bound in one Update Conduit Shards call whose errors list is read;
5. writes its heartbeat row.

TwitchIO's AutoClient is not used: it re-binds only its own fixed shards, ignores the errors
list, and orphans the socket a `session_reconnect` moves to (docs/conduits.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.helix.conduits import Conduits
from bot.helix.errors import HelixError
from bot.twitch import patches
from storage.conduit import Claims
from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)

BIND_TIMEOUT_S = 10.0  # Twitch's window between a socket's welcome and its binding


@dataclass(frozen=True, slots=True)
class KeeperView:
    """A snapshot for /healthz and the logs."""

    shards: tuple[int, ...]  # held and bound
    claimed: tuple[int, ...]  # held (bound or not)
    shard_count: int
    processes: int
    rebinds: int


class ShardKeeper:
    """Holds this process's share of the conduit's shards."""

    def __init__(
        self,
        *,
        client: Any,
        conduits: Conduits,
        claims: Claims,
        conduit_id: str,
        shard_count: int,
        interval_s: float = 2.0,
        handover_s: float = 15.0,
        backlog: Callable[[], int] = lambda: 0,
        channels: Callable[[], int] = lambda: 0,
        leading: Callable[[], bool] = lambda: False,
    ) -> None:
        self.client = client
        self.conduits = conduits
        self.claims = claims
        self.conduit_id = conduit_id
        self.shard_count = shard_count
        self.interval_s = interval_s
        self.handover_s = handover_s
        self._backlog = backlog
        self._channels = channels
        self._leading = leading
        self._held: dict[int, Any] = {}  # shard -> its socket (None until one is open)
        self._bound: set[int] = set()
        self._leaving: dict[int, tuple[Any, float]] = {}  # shard -> (socket, close-by time)
        self._wake = asyncio.Event()
        self.processes = 1
        self.rebinds = 0

    # --- read-outs ----------------------------------------------------------------------------

    def view(self) -> KeeperView:
        return KeeperView(
            shards=tuple(sorted(self._bound)),
            claimed=tuple(sorted(self._held)),
            shard_count=self.shard_count,
            processes=self.processes,
            rebinds=self.rebinds,
        )

    def socket_closed(self, socket: Any) -> None:
        """A TwitchIO socket closed (`event_websocket_closed`): look again at once if ours."""
        if patches.shard_of(socket) is not None and any(s is socket for s in self._held.values()):
            self._wake.set()

    # --- the loop -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Tick until cancelled; a failed tick is logged and the next one tries again."""
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except StorageUnavailable as exc:
                log.warning("lost the claims connection (%s): giving up every shard", exc)
                await self._drop_everything()
                await self._reconnect_claims()
            except Exception:
                log.exception("the shard keeper's round failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval_s)

    async def tick(self) -> None:
        self.processes = await self.claims.live_processes()
        share = math.ceil(self.shard_count / self.processes)
        if len(self._held) > share:
            await self._give_up(sorted(self._held)[share:])
        elif len(self._held) < share:
            await self._claim(share - len(self._held))
        await self._bind_held()
        await self._finish_handovers()
        await self.claims.heartbeat(
            pid=os.getpid(),
            shards=sorted(self._bound),
            channels=self._channels(),
            backlog=self._backlog(),
            leader=self._leading(),
        )

    async def _claim(self, wanted: int) -> None:
        holders = await self.claims.holders()
        taken: list[int] = []
        for shard in range(self.shard_count):
            if len(taken) >= wanted:
                break
            if shard in holders or shard in self._held:
                continue
            if await self.claims.try_claim(shard):
                # A shard this process gave up a moment ago keeps its socket, still bound.
                leaving = self._leaving.pop(shard, None)
                self._held[shard] = leaving[0] if leaving else None
                taken.append(shard)
        if taken:
            log.info(
                "took shard(s) %s (%d live process(es), share %d)",
                _ids(taken),
                self.processes,
                math.ceil(self.shard_count / self.processes),
            )

    async def _give_up(self, shards: list[int]) -> None:
        deadline = time.monotonic() + self.handover_s
        for shard in shards:
            socket = self._held.pop(shard)
            self._bound.discard(shard)
            await self.claims.release(shard)
            if socket is not None:
                self._leaving[shard] = (socket, deadline)
        log.info(
            "gave up shard(s) %s to the other %d process(es)", _ids(shards), self.processes - 1
        )

    async def _finish_handovers(self) -> None:
        """Close the sockets of given-up shards once another process bound them."""
        if not self._leaving:
            return
        now = time.monotonic()
        states = {s.id: s for s in await self.conduits.shards(self.conduit_id)}
        for shard, (socket, deadline) in list(self._leaving.items()):
            state = states.get(shard)
            moved = state is not None and state.session_id != socket.session_id
            if moved or now >= deadline or not patches.socket_is_live(socket):
                del self._leaving[shard]
                await patches.close_shard_socket(socket)

    async def _bind_held(self) -> None:
        if not self._held:
            return
        states = {s.id: s for s in await self.conduits.shards(self.conduit_id)}
        to_open: list[int] = []
        to_bind: dict[int, Any] = {}
        for shard, held in list(self._held.items()):
            socket = held
            if held is not None and not patches.socket_is_live(held):
                socket = patches.moved_socket(self.client, held.session_id or "")
                if socket is not None:  # session_reconnect: same session, binding kept
                    patches.forget_moved_socket(self.client, held.session_id or "")
                    log.debug("shard %d: adopted the socket its session reconnected to", shard)
                self._held[shard] = socket
            if socket is None:
                to_open.append(shard)
                continue
            state = states.get(shard)
            if state is None or state.status != "enabled" or state.session_id != socket.session_id:
                to_bind[shard] = socket
            else:
                self._bound.add(shard)
        for shard in to_open:
            self._bound.discard(shard)
        opened = await asyncio.gather(
            *(patches.open_shard_socket(self.client, s) for s in to_open), return_exceptions=True
        )
        for shard, result in zip(to_open, opened, strict=True):
            if isinstance(result, BaseException):
                log.warning("shard %d: could not open its socket: %s", shard, result)
                continue
            self._held[shard] = result
            to_bind[shard] = result
        if to_bind:
            await self._bind(to_bind)

    async def _bind(self, sockets: dict[int, Any]) -> None:
        sessions = {shard: s.session_id for shard, s in sockets.items() if s.session_id}
        try:
            bound, errors = await self.conduits.bind(self.conduit_id, sessions)
        except HelixError as exc:
            log.warning("could not bind shard(s) %s: %s", _ids(sessions), exc)
            bound, errors = [], []
        self._bound.update(s for s in bound if s in self._held)
        self.rebinds += len(bound)
        for error in errors:
            log.warning("Twitch did not bind shard %d: %s", error.id, error.message)
        for shard in sessions.keys() - set(bound):
            socket = self._held.get(shard)
            if socket is not None:
                self._held[shard] = None
                await patches.close_shard_socket(socket)
            self._wake.set()  # try again on the next round, soon
        if bound:
            log.info("bound shard(s) %s", _ids(bound))

    # --- endings ------------------------------------------------------------------------------

    async def _drop_everything(self) -> None:
        """Close every shard socket: with the claims connection gone, others may own them."""
        sockets = [s for s in self._held.values() if s is not None]
        sockets += [s for s, _ in self._leaving.values()]
        self._held.clear()
        self._bound.clear()
        self._leaving.clear()
        for socket in sockets:
            with contextlib.suppress(Exception):
                await patches.close_shard_socket(socket)

    async def _reconnect_claims(self) -> None:
        with contextlib.suppress(Exception):
            await self.claims.close()
        try:
            if not await self.claims.connect():
                log.warning("another process took this process's name while it was away")
        except StorageUnavailable as exc:
            log.warning("PostgreSQL is still unavailable: %s", exc)

    async def close(self) -> None:
        """Close every socket (the claims go with the connection, closed by the owner)."""
        if self._held:
            log.info("giving up shard(s) %s: stopping", _ids(self._held))
        await self._drop_everything()


def _ids(shards: Any) -> str:
    return ",".join(str(s) for s in sorted(shards)) or "none"
