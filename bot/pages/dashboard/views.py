"""What the pages and the API show, gathered from storage and the report files.

Pages render these records with Jinja2; the API turns them into JSON (`to_json`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.pages.dashboard.deps import DashboardDeps
from reports.i18n import from_data
from reports.render import SAID
from storage import (
    Account,
    Capture,
    CaptureStatus,
    Channel,
    ChatMessage,
    ModerationEvent,
    NameRecord,
    StreamSession,
)
from storage.dashboard import CheckSession, Overlap

log = logging.getLogger(__name__)

FINISHED = (CaptureStatus.COMPLETE, CaptureStatus.PARTIAL)


@dataclass(frozen=True, slots=True)
class ChannelRow:
    channel: Channel
    live: bool
    viewers: int | None
    last_check: Capture | None
    last_stream: StreamSession | None
    timezone: str = "UTC"  # the channel's IANA timezone
    language: str = "en"  # the channel's language code (reports/i18n.py)


@dataclass(frozen=True, slots=True)
class Wave:
    start: date
    end: date
    count: int

    def overlaps(self, other: Wave) -> bool:
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True, slots=True)
class Comparison:
    earlier: Capture
    later: Capture
    overlap: Overlap
    appeared: tuple[Wave, ...]  # waves of the later check that the earlier one did not have
    vanished: tuple[Wave, ...]
    waves_known: bool  # both analyses were readable


@dataclass(frozen=True, slots=True)
class CheckView:
    capture: Capture
    expires_at: datetime | None  # None: kept
    report_url: str | None  # the public report, while it is served
    analysis: dict[str, Any] | None
    previous: Capture | None
    sessions: tuple[CheckSession, ...]
    reasons: tuple[str, ...] = ()  # the verdict's reasons as phrases, when the report kept them


@dataclass(frozen=True, slots=True)
class ChatterView:
    channel: Channel
    user_id: int
    login: str
    account: Account | None
    names: tuple[NameRecord, ...]
    checks: tuple[Capture, ...]
    messages: tuple[ChatMessage, ...]
    message_count: int
    actions: tuple[ModerationEvent, ...]


class Views:
    """Builds the records above for one `DashboardDeps`."""

    def __init__(self, deps: DashboardDeps) -> None:
        self.deps = deps
        self.db = deps.db
        self.store = deps.db.dashboard

    def expires_at(self, capture: Capture) -> datetime | None:
        if capture.pinned:
            return None
        return capture.started_at + timedelta(days=self.deps.report_ttl_days)

    async def channel_rows(self, channels: list[Channel]) -> list[ChannelRow]:
        rows = []
        for channel in channels:
            stream = await self.db.history.latest_session(channel.channel_id)
            live = stream is not None and stream.live
            viewers = await self.db.stats.current_viewers(channel.channel_id) if live else None
            rows.append(
                ChannelRow(
                    channel=channel,
                    live=live,
                    viewers=viewers,
                    last_check=await self.db.captures.latest(channel.channel_id),
                    last_stream=stream,
                    timezone=await self.db.channels.timezone(channel.channel_id),
                    language=await self.db.channels.language(channel.channel_id),
                )
            )
        return rows

    async def check(self, channel: Channel, capture_id: int) -> Capture | None:
        capture = await self.db.captures.get(capture_id)
        if capture is None or capture.channel_id != channel.channel_id:
            return None
        return capture

    async def analysis(self, capture: Capture) -> dict[str, Any] | None:
        """Return the check's analysis.json while its report is served; note the chart numbers."""
        if capture.status not in FINISHED:
            return None
        directory = await self.deps.resolve_report(capture.report_token)
        if directory is None:
            return None
        data = await asyncio.to_thread(_read_json, directory / "analysis.json")
        if data is not None:
            try:
                analysed = int(data["totals"]["analysed"])
                flagged = int(data["flagged"])
            except (KeyError, TypeError, ValueError):
                return data
            await self.store.set_metrics(capture.capture_id, analysed=analysed, flagged=flagged)
        return data

    async def fill_metrics(self, channel: Channel, *, limit: int = 30) -> None:
        """Read the analyses of recent checks the chart has no numbers for yet."""
        for point in (await self.store.series(channel.channel_id, limit=limit))[::-1]:
            if point.analysed is None:
                capture = await self.db.captures.get(point.capture_id)
                if capture is not None:
                    await self.analysis(capture)

    async def check_view(self, capture: Capture) -> CheckView:
        analysis = await self.analysis(capture)
        served = analysis is not None
        return CheckView(
            capture=capture,
            expires_at=self.expires_at(capture),
            report_url=f"{self.deps.public_url}/r/{capture.report_token}" if served else None,
            analysis=analysis,
            previous=await self.store.previous_check(capture),
            sessions=tuple(await self.store.sessions_of_check(capture.capture_id)),
            reasons=await self._reasons(capture, analysis),
        )

    async def _reasons(self, capture: Capture, analysis: dict[str, Any] | None) -> tuple[str, ...]:
        """The verdict's reasons as phrases (`reports.render.SAID`), said in the page's
        language; () for reports written before they were kept, whose English is shown."""
        if analysis is None:
            return ()
        directory = await self.deps.resolve_report(capture.report_token)
        if directory is None:
            return ()
        try:
            raw = await asyncio.to_thread((directory / SAID).read_text, encoding="utf-8")
            stored = json.loads(raw)
        except (OSError, ValueError):
            return ()
        english = analysis.get("verdict", {}).get("reasons", [])
        if not isinstance(stored, list) or len(stored) != len(english):
            return ()
        return tuple(from_data(r) for r in stored)

    async def compare(self, earlier: Capture, later: Capture) -> Comparison:
        if earlier.capture_id > later.capture_id:
            earlier, later = later, earlier
        overlap = await self.store.overlap(earlier.capture_id, later.capture_id)
        a, b = await self.analysis(earlier), await self.analysis(later)
        waves_a, waves_b = _waves(a), _waves(b)
        return Comparison(
            earlier=earlier,
            later=later,
            overlap=overlap,
            appeared=tuple(w for w in waves_b if not any(w.overlaps(x) for x in waves_a)),
            vanished=tuple(w for w in waves_a if not any(w.overlaps(x) for x in waves_b)),
            waves_known=a is not None and b is not None,
        )

    async def chatter(self, channel: Channel, user_id: int) -> ChatterView | None:
        """Return what the channel knows of one user, or None when it never saw them."""
        if not await self.store.seen_in_channel(channel.channel_id, user_id):
            return None
        account = await self.db.accounts.get(user_id)
        messages = await self.store.user_messages(channel.channel_id, user_id, limit=200)
        checks = await self.store.checks_with_user(channel.channel_id, user_id)
        login = account.login if account else ""
        if not login and messages:
            login = messages[0].login
        if not login and checks:
            login = str(user_id)
        return ChatterView(
            channel=channel,
            user_id=user_id,
            login=login or str(user_id),
            account=account,
            names=tuple(await self.db.accounts.names(user_id)),
            checks=tuple(checks),
            messages=tuple(messages),
            message_count=await self.store.user_message_count(channel.channel_id, user_id),
            actions=tuple(await self.store.user_actions(channel.channel_id, user_id)),
        )


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _waves(analysis: dict[str, Any] | None) -> list[Wave]:
    if analysis is None:
        return []
    out = []
    for w in analysis.get("waves", []):
        try:
            out.append(
                Wave(date.fromisoformat(w["start"]), date.fromisoformat(w["end"]), int(w["count"]))
            )
        except (KeyError, TypeError, ValueError):
            continue
    return out
