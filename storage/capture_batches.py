"""A running capture's writes, one transaction at a time.

A capture writes as it goes (`bot.capture.pipeline`): the accounts Get Users returned, the ones
it no longer returns, the known ones seen again (renamed or not), and the capture's chatter
rows. Each kind used to commit on its own; on SQLite every commit rewrites the pages it touched,
and accounts arrive in random id order, so a 100,000-chatter capture made some 200 commits that
each rewrote pages all over the accounts table (issue 21: the writer thread was busy most of the
capture, sharing two cores with the page chain). One batch is one transaction here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storage.accounts import Accounts
from storage.captures import Captures
from storage.engine import Store
from storage.models import LookedUp


@dataclass(frozen=True, slots=True)
class CaptureBatch:
    """What a capture has buffered since its last write."""

    capture_id: int
    at: datetime
    looked_up: Sequence[LookedUp] = ()  # as Get Users returned them
    gone: Sequence[tuple[int, str, str]] = ()  # (id, login, display name) never known
    renamed: Sequence[tuple[int, str, str]] = ()  # known ids under new names
    unchanged: Sequence[int] = ()  # known ids under the names storage has
    chatters: Sequence[tuple[int, str]] = field(default=())  # (id, login) of the capture

    def __len__(self) -> int:
        return (
            len(self.looked_up)
            + len(self.gone)
            + len(self.renamed)
            + len(self.unchanged)
            + len(self.chatters)
        )


class CaptureBatches:
    """Writes a capture's batches: all of one batch, or nothing of it."""

    def __init__(self, db: Store, accounts: Accounts, captures: Captures) -> None:
        self._db = db
        self._accounts = accounts
        self._captures = captures

    async def write(self, batch: CaptureBatch) -> None:
        """Write the batch in one transaction; on failure nothing of it is written."""
        if not len(batch):
            return
        async with self._db.transaction() as tx:
            await self._accounts.write_looked_up(tx, batch.looked_up, seen_at=batch.at)
            await self._accounts.write_gone(tx, batch.gone, at=batch.at)
            # A known id under a new name is a rename: write_seen records the history.
            await self._accounts.write_seen(tx, batch.renamed, seen_at=batch.at)
            await self._accounts.write_seen_unchanged(tx, batch.unchanged, seen_at=batch.at)
            await self._captures.write_chatters(tx, batch.capture_id, batch.chatters)
