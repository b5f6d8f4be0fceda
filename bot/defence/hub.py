"""The raid detector hub: one `RaidDetector` per channel, fed the chat the bot already records.

The recorder tells the hub of every chat row it stored (`on_stored`, a callback that only
queues); one task works the queue in batches: per channel, one storage query says which new
authors wrote here before (first-time-here), account ages come from `AccountAges` (memory,
account cache, then Get Users in batches of 100), and each message is fed to the channel's
detector. A trip is handed to `RaidResponse` (alert, page, guard); first-time young accounts
go to the channel's notice digest when it is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.defence.ages import AccountAges
from reports.raid_model import Raid
from reports.raid_thresholds import Thresholds
from reports.raids import RaidDetector
from reports.risk import RuleSet
from storage.defence import DefenceSettings, DefenceStore
from storage.models import ChatMessage

log = logging.getLogger(__name__)

PRIVILEGED = ("broadcaster/", "moderator/", "vip/", "staff/", "admin/")
MAX_SEEN = 200_000  # first-time memory per channel; past it, storage is asked again
_MS = timedelta(milliseconds=1)

OnRaid = Callable[["ChannelState", Raid], Coroutine[Any, Any, None]]
OnActive = Callable[["ChannelState", Raid], None]


@dataclass(slots=True)
class ChannelState:
    """What the hub keeps about one channel."""

    channel_id: int
    settings: DefenceSettings
    detector: RaidDetector
    seen: set[int] = field(default_factory=set)  # wrote here (first-time memory)
    protected: set[int] = field(default_factory=set)  # broadcaster, moderators, VIPs seen
    newcomers: dict[int, str] = field(default_factory=dict)  # first-time, for the notice
    messages: int = 0


def _privileged(m: ChatMessage) -> bool:
    return any(b.startswith(PRIVILEGED) for b in m.badges)


class DefenceHub:
    """Feed every channel's detector (see the module docstring)."""

    def __init__(
        self,
        *,
        store: DefenceStore,
        ages: AccountAges,
        on_raid: OnRaid,
        on_active: OnActive,
        rules: RuleSet | None = None,
        protected: Sequence[int] = (),
    ) -> None:
        self.store = store
        self.always_protected = tuple(protected)  # e.g. the bot itself, in every channel
        self.ages = ages
        self._on_raid = on_raid
        self._on_active = on_active
        self.rules = rules or RuleSet.default()
        self.channels: dict[int, ChannelState] = {}
        self._queue: deque[Sequence[ChatMessage]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.fed = 0

    # -- the recorder's side ----------------------------------------------------------------------

    def on_stored(self, messages: Sequence[ChatMessage]) -> None:
        """Queue stored chat rows for the detectors (the recorder's listener; never waits)."""
        self._queue.append(messages)
        self._idle.clear()
        self._wake.set()

    # -- life -------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="botcheck-defence-hub")

    async def close(self) -> None:
        for task in [self._task, *self._tasks]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._task = None

    async def settled(self) -> None:
        """Return once every queued row was fed and every alert or guard task finished."""
        while True:
            await self._idle.wait()
            if not self._tasks:
                return
            await asyncio.wait(set(self._tasks))

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        """Run a response in the background, kept until done (and cancelled on close)."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            assert exc is not None
            log.error("%s failed", task.get_name(), exc_info=(type(exc), exc, exc.__traceback__))

    # -- channels ---------------------------------------------------------------------------------

    async def channel(self, channel_id: int) -> ChannelState:
        state = self.channels.get(channel_id)
        if state is None:
            settings = await self.store.settings(channel_id)
            state = ChannelState(channel_id, settings, self._detector(channel_id, settings))
            state.protected.update((channel_id, *self.always_protected))
            self.channels[channel_id] = state
        return state

    def _detector(self, channel_id: int, settings: DefenceSettings) -> RaidDetector:
        return RaidDetector(
            str(channel_id),
            thresholds=Thresholds.for_sensitivity(settings.sensitivity),
            rules=self.rules,
        )

    async def apply(self, settings: DefenceSettings) -> None:
        """Use changed settings (a new sensitivity starts a fresh detector)."""
        state = await self.channel(settings.channel_id)
        if settings.sensitivity != state.settings.sensitivity:
            state.detector = self._detector(settings.channel_id, settings)
        state.settings = settings

    async def note_incoming_raid(
        self, channel_id: int, from_login: str, viewers: int, at: datetime
    ) -> None:
        """A streamer raided this channel (`channel.raid`): their viewers are guests."""
        state = await self.channel(channel_id)
        state.detector.note_incoming_raid(at, from_login, viewers)

    # -- the worker -------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            batch: list[ChatMessage] = []
            while self._queue and len(batch) < 5_000:
                batch.extend(self._queue.popleft())
            try:
                await self.feed(batch)
            except Exception:
                log.exception("the raid detector hub skipped %d message(s)", len(batch))

    async def feed(self, batch: Sequence[ChatMessage]) -> None:
        """Feed stored messages to their channels' detectors."""
        by_channel: dict[int, list[ChatMessage]] = {}
        for m in batch:
            by_channel.setdefault(m.channel_id, []).append(m)
        for channel_id, messages in by_channel.items():
            await self._feed_channel(await self.channel(channel_id), messages)

    async def _feed_channel(self, state: ChannelState, messages: list[ChatMessage]) -> None:
        seen = state.seen
        if len(seen) > MAX_SEEN:
            seen.clear()
        new = {m.user_id for m in messages if m.user_id not in seen}
        firsts = await self.store.first_messages(state.channel_id, new) if new else {}
        await self.ages.fill({m.user_id for m in messages})
        created = self.ages.created
        detector = state.detector
        notice = state.settings.notice_days is not None
        trips: list[Raid] = []
        for m in messages:
            uid = m.user_id
            first_time = False
            if uid not in seen:
                seen.add(uid)
                first = firsts.get(uid)
                first_time = first is None or first >= m.sent_at - _MS
            if (m.badges and _privileged(m)) or uid in state.protected:
                state.protected.add(uid)
                first_time = False
                age = None
            else:
                age = created(uid)
                if first_time and notice:
                    state.newcomers[uid] = m.login
            raid = detector.feed(
                m.sent_at, uid, m.login, created_at=age, first_time=first_time, text=m.text or ""
            )
            if raid is not None:
                trips.append(raid)
        state.messages += len(messages)
        self.fed += len(messages)
        for raid in trips:
            self.spawn(self._on_raid(state, raid), "botcheck-raid-alert")
        active = detector.active
        if active is not None and active.is_hostile:
            self._on_active(state, active)
