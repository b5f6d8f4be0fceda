"""Raid pages on disk, under a report token: `/r/<token>` like every other report page.

A raid page's directory holds ``index.html``, ``chatters.csv`` (the accounts) and
``analysis.json`` (the raid), the names the report routes serve, and a marker file that makes
the routes send the raid page's own Content-Security-Policy. The token is random (192 bits);
a page is served for `ttl` after it was written.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.pages.links import RAID_MARKER, TOKEN_RE, Links, new_report_token
from reports.i18n import ENGLISH, Speaker
from reports.raid_model import Raid
from reports.raid_page import RaidLinks, raid_csv_text, raid_json_text, raid_page_html

log = logging.getLogger(__name__)

SUBDIR = "raids"


def _write(directory: Path, raid: Raid, token: str, speaker: Speaker) -> None:
    tmp = directory.with_name(directory.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    links = RaidLinks.for_token(token)
    (tmp / "index.html").write_text(
        raid_page_html(raid, links=links, speaker=speaker), encoding="utf-8"
    )
    (tmp / "chatters.csv").write_text(raid_csv_text(raid), encoding="utf-8")
    (tmp / "analysis.json").write_text(raid_json_text(raid), encoding="utf-8")
    # The marker names the channel, so that `!botcheck forget` finds the channel's pages.
    (tmp / RAID_MARKER).write_text(raid.channel, encoding="utf-8")
    tmp.rename(directory)


class RaidPages:
    """Write raid pages and find them again by token."""

    def __init__(
        self,
        data_dir: Path,
        public_url: str,
        *,
        ttl: timedelta,
        clock: Callable[[], float] = time.time,
        token: Callable[[], str] = new_report_token,
    ) -> None:
        self.root = Path(data_dir) / SUBDIR
        self.public_url = public_url
        self.ttl = ttl
        self._clock = clock
        self._token = token

    async def write(self, raid: Raid, speaker: Speaker = ENGLISH) -> Links:
        """Write the raid's page (in `speaker`'s language) and downloads off the event loop;
        return its links."""
        token = self._token()
        await asyncio.to_thread(_write, self.root / token, raid, token, speaker)
        return Links.for_token(self.public_url, token)

    async def resolve(self, token: str) -> Path | None:
        """Return the page's directory, or None when unknown or expired."""
        if not TOKEN_RE.fullmatch(token):
            return None
        directory = self.root / token
        try:
            written = (directory / RAID_MARKER).stat().st_mtime
        except OSError:
            return None
        if self._clock() - written > self.ttl.total_seconds():
            return None
        return directory

    async def forget(self, channel_id: int) -> int:
        """Delete every raid page of a channel (`!botcheck forget`); return how many went.

        Pages name their channel in the marker file; older ones (an empty marker) in
        ``analysis.json``. A page that cannot be removed is logged and left for its expiry.
        """

        def owner(directory: Path) -> str:
            try:
                named = (directory / RAID_MARKER).read_text(encoding="utf-8").strip()
                if named:
                    return named
                data = json.loads((directory / "analysis.json").read_text(encoding="utf-8"))
                return str(data.get("channel", ""))
            except (OSError, ValueError, AttributeError):
                return ""

        def remove() -> int:
            removed = 0
            if not self.root.is_dir():
                return 0
            for directory in list(self.root.iterdir()):
                if not directory.is_dir() or owner(directory) != str(channel_id):
                    continue
                shutil.rmtree(directory, ignore_errors=True)
                if directory.exists():
                    log.error("could not remove raid page %s of channel %s", directory, channel_id)
                else:
                    removed += 1
            return removed

        return await asyncio.to_thread(remove)

    async def purge_expired(self) -> int:
        """Delete the pages past their time; return how many."""

        def purge() -> int:
            removed = 0
            if not self.root.is_dir():
                return 0
            cutoff = self._clock() - self.ttl.total_seconds()
            for directory in self.root.iterdir():
                marker = directory / RAID_MARKER
                if marker.is_file() and marker.stat().st_mtime < cutoff:
                    shutil.rmtree(directory, ignore_errors=True)
                    removed += 1
            return removed

        removed = await asyncio.to_thread(purge)
        if removed:
            log.info("removed %d expired raid page(s)", removed)
        return removed
