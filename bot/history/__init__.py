"""Chat and moderation history: the Recording component, converters, the batched recorder,
retention and forgetting a channel."""

from __future__ import annotations

from bot.history.forget import Forgotten, forget_channel
from bot.history.recorder import Recorder, RecorderClosed, RecorderStats
from bot.history.recording import Recording
from bot.history.retention import Retention

__all__ = [
    "Forgotten",
    "Recorder",
    "RecorderClosed",
    "RecorderStats",
    "Recording",
    "Retention",
    "forget_channel",
]
