"""Joining channels in conduit mode: one process leads, every process knows the channels.

The leader (the holder of the join lock) lists the channels that mod the bot account, stores
the new ones, makes their subscriptions on the conduit transport (once: the subscriptions stay
on the conduit when processes die, so existing ones are listed first and a 409 counts as made),
deletes the subscriptions of channels it left, and reports the subscription cost. The others
read the joined channels from the database, so commands, polling and /healthz agree.

A channel's subscriptions are its `factories` (chat, moderation, stream on/offline, incoming
raids) plus the stream events that are on and within reach (`bot.history.event_subs.plan`: the
setting, the channel's switch, the bot's and the owner's grants), said once per channel in the
log when some cannot be had. Stream-event subscriptions that are no longer wanted (the channel
switched them off) are deleted. `refresh(channel)` does the same for one channel at once, from
any process (`!botcheck events on|off`, the owner's new grant): the conduit is shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.helix.client import Helix
from bot.helix.conduits import (
    Conduits,
    ConduitSubscription,
    SubscriptionList,
    channels_that_fit,
)
from bot.helix.errors import HelixError
from bot.history import event_subs
from storage import Database
from storage.conduit import Claims

log = logging.getLogger(__name__)

JOINS_AT_ONCE = 16  # channels subscribed concurrently (the Helix limiter paces them)

# (channel id, bot id) -> a TwitchIO subscription payload (type, version, condition)
Factory = Callable[[str, str], Any]
Key = tuple[str, frozenset[tuple[str, str]]]  # a subscription's type and condition
Scopes = tuple[Collection[str], Collection[str]]  # the bot account's, the owner's


def _by_key(subs: Iterable[ConduitSubscription]) -> dict[Key, ConduitSubscription]:
    return {event_subs.sub_key(s.type, dict(s.condition)): s for s in subs}


class ConduitChannels:
    """The join loop of conduit mode."""

    def __init__(
        self,
        *,
        db: Database,
        helix: Helix,
        conduits: Conduits,
        claims: Claims,
        conduit_id: str,
        shard_count: int,
        bot_id: str,
        factories: Sequence[Factory],
        joined: dict[int, str],
        clock: Callable[[], datetime],
        join_interval_s: float,
        follow_interval_s: float = 5.0,
        after_sync: Callable[[], Awaitable[object]] | None = None,
        owner_id: str | None = None,
        event_kinds: Collection[str] = (),
    ) -> None:
        self.db = db
        self.helix = helix
        self.conduits = conduits
        self.claims = claims
        self.conduit_id = conduit_id
        self.shard_count = shard_count
        self.bot_id = bot_id
        self.factories = factories
        self.joined = joined
        self.clock = clock
        self.join_interval_s = join_interval_s
        self.follow_interval_s = follow_interval_s
        self.after_sync = after_sync  # the leader's housekeeping (captures of dead processes)
        self.owner_id = owner_id
        self.event_kinds = frozenset(event_kinds)  # BOTCHECK_STREAM_EVENTS
        self._told: set[int] = set()  # channels whose unreachable stream events were logged
        self._refused: set[tuple[int, Key]] = set()  # stream-event subscriptions Twitch refused
        self.leading = False
        self.synced = asyncio.Event()
        self.subscriptions_made = 0
        self._lock = asyncio.Lock()
        self._resync = asyncio.Event()
        self._settling = False

    def resync(self) -> None:
        """Look at the moderated channels again now (the bot account authorized, a revocation)."""
        self._resync.set()

    async def run(self) -> None:
        last_sync = -1e9
        loop = asyncio.get_running_loop()
        while True:
            try:
                if not self.leading:
                    self.leading = await self.claims.try_lead()
                    if self.leading:
                        log.info("this process runs the join loop now")
                due = loop.time() - last_sync >= self.join_interval_s or self._resync.is_set()
                if self.leading and due:
                    self._resync.clear()
                    await self.sync()
                    last_sync = loop.time()
                    if self.after_sync is not None:
                        await self.after_sync()
                elif not self.leading:
                    await self.follow()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not refresh the list of channels")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._resync.wait(), timeout=self.follow_interval_s)

    async def follow(self) -> None:
        """Take the joined channels from the database (the leader wrote them)."""
        active = {c.channel_id: c.login for c in await self.db.channels.active()}
        changed = active.keys() != self.joined.keys()
        for gone in self.joined.keys() - active.keys():
            del self.joined[gone]
        self.joined.update(active)
        if changed:  # said once the list holds still (the leader may be joining thousands)
            self._settling = True
        elif self._settling:
            self._settling = False
            log.info("moderating %d channel(s) (joined by the leading process)", len(active))
        if active:
            self.synced.set()

    async def sync(self) -> None:
        """Join every channel that mods the bot account, leave those that stopped."""
        async with self._lock:
            try:
                moderated = await self.helix.get_moderated_channels(int(self.bot_id))
                existing = await self.conduits.subscriptions()
            except HelixError as exc:
                log.warning("could not list moderated channels or subscriptions: %s", exc)
                return
            wanted = {
                c.broadcaster_id: c for c in moderated if str(c.broadcaster_id) != self.bot_id
            }
            have: dict[int, list[ConduitSubscription]] = {}
            for sub in existing.subscriptions:
                if sub.broadcaster_id is not None:
                    have.setdefault(sub.broadcaster_id, []).append(sub)
            stored = {c.channel_id for c in await self.db.channels.active()}
            gate = asyncio.Semaphore(JOINS_AT_ONCE)
            scopes = await self._scopes()

            async def join(channel_id: int) -> int:
                channel = wanted[channel_id]
                async with gate:
                    if channel_id not in stored:
                        await self.db.channels.join(
                            channel_id, channel.login, channel.display_name, at=self.clock()
                        )
                    try:
                        made = await self._converge(
                            channel_id, channel.login, have.get(channel_id, []), scopes
                        )
                    except HelixError as exc:
                        log.warning("could not subscribe to %s: %s", channel.login, exc)
                        return 0
                    self.joined[channel_id] = channel.login
                    return made

            made = sum(await asyncio.gather(*(join(c) for c in sorted(wanted))))
            for channel_id in sorted((stored | set(have) | set(self.joined)) - set(wanted)):
                await self._leave(channel_id, have.get(channel_id, []))
            self.subscriptions_made += made
            if made or not self.synced.is_set():
                await self._report_cost(made)
            if not self.synced.is_set():
                logins = ", ".join(sorted(self.joined.values())[:20]) or "none yet"
                log.info("moderating %d channel(s): %s", len(self.joined), logins)
            self.synced.set()

    async def refresh(self, channel_id: int, login: str) -> None:
        """Bring one joined channel's subscriptions in line with its stream-event switch now
        (any process may: the subscriptions belong to the shared conduit).

        Not under the join loop's lock: a chat command must not wait for a round joining
        thousands of channels. A round and a refresh meeting on one channel is harmless (a
        409 counts as made, a 404 as deleted); a round that read the switch just before it
        changed puts back what the refresh deleted until its next round."""
        try:
            listed = await self.conduits.subscriptions(user_id=channel_id)
            mine = [s for s in listed.subscriptions if s.broadcaster_id == channel_id]
            made = await self._converge(channel_id, login, mine, await self._scopes())
        except HelixError as exc:
            log.warning("could not change the subscriptions of %s: %s", login, exc)
            return
        if made:  # the cost went up (a listing of every subscription: not for deletions)
            await self._report_cost(made)

    async def _scopes(self) -> Scopes:
        bot_token = await self.db.tokens.get(int(self.bot_id))
        owner_token = await self.db.tokens.get(int(self.owner_id)) if self.owner_id else None
        return (bot_token.scopes if bot_token else ()), (owner_token.scopes if owner_token else ())

    async def _stream_events(self, channel_id: int, login: str, scopes: Scopes) -> list[Any]:
        """The channel's stream-event subscriptions that are on and within reach."""
        if not self.event_kinds or not await self.db.stream_events.enabled(channel_id):
            return []
        plan = event_subs.plan(
            str(channel_id),
            bot_id=self.bot_id,
            owner_id=self.owner_id,
            kinds=self.event_kinds,
            bot_scopes=scopes[0],
            owner_scopes=scopes[1],
        )
        if plan.cannot and channel_id not in self._told:
            self._told.add(channel_id)
            log.warning("stream events in %s: cannot get %s", login, "; ".join(plan.cannot))
        return [w.payload for w in plan.wanted]  # on the conduit the app token makes them all

    async def _converge(
        self, channel_id: int, login: str, have: Sequence[ConduitSubscription], scopes: Scopes
    ) -> int:
        """Make the channel's missing subscriptions, delete its stream-event ones that are no
        longer wanted; return how many were made. A refused channel subscription raises; a
        refused stream event is logged (once) and the channel stays joined."""
        existing = _by_key(have)
        basics = [factory(str(channel_id), self.bot_id) for factory in self.factories]
        events = await self._stream_events(channel_id, login, scopes)
        wanted: set[Key] = set()
        made = 0
        for payload, optional in [(p, False) for p in basics] + [(p, True) for p in events]:
            key = event_subs.sub_key(payload.type, payload.condition)
            wanted.add(key)
            if key in existing:
                continue
            type_ = key[0]
            try:
                created = await self.conduits.subscribe(
                    self.conduit_id, type_, str(payload.version), payload.condition
                )
            except HelixError as exc:
                if not optional:
                    raise
                if (channel_id, key) not in self._refused:
                    self._refused.add((channel_id, key))
                    log.warning("stream events in %s: %s refused: %s", login, type_, exc)
                continue
            self._refused.discard((channel_id, key))
            if created.subscription is not None:
                made += 1
        for key, sub in existing.items():
            if key not in wanted and event_subs.is_stream_event(key):
                try:
                    await self.conduits.unsubscribe(sub.id)
                except HelixError as exc:  # the next round tries again
                    log.warning("stream events in %s: could not delete %s: %s", login, key[0], exc)
                    continue
                log.info("stream events in %s: deleted the %s subscription (off)", login, key[0])
        return made

    async def _leave(self, channel_id: int, subs: Sequence[ConduitSubscription]) -> None:
        for sub in subs:
            try:
                await self.conduits.unsubscribe(sub.id)
            except HelixError as exc:
                log.warning("could not delete subscription %s: %s", sub.id, exc)
        login = self.joined.pop(channel_id, None)
        await self.db.channels.leave(channel_id, at=self.clock())
        log.info("left %s: the bot is no longer a moderator there", login or channel_id)

    async def _report_cost(self, made: int) -> None:
        subs: SubscriptionList = await self.conduits.subscriptions()
        fit = channels_that_fit(subs.total_cost, subs.max_total_cost, len(self.joined))
        room = "no cost limit in sight" if fit is None else f"about {fit:,} channels fit"
        log.info(
            "conduit subscriptions: %d (%d new), cost %d of %d for %d channel(s): %s",
            len(subs.subscriptions),
            made,
            subs.total_cost,
            subs.max_total_cost,
            len(self.joined),
            room,
        )
        await self.claims.record_state(
            conduit_id=self.conduit_id,
            shard_count=self.shard_count,
            channels=len(self.joined),
            subscriptions=len(subs.subscriptions),
            total_cost=subs.total_cost,
            max_total_cost=subs.max_total_cost,
        )
