"""What a capture reports: its result, its progress as it runs, and why it stopped short."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.helix.errors import (
    HelixAuthError,
    HelixError,
    HelixForbidden,
    HelixRateLimited,
    HelixUnavailable,
)
from reports.i18n import N_
from storage import Account, Capture, CaptureStatus

# Stored English (the capture row); `bot.checks` says them in the channel's language.
NOT_A_MODERATOR = N_("bot is no longer a moderator")
RATE_LIMITED = N_("rate limited for too long")
UNAVAILABLE = N_("Twitch did not answer")
AUTH_REJECTED = N_("Twitch rejected the bot's token")
PROCESS_STOPPED = N_("botcheck stopped while the capture ran")


@dataclass(frozen=True, slots=True)
class CaptureProgress:
    channel_id: int
    pages: int
    chatters_seen: int
    total: int | None
    looked_up: int
    to_look_up: int
    eta_s: float | None
    started_at: datetime


def reason_for(exc: HelixError) -> str:
    """The `partial` reason for a capture that Helix stopped."""
    if isinstance(exc, HelixForbidden):
        return NOT_A_MODERATOR
    if isinstance(exc, HelixRateLimited):
        return RATE_LIMITED
    if isinstance(exc, HelixUnavailable):
        return UNAVAILABLE
    if isinstance(exc, HelixAuthError):
        return AUTH_REJECTED
    return f"Twitch refused a request: {exc}"


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """A finished capture: its row, every captured chatter's account, and the renames among them.

    Accounts Get Users no longer returns have ``created_at=None`` and ``gone_at`` set; accounts
    whose lookup failed (the capture is then partial) have neither.
    """

    capture: Capture
    accounts: tuple[Account, ...]
    viewer_count: int | None
    renames: Mapping[int, Sequence[str]]
    # An early result's writes (`Capturer.capture(early=True)`): the result as stored.
    stored: asyncio.Future[CaptureResult] | None = None


class CaptureBusy(Exception):
    """A capture of this channel is already running; `progress` says how far it is."""

    def __init__(self, progress: CaptureProgress) -> None:
        super().__init__(f"a capture of channel {progress.channel_id} is already running")
        self.progress = progress


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How one capture run ended; the capturer writes it into the capture row.

    ``reason`` is empty for a complete or interrupted run (the capturer knows why it stopped one).
    """

    status: CaptureStatus
    reason: str
    total: int | None
    chatters: int
    looked_up: int
    viewer_count: int | None
    accounts: tuple[Account, ...]
    renames: Mapping[int, Sequence[str]]  # earlier logins of the renamed chatters, by id
