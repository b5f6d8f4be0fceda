"""When the raid detector trips: `Thresholds`, and the three `Sensitivity` presets a channel
chooses from (see docs/defence.md for what each number means).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Sensitivity(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a window trips; `for_sensitivity` gives a channel's set."""

    window_s: float = 20.0
    min_messages: int = 8
    min_accounts: int = 6
    young_days: float = 30.0
    similarity: float = 0.5
    short_chars: int = 8  # a skeleton shorter than this is "short"
    short_young_share: float = 0.5
    fresh_days: float = 2.0
    fresh_accounts: int = 12
    incoming_s: float = 300.0
    quiet_s: float = 60.0

    @classmethod
    def for_sensitivity(cls, sensitivity: Sensitivity | str) -> Thresholds:
        s = Sensitivity(sensitivity)
        if s is Sensitivity.LOW:
            return cls(min_messages=12, min_accounts=9, fresh_accounts=20)
        if s is Sensitivity.HIGH:
            return cls(min_messages=5, min_accounts=4, fresh_accounts=8, young_days=90.0)
        return cls()
