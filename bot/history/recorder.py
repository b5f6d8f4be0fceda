"""The batched recorder of channel history: chat messages, moderation events, removals.

Listeners hand items to `Recorder.put`, which returns at once while there is room; a writer
task stores them with `History.write_batch` when `max_batch` items wait or `interval_s` after
the first one came, whichever is first (taking up to `max_write` at once when more wait).
Writing runs on aiosqlite's thread, so the event loop never waits on SQLite. Memory is bounded:
past `max_pending` waiting items `put` waits (first come, first served, so order is kept) until
a write makes room. `flush()` stores everything put so far; `close()` flushes and stops.

A batch that SQLite refuses (e.g. a channel the database does not know yet) is retried item by
item, so one bad item costs only itself; it is logged and dropped.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.history import Removal
from storage.models import ChatMessage, ModerationEvent

if TYPE_CHECKING:
    from storage.history import History

log = logging.getLogger(__name__)

Item = ChatMessage | ModerationEvent | Removal


class RecorderClosed(RuntimeError):
    """`put` after `close()`."""


@dataclass(frozen=True, slots=True)
class RecorderStats:
    """What the recorder has done so far (for logs, tests and the benchmark)."""

    received: int
    written_batches: int
    dropped: int
    pending: int
    max_lag_s: float  # the longest time an item waited between put and its commit


class Recorder:
    """Batch history writes; see the module docstring."""

    def __init__(
        self,
        history: History,
        *,
        max_batch: int = 1000,
        interval_s: float = 1.0,
        max_pending: int = 50_000,
        max_write: int | None = None,
    ) -> None:
        if max_batch < 1 or max_pending < max_batch:
            raise ValueError("need 1 <= max_batch <= max_pending")
        self._history = history
        self.max_batch = max_batch
        # One write takes up to this many: under a flood, a busy event loop makes each round
        # trip to SQLite's thread slow, so fewer, larger transactions keep up where small ones
        # fall behind.
        self.max_write = max(max_batch, max_write if max_write is not None else 10 * max_batch)
        self.interval_s = interval_s
        self.max_pending = max_pending
        self._buffer: collections.deque[tuple[float, Item]] = collections.deque()
        self._in_flight = 0
        self._reserved = 0  # producers let through and not yet in the buffer
        self._room_waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._wake = asyncio.Event()  # something for the writer to look at
        self._progress = asyncio.Event()  # a batch was settled
        self._flushes = 0  # flush() calls waiting: write now
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._received = 0
        self._settled = 0  # items stored or dropped, in order
        self._batches = 0
        self._dropped = 0
        self._max_lag = 0.0
        self._listeners: list[Callable[[Sequence[ChatMessage]], None]] = []

    # -- listeners (chat defence): told of every chat row once it is stored ---------------------

    def add_listener(self, listener: Callable[[Sequence[ChatMessage]], None]) -> None:
        """Call `listener` with each batch of chat messages right after it is stored.

        It runs on the writer task and must return at once (queue the work elsewhere); an
        exception it raises is logged and does not stop the writer.
        """
        self._listeners.append(listener)

    def _tell(self, messages: Sequence[ChatMessage]) -> None:
        for listener in self._listeners:
            try:
                listener(messages)
            except Exception:
                log.exception("a history listener failed")

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the writer task (idempotent)."""
        if self._closed:
            raise RecorderClosed("the recorder is closed")
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="botcheck-history-writer")

    async def close(self) -> None:
        """Store everything put so far and stop; safe to call twice."""
        if self._closed:
            return
        self._closed = True  # no new puts; those already waiting for room still get in
        await self.flush()
        while self._room_waiters or self._reserved or self._buffer:
            await asyncio.sleep(0)
            await self.flush()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def __aenter__(self) -> Recorder:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- producers ----------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Items put and not yet settled (waiting or being written)."""
        return len(self._buffer) + self._in_flight + self._reserved

    def stats(self) -> RecorderStats:
        return RecorderStats(
            self._received, self._batches, self._dropped, self.pending, self._max_lag
        )

    def offer(self, item: Item) -> bool:
        """Queue one item at once if there is room and nobody waits for room before it.

        False when it would have to wait (then `put` it); raises `RecorderClosed` after
        `close()`. Lets a listener store without an await (no task switch) in the usual case.
        """
        if self._closed:
            raise RecorderClosed("the recorder is closed")
        buffer = self._buffer
        if (
            self._room_waiters
            or self._reserved
            or len(buffer) + self._in_flight >= self.max_pending
        ):
            return False
        buffer.append((time.monotonic(), item))
        self._received += 1
        if len(buffer) == 1 or len(buffer) >= self.max_batch:
            self._wake.set()
        return True

    async def put(self, item: Item) -> None:
        """Queue one item; wait (in turn) while `max_pending` items are already pending."""
        if self.offer(item):
            return
        if self._room_waiters or self._reserved or self.pending >= self.max_pending:
            waiter = asyncio.get_running_loop().create_future()
            self._room_waiters.append(waiter)
            self._wake.set()
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._room_waiters:
                    self._room_waiters.remove(waiter)
                elif waiter.done() and not waiter.cancelled():
                    self._reserved -= 1  # let through, but gone: give the place back
                self._release_waiters()
                raise
            self._reserved -= 1
        self._buffer.append((time.monotonic(), item))
        self._received += 1
        if len(self._buffer) == 1 or len(self._buffer) >= self.max_batch:
            self._wake.set()

    async def flush(self) -> None:
        """Return once everything put before this call is stored (or dropped as bad)."""
        target = self._received
        if self._task is None or self._task.done():
            while self._settled < target:  # no writer (not started, or stopped): write here
                if not self._buffer:
                    self._release_waiters()
                    await asyncio.sleep(0)  # let producers that were let through append
                    continue
                await self._write_some()
            return
        self._flushes += 1
        try:
            while self._settled < target:
                self._progress.clear()
                self._wake.set()
                await self._progress.wait()
        finally:
            self._flushes -= 1

    # -- the writer ---------------------------------------------------------------------------

    def _due(self) -> float | None:
        """Seconds until the next write is due (0: now); None when there is nothing to write."""
        if not self._buffer:
            return None
        if self._flushes or self._room_waiters or len(self._buffer) >= self.max_batch:
            return 0.0
        return max(0.0, self._buffer[0][0] + self.interval_s - time.monotonic())

    async def _run(self) -> None:
        while True:
            due = self._due()
            if due is None or due > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=due)
                continue
            try:
                await self._write_some()
            except Exception:  # keep the writer alive; _store already logged what it dropped
                log.exception("history writer failed")

    async def _write_some(self) -> None:
        n = min(self.max_write, len(self._buffer))
        if n == 0:
            return
        batch = [self._buffer.popleft() for _ in range(n)]
        self._in_flight = n
        try:
            await self._store([item for _, item in batch])
        finally:
            self._in_flight = 0
            self._settled += n
            self._batches += 1
            self._max_lag = max(self._max_lag, time.monotonic() - batch[0][0])
            self._progress.set()
            self._release_waiters()

    async def _store(self, batch: list[Item]) -> None:
        messages = [x for x in batch if isinstance(x, ChatMessage)]
        events = [x for x in batch if isinstance(x, ModerationEvent)]
        removals = [x for x in batch if isinstance(x, Removal)]
        try:
            await self._history.write_batch(messages=messages, events=events, removals=removals)
            if messages and self._listeners:
                self._tell(messages)
            return
        except Exception as exc:
            log.warning("a history batch of %d failed (%s); storing one by one", len(batch), exc)
        for item in batch:
            try:
                if isinstance(item, ChatMessage):
                    await self._history.write_batch(messages=[item])
                    if self._listeners:
                        self._tell([item])
                elif isinstance(item, ModerationEvent):
                    await self._history.write_batch(events=[item])
                else:
                    await self._history.write_batch(removals=[item])
            except Exception as exc:
                self._dropped += 1
                log.warning("dropped a history item that could not be stored: %r (%s)", item, exc)

    def _release_waiters(self) -> None:
        room = self.max_pending - self.pending
        while self._room_waiters and room > 0:
            waiter = self._room_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self._reserved += 1
                room -= 1
