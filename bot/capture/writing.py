"""A capture's write-behind: what it found, buffered and written in batches behind it.

The matcher and the lookup workers hand their rows over and never wait for storage; a task
writes whatever has piled up, up to 10,000 rows at a time in one transaction
(`storage.capture_batches`). A batch that fails stays buffered, in front of what arrived
meanwhile, so the capture's last write still holds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime

from storage import Database, LookedUp
from storage.capture_batches import CaptureBatch

# Rows buffered before they are written, in one transaction. Every aiosqlite call is a hand-off
# between threads that costs milliseconds while the event loop is busy, and every SQLite commit
# rewrites the pages it touched (accounts arrive in random id order: pages all over the table),
# so a capture writes every ten pages or so, not every page; a capture that dies loses nothing it
# claimed (it ends interrupted, never complete).
FLUSH_ROWS = 10_000
# Over the last pages, smaller writes: what is buffered when the last lookup lands is written
# while the answer waits (issue 21: a 10,000-row last write took a second of a cold answer).
TAIL_PAGES = 3
TAIL_ROWS = 1_000


class WriteBehind:
    """One capture's buffered rows and the task that writes them."""

    def __init__(
        self,
        db: Database,
        capture_id: int,
        *,
        clock: Callable[[], datetime],
        pages_left: Callable[[], int],
    ) -> None:
        self._db = db
        self._capture_id = capture_id
        self._clock = clock
        self._pages_left = pages_left
        self._fresh: list[LookedUp] = []  # looked up, not yet stored
        self._gone: list[tuple[int, str, str]] = []
        self._renamed: list[tuple[int, str, str]] = []  # known accounts under a new name
        self._unchanged: list[int] = []  # known accounts under the names we have
        self._rows: list[tuple[int, str]] = []  # capture chatters not yet stored
        self._lock = asyncio.Lock()
        self._wanted = asyncio.Event()
        self._closing = False
        self._eager = False

    # --- what the capture hands over -------------------------------------------------------------

    def chatters(self, rows: Iterable[tuple[int, str]]) -> None:
        self._rows.extend(rows)

    def renamed(self, user_id: int, login: str, display_name: str) -> None:
        self._renamed.append((user_id, login, display_name))

    def unchanged(self, user_id: int) -> None:
        self._unchanged.append(user_id)

    def looked_up(self, accounts: Iterable[LookedUp]) -> None:
        self._fresh.extend(accounts)

    def gone(self, user_id: int, login: str, display_name: str) -> None:
        self._gone.append((user_id, login, display_name))

    def handed_over(self) -> None:
        """Ask for a write when enough is buffered (always, once `eager`)."""
        buffered = len(self._rows) + len(self._fresh) + len(self._gone) + len(self._renamed)
        if (
            buffered >= FLUSH_ROWS
            or (self._eager and buffered)
            or (buffered >= TAIL_ROWS and self._pages_left() <= TAIL_PAGES)
        ):
            self._wanted.set()

    def eager(self) -> None:
        """From now on write as rows arrive: the last write after the last lookup is small."""
        self._eager = True
        self._wanted.set()

    # --- writing ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Write buffered rows in the background until `close`: nobody waits for storage."""
        while not self._closing:
            await self._wanted.wait()
            self._wanted.clear()
            if not self._closing:
                await self.flush()

    def close(self) -> None:
        """Stop `run` at its next wake-up (never mid-write: that would roll its rows back)."""
        self._closing = True
        self._wanted.set()

    async def flush(self) -> None:
        """Write everything buffered in one transaction; it stays buffered if the write fails."""
        async with self._lock:
            batch = CaptureBatch(
                capture_id=self._capture_id,
                at=self._clock(),
                looked_up=self._fresh,
                gone=self._gone,
                renamed=self._renamed,
                unchanged=self._unchanged,
                chatters=self._rows,
            )
            if not len(batch):
                return
            self._fresh, self._gone, self._renamed, self._unchanged, self._rows = [], [], [], [], []
            try:
                await self._db.capture_batches.write(batch)
            except BaseException:
                # Nothing of it was written: back in front of what arrived meanwhile.
                self._fresh[:0], self._gone[:0] = batch.looked_up, batch.gone
                self._renamed[:0], self._unchanged[:0] = batch.renamed, batch.unchanged
                self._rows[:0] = batch.chatters
                raise
