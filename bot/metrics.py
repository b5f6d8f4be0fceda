"""Process-wide counters any module may bump, with no dependency: `metrics.bump("captures")`.

`bot.pages.health` exposes them at `/metrics` through prometheus-client when
BOTCHECK_METRICS is on; nothing else imports prometheus. Counters only grow; a label set is a
short tuple of strings (a command name, a status), never a user's text.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

# name -> (help text, label names); `bump` refuses names not listed, so a typo fails in tests.
COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "commands": ("Chat commands run, by command name", ("command",)),
    "command_errors": ("Chat commands that failed, by command name", ("command",)),
    "captures": ("Chatter captures finished, by status", ("status",)),
    "helix_429": ("Helix answers 429 (rate limited)", ()),
}

_lock = threading.Lock()
_counts: Counter[tuple[str, tuple[str, ...]]] = Counter()


def bump(name: str, *labels: str, by: int = 1) -> None:
    """Add `by` to the counter `name` for the label values `labels`."""
    spec = COUNTERS.get(name)
    if spec is None or len(spec[1]) != len(labels):
        raise KeyError(f"counter {name!r} with {len(labels)} label(s) is not in COUNTERS")
    with _lock:
        _counts[(name, labels)] += by


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    labels: tuple[str, ...]
    value: int


def snapshot() -> tuple[Sample, ...]:
    """Every counter with its current value, sorted by name and labels."""
    with _lock:
        items = sorted(_counts.items())
    return tuple(Sample(name, labels, value) for (name, labels), value in items)


def value(name: str, *labels: str) -> int:
    """One counter's value (0 when never bumped)."""
    with _lock:
        return _counts[(name, labels)]


def reset() -> None:
    """Forget every count (tests)."""
    with _lock:
        _counts.clear()
