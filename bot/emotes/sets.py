"""The third-party emote sets of every served channel and the global sets, kept fresh.

Each (provider, channel) set and each provider's global set is fetched with httpx, kept on disk
in DATA_DIR/emotes/sets/ (one JSON file each, 0600, folder 0700) with when it was fetched, and
fetched again once a day; a restart reads the files and fetches only what is due. An unreachable
API, an error status or an answer in no known shape keeps the last good set; one line a round
in the log says so for each provider, and that set is tried again an hour later. A 404 for a
channel is a good answer: the channel has no account there, its set is empty.

`find(channel_id, text)` is on the ingest path: one dict per channel maps every emote name the
channel can use to its column token, so a message costs one `isdisjoint` over its words when it
holds no third-party emote (most do not) and one look-up per word when it does. Precedence when
names collide: Twitch's own emotes (the message fragments) first, then the channel's sets before
the global ones, and within each 7TV, then BetterTTV, then FrankerFaceZ.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bot.emotes.providers import MalformedSet, Pairs, Provider
from storage.emotes import encode

__all__ = ["EmoteSets", "write_private"]

log = logging.getLogger(__name__)

DAY_S = 86_400.0
RETRY_S = 3_600.0
MAX_BYTES = 5_000_000  # a channel's 7TV set with 1,000 emotes is about 1 MB
Key = tuple[str, int | None]  # (provider, channel id; None: the global set)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def write_private(path: Path, data: bytes) -> None:
    """Write `data` atomically as a 0600 file in a 0700 folder."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(slots=True)
class _Set:
    pairs: Pairs = ()
    fetched_at: datetime | None = None
    failed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Round:
    """What one refresh round did."""

    updated: int = 0
    kept: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # provider -> first error


