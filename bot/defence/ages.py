"""Account creation dates for the raid detector: memory, then the account cache, then Helix.

`known(ids)` answers from memory at once; `fill(ids)` reads the account cache (storage) for the
ones memory lacks and queues the rest for Get Users. One background task looks the queue up in
batches of 100 through the shared Helix limiter (never one call per message) and stores the
answers in the account cache, so the next message of that account has its age. Creation dates
never change, so memory only forgets to stay bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from bot.helix import MAX_IDS, Helix, HelixError
from bot.helix.ratelimit import Priority
from storage.accounts import Accounts

log = logging.getLogger(__name__)

MAX_REMEMBERED = 500_000


class AccountAges:
    """Creation dates by user id (see the module docstring)."""

    def __init__(
        self,
        accounts: Accounts,
        helix: Helix,
        *,
        clock: Callable[[], datetime],
        batch_wait_s: float = 0.5,
    ) -> None:
        self._accounts = accounts
        self._helix = helix
        self._clock = clock
        self._batch_wait_s = batch_wait_s
        self._created: dict[int, datetime | None] = {}  # None: Twitch does not know it
        self._queue: dict[int, None] = {}  # ordered set of ids to look up
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.lookups = 0  # Get Users calls made

    def created(self, user_id: int) -> datetime | None:
        return self._created.get(user_id)

    def remember(self, user_id: int, created_at: datetime | None) -> None:
        if len(self._created) >= MAX_REMEMBERED:
            self._created.clear()
        self._created[user_id] = created_at

    async def fill(self, user_ids: Iterable[int]) -> None:
        """Learn the dates of these ids from the account cache; queue the unknown for Helix."""
        missing = [u for u in set(user_ids) if u not in self._created and u not in self._queue]
        if not missing:
            return
        known = await self._accounts.get_many(missing)
        for uid in missing:
            account = known.get(uid)
            if account is not None and account.created_at is not None:
                self.remember(uid, account.created_at)
            else:
                self._queue[uid] = None
        if self._queue:
            self._wake.set()

    @property
    def queued(self) -> int:
        return len(self._queue)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="botcheck-defence-ages")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if len(self._queue) < MAX_IDS:
                await asyncio.sleep(self._batch_wait_s)  # let a batch fill up
            while self._queue:
                ids = list(self._queue)[:MAX_IDS]
                try:
                    await self.lookup(ids)
                except HelixError as exc:
                    log.warning("account lookup for the raid detector failed: %s", exc)
                    await asyncio.sleep(5.0)
                    continue
                except Exception:
                    log.exception("account lookup for the raid detector failed")
                    await asyncio.sleep(5.0)
                    continue

    async def lookup(self, ids: list[int]) -> None:
        """Look up at most 100 ids with Get Users and store them."""
        self.lookups += 1
        found = await self._helix.get_users(ids, priority=Priority.CAPTURE)
        if found:
            await self._accounts.upsert_many(found, seen_at=self._clock())
        by_id = {a.user_id: a.created_at for a in found}
        for uid in ids:
            self._queue.pop(uid, None)
            self.remember(uid, by_id.get(uid))
