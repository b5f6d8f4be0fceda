"""The `!botcheck` service: a report token, the capture, the report, and the words for chat.

`commands.botcheck` parses and guards; this runs the check and says how it went, so the
command only replies with `CheckAnswer.text` and audits the outcome. Every way a check can go
wrong ends in one plain sentence here: Twitch not answering, the database or the disk refusing
writes. The answer goes out as soon as the analysis is final, while the capture's last rows
are still being written; the verdict is recorded and the report files are written right after
(`Reports.write_later`), and if either cannot be, the channel is told so.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.capture import CaptureBusy, CaptureProgress, Capturer, CaptureResult, stop_reason
from bot.chat import prefix_keeping_link
from bot.helix import HelixError
from bot.pages import Reports, new_report_token
from reports.i18n import ENGLISH, N_, Speaker, said
from storage import Capture, CaptureStatus, StorageError

log = logging.getLogger(__name__)

# Say "checking N chatters, about T s" at once when the capture will take longer than this.
ANNOUNCE_AFTER_S = 3.0
NOT_STARTED = N_(
    "The check could not start: Twitch did not answer as expected. Please try again in a minute."
)
NOT_STORED = N_(
    "The check could not be saved: botcheck's database or disk refuses writes right now "
    "(it has been logged). Please try again later."
)
# Faults of the database or the filesystem under it (disk full, read-only, no file descriptors).
STORAGE_FAULTS = (StorageError, sqlite3.Error, OSError)
_FINISHED = (CaptureStatus.COMPLETE, CaptureStatus.PARTIAL)


def _retrieved(task: asyncio.Future[CaptureResult]) -> None:
    if not task.cancelled():
        task.exception()


def files_failed_sentence(reason: str, tr: Speaker = ENGLISH) -> str:
    """What the channel hears when a report's files could not be written after the answer."""
    return tr.say(
        "The report page could not be saved: {reason}; the link above will not work.",
        reason=said(reason, tr),
    )


@dataclass(frozen=True, slots=True)
class CheckRequest:
    channel_id: int
    channel_name: str
    moderator_id: int  # whose token reads the chatter list (the bot account's)
    requested_by_id: int
    requested_by_login: str
    window: timedelta | None = None
    speaker: Speaker = ENGLISH  # the channel's language for what is said before the report


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    """What to say in chat, and how the check ended (for the audit)."""

    text: str
    outcome: str
    detail: str = ""


def progress_sentence(p: CaptureProgress, tr: Speaker = ENGLISH) -> str:
    seen = tr.num(p.chatters_seen)
    if p.total:
        seen = tr.say("{seen} of {total}", seen=seen, total=tr.num(p.total))
    eta = tr.say(", about {seconds} s left", seconds=max(1, round(p.eta_s))) if p.eta_s else ""
    return tr.say("Already checking this chat: {seen} chatters so far{eta}.", seen=seen, eta=eta)


class Checks:
    """Runs one check of a channel's chatters and words its answer."""

    def __init__(self, *, capturer: Capturer, reports: Reports) -> None:
        self._capturer = capturer
        self._reports = reports

    def progress(self, channel_id: int) -> CaptureProgress | None:
        """How far the channel's running check is, or None when none runs."""
        return self._capturer.progress(channel_id)

    def busy(self, channel_id: int, tr: Speaker = ENGLISH) -> CheckAnswer | None:
        """The answer for a channel whose check is still running, else None."""
        running = self._capturer.progress(channel_id)
        if running is None:
            return None
        return CheckAnswer(progress_sentence(running, tr), "busy")

    async def run(
        self, request: CheckRequest, announce: Callable[[str], Awaitable[object]]
    ) -> CheckAnswer:
        """Capture, build the report, and word the answer; `announce` says a long check starts."""
        announced: list[asyncio.Task[object]] = []
        tr = request.speaker

        async def say(text: str) -> object:
            return await announce(text)

        def on_progress(p: CaptureProgress) -> None:
            if not announced and p.eta_s is not None and p.eta_s > ANNOUNCE_AFTER_S:
                seconds = round(p.eta_s)
                if p.total is not None:
                    text = tr.say(
                        "Checking {total} chatters, about {seconds} s.",
                        total=tr.num(p.total),
                        seconds=seconds,
                    )
                else:
                    text = tr.say("Checking the chatters, about {seconds} s.", seconds=seconds)
                announced.append(asyncio.create_task(say(text)))

        along = self._reports.read_along(request.channel_id)
        try:
            result = await self._capturer.capture(
                channel_id=request.channel_id,
                moderator_id=request.moderator_id,
                requested_by_id=request.requested_by_id,
                requested_by_login=request.requested_by_login,
                report_token=new_report_token(),
                on_progress=on_progress,
                early=True,  # analyse while its last writes run (issue 21)
                on_chatters=along.add if along is not None else None,
            )
        except CaptureBusy as busy:
            return CheckAnswer(progress_sentence(busy.progress, tr), "busy")
        except HelixError as exc:
            log.warning("capture in %s failed: %s", request.channel_name, exc)
            return CheckAnswer(tr.say(NOT_STARTED), "failed", str(exc))
        except STORAGE_FAULTS as exc:
            log.error("capture in %s could not be stored: %s", request.channel_name, exc)
            return CheckAnswer(tr.say(NOT_STORED), "failed", f"storage: {exc}")
        finally:
            if announced:
                await asyncio.gather(*announced, return_exceptions=True)

        capture = result.capture
        if capture.status not in _FINISHED:
            return self._not_finished(capture, tr)
        # The answer goes out while the capture's last writes run (issue 21); the verdict and
        # the files follow them (`write_later`), and the channel hears if they fail.
        writes = result.stored
        if writes is not None:
            writes.add_done_callback(_retrieved)  # read by `write_later`, or moot after a fault
        try:
            built = await self._reports.prepare(result, window=request.window, along=along)
        except Exception as exc:
            if writes is not None:  # the check is over once its capture is written
                await asyncio.wait([writes])
            if not isinstance(exc, STORAGE_FAULTS):
                raise
            log.error("the check in %s could not read what it needs: %s", request.channel_name, exc)
            return CheckAnswer(tr.say(NOT_STORED), "failed", f"storage: {exc}")
        tr = built.speaker  # the channel's, read with the result
        title = tr.say("Chatters of {channel}", channel=request.channel_name)

        async def tell_failure(reason: str) -> object:
            return await announce(files_failed_sentence(reason, tr))

        self._reports.write_later(result, built, title=title, on_failure=tell_failure)
        text = built.summary
        if capture.status is CaptureStatus.PARTIAL:
            reason = said(stop_reason(capture), tr)
            prefix = tr.say("Partial check ({reason}).", reason=reason)
            text = prefix_keeping_link(prefix, text, built.links.page)
        detail = (
            f"capture {capture.capture_id}, {capture.chatter_count} chatters, "
            f"verdict {built.analysis.verdict.level.value}"
        )
        return CheckAnswer(text, capture.status.value, detail)

    @staticmethod
    def _not_finished(capture: Capture, tr: Speaker) -> CheckAnswer:
        # The reasons are phrases: said in the channel's language.
        reason = said(stop_reason(capture), tr) or tr.say("unknown reason")
        return CheckAnswer(
            tr.say("The check did not finish: {reason}.", reason=reason),
            capture.status.value,
            capture.status_reason or "",
        )
