"""What the commands use, opened once in the entry point and handed to the bot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.capture import Capturer
from bot.chat import Pacer
from bot.helix import Helix
from bot.pages.captures import Reports
from bot.pages.streams import StreamReports
from bot.settings import Settings
from storage import Database

if TYPE_CHECKING:
    from bot.history.recorder import Recorder
    from bot.streams.alerts import Alerts
    from bot.streams.tracker import StreamTracker


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    db: Database
    helix: Helix
    capturer: Capturer
    reports: Reports
    stream_reports: StreamReports
    pacer: Pacer
    clock: Callable[[], datetime] = utc_now
    # Channel history (None where a caller, e.g. a test, runs without it).
    recorder: Recorder | None = None
    streams: StreamTracker | None = None
    alerts: Alerts | None = None
