"""What a capture's analysis draws on beyond its own chatter list (issue 19).

- `chatted`: the chatters that ever wrote in this channel (where chat is recorded);
- `platform`: Twitch-wide signups by day, from every account the cache has ever looked up,
  computed off the event loop, at start and after checks, at most once a day (`refresh_s`)
  once the cache is large; a check takes the last ones and never waits for them;
- `multi_channel`: the chatters also found in at least `k` of the channels the bot serves
  within the same hour (recent captures), known service bots and the bot itself excluded;
- `raid`: the latest raid into the channel within `RAID_CONTEXT` before the check, from the
  stored channel.raid notifications (issue 18), which the verdict's words mention.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from reports.platform import SignupRates, signup_rates_from
from reports.presence import DEFAULT_K, Sighting, channels_at_once, multi_channel
from reports.raid_model import IncomingRaid
from storage import Database

__all__ = ["CaptureSignals", "ChattedSoFar", "Signals"]

log = logging.getLogger(__name__)

DAY_S = 86_400.0
MIN_PLATFORM_ACCOUNTS = 1_000  # fewer looked-up accounts say little about Twitch as a whole
RAID_CONTEXT = timedelta(minutes=30)  # a raid's viewers are still in the chatter list


@dataclass(frozen=True, slots=True)
class CaptureSignals:
    """The analysis keywords for one capture."""

    chatted: frozenset[int] | None = None
    platform: SignupRates | None = None
    multi_channel: frozenset[int] = field(default_factory=frozenset)
    raid: IncomingRaid | None = None


class ChattedSoFar:
    """`chatted` read along a capture's pages, so that none of it is left for after the last one.

    Reading it for 100,000 chatters at once took 0.15 s of the answer (issue 21). `add` is the
    capture's `on_chatters`; `among(ids)` is the answer once every one of `ids` was read.
    """

    def __init__(self, db: Database, channel_id: int) -> None:
        self._db = db
        self._channel_id = channel_id
        self._recorded = False  # chat was recorded here when some page was read
        self._chatted: set[int] = set()
        self._read = 0  # ids read

    async def add(self, user_ids: list[int]) -> None:
        found = await self._db.aside.detection.chatted(self._channel_id, user_ids)
        if found is not None:
            self._recorded = True
            self._chatted.update(found)
        self._read += len(user_ids)

    def among(self, user_ids: Sequence[int]) -> frozenset[int] | _Unread | None:
        """The ids among `user_ids` that wrote here (None: chat not recorded), or `UNREAD`
        when some of them were not read along (a page's read failed)."""
        if self._read < len(user_ids):
            return UNREAD
        if not self._recorded:
            return None
        return frozenset(self._chatted.intersection(user_ids))


class _Unread:
    """`ChattedSoFar.among` when not every chatter was read along: read them all at the end."""


UNREAD = _Unread()


class Signals:
    """Gathers `CaptureSignals`; the platform rates are cached for `refresh_s`."""

    def __init__(
        self,
        *,
        db: Database,
        k: int = DEFAULT_K,
        exclude: Collection[int] = (),
        refresh_s: float = DAY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self.k = k
        self._exclude = frozenset(exclude)
        self._refresh_s = refresh_s
        self._monotonic = monotonic
        self._platform: SignupRates | None = None
        self._platform_at: float | None = None
        self._lock = asyncio.Lock()
        self._refreshing: asyncio.Task[None] | None = None

    async def for_capture(
        self,
        channel_id: int,
        started_at: datetime,
        user_ids: Sequence[int],
        *,
        along: ChattedSoFar | None = None,
        capture_id: int | None = None,
    ) -> CaptureSignals:
        """Return the signals for a capture of `user_ids` in `channel_id` at `started_at`.

        Read aside from the writes (issue 21): `capture_id` names a capture whose last writes
        may still run, and the cross-channel presence reads its chatters from `user_ids`
        instead of from storage (without it, the capture is taken as stored). `along`: who
        chatted, read along the capture's pages.
        """
        reads = self._db.aside
        chatted = along.among(user_ids) if along is not None else UNREAD
        if isinstance(chatted, _Unread):
            chatted = await reads.detection.chatted(channel_id, user_ids)
        platform = await self.platform()
        since = started_at - timedelta(hours=1)
        multi: frozenset[int] = frozenset()
        # Nobody is in k channels at once unless k channels were captured at all: the usual
        # case, and it spares reading every recent capture's chatters (issue 21).
        if await reads.detection.channels_captured(since) >= self.k:
            if capture_id is None:
                sightings = await self._db.detection.sightings(since)
            else:
                sightings = await reads.detection.sightings(since, besides=capture_id)
                sightings.append((channel_id, started_at, list(user_ids)))
            counts = channels_at_once(
                (Sighting(ch, at, ids) for ch, at, ids in sightings), exclude=self._exclude
            )
            mine = set(user_ids)
            multi = frozenset(u for u in multi_channel(counts, self.k) if u in mine)
        # A capture's start is kept in whole seconds: a raid in that same second counts.
        raid = await reads.stream_events.last_raid_in(
            channel_id, since=started_at - RAID_CONTEXT, until=started_at + timedelta(seconds=1)
        )
        incoming = (
            IncomingRaid(raid.at, raid.user_login or str(raid.user_id), raid.amount or 0)
            if raid is not None
            else None
        )
        return CaptureSignals(
            chatted=chatted, platform=platform, multi_channel=multi, raid=incoming
        )

    async def platform(self) -> SignupRates | None:
        """Return Twitch-wide signup rates from the account cache, as last worked out.

        None while the cache is small, and before the first refresh (the analysis then reads
        the chatters' own ids, as it does for a small cache). A check never waits for them
        (issue 21: reading every cached account took half a second of a 100,000-chatter
        answer): `refresh_soon` works them out again after a check, when they are stale.
        """
        return self._platform

    def stale(self) -> bool:
        """True when the rates are older than `refresh_s`, or were None (a small cache)."""
        return (
            self._platform_at is None
            or self._platform is None
            or self._monotonic() - self._platform_at >= self._refresh_s
        )

    def refresh_soon(self) -> None:
        """Work the rates out again in the background if they are stale (after a check)."""
        if self.stale() and (self._refreshing is None or self._refreshing.done()):
            self._refreshing = asyncio.create_task(self._refresh_logged(), name="platform-rates")

    async def _refresh_logged(self) -> None:
        try:
            await self.refresh()
        except Exception as exc:  # the last rates stand; the next check tries again
            log.warning("platform signup rates not refreshed: %s", exc)

    async def refresh(self) -> SignupRates | None:
        """Work the rates out from every cached account now, and return them."""
        async with self._lock:
            ids, seconds = await self._db.aside.detection.creation_seconds()
            self._platform_at = self._monotonic()
            if len(ids) < MIN_PLATFORM_ACCOUNTS:
                self._platform = None
            else:
                self._platform = await asyncio.to_thread(_rates, ids, seconds)
                log.info("platform signup rates from %d cached accounts", len(ids))
            return self._platform

    async def close(self) -> None:
        """Wait for a refresh still running (before the database closes)."""
        if self._refreshing is not None:
            await asyncio.gather(self._refreshing, return_exceptions=True)


def _rates(ids: list[int], seconds: list[int]) -> SignupRates:
    return signup_rates_from(np.array(seconds, dtype=np.float64), np.array(ids, dtype=np.float64))
