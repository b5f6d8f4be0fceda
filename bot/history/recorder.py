"""The batched recorder of channel history: chat messages, moderation events, removals and
stream events (subscriptions, raids, follows).

Listeners hand items to `Recorder.put`, which returns at once while there is room; a writer
task stores them with `History.write_batch` when `max_batch` items wait or `interval_s` after
the first one came, whichever is first (taking up to `max_write` at once when more wait).
Writing runs on aiosqlite's thread, so the event loop never waits on SQLite. Memory is bounded:
past `max_pending` waiting items `put` waits (first come, first served, so order is kept) until
a write makes room. `flush()` stores everything put so far; `close()` flushes and stops.

A batch that SQLite refuses (e.g. a channel the database does not know yet) is retried item by
item, so one bad item costs only itself; it is logged and dropped.

A database that refuses every write for a while (disk full, a read-only file, PostgreSQL
restarting: `refused`) costs nothing: the recorder keeps what it holds, in order, and tries
again with backoff (`retry_s` doubling up to `max_retry_s`). Only while it refuses and
`max_pending` items are held are new items dropped, and counted. Logs carry counts, never text.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.errors import StorageUnavailable
from storage.history import Removal
from storage.models import ChatMessage, ModerationEvent
from storage.stream_events import StreamEvent

if TYPE_CHECKING:
    from storage.history import History

log = logging.getLogger(__name__)

Item = ChatMessage | ModerationEvent | Removal | StreamEvent


class RecorderClosed(RuntimeError):
    """`put` after `close()`."""


# SQLite's words for "no write can succeed now" (as opposed to "this row is wrong").
_REFUSED_WORDS = ("full", "readonly", "read-only", "i/o", "locked", "unable to open", "busy")


def refused(exc: BaseException) -> bool:
    """True when the database refuses every write for now (retry later), not this item."""
    if isinstance(exc, StorageUnavailable | OSError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return any(word in str(exc).lower() for word in _REFUSED_WORDS)
    # asyncpg's "disk full" and "read-only transaction" (SQLSTATE 53100, 25006), by name
    # so that the SQLite-only install does not need asyncpg.
    return type(exc).__name__ in ("DiskFullError", "ReadOnlySQLTransactionError")


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
        retry_s: float = 0.5,
        max_retry_s: float = 30.0,
        close_timeout_s: float = 10.0,
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
        self.retry_s = retry_s
        self.max_retry_s = max_retry_s
        self.close_timeout_s = close_timeout_s
        self._retry_at: float | None = None  # while the database refuses writes: next try
        self._backoff = retry_s
        self._refused_since = 0.0
        self._refused_dropped = 0  # dropped since the database began refusing
        self._refusal_logged = 0.0
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
        try:
            await asyncio.wait_for(self._drain(), timeout=self.close_timeout_s)
        except TimeoutError:
            # The database still refuses writes: do not hang the stop for ever.
            lost = self.pending
            self._dropped += lost
            self._buffer.clear()
            log.error(
                "history: stopped with %d item(s) held that the database would not take; "
                "they are lost",
                lost,
            )
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _drain(self) -> None:
        await self.flush()
        while self._room_waiters or self._reserved or self._buffer:
            await asyncio.sleep(0)
            await self.flush()

    @property
    def refusing(self) -> bool:
        """True while the database refuses writes and the recorder holds and retries."""
        return self._retry_at is not None

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
        """Queue one item; wait (in turn) while `max_pending` items are already pending.

        While the database refuses writes and the recorder is full, the item is dropped
        (counted) instead: waiting would only pile up waiting listeners.
        """
        if self.offer(item):
            return
        if self._retry_at is not None and self.pending >= self.max_pending:
            self._dropped += 1
            self._refused_dropped += 1
            self._received += 1
            self._settled += 1
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
                due = self._due()
                if due:
                    await asyncio.sleep(due)  # the database refused: back off before retrying
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
        if self._retry_at is not None:
            return max(0.0, self._retry_at - time.monotonic())
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
        held = 0
        try:
            held = await self._store([item for _, item in batch])
        finally:
            self._in_flight = 0
            if held:
                # Refused by the database: keep them at the front, in order, for the retry.
                self._buffer.extendleft(reversed(batch[n - held :]))
                self._refused()
            elif self._retry_at is not None:
                self._recovered()
            self._settled += n - held
            if held < n:
                self._batches += 1
                self._max_lag = max(self._max_lag, time.monotonic() - batch[0][0])
            self._progress.set()
            self._release_waiters()

    def _refused(self) -> None:
        now = time.monotonic()
        if self._retry_at is None:
            self._refused_since = now
            self._backoff = self.retry_s
        else:
            self._backoff = min(self.max_retry_s, self._backoff * 2)
        self._retry_at = now + self._backoff
        if now - self._refusal_logged >= 30.0:  # counts once per window, never a flood
            self._refusal_logged = now
            log.warning(
                "history: the database refuses writes; holding %d item(s), dropped %d, "
                "retrying every %.1f s at most",
                self.pending,
                self._refused_dropped,
                self._backoff,
            )

    def _recovered(self) -> None:
        log.warning(
            "history: the database takes writes again after %.0f s; %d item(s) still held, "
            "%d dropped meanwhile",
            time.monotonic() - self._refused_since,
            len(self._buffer),
            self._refused_dropped,
        )
        self._retry_at = None
        self._refused_dropped = 0
        self._refusal_logged = 0.0

    async def _store(self, batch: list[Item]) -> int:
        """Store the batch; return how many at its end the database refused (to keep)."""
        try:
            await self._write(batch)
            return 0
        except Exception as exc:
            if refused(exc):
                return len(batch)
            log.warning("a history batch of %d failed (%s); storing one by one", len(batch), exc)
        for index, item in enumerate(batch):
            try:
                await self._write([item])
            except Exception as exc:
                if refused(exc):
                    return len(batch) - index
                self._dropped += 1
                # The kind and channel only: chat text stays out of the log.
                log.warning(
                    "dropped a %s of channel %s that could not be stored (%s)",
                    type(item).__name__,
                    item.channel_id,
                    type(exc).__name__,
                )
        return 0

    async def _write(self, items: list[Item]) -> None:
        messages = [x for x in items if isinstance(x, ChatMessage)]
        await self._history.write_batch(
            messages=messages,
            events=[x for x in items if isinstance(x, ModerationEvent)],
            removals=[x for x in items if isinstance(x, Removal)],
            stream_events=[x for x in items if isinstance(x, StreamEvent)],
        )
        if messages and self._listeners:
            self._tell(messages)

    def _release_waiters(self) -> None:
        room = self.max_pending - self.pending
        while self._room_waiters and room > 0:
            waiter = self._room_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self._reserved += 1
                room -= 1
