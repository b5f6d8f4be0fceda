"""The `!botcheck` service: a report token, the capture, the report, and the words for chat.

`commands.botcheck` parses and guards; this runs the check and says how it went, so the
command only replies with `CheckAnswer.text` and audits the outcome. Every way a check can go
wrong ends in one plain sentence here: Twitch not answering, the database or the disk refusing
writes. The answer goes out as soon as the analysis is final; the report files are written
right after (`Reports.write_later`), and if they cannot be, the channel is told so.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.capture import CaptureBusy, CaptureProgress, Capturer
from bot.chat import prefix_keeping_link
from bot.helix import HelixError
from bot.pages import Reports, new_report_token
from reports.text import num
from storage import CaptureStatus, StorageError

log = logging.getLogger(__name__)

# Say "checking N chatters, about T s" at once when the capture will take longer than this.
ANNOUNCE_AFTER_S = 3.0
NOT_STARTED = (
    "The check could not start: Twitch did not answer as expected. Please try again in a minute."
)
NOT_STORED = (
    "The check could not be saved: botcheck's database or disk refuses writes right now "
    "(it has been logged). Please try again later."
)
# Faults of the database or the filesystem under it (disk full, read-only, no file descriptors).
STORAGE_FAULTS = (StorageError, sqlite3.Error, OSError)


def files_failed_sentence(reason: str) -> str:
    """What the channel hears when a report's files could not be written after the answer."""
    return f"The report page could not be saved: {reason}; the link above will not work."


@dataclass(frozen=True, slots=True)
class CheckRequest:
    channel_id: int
    channel_name: str
    moderator_id: int  # whose token reads the chatter list (the bot account's)
    requested_by_id: int
    requested_by_login: str
    window: timedelta | None = None


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    """What to say in chat, and how the check ended (for the audit)."""

    text: str
    outcome: str
    detail: str = ""


def progress_sentence(p: CaptureProgress) -> str:
    seen = f"{num(p.chatters_seen)} of {num(p.total)}" if p.total else num(p.chatters_seen)
    eta = f", about {max(1, round(p.eta_s))} s left" if p.eta_s else ""
    return f"Already checking this chat: {seen} chatters so far{eta}."


class Checks:
    """Runs one check of a channel's chatters and words its answer."""

    def __init__(self, *, capturer: Capturer, reports: Reports) -> None:
        self._capturer = capturer
        self._reports = reports

    def progress(self, channel_id: int) -> CaptureProgress | None:
        """How far the channel's running check is, or None when none runs."""
        return self._capturer.progress(channel_id)

    def busy(self, channel_id: int) -> CheckAnswer | None:
        """The answer for a channel whose check is still running, else None."""
        running = self._capturer.progress(channel_id)
        if running is None:
            return None
        return CheckAnswer(progress_sentence(running), "busy")

    async def run(
        self, request: CheckRequest, announce: Callable[[str], Awaitable[object]]
    ) -> CheckAnswer:
        """Capture, build the report, and word the answer; `announce` says a long check starts."""
        announced: list[asyncio.Task[object]] = []

        async def say(text: str) -> object:
            return await announce(text)

        def on_progress(p: CaptureProgress) -> None:
            if not announced and p.eta_s is not None and p.eta_s > ANNOUNCE_AFTER_S:
                total = num(p.total) if p.total is not None else "the"
                text = f"Checking {total} chatters, about {round(p.eta_s)} s."
                announced.append(asyncio.create_task(say(text)))

        try:
            result = await self._capturer.capture(
                channel_id=request.channel_id,
                moderator_id=request.moderator_id,
                requested_by_id=request.requested_by_id,
                requested_by_login=request.requested_by_login,
                report_token=new_report_token(),
                on_progress=on_progress,
            )
        except CaptureBusy as busy:
            return CheckAnswer(progress_sentence(busy.progress), "busy")
        except HelixError as exc:
            log.warning("capture in %s failed: %s", request.channel_name, exc)
            return CheckAnswer(NOT_STARTED, "failed", str(exc))
        except STORAGE_FAULTS as exc:
            log.error("capture in %s could not be stored: %s", request.channel_name, exc)
            return CheckAnswer(NOT_STORED, "failed", f"storage: {exc}")
        finally:
            if announced:
                await asyncio.gather(*announced, return_exceptions=True)

        capture = result.capture
        if capture.status not in (CaptureStatus.COMPLETE, CaptureStatus.PARTIAL):
            reason = capture.status_reason or "unknown reason"
            return CheckAnswer(
                f"The check did not finish: {reason}.",
                capture.status.value,
                capture.status_reason or "",
            )
        title = f"Chatters of {request.channel_name}"
        try:
            built = await self._reports.prepare(result, window=request.window)
        except STORAGE_FAULTS as exc:
            log.error(
                "the result of a check in %s could not be stored: %s", request.channel_name, exc
            )
            return CheckAnswer(NOT_STORED, "failed", f"storage: {exc}")

        async def tell_failure(reason: str) -> object:
            return await announce(files_failed_sentence(reason))

        self._reports.write_later(result, built, title=title, on_failure=tell_failure)
        text = built.summary
        if capture.status is CaptureStatus.PARTIAL:
            prefix = f"Partial check ({capture.status_reason})."
            text = prefix_keeping_link(prefix, text, built.links.page)
        detail = (
            f"capture {capture.capture_id}, {capture.chatter_count} chatters, "
            f"verdict {built.analysis.verdict.level.value}"
        )
        return CheckAnswer(text, capture.status.value, detail)