class EmoteSets:
    """Third-party emote names per channel (see the module docstring)."""

    def __init__(
        self,
        *,
        providers: Iterable[Provider],
        directory: Path,
        channels: Callable[[], Iterable[int]],
        interval_s: float = DAY_S,
        retry_s: float = RETRY_S,
        check_s: float = 60.0,
        join_poll_s: float = 1.0,
        clock: Callable[[], datetime] = _utc_now,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.providers = tuple(providers)
        self._by_key = {p.key: p for p in self.providers}
        self._dir = directory
        self._channels = channels
        self.interval_s = interval_s
        self.retry_s = retry_s
        self.check_s = check_s
        self.join_poll_s = join_poll_s
        self._clock = clock
        self._transport = transport
        self._timeout_s = timeout_s
        self._sets: dict[Key, _Set] = {}
        self._global: dict[str, str] = {}  # name -> token
        self._tables: dict[int, dict[str, str]] = {}
        self._ids: dict[str, set[str]] = {p.key: set() for p in self.providers}
        self._task: asyncio.Task[None] | None = None

    @property
    def directory(self) -> Path:
        """Where the sets are kept."""
        return self._dir

    # -- the ingest path ------------------------------------------------------------------------

    def find(self, channel_id: int, text: str, twitch: Collection[str] = ()) -> tuple[str, ...]:
        """The tokens of the third-party emotes in `text`, in order (Twitch's own excluded)."""
        table = self._tables.get(channel_id)
        if table is None:
            table = self._global
        if not table:
            return ()
        words = text.split()
        if table.keys().isdisjoint(words):
            return ()
        if twitch:
            return tuple(table[w] for w in words if w in table and w not in twitch)
        return tuple(table[w] for w in words if w in table)

    def known(self, provider: str, emote_id: str) -> bool:
        """Whether `emote_id` is in some set of `provider` we hold (the image route asks)."""
        ids = self._ids.get(provider)
        return ids is not None and emote_id in ids

    def names(self, channel_id: int | None = None) -> dict[str, str]:
        """Every name `channel_id` (None: any channel) can use, with its token (a copy)."""
        return dict(self._global if channel_id is None else self._tables.get(channel_id, {}))

    def put(self, provider: str, channel_id: int | None, pairs: Pairs) -> None:
        """Hold `pairs` as a set, as a fetch would (benchmarks; not kept on disk)."""
        self._sets[(provider, channel_id)] = _Set(tuple(pairs), self._clock())
        self._rebuild_all()

    # -- the disk cache -------------------------------------------------------------------------

    def _path(self, key: Key) -> Path:
        provider, channel = key
        return self._dir / f"{provider}-{'global' if channel is None else channel}.json"

    def _url(self, key: Key) -> str:
        p = self._by_key[key[0]]
        return p.global_url() if key[1] is None else p.channel_url(key[1])

    def load_cached(self) -> int:
        """Read the sets kept on disk; return how many were read (unreadable ones are skipped)."""
        read = 0
        for p in self.providers:
            for path in sorted(self._dir.glob(f"{p.key}-*.json")):
                scope = path.stem.removeprefix(f"{p.key}-")
                if scope != "global" and not scope.isdigit():
                    continue
                key: Key = (p.key, None if scope == "global" else int(scope))
                try:
                    kept = json.loads(path.read_text(encoding="utf-8"))
                    if kept.get("url") != self._url(key):
                        continue  # another API base: fetch afresh
                    pairs = tuple((str(i), str(n)) for i, n in kept["emotes"])
                    fetched_at = datetime.fromisoformat(kept["fetched_at"])
                except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                    log.warning("emote set cache %s unreadable, fetching afresh: %s", path, exc)
                    continue
                self._sets[key] = _Set(pairs, fetched_at)
                read += 1
        self._rebuild_all()
        return read

    def _save(self, key: Key, one: _Set) -> None:
        kept = {
            "url": self._url(key),
            "fetched_at": one.fetched_at.isoformat() if one.fetched_at else None,
            "emotes": [list(pair) for pair in one.pairs],
        }
        try:
            write_private(self._path(key), json.dumps(kept).encode("utf-8"))
        except OSError as exc:
            log.warning("cannot keep the emote set in %s: %s", self._path(key), exc)

    # -- fetching -------------------------------------------------------------------------------

    async def _fetch(self, client: httpx.AsyncClient, key: Key) -> Pairs:
        """Fetch one set; raise httpx.HTTPError or MalformedSet for anything but a good set."""
        p = self._by_key[key[0]]
        resp = await client.get(self._url(key), headers={"Accept": "application/json"})
        if resp.status_code == 404 and key[1] is not None:
            return ()  # the channel has no account with this provider
        if resp.status_code != 200:
            raise MalformedSet(f"HTTP {resp.status_code}")
        if len(resp.content) > MAX_BYTES:
            raise MalformedSet(f"over {MAX_BYTES} bytes")
        try:
            data = json.loads(resp.content)
        except ValueError:
            raise MalformedSet("not JSON") from None
        return p.parse_global(data) if key[1] is None else p.parse_channel(data)

    def due(self) -> list[Key]:
        """The sets to fetch now: never fetched or a day old, and not failed within the hour."""
        now = self._clock()
        keys: list[Key] = [(p.key, None) for p in self.providers]
        channels = sorted(set(self._channels()))
        keys += [(p.key, c) for c in channels for p in self.providers]
        out = []
        for key in keys:
            one = self._sets.get(key)
            if one is None:
                out.append(key)
                continue
            if one.failed_at is not None and now - one.failed_at < timedelta(seconds=self.retry_s):
                continue
            fresh = one.fetched_at is not None and now - one.fetched_at < timedelta(
                seconds=self.interval_s
            )
            if not fresh:
                out.append(key)
        return out

    async def refresh_due(self) -> Round:
        """Fetch every set that is due (see `due`); one log line per provider that failed."""
        keys = self.due()
        if not keys:
            return Round()
        updated, kept = 0, 0
        failures: dict[str, str] = {}
        touched: set[int | None] = set()
        async with httpx.AsyncClient(
            transport=self._transport, timeout=self._timeout_s, follow_redirects=True
        ) as client:
            for key in keys:
                try:
                    pairs = await self._fetch(client, key)
                except (httpx.HTTPError, MalformedSet) as exc:
                    kept += 1
                    failures.setdefault(key[0], f"{self._url(key)}: {exc or type(exc).__name__}")
                    one = self._sets.setdefault(key, _Set())
                    one.failed_at = self._clock()
                    continue
                one = _Set(pairs, self._clock())
                self._sets[key] = one
                self._save(key, one)
                touched.add(key[1])
                updated += 1
        for provider, first in failures.items():
            log.warning("%s emote sets: keeping the last good sets (%s)", provider, first)
        if None in touched:
            self._rebuild_all()
        else:
            for channel in touched:
                if channel is not None:
                    self._rebuild(channel)
            self._reindex_ids()
        return Round(updated, kept, failures)

    # -- the look-up tables ---------------------------------------------------------------------

    def _table(self, channel: int | None) -> dict[str, str]:
        table: dict[str, str] = {}
        # Lowest precedence first, so later assignments win: globals, then the channel's;
        # within each, FrankerFaceZ, then BetterTTV, then 7TV.
        scopes: list[int | None] = [None] if channel is None else [None, channel]
        for scope in scopes:
            for p in reversed(self.providers):
                one = self._sets.get((p.key, scope))
                if one is not None:
                    for emote_id, name in one.pairs:
                        table[name] = encode(p.key, emote_id, name)
        return table

    def _rebuild(self, channel: int) -> None:
        self._tables[channel] = self._table(channel)

    def _rebuild_all(self) -> None:
        self._global = self._table(None)
        channels = {c for _, c in self._sets if c is not None}
        self._tables = {c: self._table(c) for c in channels}
        self._reindex_ids()

    def _reindex_ids(self) -> None:
        ids: dict[str, set[str]] = {p.key: set() for p in self.providers}
        for (provider, _), one in self._sets.items():
            ids[provider].update(i for i, _ in one.pairs)
        self._ids = ids

    # -- the background refresh -----------------------------------------------------------------

    def start(self) -> None:
        """Refresh in the background: what is due at once, then every `check_s` what fell due,
        and a channel's sets within `join_poll_s` of the bot joining it."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="emote-sets-refresh")

    async def close(self) -> None:
        """Stop refreshing (safe twice)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        seen: frozenset[int] = frozenset()
        checked = float("-inf")
        loop = asyncio.get_running_loop()
        while True:
            channels = frozenset(self._channels())
            if channels - seen or loop.time() - checked >= self.check_s:
                seen, checked = channels, loop.time()  # a newly joined channel: at once
                try:
                    await self.refresh_due()
                except Exception:
                    log.exception("emote set refresh failed")
            await asyncio.sleep(self.join_poll_s)
