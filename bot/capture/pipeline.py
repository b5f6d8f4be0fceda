"""One capture's pipeline: the fetcher, the matcher, the lookup workers and the writer.

Three parts run at once. The fetcher follows the Get Chatters cursor page after page and does
nothing else: that chain cannot run in parallel, so nothing may slow it. The matcher checks each
page against storage: known accounts are matched (a new login is a rename), the others go into
batches of 100 for Get Users. A pool of lookup workers sends those batches concurrently on the
app token and, while it has points to spare, on the moderator's token too: two buckets are faster
than one. Creation dates never change, so an account is looked up once in its life. Storage
writes happen behind all three, up to 10,000 rows at a time in one transaction
(`bot.capture.writing`, `storage.capture_batches`).

`bot.capture.capturer.Capturer` owns the capture row: it makes one `CaptureRun` per capture with
all it needs, and gets one `RunOutcome` back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.capture.model import (
    INTERNAL_ERROR,
    LIST_OVERRAN,
    LIST_REPEATED,
    LOOKUPS_FAILED,
    UNAVAILABLE,
    CaptureProgress,
    RunOutcome,
    reason_for,
)
from bot.capture.slim import gone, slim_known, slim_looked_up
from bot.capture.writing import WriteBehind
from bot.helix.answers import MAX_CHATTERS_PAGE, MAX_IDS, Chatter, ChattersPage
from bot.helix.client import Helix
from bot.helix.errors import HelixError
from bot.helix.ratelimit import Priority
from reports.audience import Audience
from reports.i18n import Fmt, Phrase, joined
from storage import Account, CaptureStatus, Database

log = logging.getLogger(__name__)

# A cursor chain may run this many pages past what `total` needs (chatters join meanwhile),
# plus one per 10,000 chatters; past that, or on a cursor seen before, it stops as partial.
CURSOR_SLACK_PAGES = 5


class CaptureRun:
    """One running capture: its pipeline and the figures its progress reports."""

    def __init__(
        self,
        *,
        db: Database,
        helix: Helix,
        channel_id: int,
        moderator_id: int,
        capture_id: int,
        started_at: datetime,
        clock: Callable[[], datetime],
        on_progress: Callable[[CaptureProgress], None] | None,
        lookup_workers: int,
        on_gathered: Callable[[RunOutcome], None] | None = None,
        on_chatters: Callable[[list[int]], Awaitable[object]] | None = None,
    ) -> None:
        self.db = db
        self.helix = helix
        self.channel_id = channel_id
        self.moderator_id = moderator_id
        self.capture_id = capture_id
        self.started_at = started_at
        self.clock = clock
        self.on_progress = on_progress
        self.lookup_workers = lookup_workers
        self.on_gathered = on_gathered
        self.on_chatters = on_chatters
        self.t0 = time.monotonic()
        self.pages = 0
        self.total: int | None = None
        # id -> (login, display name, place in the list). Plain tuples: the garbage collector
        # stops tracking them, where 100,000 objects would make every full collection slower.
        self.seen: dict[int, tuple[str, str, int]] = {}
        self.accounts: dict[int, Account] = {}
        # The accounts in analysis columns as they land (issue 21): the analysis after the
        # last lookup sorts and tests what is already there.
        self.audience = Audience()
        self.looked_up = 0
        self.matched = 0  # chatters the matcher has checked against storage
        self.unknown = 0  # of those, how many needed a lookup
        self.lookups_done = 0  # of those, how many are answered (found, gone or failed)
        self.failed_lookups: list[int] = []
        self.lookup_error: HelixError | None = None
        self._pending: list[Chatter] = []
        self._batches: asyncio.Queue[list[Chatter] | None] = asyncio.Queue()
        self.writes = WriteBehind(db, capture_id, clock=clock, pages_left=self._pages_left)
        # Earlier logins of the known chatters (only they can have any), read page by page as
        # they are matched, so that none of it is left for after the last page (issue 21).
        self.renames: dict[int, list[str]] = {}
        self._renamed_now: set[int] = set()  # renamed in this capture: read again at the end
        self.viewer_count: int | None = None

    # --- progress -------------------------------------------------------------------------------

    def progress(self) -> CaptureProgress:
        return CaptureProgress(
            channel_id=self.channel_id,
            pages=self.pages,
            chatters_seen=len(self.seen),
            total=self.total,
            looked_up=self.looked_up,
            to_look_up=self.unknown - self.lookups_done,
            eta_s=self._eta(),
            started_at=self.started_at,
        )

    def _pages_left(self) -> int:
        """Pages still to fetch, by the latest `total` (chatters come and go meanwhile)."""
        if self.total is None:
            return 1
        return max(0, math.ceil(self.total / MAX_CHATTERS_PAGE) - self.pages)

    def _eta(self) -> float | None:
        if self.total is None or self.pages == 0:
            return None
        per_page = (time.monotonic() - self.t0) / self.pages
        pages_left = self._pages_left()
        unknown_share = self.unknown / max(1, self.matched)
        unmatched = max(0, self.total - self.matched)
        calls = math.ceil((self.unknown - self.lookups_done + unknown_share * unmatched) / MAX_IDS)
        keys = (None, str(self.moderator_id))
        bucket_s = self.helix.limiters.seconds_for(calls + pages_left, keys, Priority.CAPTURE)
        tail = per_page if calls else 0.0  # the last page's lookups come after it
        return max(pages_left * per_page, bucket_s) + tail

    def report(self) -> None:
        if self.on_progress is None:
            return
        try:
            self.on_progress(self.progress())
        except Exception:
            log.exception("capture progress callback failed")

    # --- pipeline -------------------------------------------------------------------------------

    async def execute(self) -> RunOutcome:
        """Run the whole pipeline and say how it ended; never raises but for cancellation.

        Cancelled (the capturer stops it), it ends ``interrupted``; a failure of our own ends
        ``failed``, with its traceback in the log. What was captured is written either way.
        """
        try:
            reason = await self.fetch()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            status, reason = CaptureStatus.INTERRUPTED, ""
            with contextlib.suppress(Exception):
                await self.writes.flush()
        except Exception as exc:
            log.exception("capture %d of channel %d failed", self.capture_id, self.channel_id)
            status, reason = CaptureStatus.FAILED, Phrase(INTERNAL_ERROR, error=str(exc))
            with contextlib.suppress(Exception):
                await self.writes.flush()
        else:
            status = self._status(reason)
        return self._outcome(status, reason)

    def _status(self, reason: str) -> CaptureStatus:
        if not reason:
            return CaptureStatus.COMPLETE
        return CaptureStatus.PARTIAL if self.seen else CaptureStatus.FAILED

    def _outcome(self, status: CaptureStatus, reason: str) -> RunOutcome:
        accounts = self.all_accounts()
        return RunOutcome(
            status=status,
            reason=reason,
            total=self.total,
            chatters=len(self.seen),
            looked_up=self.looked_up,
            viewer_count=self.viewer_count,
            accounts=accounts,
            renames=self.renames,
            audience=self.audience,
        )

    def _gathered(self, reason: str) -> None:
        """Hand the chatters on while the last writes run (issue 21: they need not wait).

        Not when a chatter was renamed in this capture: its earlier logins are read back
        after the writes, so the result is whole only then.
        """
        if self.on_gathered is None or self._renamed_now:
            return
        try:
            self.on_gathered(self._outcome(self._status(reason), reason))
        except Exception:
            log.exception("capture %d: the early result could not be handed on", self.capture_id)

    async def fetch(self) -> str:
        """Fetch every page, match it in storage, and look up the accounts we never saw.

        Return "" when the chatter list is complete, else why it is not.
        """
        workers = [
            asyncio.create_task(self._lookup_worker(), name=f"lookup-{self.channel_id}-{i}")
            for i in range(self.lookup_workers)
        ]
        streams: asyncio.Task[int | None] = asyncio.create_task(self._viewer_count())
        # Pages go to a separate matcher so that storage never delays the next page: the
        # cursor chain is the one part of a capture that cannot run in parallel.
        pages: asyncio.Queue[ChattersPage | None] = asyncio.Queue()
        matcher = asyncio.create_task(self._match_pages(pages))
        writer = asyncio.create_task(self.writes.run())
        reason = ""
        try:
            cursor: str | None = None
            cursors: set[str] = set()
            while not matcher.done():  # a matcher that died ends the capture (raised below)
                try:
                    page = await self._page(cursor)
                except HelixError as exc:
                    log.warning("capture of %d stopped: %s", self.channel_id, exc)
                    reason = reason_for(exc)
                    break
                # Count it and pass it on as it is: the matcher reads its chatters, off the chain.
                self.pages += 1
                self.total = page.total
                pages.put_nowait(page)
                cursor = page.cursor
                if not cursor or not page.size:
                    break
                loop = self._cursor_loop(cursor, cursors)
                if loop:
                    log.warning("capture of %d stopped: %s", self.channel_id, loop)
                    reason = loop
                    break
                cursors.add(cursor)
            pages.put_nowait(None)
            await matcher
            for _ in workers:
                self._batches.put_nowait(None)
            await asyncio.gather(*workers)
            self.viewer_count = await streams
            reason = self._with_failed_lookups(reason)
            self._gathered(reason)  # every chatter is in: what is left is writing them
            self.writes.close()
            await writer
            await self.writes.flush()
            await self._reread_renames()
        except BaseException:
            # The writer is not cancelled mid-write (that would roll its rows back): it stops
            # at its next wake-up, and whatever is still buffered is written by the caller.
            self.writes.close()
            for task in (*workers, streams, matcher):
                task.cancel()
            await asyncio.gather(*workers, streams, matcher, writer, return_exceptions=True)
            raise
        return reason

    def _with_failed_lookups(self, reason: str) -> str:
        if not self.failed_lookups:
            return reason
        why = reason_for(self.lookup_error) if self.lookup_error else Phrase(UNAVAILABLE)
        count = Fmt("num", len(self.failed_lookups))
        missing = Phrase(LOOKUPS_FAILED, count=count, why=why)
        return joined(reason, "; ", missing) if reason else missing

    async def _reread_renames(self) -> None:
        """Read the earlier logins of the chatters renamed in this capture, now it is written.

        For everyone else the page-by-page read stands: their names did not change meanwhile.
        """
        if not self._renamed_now:
            return
        ids = list(self._renamed_now)
        fresh = await self.db.accounts.earlier_logins(ids)
        for uid in ids:
            self.renames.pop(uid, None)
        self.renames.update(fresh)

    def _cursor_loop(self, cursor: str, seen: set[str]) -> str:
        """Why the cursor chain must stop (it repeats, or runs past the total), else ""."""
        if cursor in seen:
            return Phrase(LIST_REPEATED, pages=Fmt("num", self.pages))
        total = self.total or 0
        # A chain longer than the total needs (chatters come and go meanwhile: some slack).
        most = math.ceil(total / MAX_CHATTERS_PAGE) + CURSOR_SLACK_PAGES + total // 10_000
        if self.pages >= most:
            return Phrase(LIST_OVERRAN, total=Fmt("num", total), pages=Fmt("num", self.pages))
        return ""

    async def _page(self, cursor: str | None) -> ChattersPage:
        return await self.helix.get_chatters(
            self.channel_id, self.moderator_id, after=cursor, priority=Priority.CAPTURE
        )

    async def _viewer_count(self) -> int | None:
        try:
            streams = await self.helix.get_streams([self.channel_id], priority=Priority.CAPTURE)
        except HelixError as exc:
            log.warning("no viewer count for %d: %s", self.channel_id, exc)
            return None
        return streams[0].viewer_count if streams else None

    def _take_page(self, page: ChattersPage) -> list[Chatter]:
        """Return the chatters a page adds."""
        fresh = []
        for c in page.chatters:
            # Pages shift while people come and go: a chatter listed twice counts once.
            if c.user_id not in self.seen:
                self.seen[c.user_id] = (c.login, c.display_name, len(self.seen))
                fresh.append(c)
        return fresh

    async def _match_pages(self, pages: asyncio.Queue[ChattersPage | None]) -> None:
        while (page := await pages.get()) is not None:
            await self._match(self._take_page(page))
            self.report()  # promptly after the first page: the bot announces it at once
        self._queue_lookups(final=True)
        # From here on, write as lookups land: the last write after the last lookup is small.
        self.writes.eager()

    async def _match(self, fresh: list[Chatter]) -> None:
        """Split chatters into known accounts (renames recorded) and lookups; store them."""
        if not fresh:
            return
        # Read aside: a read on the writes' connection would wait for the batch being written.
        reads = self.db.aside.accounts
        known = await reads.get_brief([c.user_id for c in fresh])
        self.matched += len(fresh)
        if known:
            self.renames.update(await reads.earlier_logins(list(known)))
        landed: list[Account] = []
        for c in fresh:
            acc = known.get(c.user_id)
            if acc is not None and acc.created_at is not None:
                if acc.login != c.login or acc.display_name != c.display_name:
                    self.writes.renamed(c.user_id, c.login, c.display_name)
                    self._renamed_now.add(c.user_id)
                else:
                    self.writes.unchanged(c.user_id)
                landed.append(slim_known(acc, c.login, c.display_name))
            else:
                self._pending.append(c)
                self.unknown += 1
        self._queue_lookups(final=False)
        self._landed(landed)
        self.writes.chatters((c.user_id, c.login) for c in fresh)
        self.writes.handed_over()
        if self.on_chatters is not None:
            try:
                await self.on_chatters([c.user_id for c in fresh])
            except Exception:
                log.exception("capture %d: reading along the pages failed", self.capture_id)

    def _queue_lookups(self, *, final: bool) -> None:
        while len(self._pending) >= MAX_IDS or (final and self._pending):
            batch, self._pending = self._pending[:MAX_IDS], self._pending[MAX_IDS:]
            self._batches.put_nowait(batch)

    async def _lookup_worker(self) -> None:
        me = self.moderator_id
        while (batch := await self._batches.get()) is not None:
            ids = [c.user_id for c in batch]
            try:
                found = await self.helix.look_up(
                    ids,
                    priority=Priority.CAPTURE,
                    via=(None, me),
                    # Leave the moderator's token enough points for the pages still to come.
                    spare={me: self._pages_left() + 2},
                )
            except HelixError as exc:
                log.warning("lookup of %d accounts failed: %s", len(ids), exc)
                self.lookup_error = exc
                self.failed_lookups.extend(ids)
                self.lookups_done += len(ids)
                continue
            by_id = {a.user_id: a for a in found}
            now = self.clock()
            # Storage gets the full accounts; the capture keeps the slim ones (bot.capture.slim).
            self.writes.looked_up(found)
            landed: list[Account] = []
            for c in batch:
                a = by_id.get(c.user_id)
                if a is not None:
                    landed.append(slim_looked_up(a, c.login, c.display_name))
                else:
                    # Get Users no longer returns it: deleted or suspended.
                    self.writes.gone(c.user_id, c.login, c.display_name)
                    landed.append(gone(c.user_id, c.login, c.display_name, now))
            self._landed(landed)
            self.looked_up += len(found)
            self.lookups_done += len(ids)
            self.writes.handed_over()

    def _landed(self, accounts: list[Account]) -> None:
        """Keep accounts that have landed, and put them in the analysis columns."""
        seen, kept = self.seen, self.accounts
        for a in accounts:
            kept[a.user_id] = a
        self.audience.add(accounts, [seen[a.user_id][2] for a in accounts])

    def all_accounts(self) -> tuple[Account, ...]:
        """Return every captured chatter's account, in the order Twitch listed them.

        A chatter without one (its lookup failed, or the capture stopped first) is given a bare
        account first, kept and put in the analysis columns like any other.
        """
        if len(self.accounts) < len(self.seen):
            have = self.accounts
            self._landed(
                [
                    Account(uid, login, name)
                    for uid, (login, name, _) in self.seen.items()
                    if uid not in have
                ]
            )
        return tuple(self.accounts[uid] for uid in self.seen)
