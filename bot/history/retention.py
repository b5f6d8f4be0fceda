"""Retention: chat text older than `BOTCHECK_CHAT_RETENTION_DAYS` is forgotten (the statistics of
those messages stay), and expired report files are removed; at start and then every hour."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from storage.history import History


class Expiring(Protocol):
    """Reports that know which of their files are past their time (botcheck and stream)."""

    async def purge_expired(self) -> int: ...


log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Swept:
    texts_forgotten: int
    reports_removed: int


class Retention:
    """Run the retention sweep once (`sweep`) or every `interval_s` (`start`/`close`)."""

    def __init__(
        self,
        history: History,
        reports: Sequence[Expiring],
        *,
        chat_days: int,
        clock: Callable[[], datetime],
        interval_s: float = 3600.0,
    ) -> None:
        self._history = history
        self._reports = reports
        self._keep = timedelta(days=chat_days)
        self._clock = clock
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> Swept:
        """Forget old chat text and remove expired reports; return what went."""
        cutoff = self._clock() - self._keep
        texts = await self._history.forget_text_before(cutoff)
        reports = 0
        for kind in self._reports:
            reports += await kind.purge_expired()
        if texts:
            log.info("retention: forgot the text of %d message(s) sent before %s", texts, cutoff)
        return Swept(texts, reports)

    def start(self) -> None:
        """Sweep now and then every `interval_s`, in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="botcheck-retention")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # try again next time
                log.exception("retention sweep failed")
            await asyncio.sleep(self.interval_s)
