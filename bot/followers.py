"""The `!botcheck followers` service: capture the follows, analyse, write the report, word it.

Report files live in DATA_DIR/followers/<token>/ (index.html, followers.csv, analysis.json) and
are served under the one report-link scheme (`bot.pages.links`) for the report lifetime; the
folder's page file dates the report, so no table is needed.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.capture.followers import MAX_FOLLOWS, FollowersNotReadable, capture_followers
from bot.chat import prefix_keeping_link
from bot.helix import Helix, HelixError
from bot.pages.links import TOKEN_RE, Links, new_report_token
from reports.follower_report import (
    FollowerLinks,
    follower_csv,
    follower_json,
    follower_page,
    follower_summary,
)
from reports.followers import Follower, FollowerAnalysis, analyze_followers
from reports.i18n import ENGLISH, N_, Speaker, said
from reports.render import _atomic_write
from storage import Database

__all__ = ["FollowerAnswer", "FollowerChecks"]

log = logging.getLogger(__name__)

PAGE, CSV, JSON = "index.html", "followers.csv", "analysis.json"
CHANNEL = "channel"  # the channel id, so `forget` finds the channel's reports
COOLDOWN = "followers-cooldown"  # the channel's mark (db.marks) while the cooldown runs
NOT_READABLE = N_(
    "I cannot read this channel's followers: the bot account needs the "
    "moderator:read:followers permission (the bot's owner runs botcheck auth again)."
)
FAILED = N_("The follower check could not run: Twitch did not answer as expected. Try again later.")


@dataclass(frozen=True, slots=True)
class FollowerAnswer:
    """What to say in chat and how the check ended (for the audit)."""

    text: str
    outcome: str
    detail: str = ""
    analysis: FollowerAnalysis | None = None
    link: str = ""


class FollowerChecks:
    """Runs follower checks, one per channel at a time, with a per-channel cooldown."""

    def __init__(
        self,
        *,
        db: Database,
        helix: Helix,
        data_dir: Path,
        public_url: str,
        ttl: timedelta,
        clock: Callable[[], datetime],
        cooldown_s: float = 60.0,
        limit: int = MAX_FOLLOWS,
    ) -> None:
        self._db = db
        self._helix = helix
        self._root = data_dir / "followers"
        self._public_url = public_url.rstrip("/")
        self._ttl = ttl
        self._clock = clock
        self._cooldown_s = cooldown_s
        self._limit = limit
        self._running: set[int] = set()

    def directory(self, token: str) -> Path:
        return self._root / token

    async def run(
        self,
        *,
        channel_id: int,
        channel_name: str,
        moderator_id: int,
        window: timedelta | None = None,
        speaker: Speaker = ENGLISH,
    ) -> FollowerAnswer:
        """Check the channel's latest follows and return the chat answer in `speaker`'s words."""
        tr = speaker
        if channel_id in self._running:
            return FollowerAnswer(
                tr.say("A follower check of this channel is already running."), "busy"
            )
        # The cooldown is a mark in the database: in conduit mode the next request may reach
        # another process (storage.channel_state).
        now = self._clock()
        cooldown = await self._db.marks.get(channel_id, COOLDOWN, now=now)
        if cooldown is not None:
            left = cooldown.left(now).total_seconds()
            return FollowerAnswer(
                tr.say(
                    "!botcheck followers just ran here; try again in {secs} s.",
                    secs=max(1, round(left)),
                ),
                "cooldown",
                f"{left:.0f} s left",
            )
        self._running.add(channel_id)
        until = now + timedelta(seconds=self._cooldown_s)
        await self._db.marks.set(channel_id, COOLDOWN, until=until, now=now)
        try:
            return await self._run(channel_id, channel_name, moderator_id, window, tr)
        finally:
            self._running.discard(channel_id)

    async def _run(
        self,
        channel_id: int,
        channel_name: str,
        moderator_id: int,
        window: timedelta | None,
        tr: Speaker,
    ) -> FollowerAnswer:
        now = self._clock()
        try:
            got = await capture_followers(
                db=self._db,
                helix=self._helix,
                channel_id=channel_id,
                moderator_id=moderator_id,
                now=now,
                window=window,
                limit=self._limit,
                clock=self._clock,
            )
        except FollowersNotReadable as exc:
            return FollowerAnswer(tr.say(NOT_READABLE), "failed", str(exc))
        except HelixError as exc:
            log.warning("follower check of %s failed: %s", channel_name, exc)
            return FollowerAnswer(tr.say(FAILED), "failed", str(exc))
        analysis = await asyncio.to_thread(analyze_followers, got.followers, now=self._clock())
        token = new_report_token()
        links = Links.for_token(self._public_url, token)
        summary = follower_summary(analysis, links.page, tr)
        if got.partial_reason:
            prefix = tr.say("Partial check ({reason}).", reason=said(got.partial_reason, tr))
            summary = prefix_keeping_link(prefix, summary, links.page)
        await asyncio.to_thread(
            self._write,
            token,
            analysis,
            got.followers,
            channel_id=channel_id,
            title=tr.say("Followers of {name}", name=channel_name),
            partial=said(got.partial_reason, tr),
            speaker=tr,
        )
        detail = (
            f"{analysis.follows} follows of {got.total}, {got.looked_up} looked up, "
            f"verdict {analysis.verdict.level.value}"
        )
        return FollowerAnswer(summary, "complete", detail, analysis, links.page)

    def _write(
        self,
        token: str,
        analysis: FollowerAnalysis,
        followers: Sequence[Follower],
        *,
        channel_id: int,
        title: str,
        partial: str,
        speaker: Speaker = ENGLISH,
    ) -> None:
        out = self.directory(token)
        out.mkdir(parents=True, exist_ok=True)
        _atomic_write(out / CHANNEL, str(channel_id).encode("ascii"))
        _atomic_write(out / CSV, follower_csv(analysis, followers).encode("utf-8"))
        _atomic_write(out / JSON, follower_json(analysis).encode("utf-8"))
        page = follower_page(
            analysis,
            title=title,
            links=FollowerLinks.for_token(token),
            partial=partial,
            speaker=speaker,
        )
        _atomic_write(out / PAGE, page.encode("utf-8"))  # last: the report is complete

    async def resolve(self, token: str) -> Path | None:
        """Return a follower report's directory, or None when unknown or expired."""
        if TOKEN_RE.fullmatch(token) is None:
            return None
        page = self.directory(token) / PAGE
        try:
            written = page.stat().st_mtime
        except OSError:
            return None
        if written < self._clock().timestamp() - self._ttl.total_seconds():
            return None
        return page.parent

    async def forget(self, channel_id: int) -> int:
        """Delete every follower report of a channel (`!botcheck forget`); return how many."""
        if not self._root.is_dir():
            return 0
        removed = 0
        for directory in list(self._root.iterdir()):
            try:
                owner = (directory / CHANNEL).read_text(encoding="ascii").strip()
            except OSError:
                continue
            if owner == str(channel_id):
                await asyncio.to_thread(shutil.rmtree, directory, True)
                removed += 1
        return removed

    async def purge_expired(self) -> int:
        """Delete follower reports past their time; return how many."""
        if not self._root.is_dir():
            return 0
        cutoff = self._clock().timestamp() - self._ttl.total_seconds()
        removed = 0
        for directory in list(self._root.iterdir()):
            page = directory / PAGE
            try:
                expired = page.stat().st_mtime < cutoff
            except OSError:
                expired = True
            if expired:
                await asyncio.to_thread(shutil.rmtree, directory, True)
                removed += 1
        return removed
