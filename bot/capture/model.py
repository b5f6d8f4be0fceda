"""What a capture reports: its result, its progress as it runs, and why it stopped short."""

from __future__ import annotations

import asyncio
import json
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
from reports.audience import Audience
from reports.i18n import N_, Phrase, from_data, to_data
from storage import Account, Capture, CaptureStatus

# Why a capture stopped short. Stored as English (`status_reason`) and as a phrase
# (`status_said`); `stop_reason` reads it back for chat, the dashboard and the API.
NOT_A_MODERATOR = N_("bot is no longer a moderator")
RATE_LIMITED = N_("rate limited for too long")
UNAVAILABLE = N_("Twitch did not answer")
AUTH_REJECTED = N_("Twitch rejected the bot's token")
PROCESS_STOPPED = N_("botcheck stopped while the capture ran")
BOTCHECK_STOPPED = N_("botcheck was stopped while this check ran")
CHANNEL_DELETED = N_("the channel's data was deleted")
REQUEST_CANCELLED = N_("the request was cancelled")
CANCELLED = N_("the check was cancelled")
REFUSED = N_("Twitch refused a request: {error}")
INTERNAL_ERROR = N_("internal error: {error}")
LIST_REPEATED = N_("Twitch's chatter list repeated itself after {pages} pages")
LIST_OVERRAN = N_("Twitch's chatter list ran past its total of {total} after {pages} pages")
LOOKUPS_FAILED = N_("{count} accounts could not be looked up ({why})")
FILES_FAILED = N_("its report files could not be written ({error})")

# Said in chat after an answer whose capture's last writes failed (never a capture's reason).
NOT_STORED = N_("its chatters could not be stored ({error})")

# Stable machine names of the reasons (the API's `status_reason_code`), by message id.
REASON_CODES: Mapping[str, str] = {
    NOT_A_MODERATOR: "not_moderator",
    RATE_LIMITED: "rate_limited",
    UNAVAILABLE: "twitch_unavailable",
    AUTH_REJECTED: "token_rejected",
    PROCESS_STOPPED: "process_stopped",
    BOTCHECK_STOPPED: "botcheck_stopped",
    CHANNEL_DELETED: "channel_deleted",
    REQUEST_CANCELLED: "request_cancelled",
    CANCELLED: "cancelled",
    REFUSED: "twitch_refused",
    INTERNAL_ERROR: "internal_error",
    LIST_REPEATED: "chatter_list_repeated",
    LIST_OVERRAN: "chatter_list_overran",
    LOOKUPS_FAILED: "lookups_failed",
    FILES_FAILED: "report_files_failed",
}


def reason_said(reason: str) -> str:
    """A reason as the JSON kept in `status_said` ("" for plain text, shown as it is)."""
    if isinstance(reason, Phrase):
        return json.dumps(to_data(reason), ensure_ascii=False)
    return ""


def stop_reason(capture: Capture) -> str:
    """Why the capture stopped short, as a phrase `reports.i18n.said` says in any language.

    Rows written before reasons were kept as phrases give their English: a known fixed reason
    is still translated, any other text is shown as it is.
    """
    if capture.status_said:
        try:
            stored = from_data(json.loads(capture.status_said))
        except (ValueError, TypeError, KeyError):
            stored = None
        if isinstance(stored, Phrase):
            return stored
    text = capture.status_reason
    return Phrase(text) if text in REASON_CODES and "{" not in text else text


def reason_code(reason: str) -> str | None:
    """The stable name of a reason ("lookups_failed", …); None for plain or legacy text.
    Reasons joined one after another are named by the first."""
    if not isinstance(reason, Phrase):
        return None
    code = REASON_CODES.get(reason.message)
    first = reason.values.get("p0")
    if code is None and isinstance(first, str):
        return reason_code(first)
    return code


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
        return Phrase(NOT_A_MODERATOR)
    if isinstance(exc, HelixRateLimited):
        return Phrase(RATE_LIMITED)
    if isinstance(exc, HelixUnavailable):
        return Phrase(UNAVAILABLE)
    if isinstance(exc, HelixAuthError):
        return Phrase(AUTH_REJECTED)
    return Phrase(REFUSED, error=str(exc))


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
    # The accounts in analysis columns, filled while the capture ran (issue 21); None for a
    # result read back from storage.
    audience: Audience | None = None


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
    audience: Audience | None = None  # `accounts` in analysis columns
