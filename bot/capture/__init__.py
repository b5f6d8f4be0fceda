"""One chatter capture: its model (result, progress, reasons), its pipeline, and the capturer."""

from __future__ import annotations

from bot.capture.capturer import Capturer
from bot.capture.model import (
    AUTH_REJECTED,
    BOTCHECK_STOPPED,
    CHANNEL_DELETED,
    NOT_A_MODERATOR,
    PROCESS_STOPPED,
    RATE_LIMITED,
    UNAVAILABLE,
    CaptureBusy,
    CaptureProgress,
    CaptureResult,
    reason_code,
    reason_for,
    stop_reason,
)

__all__ = [
    "AUTH_REJECTED",
    "BOTCHECK_STOPPED",
    "CHANNEL_DELETED",
    "NOT_A_MODERATOR",
    "PROCESS_STOPPED",
    "RATE_LIMITED",
    "UNAVAILABLE",
    "CaptureBusy",
    "CaptureProgress",
    "CaptureResult",
    "Capturer",
    "reason_code",
    "reason_for",
    "stop_reason",
]
