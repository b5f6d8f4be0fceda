"""Stream sessions and viewer samples (the tracker), and the alerts they raise."""

from __future__ import annotations

from bot.streams.alerts import Alerts, offline_text, online_text
from bot.streams.tracker import PollResult, StreamTracker

__all__ = [
    "Alerts",
    "PollResult",
    "StreamTracker",
    "offline_text",
    "online_text",
]
