"""Parse the optional window of `!botcheck 30d` / `!botcheck 8w`."""

from __future__ import annotations

import re
from datetime import timedelta

_WINDOW = re.compile(r"^\s*(\d{1,5})\s*(d|day|days|w|wk|week|weeks)?\s*$", re.IGNORECASE)
MAX_DAYS = 3650


def parse_window(text: str) -> timedelta:
    """Return the window `text` names ("30d", "8w", "14"), or raise ValueError with a sentence."""
    m = _WINDOW.match(text)
    if m is None:
        raise ValueError(
            f"I could not read {text.strip()[:20]!r} as a window: "
            "use days or weeks, like 30d or 8w."
        )
    number = int(m.group(1))
    unit = (m.group(2) or "d").lower()
    days = number * 7 if unit.startswith("w") else number
    if days < 1:
        raise ValueError("The window must be at least one day.")
    if days > MAX_DAYS:
        raise ValueError(f"The window can be at most {MAX_DAYS:,} days (about 10 years).")
    return timedelta(days=days)
