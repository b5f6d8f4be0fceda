"""Stream sessions and viewer counts: stream.online/offline open and close sessions, and a poll
of Get Streams every minute (100 channels a call) samples the viewers of the live ones.

The poll also repairs what EventSub missed: a channel that is live with no open session gets one
(keyed by Twitch's stream id, as stream.online would have; ``helix-<epoch of started_at>`` if the
answer had none), and an open session whose channel is no longer live is closed. At start,
sessions a previous run left open are reconciled the same way: still live with the same start,
they go on; otherwise they are closed at the last moment they were known live (their last viewer
sample, else their start).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.helix import MAX_IDS, HelixError, StreamInfo
from bot.helix.ratelimit import Priority
from storage.models import Channel, StreamSession, ViewerSample

if TYPE_CHECKING:
    from storage.history import History

log = logging.getLogger(__name__)

# A session and a live stream are the same broadcast when their starts are this close (the
# EventSub start has sub-second precision, Get Streams whole seconds).
SAME_STREAM = timedelta(minutes=2)


class StreamSource(Protocol):
    async def get_streams(
        self, user_ids: Sequence[int], *, priority: Priority = ...
    ) -> list[StreamInfo]: ...


class ChannelLookup(Protocol):
    async def get(self, channel_id: int) -> Channel | None: ...


class StreamListener(Protocol):
    """Told when a session opens or closes (the Discord alerts)."""

    def stream_started(self, login: str, session: StreamSession) -> None: ...
    def stream_ended(self, login: str, session: StreamSession) -> None: ...


@dataclass(frozen=True, slots=True)
class PollResult:
    live: int
    samples: int
    opened: int
    closed: int


class StreamTracker:
    """Open, sample and close stream sessions; see the module docstring."""

    def __init__(
        self,
        history: History,
        helix: StreamSource,
        *,
        clock: Callable[[], datetime],
        interval_s: float = 60.0,
        listener: StreamListener | None = None,
        channels: ChannelLookup | None = None,
        joined: Callable[[], Iterable[int]] = lambda: (),
        report_token: Callable[[], str],
        on_sample: Callable[[int, datetime, int, datetime], None] | None = None,
    ) -> None:
        self._history = history
        self._known = channels  # for the logins of channels seen only in old sessions
        self._helix = helix
        self._clock = clock
        self.interval_s = interval_s
        self._listener = listener
        self._channels = joined  # the channels polled: the joined ones
        self._report_token = report_token  # a fresh token for each session's report page
        self._logins: dict[int, str] = {}
        self._lock = asyncio.Lock()  # events and polls change sessions one at a time
        self._task: asyncio.Task[None] | None = None
        # Issue 19: (channel, at, viewers, stream started_at) for each polled sample (bot.watch).
        self.on_sample = on_sample

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Poll every `interval_s` the channels that ``joined()`` names."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="botcheck-viewer-poll")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:  # a bad minute must not end the polling
                log.exception("viewer poll failed")
            await asyncio.sleep(self.interval_s)

    # -- EventSub -----------------------------------------------------------------------------

    async def online(
        self, channel_id: int, login: str, stream_id: str, started_at: datetime
    ) -> StreamSession:
        """stream.online: open the session (once per stream id) with its title and a sample.

        The notification has no title or category: one Get Streams call adds them (and the
        first viewer count) when Twitch already lists the stream; else the next poll does.
        """
        self._logins[channel_id] = login
        info = await self._stream_info(channel_id)
        async with self._lock:
            session = await self._open_for(channel_id, stream_id, started_at, info)
            if info is not None and session.live:
                await self._history.add_viewer_samples(
                    [
                        ViewerSample(
                            session.session_id, self._clock(), info.viewer_count, info.game_name
                        )
                    ]
                )
        return session

    async def offline(self, channel_id: int, login: str, at: datetime) -> list[StreamSession]:
        """stream.offline: close the channel's open session(s)."""
        self._logins[channel_id] = login
        async with self._lock:
            return await self._close_channel(channel_id, at)

    # -- polling ------------------------------------------------------------------------------

    async def reconcile(self) -> PollResult:
        """At start: settle the sessions a previous run left open (see the module docstring)."""
        async with self._lock:
            opened = await self._history.open_sessions()
        if not opened:
            return PollResult(0, 0, 0, 0)
        return await self.poll(extra=[s.channel_id for s in opened])

    async def poll(self, extra: Iterable[int] = (), *, announce: bool = True) -> PollResult:
        """Ask Get Streams about the joined channels (and ``extra``) and record what it says.

        ``announce=False`` opens sessions without alerts: a channel the bot just joined may have
        been live for hours, and "is live" would be news to nobody.
        """
        async with self._lock:
            already = {s.channel_id for s in await self._history.open_sessions()}
        wanted = sorted(set(self._channels()) | set(extra) | already)
        live: dict[int, StreamInfo] = {}
        unknown: set[int] = set()
        for i in range(0, len(wanted), MAX_IDS):
            chunk = wanted[i : i + MAX_IDS]
            try:
                streams = await self._helix.get_streams(chunk, priority=Priority.INTERACTIVE)
            except HelixError as exc:
                # Unknown is not offline: leave these channels' sessions as they are.
                log.warning("Get Streams failed for %d channel(s): %s", len(chunk), exc)
                unknown.update(chunk)
                continue
            live.update((s.user_id, s) for s in streams)
        return await self._record([c for c in wanted if c not in unknown], live, announce)

    async def _record(
        self, channels: Sequence[int], live: dict[int, StreamInfo], announce: bool = True
    ) -> PollResult:
        now = self._clock()
        samples: list[ViewerSample] = []
        opened = closed = 0
        async with self._lock:
            # Read again under the lock: an event may have opened or closed one meanwhile.
            open_by_channel: dict[int, list[StreamSession]] = {}
            for s in await self._history.open_sessions():
                open_by_channel.setdefault(s.channel_id, []).append(s)
            for channel_id in channels:
                stream = live.get(channel_id)
                sessions = open_by_channel.get(channel_id, [])
                if stream is not None:
                    self._logins.setdefault(channel_id, stream.login)
                    for s in sessions:
                        if not _same(s, stream):  # an older broadcast that was never closed
                            await self._close(s, await self._last_seen(s))
                            closed += 1
                    current = next((s for s in sessions if _same(s, stream)), None)
                    if current is None:
                        stream_id = (
                            stream.stream_id or f"helix-{int(stream.started_at.timestamp())}"
                        )
                        current = await self._open_for(
                            channel_id, stream_id, stream.started_at, stream, announce=announce
                        )
                        if not current.live:
                            # stream.offline ended it and Get Streams lags behind: no sample
                            # after its end, which would change its peak and average.
                            continue
                        opened += 1
                    elif stream.title or stream.game_name:
                        current = await self._refresh(current, stream)
                    samples.append(
                        ViewerSample(current.session_id, now, stream.viewer_count, stream.game_name)
                    )
                    if self.on_sample is not None:
                        self.on_sample(channel_id, now, stream.viewer_count, stream.started_at)
                else:
                    for s in sessions:
                        if now - s.started_at < SAME_STREAM:
                            continue  # Get Streams may lag behind stream.online
                        await self._close(s, await self._last_seen(s))
                        closed += 1
            await self._history.add_viewer_samples(samples)
        return PollResult(len(live), len(samples), opened, closed)

    async def _stream_info(self, channel_id: int) -> StreamInfo | None:
        try:
            streams = await self._helix.get_streams([channel_id], priority=Priority.INTERACTIVE)
        except HelixError as exc:
            log.info("could not look up the new stream of %s: %s", channel_id, exc)
            return None
        return next((s for s in streams if s.user_id == channel_id), None)

    # -- sessions -----------------------------------------------------------------------------

    async def _open_for(
        self,
        channel_id: int,
        stream_id: str,
        started_at: datetime,
        info: StreamInfo | None,
        *,
        announce: bool = True,
    ) -> StreamSession:
        # One transaction under the channel's lock in storage: two processes (or the event and
        # the poll) make one session, and only the caller that made it announces it.
        done = await self._history.streams.open(
            channel_id=channel_id,
            stream_id=stream_id,
            started_at=started_at,
            title=info.title if info else "",
            category=info.game_name if info else "",
            report_token=self._report_token(),
            same_within=SAME_STREAM,
            now=self._clock(),
        )
        for ended in done.closed:  # a new stream while an old one was open: the old one ended
            await self._ended(ended)
        session = done.session
        if done.opened:
            login = await self._login(channel_id)
            log.info("stream started in %s (session %d)", login, session.session_id)
            if self._listener is not None and announce:
                self._listener.stream_started(login, session)
        return session

    async def _refresh(self, session: StreamSession, info: StreamInfo) -> StreamSession:
        if (session.title, session.category) == (info.title, info.game_name):
            return session
        return await self._history.start_session(
            channel_id=session.channel_id,
            stream_id=session.stream_id,
            started_at=session.started_at,
            title=info.title,
            category=info.game_name,
            report_token=session.report_token,
        )

    async def _close_channel(self, channel_id: int, at: datetime) -> list[StreamSession]:
        ended = []
        for s in await self._history.open_sessions():
            if s.channel_id == channel_id:
                ended.append(await self._close(s, max(at, s.started_at)))
        return ended

    async def _close(self, session: StreamSession, at: datetime) -> StreamSession:
        closed = await self._history.streams.close(session.session_id, ended_at=at)
        if closed is None:  # another process (or an event meanwhile) closed it: said there
            current = await self._history.session(session.session_id)
            return current if current is not None else session
        await self._ended(closed)
        return closed

    async def _ended(self, closed: StreamSession) -> None:
        login = await self._login(closed.channel_id)
        log.info("stream ended in %s (session %d)", login, closed.session_id)
        if self._listener is not None:
            self._listener.stream_ended(login, closed)

    async def _last_seen(self, session: StreamSession) -> datetime:
        samples = await self._history.viewer_samples(session.session_id)
        return samples[-1].at if samples else session.started_at

    async def _login(self, channel_id: int) -> str:
        login = self._logins.get(channel_id)
        if login is None and self._known is not None:
            channel = await self._known.get(channel_id)
            if channel is not None:
                login = self._logins[channel_id] = channel.login
        return login or str(channel_id)


def _same(session: StreamSession, stream: StreamInfo) -> bool:
    return abs(session.started_at - stream.started_at) <= SAME_STREAM
