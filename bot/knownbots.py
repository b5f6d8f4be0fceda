"""Maintained known-bot lists: `BOTCHECK_KNOWN_BOTS_URL`, refreshed daily, beside the file.

The list at the URL is fetched with If-Modified-Since (Twitch-adjacent projects publish theirs
as static files) and kept on disk with its date in DATA_DIR/known-bots/ (`list.txt` as
fetched, `meta.json` with Last-Modified and when it was fetched), so a restart needs no fetch.
An unreachable source, an error status or a list in no shape `reports.knownbots` accepts keeps
the last good list and logs one line. `logins()` is the union of the file's list and the URL's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from reports.knownbots import KnownBotsError, parse_known_bots
from reports.render import _atomic_write

__all__ = ["KnownBotsSource"]

log = logging.getLogger(__name__)

LIST, META = "list.txt", "meta.json"
DAY_S = 86_400.0
MAX_BYTES = 20_000_000  # the largest public lists are a few MB


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KnownBotsSource:
    """The known-bot logins: the file's (fixed) and the URL's (refreshed every `interval_s`)."""

    def __init__(
        self,
        *,
        url: str | None,
        directory: Path,
        file_logins: frozenset[str] = frozenset(),
        interval_s: float = DAY_S,
        clock: Callable[[], datetime] = _utc_now,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self.url = url
        self._dir = directory
        self._file = file_logins
        self.interval_s = interval_s
        self._clock = clock
        self._transport = transport
        self._timeout_s = timeout_s
        self._fetched: frozenset[str] = frozenset()
        self._logins = file_logins
        self.last_modified: str | None = None
        self.fetched_at: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    def logins(self) -> frozenset[str]:
        """Return every known-bot login now (the file's and the URL's last good list)."""
        return self._logins

    def load_cached(self) -> int:
        """Read the last good list from disk; return how many logins it holds (0 if none)."""
        if self.url is None:
            return 0
        try:
            meta = json.loads((self._dir / META).read_text(encoding="utf-8"))
            if meta.get("url") != self.url:
                return 0  # a list from another source: fetch afresh
            text = (self._dir / LIST).read_text(encoding="utf-8-sig")
            logins = parse_known_bots(text, source=str(self._dir / LIST))
        except FileNotFoundError:
            return 0
        except (OSError, ValueError, KnownBotsError, AttributeError) as exc:
            log.warning(
                "known-bot list cache in %s unreadable, fetching afresh: %s", self._dir, exc
            )
            return 0
        self.last_modified = meta.get("last_modified")
        fetched = meta.get("fetched_at")
        self.fetched_at = datetime.fromisoformat(fetched) if isinstance(fetched, str) else None
        self._set(logins)
        return len(logins)

    async def refresh(self) -> str:
        """Fetch the URL once; return "updated", "unchanged" or "kept" (the last good list)."""
        if self.url is None:
            return "kept"
        headers = {"If-Modified-Since": self.last_modified} if self.last_modified else {}
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=self._timeout_s, follow_redirects=True
            ) as client:
                resp = await client.get(self.url, headers=headers)
        except httpx.HTTPError as exc:
            log.warning(
                "known-bot list %s unreachable, keeping the last good list: %s", self.url, exc
            )
            return "kept"
        now = self._clock()
        if resp.status_code == 304:
            self.fetched_at = now
            self._save_meta()
            return "unchanged"
        if resp.status_code != 200:
            log.warning(
                "known-bot list %s answered %d, keeping the last good list",
                self.url,
                resp.status_code,
            )
            return "kept"
        if len(resp.content) > MAX_BYTES:
            log.warning(
                "known-bot list %s is over %d bytes, keeping the last good list",
                self.url,
                MAX_BYTES,
            )
            return "kept"
        try:
            text = resp.content.decode("utf-8-sig")
            logins = parse_known_bots(text, source=self.url)
        except (UnicodeDecodeError, KnownBotsError) as exc:
            log.warning("keeping the last good known-bot list: %s", exc)
            return "kept"
        self._dir.mkdir(parents=True, exist_ok=True)
        _atomic_write(self._dir / LIST, text.encode("utf-8"))
        self.last_modified = resp.headers.get("Last-Modified")
        self.fetched_at = now
        self._save_meta()
        self._set(logins)
        log.info("known-bot list %s: %d logins", self.url, len(logins))
        return "updated"

    def due_in(self) -> float:
        """Return seconds until the next fetch is due (0: now)."""
        if self.fetched_at is None:
            return 0.0
        due = self.fetched_at + timedelta(seconds=self.interval_s)
        return max(0.0, (due - self._clock()).total_seconds())

    def start(self) -> None:
        """Refresh in the background: at once when the cache is older than a day, then daily."""
        if self.url is not None and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="known-bots-refresh")

    async def close(self) -> None:
        """Stop refreshing (safe twice)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.due_in())
            try:
                result = await self.refresh()
            except Exception:
                log.exception("known-bot list refresh failed")
                result = "kept"
            if result == "kept":
                # Try again in an hour (or the interval, if shorter) rather than a day.
                self.fetched_at = self._clock() - timedelta(
                    seconds=max(0.0, self.interval_s - min(3600.0, self.interval_s))
                )

    def _set(self, fetched: frozenset[str]) -> None:
        self._fetched = fetched
        self._logins = self._file | fetched

    def _save_meta(self) -> None:
        meta = {
            "url": self.url,
            "last_modified": self.last_modified,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
        }
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            _atomic_write(self._dir / META, json.dumps(meta).encode("utf-8"))
        except OSError as exc:
            log.warning("cannot keep the known-bot list's date in %s: %s", self._dir, exc)
